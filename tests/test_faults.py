"""Faults injected into a real Neo4j (SECURITY.md, "Faults"): each one ends in one clear
message, in bounded time, with the graph either untouched or complete — never half-loaded.

Already covered elsewhere (not repeated here):
  tests/test_load.py::test_server_killed_mid_load_leaves_the_graph_unchanged   (SIGKILL mid-load)
  tests/test_load.py::test_a_failing_batch_rolls_back_the_whole_load          (Neo4j refuses a batch)
  tests/test_load.py::test_two_loads_at_once_make_no_duplicates               (concurrent loads)
  tests/test_templates.py::test_timeout_is_a_clear_error                      (query timeout, library)
  tests/test_server.py::test_unreachable_uri_is_a_clear_error_within_bounded_time (library)
  tests/test_server.py::test_unwritable_home_is_a_clear_error                 (home under a file)
"""
from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from helpers import free_port, snapshot
from helpers.boltproxy import BoltProxy

from graph.bench import synthetic
from graph.errors import ConnectionFailed, LoadError, ServerError
from graph.facts import read_facts
from graph.model.schema import load_model
from graph.store.connection import Settings, open_driver
from graph.store.load import load_facts, load_paths
from graph.store.server import ManagedServer
from graph.templates import load_templates

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
SEEDS = ROOT / "seeds"
UNKNOWN = "its outcome is unknown; rerunning the same load is safe"


@pytest.fixture(scope="module")
def model():
    return load_model(SCHEMA)


