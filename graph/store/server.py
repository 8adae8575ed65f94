"""The managed local Neo4j: fetched from Maven Central, run as a child process.

Neo4j Community 5.26 LTS has no distribution archive on Maven Central, so the pom
shipped as package data (`graph/store/neo4j/pom.xml`) lists the server, its
connectors and Neo4j Browser; `mvn dependency:copy-dependencies` puts their jars
in a per-user cache, and the server runs as
`java -cp 'lib/*' org.neo4j.server.CommunityEntryPoint` with a generated
`neo4j.conf` in a per-user home. The initial password is set with Neo4j's admin
tool before the first start, so neo4j/neo4j is never valid; the tool reads it
from a 0600 argument file (picocli's `@file`), never from its command line, which
any local user could read in `ps`.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from graph.errors import ServerError, first_line
from graph.store import swap

NEO4J_VERSION = "5.26.30"
BROWSER_VERSION = "5.24.0"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
POM = resources.files("graph.store") / "neo4j" / "pom.xml"  # shipped in the wheel (pyproject package-data)
DEFAULT_BOLT_PORT = 7687
DEFAULT_HTTP_PORT = 7474
USER = "neo4j"
INSTALL_HINT = "apt-get install -y openjdk-17-jre-headless maven"


@dataclass
class Status:
    """What `cisfilm server status` reports."""

    running: bool
    uri: str | None
    browser_url: str | None
    user: str
    password_file: str
    pid: int | None
    version: str
    home: str
    bolt_port: int | None = None
    http_port: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


HEAP, PAGECACHE = "512m", "256m"  # small: a laptop's share; a large single-transaction load needs more heap


def memory_size(text: str, what: str) -> str:
    """`512m`, `4g`, `2048M` → the size as Java and neo4j.conf take it; anything else is refused
    (the value is written into the server's conf and command line)."""
    t = str(text).strip().lower()
    m = re.fullmatch(r"(\d{1,7})([kmg])", t)
    if not m or int(m.group(1)) == 0:
        raise ServerError(f"bad {what} size {text!r}: give a number with k, m or g, e.g. 512m or 4g")
    return t


class ManagedServer:
    """One managed Neo4j living in `home`, with its jars cached in `cache`.

    `extra_conf`, when given, is called each time the conf is written (at every start)
    and returns more `neo4j.conf` lines: the CLI adds Browser's post-connect style this
    way, so the store does not depend on the layers above it."""

    def __init__(self, home: Path, cache: Path, *, heap: str = HEAP, pagecache: str = PAGECACHE,
                 extra_conf: Callable[[], str] | None = None):
        self.home = Path(home).expanduser().resolve()
        self.cache = Path(cache).expanduser().resolve()
        self.heap = memory_size(heap, "heap")
        self.pagecache = memory_size(pagecache, "page cache")
        self.extra_conf = extra_conf

    # -- paths ---------------------------------------------------------------
    @property
    def lib(self) -> Path:
        return self.cache / f"neo4j-{NEO4J_VERSION}-browser-{BROWSER_VERSION}" / "lib"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    @property
    def state_file(self) -> Path:
        return self.home / "server.json"

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "console.log"

    # -- fetch ---------------------------------------------------------------
    def fetched(self) -> bool:
        return (self.lib / f"neo4j-server-{NEO4J_VERSION}.jar").exists()

    def fetch(self, log=print) -> float:
        """Resolve the server jars with Maven into the cache; returns seconds taken."""
        if self.fetched():
            return 0.0
        mvn = shutil.which("mvn")
        if not mvn:
            raise ServerError("Maven (mvn) is not installed; it fetches Neo4j from Maven Central. "
                              f"Install it: {INSTALL_HINT}")
        _require_java()
        self.lib.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="lib-", dir=self.lib.parent))
        log(f"Fetching Neo4j {NEO4J_VERSION} and Neo4j Browser {BROWSER_VERSION} "
            "from Maven Central (first use only)...")
        t0 = time.monotonic()
        with resources.as_file(POM) as pom:  # a real file for Maven, even from a zipped install
            cmd = [mvn, "-B", "-q", "-f", str(pom), "dependency:copy-dependencies",
                   f"-DoutputDirectory={tmp}", "-DincludeScope=runtime"]
            proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise ServerError(f"Maven could not fetch Neo4j from Maven Central (exit {proc.returncode}):\n{tail}")
        if self.lib.exists():  # another process won the race: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.rename(self.lib)
        return time.monotonic() - t0

    # -- state ---------------------------------------------------------------
    def _read_state(self) -> dict | None:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None

    def _last_ports(self) -> dict:
        try:
            return json.loads((self.home / "ports.json").read_text())
        except (OSError, ValueError):
            return {}

    def pid(self) -> int | None:
        state = self._read_state()
        if not state:
            return None
        pid = int(state.get("pid", 0))
        return pid if pid > 0 and _alive(pid) else None

    def password(self) -> str:
        try:
            return self.password_file.read_text().strip()
        except OSError as e:
            raise ServerError(f"cannot read the password file {self.password_file}: {e.strerror}") from None

    def status(self) -> Status:
        state = self._read_state() or {}
        pid = self.pid()
        bolt, http = state.get("bolt_port"), state.get("http_port")
        running = pid is not None
        return Status(
            running=running,
            uri=f"bolt://127.0.0.1:{bolt}" if running and bolt else None,
            browser_url=f"http://127.0.0.1:{http}/browser/" if running and http else None,
            user=USER,
            password_file=str(self.password_file),
            pid=pid,
            version=NEO4J_VERSION,
            home=str(self.home),
            bolt_port=bolt if running else None,
            http_port=http if running else None,
        )

    # -- lifecycle -----------------------------------------------------------
    def start(self, *, bolt_port: int | None = None, http_port: int | None = None,
              timeout: float = 180.0, log=print) -> tuple[Status, bool]:
        """Start the server unless it runs already; returns (status, started_now).
        A store switch that a killed rebuild left half done is finished or undone first."""
        self.finish_switch(log=log)
        if self.pid() is not None:
            return self.status(), False
        self._prepare_home()
        self.fetch(log=log)
        java = _require_java()
        last = self._last_ports()  # keep the URI stable across restarts when the ports are free
        bolt = bolt_port or _free_port(last.get("bolt_port") or DEFAULT_BOLT_PORT)
        http = http_port or _free_port(last.get("http_port") or DEFAULT_HTTP_PORT, avoid={bolt})
        cmd = [java, f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:+UseG1GC",
               "-XX:-OmitStackTraceInFastThrow", "-Dfile.encoding=UTF-8",
               "-cp", str(self.lib / "*"), ENTRY_POINT,
               f"--home-dir={self.home}", f"--config-dir={self.conf_dir}"]
        proc = None
        try:  # a full disk or a file we may not write in the home is a ServerError, never a traceback
            self._write_conf(bolt, http)
            data = self.home / "data"
            if not (data / "dbms" / "auth.ini").exists() and not (data / "databases").exists():
                self._set_initial_password(java)
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_file, "ab") as out:
                t0 = time.monotonic()
                proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        cwd=self.home, start_new_session=True,
                                        env=_java_env(self.home, self.conf_dir))
            self._write_state({"pid": proc.pid, "bolt_port": bolt, "http_port": http, "version": NEO4J_VERSION})
            (self.home / "ports.json").write_text(json.dumps({"bolt_port": bolt, "http_port": http}))
        except OSError as e:
            if proc is not None:  # a server nobody could find again: stop it
                self._kill(proc.pid, signal.SIGKILL)
                _wait_gone(proc.pid, 10)
                self.state_file.unlink(missing_ok=True)
            where = f" ({e.filename})" if e.filename else ""
            raise ServerError(f"cannot use the server home {self.home}: {e.strerror or e}{where}") from None
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.state_file.unlink(missing_ok=True)
                raise ServerError(f"Neo4j exited with code {proc.returncode} while starting; "
                                  f"last lines of {self.log_file}:\n{_tail(self.log_file)}"
                                  f"{_tail(self.home / 'logs' / 'neo4j.log')}")
            if _bolt_answers(bolt):
                return self.status(), True
            time.sleep(0.25)
        self._kill(proc.pid, signal.SIGKILL)
        self.state_file.unlink(missing_ok=True)
        raise ServerError(f"Neo4j did not answer on Bolt port {bolt} within {timeout:.0f} s; see {self.log_file}")

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the server cleanly; returns False when it was not running."""
        pid = self.pid()
        if pid is None:
            self.state_file.unlink(missing_ok=True)
            return False
        self._kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            self._kill(pid, signal.SIGKILL)
            _wait_gone(pid, 10)
        self.state_file.unlink(missing_ok=True)
        return True

    def finish_switch(self, log=print) -> None:
        """A store switch journaled by a rebuild whose process is gone: complete it or roll it
        back (`graph.store.swap`), stopping the server first if it serves the unchecked store."""
        journal = swap.read_journal(self.home)
        if journal is None:
            return
        if swap.owner_alive(journal):
            if journal.get("owner") == swap.process_token(os.getpid()):
                return  # the rebuild itself, starting the new store
            raise ServerError(f"a rebuild (pid {journal['owner'].split(':')[0]}) is switching the graph to a "
                              "new store; try again in a few seconds")
        self.stop()
        outcome = swap.finish(self.home)
        log(f"A rebuild was interrupted while switching to a new store: the switch was {outcome}.")

    def initialize(self, log=print) -> None:
        """Make the home and set the initial password without starting: for a home whose
        store is written by the bulk importer before the first start (a rebuild's staging
        server), where `start` would find a store and skip the password."""
        self._prepare_home()
        self.fetch(log=log)
        self._set_initial_password(_require_java())

    def import_full(self, data_dir: Path, inputs: list[str], *, cwd: Path, heap: str | None = None,
                    options: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        """Run Neo4j's bulk importer (`neo4j-admin database import full`) into the database
        `neo4j` of the data directory `data_dir` (not the live one: the server may run).
        `inputs`: its --nodes/--relationships options, file names relative to `cwd`."""
        java = _require_java()
        conf = cwd / "import.conf"
        conf.write_text(f"server.directories.data={data_dir}\n")
        cmd = [java, f"-Xmx{heap or self.heap}", "-XX:+UseG1GC", "-Dfile.encoding=UTF-8",
               "-cp", str(self.lib / "*"), ADMIN_TOOL, "database", "import", "full", swap.DATABASE,
               f"--additional-config={conf}", f"--report-file={cwd / 'import.report'}",
               "--bad-tolerance=0", *options, *inputs]  # the database first: --nodes= takes any words after it
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL,
                              env=_java_env(self.home, self.conf_dir), preexec_fn=_die_with_parent)

    def kill(self) -> None:
        """Kill the server abruptly (SIGKILL), as a crash would; for fault tests."""
        pid = self.pid()
        if pid is not None:
            self._kill(pid, signal.SIGKILL)
            _wait_gone(pid, 10)
        self.state_file.unlink(missing_ok=True)

    # -- internals -----------------------------------------------------------
    def _prepare_home(self) -> None:
        try:
            for sub in ("conf", "data", "logs", "run", "plugins", "import"):
                (self.home / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(self.home, 0o700)
            probe = self.home / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as e:
            where = f" ({e.filename})" if e.filename else ""
            raise ServerError(f"cannot use the server home {self.home}: {e.strerror or e}{where}") from None

    def _write_conf(self, bolt: int, http: int) -> None:
        conf = f"""# Written by cisfilm on every start; edit cisfilm, not this file.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:{bolt}
