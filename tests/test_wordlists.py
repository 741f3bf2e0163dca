"""Word lists are data: no vocabulary in the code of kg/extract/ and kg/resolve/, and every list file of pipelines/ is
well formed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import kg.extract
import kg.resolve
from kg.extract.wordlists import PIPELINES_DIR, WORDLISTS_DIR, read_entries, word_pairs

RULE_DIRS = (Path(kg.extract.__file__).parent, Path(kg.resolve.__file__).parent)  # the stages that read word lists
MAX_STRINGS = 5  # a literal collection of more string constants than this is a word list: it belongs in pipelines/
# "style|based|like|free|aware|driven": a regex alternation of plain words, a word list written into a pattern
_WORD_ALTERNATION = re.compile(rf"(?:[A-Za-z][a-z]+\|){{{MAX_STRINGS},}}[A-Za-z][a-z]+")

MODULES = sorted(module for folder in RULE_DIRS for module in folder.rglob("*.py"))
LIST_FILES = sorted([*WORDLISTS_DIR.iterdir(), *(PIPELINES_DIR / "stoplists").glob("*.txt")])


def _strings(nodes: list[ast.expr | None]) -> int:
    return sum(1 for node in nodes if isinstance(node, ast.Constant) and isinstance(node.value, str))


def _word_lists_in(source: str, name: str) -> list[str]:
    """Where ``source`` (module ``name``) writes a word list in code: set/frozenset/list/tuple literals of more than
    ``MAX_STRINGS`` strings, dicts with more string keys or values, ``"a b c".split()``, regex alternations of words."""
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Set | ast.List | ast.Tuple) and _strings(node.elts) > MAX_STRINGS:
            found.append(f"{where}: {type(node).__name__.lower()} of {_strings(node.elts)} strings")
        elif isinstance(node, ast.Dict) and max(_strings(node.keys), _strings(node.values)) > MAX_STRINGS:
            found.append(f"{where}: dict of {max(_strings(node.keys), _strings(node.values))} strings")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "split"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
            and len(node.func.value.value.split()) > MAX_STRINGS
        ):
            found.append(f"{where}: a string of words split into a list")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _WORD_ALTERNATION.search(node.value):
            found.append(f"{where}: a regex alternation of words ({_WORD_ALTERNATION.search(node.value).group()})")
    return found


def test_modules_are_found():
    names = {path.name for path in MODULES}
    assert {"candidates.py", "roles.py", "gazetteer.py", "entity_types.py", "components.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_word_lists_in_code(path: Path):
    found = _word_lists_in(path.read_text(encoding="utf-8"), str(path.relative_to(RULE_DIRS[0].parents[1])))
    assert not found, "word lists in code; move them to pipelines/wordlists/ (kg.extract.wordlists):\n" + "\n".join(
        found
    )


def test_the_check_finds_word_lists():
    """The scan itself: each way of writing a word list in code is caught, short structural tuples are not."""
    words = [repr(f"w{i}") for i in range(MAX_STRINGS + 1)]
    listed = ", ".join(words)
    for source in (
        f"a = frozenset({{{listed}}})",
        f"a = ({listed})",
        f"a = [{listed}]",
        "a = {" + ", ".join(f"{word}: 1" for word in words) + "}",
        "a = {" + ", ".join(f"{number}: {word}" for number, word in enumerate(words)) + "}",
        'a = "one two three four five six".split()',
        'a = re.compile(r"^-(?:style|based|like|free|aware|driven)$")',
    ):
        assert _word_lists_in(source, "sample.py"), source
    for source in (
        'a = ("gazetteer", "abbreviation", "title", "pattern", "shape")',
        'a = {"gazetteer": 0.9, "abbreviation": 0.85, "title": 0.8, "pattern": 0.75, "shape": 0.55}',
        'a = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|X{1,3})$")',
        'a = re.compile(r"(?:" + alternation("coinage_followers") + r")")',
    ):
        assert not _word_lists_in(source, "sample.py"), source


def test_list_files_exist():
    assert any(path.suffix == ".txt" for path in WORDLISTS_DIR.iterdir())
    assert any(path.suffix == ".tsv" for path in WORDLISTS_DIR.iterdir())


@pytest.mark.parametrize("path", LIST_FILES, ids=lambda path: path.name)
def test_list_file_has_header_and_no_duplicates(path: Path):
    assert path.suffix in (".txt", ".tsv"), f"{path.name}: a list is NAME.txt, a table of pairs NAME.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].startswith("# ") and len(lines[0]) > 20, (
        f"{path.name}: the first line must be a '# ' comment saying what the list is for and how it is matched"
    )
    entries = read_entries(path)
    assert entries, f"{path.name}: no entries"
    if path.suffix == ".tsv":
        keys = [key for key, _ in word_pairs(path.stem)]  # also checks the key<TAB>value form
    else:
        keys = list(entries)
        assert all("\t" not in entry for entry in entries), f"{path.name}: a tab in a list entry (a .tsv table?)"
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"{path.name}: duplicate entries {duplicates}"
    if "lowercase" in lines[0].lower():  # a list matched on lowercased words never matches an entry with capitals
        capitalised = [entry for entry in entries if entry != entry.lower()]
        assert not capitalised, f"{path.name}: matched in lowercase, but has {capitalised}"


@pytest.mark.parametrize("path", sorted(WORDLISTS_DIR.iterdir()), ids=lambda path: path.name)
def test_every_word_list_is_read(path: Path):
    """Each file of pipelines/wordlists/ is read by the code under its name (no forgotten data)."""
    wanted = repr(path.stem)[1:-1]
    sources = [module.read_text(encoding="utf-8") for module in MODULES]
    assert any(f'"{wanted}"' in source for source in sources), f"{path.name}: read by no rule module"