def clean_exit(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.output


def example_query() -> list[str]:
    t = load_templates(ROOT / "queries")["entity"]
    return ["query", t.name, *t.example_args()]


# -- unreachable, silent, frozen ------------------------------------------------------

COMMANDS = [["stats"], ["load", str(SEEDS)], ["load", str(SEEDS), "--dry-run"], example_query(),
            ["export", "--format", "nt"], ["browser"]]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_cli_with_nothing_listening_exits_1_with_one_line(run_cli, args):
    uri = f"bolt://127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    out = clean_exit(run_cli("--uri", uri, "--password", "x", *args))
    assert time.monotonic() - t0 < 30
    assert f"Error: Neo4j at {uri} is unreachable" in out


class Blackhole:
    """A peer that accepts TCP connections and never says a word (a hung proxy, a firewall
    that swallows packets after the handshake, a server stuck before Bolt)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.mark.slow
def test_a_silent_peer_is_a_clear_error_in_bounded_time(run_cli):
    hole = Blackhole()
    try:
        uri = f"bolt://127.0.0.1:{hole.port}"
        t0 = time.monotonic()
        with pytest.raises(ConnectionFailed, match=f"Neo4j at {uri} is unreachable"):
            open_driver(Settings(uri=uri, password="x"))
        assert time.monotonic() - t0 < 60
        t0 = time.monotonic()
        out = clean_exit(run_cli("--uri", uri, "--password", "x", "stats"))
        assert time.monotonic() - t0 < 60
        assert f"Neo4j at {uri} is unreachable" in out
    finally:
        hole.close()


@pytest.mark.slow
def test_a_frozen_server_is_a_clear_error_at_connect(server, settings, driver):
    pid = server.pid()
    os.killpg(pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        with pytest.raises(ConnectionFailed, match="is unreachable"):
            open_driver(settings)
        assert time.monotonic() - t0 < 60
    finally:
        os.killpg(pid, signal.SIGCONT)
    assert driver.execute_query("RETURN 1 AS one").records[0]["one"] == 1


@pytest.mark.slow
def test_a_server_frozen_mid_load_is_a_clear_error_and_commits_nothing(server, settings, driver, model, tmp_path):
    """SIGSTOP mid-load: the driver's socket times out (Neo4j's 120 s receive-timeout hint)
    and the retries give up; the transaction was never committed, so after SIGCONT the
    graph is as it was."""
    load_paths(driver, [SEEDS], SCHEMA)
    before = snapshot(driver)
    facts, _ = read_facts(synthetic.write(tmp_path / "big", 3000), model)
    pid = server.pid()
    own = open_driver(settings)
    frozen = []

    def progress(stage, done, total):
        if stage == "writing" and not frozen:
            os.killpg(pid, signal.SIGSTOP)
            frozen.append(time.monotonic())

    try:
        with pytest.raises(LoadError, match="became unreachable during the load .*the transaction was not committed"):
            load_facts(own, model, facts, progress=progress)
        assert frozen and time.monotonic() - frozen[0] < 300
    finally:
        os.killpg(pid, signal.SIGCONT)
        own.close()
    assert snapshot(driver) == before
    assert load_facts(driver, model, facts).diff.totals()["created"] > 0  # the rerun goes through


# -- a commit whose outcome is unknown ----------------------------------------------------

@pytest.mark.parametrize("mode", ["drop", "swallow", "kill"])
@pytest.mark.slow
def test_connection_lost_at_commit_says_outcome_unknown_and_rerun_converges(
        mode, server, settings, driver, model, tmp_path):
    """A proxy breaks the connection exactly when the driver has sent COMMIT (tests/boltproxy.py):
    "drop" (COMMIT never arrives: nothing is committed), "swallow" (the server commits, the
    answer is lost), "kill" (the server is SIGKILLed as COMMIT reaches it: either outcome).
    Every time the driver raises IncompleteCommit, the message says the outcome is unknown and
    a rerun is safe, the graph is all-before or all-after, and the rerun converges."""
    load_paths(driver, [SEEDS], SCHEMA)
    before = snapshot(driver)
    facts, _ = read_facts(synthetic.write(tmp_path / "facts", 400), model)
    proxy = BoltProxy(server.status().bolt_port, mode, on_commit=server.kill)
    via_proxy = open_driver(Settings(uri=proxy.uri, password=settings.password))
    try:
        with pytest.raises(LoadError, match=UNKNOWN) as err:
            load_facts(via_proxy, model, facts)
        assert type(err.value.__cause__).__name__ == "IncompleteCommit"
        assert proxy.faults == 1
    finally:
        via_proxy.close()
        proxy.close()
    if mode == "kill":
        assert server.pid() is None
        server.start()
    fresh = open_driver(settings)
    try:
        state = snapshot(fresh)
        rerun = load_facts(fresh, model, facts)
        if mode == "drop":
            assert state == before
        if mode == "swallow":
            assert rerun.diff.changes == 0  # it had committed, completely
        if mode == "kill":  # whichever way the race went, never half
            assert state == before or rerun.diff.changes == 0
        if state == before:
            assert rerun.diff.totals()["created"] == len(facts.entities) + len(facts.relations)
        assert load_facts(fresh, model, facts).diff.changes == 0
        count = fresh.execute_query("MATCH (n:Entity) RETURN count(n) AS c").records[0]["c"]
        assert count == len(facts.entities) + len(before[0]) - 1  # minus the CisfilmMeta node
    finally:
        fresh.close()


@pytest.mark.slow
def test_cli_load_with_an_unknown_commit_outcome(run_cli, server, settings, driver, tmp_path):
    paths = synthetic.write(tmp_path / "facts", 100)
    proxy = BoltProxy(server.status().bolt_port, "swallow")
    try:
        out = clean_exit(run_cli("--uri", proxy.uri, "--password", settings.password, "load", *map(str, paths)))
    finally:
        proxy.close()
    assert f"Error: the connection dropped while the load was committing, so {UNKNOWN}" in out
    result = run_cli("load", *map(str, paths))  # the rerun the message promises is safe
    assert result.exit_code == 0, result.output
    assert "0 created, 0 changed, 0 removed" in result.output


# -- a query past its timeout --------------------------------------------------------------

def test_cli_query_past_its_timeout(run_cli, driver, tmp_path):
    (tmp_path / "slow.cypher").write_text(
        "// name: slow\n// description: Counts to a billion.\n"
        "UNWIND range(1, 1000000000) AS i WITH i WHERE i % 7 = 100 RETURN count(i) AS n\n")
    t0 = time.monotonic()
    out = clean_exit(run_cli("query", "slow", "--templates", str(tmp_path), "--timeout", "0.5"))
    assert time.monotonic() - t0 < 60
    assert "Error: template 'slow' timed out after 0.5 s (raise it with --timeout)" in out
    deadline = time.monotonic() + 30  # and the server stopped it: nothing keeps counting
    while time.monotonic() < deadline:
        running = driver.execute_query("SHOW TRANSACTIONS YIELD currentQuery RETURN collect(currentQuery) AS q")
        if not [q for q in running.records[0]["q"] if "range(1, 1000000000)" in q]:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the timed-out query is still running on the server")


# -- the server home: permissions and a full disk ----------------------------------------

def _no_process_uses(home: Path) -> bool:
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if str(home).encode() in cmdline:
                return False
    return True


def test_home_where_nothing_may_be_created(server, run_cli):
    home = Path("/sys/cisfilm-test-home")  # sysfs refuses new directories, even to root
    with pytest.raises(ServerError, match=r"cannot use the server home /sys/cisfilm-test-home: Operation not permitted"):
        ManagedServer(home, server.cache).start()
    out = clean_exit(run_cli("--home", str(home), "server", "start"))
    assert "Error: cannot use the server home /sys/cisfilm-test-home: Operation not permitted" in out


@pytest.mark.parametrize("victim", [".write-test", "conf/neo4j.conf", "server.tmp"])
def test_full_disk_in_the_home_is_a_clear_error_and_leaves_no_server(server, tmp_path, victim):
    """A file the start writes is a link to /dev/full, whose writes fail with ENOSPC: the
    probe, the generated neo4j.conf, the state file written after Java was spawned."""
    home = tmp_path / "home"
    (home / "conf").mkdir(parents=True)
    (home / victim).symlink_to("/dev/full")
    srv = ManagedServer(home, server.cache)
    with pytest.raises(ServerError, match=r"cannot use the server home .*: No space left on device"):
        srv.start(bolt_port=free_port(), http_port=free_port())
    assert srv.status().running is False and not srv.state_file.exists()
    assert _no_process_uses(home)


def test_cli_server_start_on_a_full_disk(run_cli, server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".write-test").symlink_to("/dev/full")
    out = clean_exit(run_cli("--home", str(home), "server", "start"))
    assert f"Error: cannot use the server home {home}: No space left on device" in out
