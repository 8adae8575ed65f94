"""One question from the terminal: a command imports only what it needs, and a template's
read-only check (`EXPLAIN`) is remembered across processes in the cache directory.

The CLI runs here as real separate processes against the real Neo4j of the test session,
through a proxy that keeps what they send (`helpers.boltrecorder`): whether a process
asked the server to `EXPLAIN` is read off the wire.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.boltrecorder import BoltRecorder

from graph.templates import CheckCache

ROOT = Path(__file__).resolve().parent.parent
COUNT = """// name: count
// description: How many entities there are.

MATCH (n:Entity) RETURN count(n) AS entities
"""
# Run the CLI in a fresh interpreter and report which of these it imported.
_MODULES = """
import sys
sys.argv = ["cisfilm", *sys.argv[1:]]
from cli import app
try:
    app()
except SystemExit as e:
    code = e.code
else:
    code = 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"neo4j", "rdflib", "rich", "pyshacl"})
print(json.dumps({"code": code, "imported": heavy}), file=sys.stderr)
"""


def imported(*args: str, env: dict | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", "import json\n" + _MODULES, *args], cwd=ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60)
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_help_and_commands_that_never_connect_do_not_import_the_driver(tmp_path):
    assert imported("--help") == {"code": 0, "imported": ["rich"]}  # typer draws its help with rich
    assert imported("validate") == {"code": 0, "imported": []}
    assert imported("schema") == {"code": 0, "imported": []}
    assert imported("queries", "--format", "json") == {"code": 0, "imported": []}
    assert imported("query", "partners", "-p", "orgg=x")["imported"] == []  # refused before connecting


def test_a_query_imports_the_driver_but_not_rich_or_rdflib(driver, settings, queries, tmp_path):
    env = {"NEO4J_URI": settings.uri, "NEO4J_USERNAME": settings.user, "NEO4J_PASSWORD": settings.password,
           "CISFILM_CACHE": str(tmp_path)}
    assert imported("query", "count", "--templates", str(queries), "--format", "csv", env=env) == {
        "code": 0, "imported": ["neo4j"]}


@pytest.fixture
def recorder(server, settings):
    with BoltRecorder(int(settings.uri.rsplit(":", 1)[1])) as rec:
        yield rec


@pytest.fixture
def cisfilm(recorder, settings, tmp_path):
    """Run `cisfilm ARGS...` in a new process through the recorder, with its cache in tmp_path/cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "CISFILM_"))}
    env.update(NEO4J_URI=recorder.uri, NEO4J_USERNAME=settings.user, NEO4J_PASSWORD=settings.password,
               CISFILM_CACHE=str(tmp_path / "cache"), CISFILM_HOME=str(tmp_path / "home"))

    def run(*args: str, cache: Path | None = None) -> subprocess.CompletedProcess:
        recorder.clear()
        if cache is not None:
            env["CISFILM_CACHE"] = str(cache)
        return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    return run


@pytest.fixture
def queries(tmp_path) -> Path:
    directory = tmp_path / "queries"
    directory.mkdir()
    (directory / "count.cypher").write_text(COUNT, encoding="utf-8")
    return directory


def entries(path: Path) -> list[str]:
    """The template names the cache file holds, oldest first."""
    data = json.loads((path / CheckCache.FILE).read_text(encoding="utf-8"))
    assert data["format"] == CheckCache.FORMAT
    return [e["template"] for e in data["checked"].values()]


def test_the_second_process_takes_the_first_ones_check(driver, cisfilm, recorder, queries, tmp_path):
    first = cisfilm("query", "count", "--templates", str(queries), "--format", "csv")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "entities\n0\n"
    assert recorder.count("EXPLAIN ") == 1
    assert entries(tmp_path / "cache") == ["count"]

    second = cisfilm("query", "count", "--templates", str(queries), "--format", "csv")
    assert second.returncode == 0, second.stderr
    assert second.stdout == "entities\n0\n"
    assert recorder.count("EXPLAIN ") == 0  # the server was not asked again
    assert recorder.count("MATCH (n:Entity) RETURN count(n) AS entities") == 1  # the question itself was
    # and one query more: the server's identity (the cache's key) with the mid-load mark
    assert recorder.count("CALL db.info()") == 1
    assert recorder.count("MATCH (m:CisfilmMeta") == recorder.count("OPTIONAL CALL () { MATCH (m:CisfilmMeta") == 1
    assert entries(tmp_path / "cache") == ["count"]