server.bolt.advertised_address=127.0.0.1:{bolt}
server.http.enabled=true
server.http.listen_address=127.0.0.1:{http}
server.http.advertised_address=127.0.0.1:{http}
server.https.enabled=false
server.memory.heap.initial_size={self.heap}
server.memory.heap.max_size={self.heap}
server.memory.pagecache.size={self.pagecache}
dbms.security.auth_enabled=true
dbms.usage_report.enabled=false
client.allow_telemetry=false
server.directories.data={self.home / 'data'}
server.directories.logs={self.home / 'logs'}
server.directories.run={self.home / 'run'}
server.directories.plugins={self.home / 'plugins'}
server.directories.import={self.home / 'import'}
dbms.transaction.timeout=60s
db.transaction.timeout=60s
dbms.security.procedures.unrestricted=
# Netty's quiet period before the Bolt server stops: 5 s by default, idle in every stop
# (and in the downtime of a `load --rebuild`); connections are closed before it starts.
internal.dbms.bolt.netty_server_shutdown_quiet_period=0
"""
        extra = self.extra_conf() if self.extra_conf is not None else ""
        path = self.conf_dir / "neo4j.conf"
        path.write_text(conf + extra + "\n")

    def _set_initial_password(self, java: str) -> None:
        password = secrets.token_urlsafe(24)
        _write_private(self.password_file, password + "\n")
        # The admin tool parses its arguments with picocli, which expands `@file` into the
        # file's words: the password goes in a private file, not on a command line that
        # `ps` shows every local user. `--` ends the options, so a password that starts
        # with "-" (token_urlsafe may make one) is not taken for an option.
        args_file = self.home / "run" / "set-initial-password.args"
        _write_private(args_file, f"-- {password}\n")
        try:
            proc = subprocess.run(
                [java, "-cp", str(self.lib / "*"), ADMIN_TOOL, "dbms", "set-initial-password", f"@{args_file}"],
                capture_output=True, text=True, env=_java_env(self.home, self.conf_dir), cwd=self.home)
        finally:
            args_file.unlink(missing_ok=True)
        if proc.returncode != 0:
            msg = (proc.stdout + proc.stderr).replace(password, "***")
            raise ServerError(f"could not set the initial Neo4j password (exit {proc.returncode}): "
                              f"{msg.strip()[-800:]}")

    def _write_state(self, state: dict) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.state_file)

    @staticmethod
    def _kill(pid: int, sig: int) -> None:
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600 from the start, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _die_with_parent() -> None:
    """In a child before exec: the kernel kills it when its parent dies (Linux), so a killed
    rebuild leaves no importer writing on."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _java_env(home: Path, conf: Path) -> dict:
    # Credentials for other servers have no business in the managed server's environment.
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_PASSWORD", "NEO4J_AUTH")}
    env["NEO4J_HOME"] = str(home)
    env["NEO4J_CONF"] = str(conf)
    return env


