"""Server defences (SECURITY.md): the password never shows, Browser stays closed to
remote content, nothing is fetched at run time, credentials in URIs are not echoed.

Covered elsewhere (not repeated here):
  tests/test_server.py::test_listens_on_loopback_only
  tests/test_server.py::test_password_file_is_private_and_strong
  tests/test_server.py::test_default_password_is_refused
  tests/test_templates.py::test_writing_template_is_refused, ::test_dangerous_text_is_refused_at_load,
      ::test_hostile_value_is_data_not_cypher, ::test_hostile_values_on_the_seeds_change_nothing
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import socket
import stat
import subprocess
from pathlib import Path

import pytest
import typer.main
from helpers import free_port

import graph.store.server as gs
from cli import app
from graph.errors import ConnectionFailed, ServerError
from graph.rdf import FORMATS
from graph.store.connection import Settings, open_driver, redact
from graph.templates import load_templates

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def command_paths(cmd=None, prefix=()) -> list[tuple[str, ...]]:
    """Every command and subcommand of the CLI, e.g. ("server", "status")."""
    cmd = cmd or typer.main.get_command(app)
    out = [prefix]
    for name, sub in getattr(cmd, "commands", {}).items():
        out += command_paths(sub, prefix + (name,))
    return out


class NetworkLog:
    """Records every address Python code in this process connects to or looks up."""

    def __init__(self, monkeypatch):
        self.connects: list = []
        self.lookups: list = []
        real_connect, real_connect_ex, real_gai = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

        def connect(sock, address):
            self.connects.append(address)
            return real_connect(sock, address)

        def connect_ex(sock, address):
            self.connects.append(address)
            return real_connect_ex(sock, address)

        def getaddrinfo(host, *args, **kwargs):
            self.lookups.append(host)
            return real_gai(host, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def outside(self) -> list:
        def local(host) -> bool:
            if host in (None, "localhost", b"localhost"):
                return True
            try:
                return ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host).is_loopback
            except ValueError:
                return False

        bad = [a for a in self.connects if isinstance(a, tuple) and not local(a[0])]
        return bad + [h for h in self.lookups if not local(h)]


def sweep(run_cli, tmp_path: Path, password: str, other_secret: str) -> list[tuple[list[str], object]]:
    """Run every CLI command (help, success and error paths; never --show-password) with
    NEO4J_PASSWORD set to `password`; returns (args, result) pairs."""
    env = {"NEO4J_PASSWORD": password}
    bad = tmp_path / "bad.yaml"
    bad.write_text("entities:\n  - id: x\n    kind: Nothing\n")
    templates = load_templates(ROOT / "queries")
    runs = [["--help"], ["--version"]]
    runs += [[*p, "--help"] for p in command_paths() if p]
    runs += [["server", "status"], ["server", "status", "--format", "json"], ["server", "start"],
             ["validate", str(SEEDS)], ["validate", str(bad)], ["schema"],
             ["load", str(SEEDS), "--dry-run"], ["load", str(SEEDS)], ["load", str(bad)],
             ["queries"], ["queries", "--format", "json"],
             ["query", "no-such-template"], ["query", "entity", "-p", "entity=nobody-at-all"],
             ["export", "-o", str(tmp_path / "out.ttl"), "--validate"],
             ["stats"], ["stats", "--format", "json"],
             ["browser"], ["browser", "--format", "json", "--style", str(tmp_path / "style.grass")]]
    runs += [["query", t.name, *t.example_args(), "--format", fmt] for t in templates.values() for fmt in ("table", "json")]
    runs += [["export", "--format", fmt] for fmt in FORMATS]
    # a server given by URI: wrong password, credentials inside the URI
    uri = f"bolt://127.0.0.1:{free_port()}"
    results = [(args, run_cli(*args, env=env)) for args in runs]
    for args in (["--uri", uri, "--password", other_secret, "stats"],
                 ["--uri", f"bolt://neo4j:{other_secret}@127.0.0.1:7687", "stats"],
                 ["--uri", f"neo4j+s://neo4j:{other_secret}@example.org", "stats"],
                 ["--uri", f"http://neo4j:{other_secret}@127.0.0.1:7474", "stats"]):
        results.append((args, run_cli(*args, env=env)))
    return results


@pytest.mark.slow
def test_no_command_output_log_file_or_process_shows_the_password(run_cli, server, driver, tmp_path, monkeypatch):
    password = server.password()
    other = secrets.token_urlsafe(24)
    net = NetworkLog(monkeypatch)
    results = sweep(run_cli, tmp_path, password, other)
    assert len(results) > 60
    for args, result in results:
        assert "Traceback" not in result.output, (args, result.output)
        for secret in (password, other):
            assert secret not in result.output, args
            assert secret not in repr(result.exception), args
        if args[:1] != ["--uri"]:
            assert result.exit_code in (0, 1), (args, result.output)
    ok = [args for args, r in results if r.exit_code == 0]
    assert ["load", str(SEEDS)] in ok and ["export", "-o", str(tmp_path / "out.ttl"), "--validate"] in ok
    # files the commands wrote
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path
    # every file under the server's home but the password file itself: logs, conf, store, state
    checked = 0
    for path in server.home.rglob("*"):
        if path.is_file() and path != server.password_file:
            assert password.encode() not in path.read_bytes(), path
            checked += 1
    assert checked > 20 and list((server.home / "logs").glob("*.log"))
    # the processes: command lines of everything (ps), the server's environment
    ps = subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True).stdout
    assert password not in ps and str(server.home) in ps
    assert password.encode() not in Path(f"/proc/{server.pid()}/environ").read_bytes()
    # and Python reached nothing but this machine (SECURITY.md, "Nothing is fetched at run time")
    assert net.connects and not net.outside(), net.outside()


def test_credentials_in_a_uri_are_refused_without_echoing_them():
    secret = secrets.token_urlsafe(16)
    for uri in (f"bolt://neo4j:{secret}@127.0.0.1:7687", f"neo4j://{secret}@db.example.org:7687/x?policy=a",
                f"http://neo4j:{secret}@127.0.0.1:7474/"):
        with pytest.raises(ConnectionFailed) as e:
            open_driver(Settings(uri=uri, password="x"))
        assert secret not in str(e.value) and "***@" in str(e.value)
    assert redact("bolt://127.0.0.1:7687") == "bolt://127.0.0.1:7687"
    assert Settings(uri=f"bolt://u:{secret}@h:1", password=secret).describe() == "bolt://***@h:1 as neo4j"
    assert secret not in repr(Settings(uri="bolt://h:1", password=secret))


def test_effective_settings_keep_browser_and_server_closed(server, driver):
    """What the running server says about itself, not just what the conf file asks for."""
    rows = driver.execute_query("SHOW SETTINGS YIELD name, value RETURN name, value").records
    settings = {r["name"]: r["value"] for r in rows}
    assert settings["browser.remote_content_hostname_whitelist"] not in ("*", "")
    assert "*" not in settings["browser.remote_content_hostname_whitelist"].split(",")
    assert settings["dbms.usage_report.enabled"] == "false"
    assert settings["dbms.security.auth_enabled"] == "true"
    assert settings["server.https.enabled"] == "false"
    for key in ("server.default_listen_address", "server.bolt.listen_address", "server.http.listen_address"):
        assert settings[key].startswith("127.0.0.1"), (key, settings[key])
    assert settings["dbms.security.procedures.unrestricted"] == ""
    conf = (server.conf_dir / "neo4j.conf").read_text()
    assert "remote_content_hostname_whitelist" not in conf and "dbms.usage_report.enabled=false" in conf


@pytest.mark.slow
def test_first_start_fetches_nothing_and_never_puts_the_password_on_a_command_line(
        server, tmp_path, monkeypatch):
    """A fresh home with the jars cached: Maven never runs (a fake `mvn` first on PATH would
    leave a mark), every process started gets argv without the password, the admin tool's
    argument file is gone afterwards, and a password starting with "-" works (picocli would
    take it for an option on a command line)."""
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    mark = tmp_path / "mvn-ran"
    (fakebin / "mvn").write_text(f"#!/bin/sh\ntouch {mark}\nexit 1\n")
    (fakebin / "mvn").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fakebin}:{os.environ['PATH']}")
    other = secrets.token_urlsafe(24)
    monkeypatch.setenv("NEO4J_PASSWORD", other)  # a remote server's password must not reach Java
    password = "-" + secrets.token_urlsafe(24)[1:]
    monkeypatch.setattr(gs.secrets, "token_urlsafe", lambda n: password)
    argvs: list[list[str]] = []
    real_popen = subprocess.Popen

    class Popen(real_popen):  # subprocess.run starts its processes through Popen, too
        def __init__(self, cmd, *a, **kw):
            argvs.append(list(cmd))
            super().__init__(cmd, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", Popen)
    fresh = gs.ManagedServer(tmp_path / "home", server.cache)
    st, started = fresh.start(bolt_port=free_port(), http_port=free_port())
    try:
        assert started and not mark.exists()
        assert fresh.password() == password
        assert stat.S_IMODE(fresh.password_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(fresh.home.stat().st_mode) == 0o700
        admin = [a for a in argvs if gs.ADMIN_TOOL in a]
        assert len(admin) == 1 and admin[0][-1].startswith("@")  # the password came from a file
        assert all(password not in " ".join(a) for a in argvs)
        assert not Path(admin[0][-1][1:]).exists()
        drv = open_driver(Settings(uri=st.uri, password=password))
        assert drv.execute_query("RETURN 1 AS one").records[0]["one"] == 1
        drv.close()
        environ = Path(f"/proc/{st.pid}/environ").read_bytes()
        assert other.encode() not in environ and password.encode() not in environ
        assert password not in subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True).stdout
        for path in fresh.home.rglob("*"):
            if path.is_file() and path != fresh.password_file:
                assert password.encode() not in path.read_bytes(), path
        # the server talks to no one but its local clients
        out = subprocess.run(["ss", "-Htnp"], capture_output=True, text=True).stdout
        peers = [line.split()[4] for line in out.splitlines() if f"pid={st.pid}," in line]
        assert all(p.rsplit(":", 1)[0] in ("127.0.0.1", "[::ffff:127.0.0.1]", "[::1]") for p in peers), peers
    finally:
        fresh.stop()


def test_a_failing_admin_tool_does_not_echo_the_password(server, tmp_path, monkeypatch):
    """Too short for Neo4j (8 characters at least): the admin tool fails, and its output,
    quoted in the error, has the password masked."""
    password = "Zq7_K9w"
    monkeypatch.setattr(gs.secrets, "token_urlsafe", lambda n: password)
    fresh = gs.ManagedServer(tmp_path / "home", server.cache)
    with pytest.raises(ServerError, match="could not set the initial Neo4j password") as e:
        fresh.start(bolt_port=free_port(), http_port=free_port())
    assert password not in str(e.value)
    assert fresh.status().running is False
    assert not list((fresh.home / "run").glob("*.args"))
