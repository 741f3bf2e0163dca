"""The command line's conventions: one vocabulary of options (no name meaning two things, no thing with two names),
old spellings that still work with a note, help text as written, --version, plain output into pipes, exit codes,
and docs/cli.md listing every command with its options."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from kg import __version__
from kg.cli import app
from kg.cli.options import DEPRECATED, TERMS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "cli.md"
KG = [str(Path(sys.executable).parent / "kg")]  # the installed command


def commands() -> Iterator[tuple[str, Any]]:
    """Every leaf command of ``kg``, by its full name (``query papers-using``). (Typer brings its own copy of
    click, so commands and options are told by what they have, not by class.)"""

    def walk(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), command

    yield from walk(typer.main.get_command(app), [])


def is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def options(hidden: bool = False) -> Iterator[tuple[str, Any]]:
    for name, command in commands():
        for param in command.params:
            if is_option(param) and param.hidden == hidden and param.name != "help":
                yield name, param


def test_no_option_name_means_two_things_and_no_thing_has_two_names() -> None:
    long_meaning: dict[str, set[str]] = defaultdict(set)  # --out -> {parameter names}
    short_long: dict[str, set[str]] = defaultdict(set)  # -o -> {--out}
    where: dict[str, set[str]] = defaultdict(set)
    for command, option in options():
        longs = [o for o in (*option.opts, *option.secondary_opts) if o.startswith("--")]
        shorts = [o for o in (*option.opts, *option.secondary_opts) if not o.startswith("--")]
        for name in longs:
            long_meaning[name].add(str(option.name))
            where[name].add(command)
        for short in shorts:
            short_long[short].add(longs[0])
            where[short].add(command)
    clashes = {n: (m, sorted(where[n])) for n, m in long_meaning.items() if len(m) > 1}
    assert clashes == {}, f"one long option, several meanings: {clashes}"
    shorts = {s: (sorted(ls), sorted(where[s])) for s, ls in short_long.items() if len(ls) > 1}
    assert shorts == {}, f"one short flag for different options: {shorts}"


def test_the_vocabulary_is_used_everywhere() -> None:
    """A thing of ``TERMS`` has its long name and short flag in every command that takes it, and no other thing
    uses them."""
    by_dest = {term.dest: term for term in TERMS}
    by_name = {name: term for term in TERMS for name in (term.long, term.short) if name}
    wrong = []
    for command, option in options():
        names = {o for o in option.opts if not o.startswith("--no-")}
        term = by_dest.get(str(option.name))
        if term is not None and names != {n for n in (term.long, term.short) if n}:
            wrong.append(f"kg {command}: {sorted(names)} for {term.dest}; the vocabulary says {term.long} {term.short}")
        for name in names:
            owner = by_name.get(name)
            if owner is not None and owner.dest != option.name:
                wrong.append(f"kg {command}: {name} is {owner.long} ({owner.meaning}), not {option.name}")
    assert wrong == []
    # the build folder is --out/-o in every command that reads or writes one
    readers = {"query papers-using", "entity", "html", "export", "sparql", "neo4j push", "build", "add"}
    for command, option in options():
        if command in readers and option.name == "out":
            assert option.opts == ["--out", "-o"], command
    assert {c for c, o in options() if o.name == "out"} >= readers


def test_old_spellings_are_hidden_and_listed() -> None:
    hidden = {(c, o) for c, option in options(hidden=True) for o in option.opts}
    listed = {key.split(" ")[0] for key in DEPRECATED}
    assert hidden, "the old spellings are kept for one release"
    for command, name in hidden:
        assert name in listed or name.startswith("-g"), f"kg {command} {name}: hidden but not in DEPRECATED"


def _kg(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", **(env or {})}
    return subprocess.run([*KG, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=120)


def test_help_is_rendered_as_written_and_version_is_printed() -> None:
    build_help = _kg("build", "--help").stdout
    assert "same: [a, b], different: [c, d]" in " ".join(build_help.split())
    entity_help = " ".join(_kg("entity", "--help").stdout.split())
    assert "same: [a, b] / different: [c, d]" in entity_help
    assert "<bool>" not in build_help + entity_help
    assert re.search(r"^\s+--json\s+Print JSON", _kg("query", "papers-using", "--help").stdout, re.M)
    assert re.search(r"^\s+--cache / --no-cache\s", build_help, re.M)
    version = _kg("--version")
    assert (version.returncode, version.stdout) == (0, f"kg {__version__}\n")


def test_exit_codes_tell_errors_from_usage_errors(tmp_path: Path) -> None:
    """0 done, 1 an error (here: no build folder), 2 the command line is wrong (an unknown option, an option value
    kg cannot take), each with one line on stderr (docs/cli.md, "Exit codes")."""
    result = _kg("query", "papers-using", "DPO", "--no-such-option")
    assert result.returncode == 2 and "No such option" in result.stderr
    result = _kg("query", "papers-using", "DPO", "--out", tmp_path / "nowhere")
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1 and "error:" in result.stderr
    (tmp_path / "one.jsonl").write_text('{"title": "T", "abstract": "We use DPO."}\n', encoding="utf-8")
    result = _kg("build", tmp_path / "one.jsonl", "--out", tmp_path / "o", "--formats", "graph,poster")
    assert result.returncode == 2 and result.stderr.startswith("error: --formats: poster"), result.stderr
    result = _kg("query", "papers-using", "DPO", "--out", tmp_path, "--since", "2024-13")
    assert result.returncode == 2 and "--since 2024-13: not a date" in result.stderr, result.stderr


def test_ctrl_c_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    import signal
    import time

    corpus = tmp_path / "big.jsonl"
    line = '{"title": "T%d", "abstract": "We fine-tune Llama 2 with DPO and evaluate on GSM8K and MATH."}\n'
    corpus.write_text("".join(line % i for i in range(40_000)), encoding="utf-8")
    process = subprocess.Popen(
        [*KG, "build", str(corpus), "--out", str(tmp_path / "out"), "--quiet", "--processes", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and stderr.strip().startswith("interrupted"), stderr
    out = tmp_path / "out"  # no output, no state; only the lock file and the cache of finished extractions
    assert not [name for name in ("graph.json", "state.sqlite", "graph.ttl", "site") if (out / name).exists()]


def test_docs_list_every_command_and_option() -> None:
    text = DOCS.read_text(encoding="utf-8")
    headers = [(m.group(1), m.start(), m.end()) for m in re.finditer(r"^### `kg ([a-z0-9 -]+)`$", text, re.M)]
    sections = {}
    for n, (name, start, _) in enumerate(headers):  # headers in a row share the text that follows them
        later = [h for h in headers[n + 1 :] if text[headers[headers.index(h) - 1][2] : h[1]].strip()]
        sections[name] = text[start : later[0][1] if later else len(text)]
    missing = []
    for command, click_command in commands():
        if command not in sections:
            missing.append(f"kg {command}: no section")
            continue
        body = sections[command]
        for param in click_command.params:
            shown = is_option(param) and not param.hidden and param.name != "help"
            if shown and not any(f"`{o}" in body for o in param.opts):
                missing.append(f"kg {command}: {param.opts[0]}")
    assert missing == []
    for term in TERMS:  # the vocabulary table
        assert f"`{term.long}`" in text, term.long
    for code in ("0", "1", "2", "130"):
        assert re.search(rf"^\| {code} \|", text, re.M), f"exit code {code} undocumented"


def test_readme_command_lines_use_commands_and_options_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Command line\n\n```sh\n(.*?)```", readme, re.S)
    assert block is not None
    tree = dict(commands())
    checked = 0
    for line in block.group(1).splitlines():
        for part in re.sub(r"\s+#\s.*$", "", line).split(" ; "):
            words = shlex.split(part)
            assert words[0] == "kg", part
            name = next(
                (n for n in sorted(tree, key=len, reverse=True) if words[1 : 1 + len(n.split())] == n.split()), None
            )
            assert name is not None, f"no command in {part!r}"
            known = {
                o for p in tree[name].params if is_option(p) and not p.hidden for o in (*p.opts, *p.secondary_opts)
            }
            used = [w.split("=")[0] for w in words if w.startswith("-") and w != "-"]
            assert set(used) <= known, f"{part!r}: {sorted(set(used) - known)} not options of kg {name}"
            checked += 1
    assert checked >= 19