def _require_java() -> str:
    java = shutil.which("java")
    if not java:
        raise ServerError(f"Java 17 is not installed; Neo4j 5.26 needs it. Install it: {INSTALL_HINT}")
    proc = subprocess.run([java, "-version"], capture_output=True, text=True)
    m = re.search(r'version "(\d+)', proc.stderr + proc.stdout)
    if not m or int(m.group(1)) < 17:
        said = first_line(proc.stderr or proc.stdout) if (proc.stderr or proc.stdout).strip() else "nothing"
        raise ServerError(f"Neo4j 5.26 needs Java 17 or newer; `java -version` says: {said}. "
                          f"Install it: {INSTALL_HINT}")
    return java


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as gone...
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().split(") ", 1)[1][0] != "Z":
                return True
    except OSError:
        return True
    # ...once its last thread has exited. SIGKILLed mid-commit, a JVM's main thread turns
    # zombie within milliseconds while other threads take ~0.1 s more and hold the ports
    # until then: a restart at once found the Bolt port busy and moved to another port
    # (seen in tests/test_faults.py; measured by polling /proc/<pid>/task).
    try:
        return len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Neo4j binds with SO_REUSEADDR, so ports in TIME_WAIT after a restart are usable.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port(preferred: int, avoid: frozenset[int] | set[int] = frozenset()) -> int:
    if preferred not in avoid and _port_free(preferred):
        return preferred
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in avoid:
            return port


def _bolt_answers(port: int) -> bool:
    """True once the Bolt connector completes a protocol handshake."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            # magic preamble + four version proposals (5.x, 4.4)
            s.sendall(b"\x60\x60\xb0\x17" + b"\x00\x00\x04\x05" + b"\x00\x00\x04\x04" + b"\x00" * 8)
            return len(s.recv(4)) == 4
    except OSError:
        return False


def _tail(path: Path, n: int = 12) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:]) + "\n"
    except OSError:
        return ""


def default_home(env: Mapping[str, str]) -> Path:
    """Where the managed server lives unless `--home`/`CISFILM_HOME` says otherwise."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cisfilm"


def default_cache(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cisfilm"