def test_a_changed_template_is_checked_again(driver, cisfilm, recorder, queries, tmp_path):
    assert cisfilm("query", "count", "--templates", str(queries)).returncode == 0
    assert recorder.count("EXPLAIN ") == 1

    # the same name, now writing: refused by a fresh EXPLAIN, not let through by the cache
    (queries / "count.cypher").write_text(COUNT.replace("RETURN", "SET n.touched = true RETURN"), encoding="utf-8")
    done = cisfilm("query", "count", "--templates", str(queries))
    assert done.returncode == 1
    assert done.stderr == ("Error: template 'count' refused: it reads and writes; "
                           "stored templates may only read\n")
    assert recorder.count("EXPLAIN ") == 1
    assert recorder.count("SET n.touched") == 1  # only inside the EXPLAIN: it never ran
    assert entries(tmp_path / "cache") == ["count"]  # a refusal is not remembered

    # another read-only text is checked once, then remembered beside the first
    (queries / "count.cypher").write_text(COUNT.replace("entities\n", "n\n"), encoding="utf-8")
    assert cisfilm("query", "count", "--templates", str(queries)).returncode == 0
    assert recorder.count("EXPLAIN ") == 1
    assert cisfilm("query", "count", "--templates", str(queries)).returncode == 0
    assert recorder.count("EXPLAIN ") == 0
    assert entries(tmp_path / "cache") == ["count", "count"]


@pytest.mark.parametrize("content", [b"\xff\xfe not UTF-8", b'{"format": 1, "checked": ', b"[1, 2, 3]",
                                     b'{"format": 99, "checked": {}}', b'{"format": 1, "checked": [1]}', b""])
def test_a_corrupt_cache_file_is_ignored_and_replaced(driver, cisfilm, recorder, queries, tmp_path, content):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CheckCache.FILE).write_bytes(content)
    done = cisfilm("query", "count", "--templates", str(queries), "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "entities\n0\n" and done.stderr == ""
    assert recorder.count("EXPLAIN ") == 1
    assert entries(cache) == ["count"]
    assert not [p.name for p in cache.iterdir() if p.name != CheckCache.FILE]  # no temporary file left


def test_a_cache_directory_that_cannot_be_written_only_costs_the_check(driver, cisfilm, recorder, queries,
                                                                        tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    for _ in range(2):
        done = cisfilm("query", "count", "--templates", str(queries), "--format", "csv", cache=blocked)
        assert done.returncode == 0, done.stderr
        assert done.stdout == "entities\n0\n" and done.stderr == ""
        assert recorder.count("EXPLAIN ") == 1


def test_a_verdict_for_another_server_or_database_is_not_taken(driver, cisfilm, recorder, queries, tmp_path):
    from graph.templates import load_template

    cache = tmp_path / "cache"
    text = load_template(queries / "count.cypher").text
    elsewhere = CheckCache(cache)
    for identity in ("Neo4j Kernel 4.4.0 community / database neo4j 00000000-0000-0000-0000-000000000000",
                     "Neo4j Kernel 5.26.30 enterprise / database other 11111111-1111-1111-1111-111111111111"):
        elsewhere.add(CheckCache.key(identity, text), "count")
    assert entries(cache) == ["count", "count"]
    assert cisfilm("query", "count", "--templates", str(queries)).returncode == 0
    assert recorder.count("EXPLAIN ") == 1
    assert entries(cache) == ["count", "count", "count"]


def test_the_cache_keeps_the_newest_entries(tmp_path):
    class Small(CheckCache):
        MAX_ENTRIES = 10

    cache = Small(tmp_path)
    for i in range(15):
        cache.add(CheckCache.key("server", f"RETURN {i}"), f"t{i}")
    reread = CheckCache(tmp_path)
    assert [e["template"] for e in reread.entries.values()] == [f"t{i}" for i in range(5, 15)]
    assert CheckCache.key("server", "RETURN 4") not in reread
    assert CheckCache.key("server", "RETURN 5") in reread
    assert CheckCache.key("other server", "RETURN 5") not in reread
