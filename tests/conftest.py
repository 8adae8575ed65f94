"""One real Neo4j for the whole test session, wiped between tests.

The managed server is started by the project itself (fetched from Maven Central
on first use) in a temporary home on free ports; nothing stands in for Neo4j.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import free_port, wipe
from typer.testing import CliRunner

from graph.browser import post_connect_conf
from graph.store.connection import Settings, open_driver
from graph.store.server import ManagedServer, default_cache

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> ManagedServer:
    home = tmp_path_factory.mktemp("neo4j-home")
    srv = ManagedServer(home, default_cache(os.environ), extra_conf=lambda: post_connect_conf(ROOT / "schema"))
    srv.start(bolt_port=free_port(), http_port=free_port(), log=lambda m: print(m))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def settings(server) -> Settings:
    st = server.status()
    return Settings(uri=st.uri, user=st.user, password=server.password())


@pytest.fixture(scope="session")
def session_driver(settings):
    drv = open_driver(settings)
    yield drv
    drv.close()


@pytest.fixture
def driver(server, session_driver):
    """A driver on an empty graph (the managed server is restarted if a test killed it)."""
    if server.pid() is None:
        server.start()
    wipe(session_driver)
    return session_driver


@pytest.fixture
def cli_env(server) -> dict:
    """Environment for CliRunner: the managed server of the test session, no NEO4J_URI."""
    env = {k: None for k in ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE")}
    env["CISFILM_HOME"] = str(server.home)
    env["CISFILM_CACHE"] = str(server.cache)
    return env


@pytest.fixture
def run_cli(cli_env):
    """Run `cisfilm ARGS...` in-process; returns the click Result."""
    from cli import app

    def run(*args: str, input: str | None = None, env: dict | None = None):
        return CliRunner().invoke(app, list(args), env={**cli_env, **(env or {})}, input=input)

    return run


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
