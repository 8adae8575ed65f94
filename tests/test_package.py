"""The package installs and works away from the checkout: `pipx install .`, then
`cisfilm server start && cisfilm load && cisfilm query partners -p org=Беларусьфильм`
from a directory outside the checkout, with the schema, queries and seeds shipped
inside the wheel."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import free_port

from graph import resources

ROOT = Path(__file__).resolve().parent.parent


def test_the_checkout_folders_are_used_when_running_from_it() -> None:
    assert resources.checkout() == ROOT
    for name in resources.FOLDERS:
        assert resources.folder(name) == ROOT / name


def test_unknown_data_folder_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown data folder 'docs'"):
        resources.folder("docs")


@pytest.mark.slow
def test_pipx_install_then_start_load_and_query_from_outside_the_checkout(tmp_path, server) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEO4J_", "CISFILM_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(tmp_path / "bin"),
               PIPX_MAN_DIR=str(tmp_path / "man"), CISFILM_HOME=str(tmp_path / "home"),
               CISFILM_CACHE=str(server.cache),  # the Neo4j jars fetched for the test session
               PATH=f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    away = tmp_path / "elsewhere"
    away.mkdir()

    def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        done = subprocess.run(args, cwd=away, env=env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done

    run(sys.executable, "-m", "pipx", "install", "--python", sys.executable, str(ROOT))
    cisfilm = str(tmp_path / "bin" / "cisfilm")
    venv_python = next((tmp_path / "pipx" / "venvs" / "cisfilm" / "bin").glob("python"))
    where = run(str(venv_python), "-c", "import graph, cli; from graph import resources; "
                "print(graph.__file__); print(resources.schema_dir()); print(resources.checkout())").stdout.split()
    assert not where[0].startswith(str(ROOT)), where
    assert where[1].endswith("graph/_data/schema") and where[2] == "None", where

    try:
        run(cisfilm, "server", "start", "--bolt-port", str(free_port()), "--http-port", str(free_port()))
        loaded = run(cisfilm, "load").stdout
        assert loaded.startswith("Loaded 222 entities and 249 relationships"), loaded
        answer = run(cisfilm, "query", "partners", "-p", "org=Беларусьфильм", "--format", "csv").stdout
        partners = {line.split(",")[0] for line in answer.splitlines()[1:]}
        assert {"org-1-2-3-production", "org-kyrgyzfilm", "org-tajikfilm"} <= partners, answer
    finally:
        subprocess.run([cisfilm, "server", "stop"], cwd=away, env=env, capture_output=True, timeout=120)


@pytest.mark.slow
def test_the_wheel_carries_schema_queries_and_seeds(tmp_path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    wheel = next(tmp_path.glob("cisfilm-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pattern in (("schema", "*.yaml"), ("queries", "*.cypher"), ("seeds", "*.yaml")):
        for f in (ROOT / folder).glob(pattern):
            assert f"graph/_data/{folder}/{f.name}" in names, f"{folder}/{f.name} is not in the wheel"
    assert "cli.py" in names and "graph/store/neo4j/pom.xml" in names
