"""A real Neo4j Community for the tests and benchmarks: ``Launcher.java`` beside this file, built once with Maven.

``build()`` resolves the Neo4j jars with ``mvn dependency:build-classpath`` (downloaded once into ~/.m2) and
compiles the launcher with ``javac`` into ``build/neo4j-launcher/``; a stamp of the inputs (pom.xml, Launcher.java,
the java and javac found) means later runs only check that the jars are still there: no Maven, no network.
``Neo4jServer`` starts it on a free 127.0.0.1 Bolt port with authentication on (user ``neo4j``, ``PASSWORD``) and
stops it by closing its standard input. Java is a test fixture only; kg stays pure Python.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUILD = ROOT / "build" / "neo4j-launcher"
SOURCE = HERE / "src" / "main" / "java" / "kg" / "testing" / "Launcher.java"
POM = HERE / "pom.xml"
USER = "neo4j"
PASSWORD = "kg-test-Passw0rd"  # the test server's own; Neo4j wants at least 8 characters
JVM_OPTIONS = [
    # what Neo4j's own start script passes: the page cache and Netty want these
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-Dfile.encoding=UTF-8",
]


class LauncherError(Exception):
    """The Neo4j launcher could not be built or started; the message says why, in one line."""


def _one_line(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise LauncherError(f"{name} not found: install Java 17 and Maven (apt-get install openjdk-17-jdk maven)")
    return str(Path(found).resolve())


def _stamp() -> str:
    digest = hashlib.sha256()
    for part in (POM.read_bytes(), SOURCE.read_bytes(), _tool("java").encode(), _tool("javac").encode()):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _cached(stamp: str) -> list[str] | None:
    try:
        if (BUILD / "stamp").read_text() != stamp:
            return None
        entries = (BUILD / "classpath.txt").read_text().strip().split(os.pathsep)
    except OSError:
        return None
    classes = BUILD / "classes"
    if not (classes / "kg" / "testing" / "Launcher.class").exists() or not all(Path(e).exists() for e in entries):
        return None
    return [str(classes), *entries]


def build(timeout: float = 900.0) -> list[str]:
    """The launcher's classpath, built when pom.xml or Launcher.java changed (or the jars are gone)."""
    stamp = _stamp()
    found = _cached(stamp)
    if found is not None:
        return found
    BUILD.mkdir(parents=True, exist_ok=True)
    with (BUILD / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two sessions at once: one builds, the other waits and reuses it
        found = _cached(stamp)
        if found is not None:
            return found
        (BUILD / "stamp").unlink(missing_ok=True)
        listing = BUILD / "classpath.txt"
        command = [_tool("mvn"), "-q", "-B", "-f", str(POM), "dependency:build-classpath",
                   f"-Dmdep.outputFile={listing}"]  # fmt: skip
        _run(command, timeout, "mvn dependency:build-classpath")
        entries = listing.read_text().strip().split(os.pathsep)
        staging = Path(tempfile.mkdtemp(prefix="classes-", dir=BUILD))
        _run([_tool("javac"), "--release", "17", "-encoding", "UTF-8", "-d", str(staging), "-cp",
              os.pathsep.join(entries), str(SOURCE)], timeout, "javac")  # fmt: skip
        shutil.rmtree(BUILD / "classes", ignore_errors=True)
        staging.rename(BUILD / "classes")
        (BUILD / "stamp").write_text(stamp)
    return [str(BUILD / "classes"), *entries]


def _run(command: list[str], timeout: float, what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=HERE)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LauncherError(f"{what} failed: {_one_line(str(exc))}") from None
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()
        errors = [line for line in output if "ERROR" in line or "error" in line] or output
        raise LauncherError(f"{what} exited {done.returncode}: {_one_line(' '.join(errors[:3]) or 'no output')}")


class Neo4jServer:
    """One embedded Neo4j DBMS in ``home`` (``home/import`` is its LOAD CSV folder), Bolt on 127.0.0.1.

    ``password=None`` turns authentication off. Use as a context manager, or ``start()`` and ``stop()``."""

    def __init__(
        self,
        home: Path,
        password: str | None = PASSWORD,
        heap: str = "1g",
        page_cache_mb: int = 128,
        startup: float = 180.0,
        jvm_options: list[str] | None = None,
    ) -> None:
        self.home = Path(home)
        self.password = password
        self.heap = heap
        self.page_cache_mb = page_cache_mb
        self.startup = startup
        self.jvm_options = list(jvm_options or [])
        self.port = 0
        self.version = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self._pending = b""  # what the launcher printed after the last line read

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def import_dir(self) -> Path:
        return self.home / "import"

    @property
    def log(self) -> Path:
        return self.home / "launcher.log"

    def start(self) -> Neo4jServer:
        classpath = build()
        self.home.mkdir(parents=True, exist_ok=True)
        self._pending = b""
        env = {**os.environ, "KG_NEO4J_PASSWORD": self.password or ""}
        command = [_tool("java"), f"-Xms{self.heap}", f"-Xmx{self.heap}", *JVM_OPTIONS, *self.jvm_options,
                   "-cp", os.pathsep.join(classpath), "kg.testing.Launcher", str(self.home),
                   str(self.page_cache_mb)]  # fmt: skip
        with self.log.open("w") as log:
            try:
                self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                             env=env, cwd=self.home)  # fmt: skip
            except OSError as exc:
                raise LauncherError(f"cannot run java: {exc}") from None
        try:
            self._ready(self._answer(self.startup))
        except BaseException:
            self.stop()
            raise
        return self

    def _answer(self, timeout: float) -> str:
        """The next READY or FAILED line of the launcher; a LauncherError if it exits or time runs out."""
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                while b"\n" in self._pending:
                    line, self._pending = self._pending.split(b"\n", 1)
                    text = line.decode("utf-8", "replace").strip()
                    if text.startswith(("READY ", "FAILED ")):
                        return text
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LauncherError(f"Neo4j gave no answer in {timeout:.0f} s; {self._log_tail()}")
                if not selector.select(timeout=min(left, 1.0)):
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.proc.wait(timeout=10)
                    raise LauncherError(f"the Neo4j launcher exited ({self.proc.returncode}); {self._log_tail()}")
                self._pending += chunk

    def _ready(self, line: str) -> None:
        if not line.startswith("READY "):
            raise LauncherError(f"Neo4j did not start: {_one_line(line)}")
        _, port, self.version = line.split(" ", 2)
        self.port = int(port)

    def _log_tail(self) -> str:
        """The last error the JVM or Neo4j wrote, for messages."""
        lines: list[str] = []
        for path in (self.log, self.home / "logs" / "debug.log"):
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").splitlines()
                lines += [line for line in text if "ERROR" in line or "Exception" in line or "Error:" in line][-2:]
        return "log: " + (_one_line(" | ".join(lines)) if lines else f"nothing useful in {self.log}")

    def admin(self, *args: str, timeout: float = 600.0) -> None:
        """Stop the DBMS, run ``neo4j-admin ARGS`` on its home (e.g. ``database import full neo4j ...``), start it
        again on the same port. Raises LauncherError with neo4j-admin's output when it fails (the DBMS is up)."""
        if self.proc is None or self.proc.stdin is None:
            raise LauncherError("the Neo4j launcher is not running")
        if any("\t" in arg or "\n" in arg for arg in args):
            raise LauncherError("neo4j-admin arguments cannot hold tabs or newlines here")
        self.proc.stdin.write(("ADMIN\t" + "\t".join(args) + "\n").encode("utf-8"))
        self.proc.stdin.flush()
        line = self._answer(timeout)
        if line.startswith("FAILED "):
            raise LauncherError(f"neo4j-admin failed: {_one_line(line[len('FAILED ') :], 2000)}")
        self._ready(line)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> Neo4jServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
