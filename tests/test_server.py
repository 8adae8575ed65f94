"""The managed Neo4j: lifecycle, loopback-only, password handling, connection errors."""
from __future__ import annotations

import json
import stat
import subprocess
import time

import pytest
from helpers import free_port

from graph.errors import ConnectionFailed, ServerError
from graph.store.connection import Settings, open_driver
from graph.store.server import ManagedServer


def listening_addresses(pid: int) -> set[str]:
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    return {line.split()[3] for line in out.splitlines() if f"pid={pid}," in line}


def test_bolt_answers_a_query(driver):
    records, _, _ = driver.execute_query("RETURN 1 + 1 AS two")
    assert records[0]["two"] == 2


def test_listens_on_loopback_only(server):
    st = server.status()
    addrs = listening_addresses(st.pid)
    assert addrs, "the server should be listening"
    for addr in addrs:
        host = addr.rsplit(":", 1)[0]
        assert host in ("127.0.0.1", "[::ffff:127.0.0.1]"), addr
    ports = {int(a.rsplit(":", 1)[1]) for a in addrs}
    assert {st.bolt_port, st.http_port} <= ports


def test_password_file_is_private_and_strong(server):
    mode = stat.S_IMODE(server.password_file.stat().st_mode)
    assert mode == 0o600
    password = server.password()
    assert len(password) >= 24 and password != "neo4j"


def test_default_password_is_refused(server):
    with pytest.raises(ConnectionFailed, match="refused the credentials"):
        open_driver(Settings(uri=server.status().uri, user="neo4j", password="neo4j"))


def test_wrong_password_is_a_clear_error(run_cli, server):
    result = run_cli("--uri", server.status().uri, "--password", "wrong-password", "stats")
    assert result.exit_code == 1
    assert "refused the credentials for user 'neo4j'" in result.output
    assert "Traceback" not in result.output


def test_unreachable_uri_is_a_clear_error_within_bounded_time():
    port = free_port()
    t0 = time.monotonic()
    with pytest.raises(ConnectionFailed, match=f"127.0.0.1:{port} is unreachable"):
        open_driver(Settings(uri=f"bolt://127.0.0.1:{port}", password="x"))
    assert time.monotonic() - t0 < 15


def test_unsupported_scheme_is_refused():
    with pytest.raises(ConnectionFailed, match="unsupported Neo4j URI"):
        open_driver(Settings(uri="http://127.0.0.1:7474", password="x"))


def test_neo4j_routing_scheme_works(server):
    st = server.status()
    drv = open_driver(Settings(uri=f"neo4j://127.0.0.1:{st.bolt_port}", password=server.password()))
    try:
        records, _, _ = drv.execute_query("RETURN 'routed' AS r")
        assert records[0]["r"] == "routed"
    finally:
        drv.close()


def test_status_json_has_the_documented_keys(run_cli, server):
    result = run_cli("server", "status", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("uri", "browser_url", "user", "password_file", "pid", "version", "home"):
        assert key in data
    st = server.status()
    assert data["uri"] == st.uri and data["pid"] == st.pid
    assert data["browser_url"] == f"http://127.0.0.1:{st.http_port}/browser/"
    assert server.password() not in result.output


def test_start_is_idempotent(run_cli, server):
    pid = server.pid()
    result = run_cli("server", "start")
    assert result.exit_code == 0, result.output
    assert f"already running (pid {pid})" in result.output
    assert server.pid() == pid
    assert server.password() not in result.output


def test_show_password_prints_it_only_when_asked(run_cli, server):
    result = run_cli("server", "status", "--show-password")
    assert server.password() in result.output


@pytest.mark.slow
def test_start_stop_status_in_a_fresh_home(tmp_path, server, run_cli):
    """A second, separate managed server, started by the CLI with its memory from the
    environment: start → query → stop, with free ports."""
    home = tmp_path / "home"
    result = run_cli("--home", str(home), "server", "start", "--bolt-port", str(free_port()),
                     "--http-port", str(free_port()), env={"CISFILM_HEAP": "600M", "CISFILM_PAGECACHE": "96m"})
    other = ManagedServer(home, server.cache)
    try:
        assert result.exit_code == 0, result.output
        st = other.status()
        assert st.running and st.pid
        drv = open_driver(Settings(uri=st.uri, password=other.password()))
        assert drv.execute_query("RETURN 42 AS x").records[0]["x"] == 42
        conf = {r["name"]: r["value"] for r in drv.execute_query(
            "CALL dbms.listConfig('server.memory') YIELD name, value RETURN name, value").records}
        assert conf["server.memory.heap.max_size"] == "600.00MiB" and conf["server.memory.pagecache.size"] == "96.00MiB", conf
        drv.close()
        assert other.password() != server.password()
    finally:
        assert other.stop() is True
    assert other.status().running is False
    assert other.stop() is False


@pytest.mark.parametrize("size", ["lots", "0m", "4 g", "1t", "-1g", "512m\nserver.x=1", ""])
def test_bad_memory_sizes_are_refused_before_anything_starts(run_cli, tmp_path, size):
    result = run_cli("--home", str(tmp_path / "home"), "--heap", size, "server", "start")
    assert result.exit_code == 1
    assert f"bad heap size {size!r}" in result.output
    assert not (tmp_path / "home").exists()


def test_unwritable_home_is_a_clear_error(tmp_path, server):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ServerError, match="cannot use the server home"):
        ManagedServer(blocker / "home", server.cache).start()


def test_missing_java_is_a_clear_error(tmp_path, server, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither java nor mvn on PATH
    fresh = ManagedServer(tmp_path / "home", tmp_path / "empty-cache")
    with pytest.raises(ServerError, match="apt-get install"):
        fresh.start()
