"""`cisfilm load --rebuild`: the bulk importer's graph equals the loader's, and every failure —
bad input, an importer error, a new store that does not start, a kill at any point — leaves
the previous graph serving. A managed server of the module's own, in a temporary home, so
the session's server is never restarted."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import free_port, read_counter, snapshot, wipe

from graph.errors import InvalidData, LoadError
from graph.facts import read_facts
from graph.model.schema import load_model
from graph.store import swap
from graph.store.connection import Settings, open_driver
from graph.store.load import load_paths
from graph.store.rebuild import rebuild_facts, rebuild_paths
from graph.store.server import ManagedServer

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures"

# Values the importer's CSV must carry exactly: quotes, commas, the importer's default array
# delimiter, lines, an empty quote next to a real one, Cyrillic.
TRICKY = """\
entities:
  - id: person-tricky
    kind: Person
    name: {ru: 'Иван "Ваня", Петров; младший', en: "Ivan, Jr."}
    aliases: ['a;b', 'x,y', 'say "hi"']
    note: "line one\\nline \\"two\\", with; stuff,\\n"
    sources: [{source: src-001, quote: "a \\"quoted\\", line;\\nand a second"}, src-002]
  - id: src-002
    kind: Source
    name: {ru: "второй"}
    file: '002 "x", y.txt'
relations:
  - from: person-tricky
    type: HOLDS
    to: post-moskino-ceo
    sources: [src-002, {source: src-001, quote: '"'}]
"""


@pytest.fixture(scope="module")
def own(tmp_path_factory, server) -> ManagedServer:
    srv = ManagedServer(tmp_path_factory.mktemp("rebuild") / "home", server.cache)
    srv.start(bolt_port=free_port(), http_port=free_port(), log=lambda m: None)
    yield srv
    srv.stop()


@contextmanager
def connect(srv: ManagedServer):
    st = srv.status()
    drv = open_driver(Settings(uri=st.uri, user=st.user, password=srv.password()))
    try:
        yield drv
    finally:
        drv.close()


@pytest.fixture
def fresh(own) -> ManagedServer:
    """The module's server running, its graph empty and without constraints or indexes."""
    own.start(log=lambda m: None)
    with connect(own) as drv:
        wipe(drv)
        for r in drv.execute_query("SHOW CONSTRAINTS YIELD name").records:
            drv.execute_query(f"DROP CONSTRAINT `{r['name']}`")
        for r in drv.execute_query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'").records:
            drv.execute_query(f"DROP INDEX `{r['name']}`")
    return own


def schema_of(drv) -> list:
    idx = drv.execute_query("SHOW INDEXES YIELD name, type, labelsOrTypes, properties, options "
                            "RETURN name, type, labelsOrTypes, properties, options.indexConfig AS config "
                            "ORDER BY name").records
    cons = drv.execute_query("SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties "
                             "RETURN name, type, labelsOrTypes, properties ORDER BY name").records
    return [dict(r) for r in idx] + [dict(r) for r in cons]


def load_seeds(srv: ManagedServer) -> tuple:
    with connect(srv) as drv:
        load_paths(drv, [SEEDS], SCHEMA)
        return snapshot(drv)


def state(srv: ManagedServer) -> tuple:
    with connect(srv) as drv:
        return snapshot(drv)


def no_leftovers(srv: ManagedServer) -> None:
    root = swap.rebuild_root(srv.home)
    assert not list(root.glob("run-*")), list(root.iterdir())
    assert swap.read_journal(srv.home) is None


@pytest.mark.slow
@pytest.mark.parametrize("case", ["fixture-schema", "seeds"])
def test_a_rebuild_makes_the_same_graph_as_a_load(fresh, tmp_path, case):
    """Nodes, labels, properties (`_hash`, `_loaded`, `name_keys` included), relationships,
    provenance edges, the meta node, constraints and indexes: compared, not counted."""
    if case == "seeds":
        schema, paths = SCHEMA, [SEEDS]
    else:
        schema = FIXTURES / "schema"
        paths = [FIXTURES / "facts" / "good.yaml", tmp_path / "tricky.yaml"]
        paths[1].write_text(TRICKY, encoding="utf-8")
    with connect(fresh) as drv:
        load_paths(drv, paths, schema)
        loaded, loaded_schema = snapshot(drv), schema_of(drv)
    result = rebuild_paths(fresh, paths, schema)
    with connect(fresh) as drv:
        assert snapshot(drv) == loaded
        assert schema_of(drv) == loaded_schema
        again = load_paths(drv, paths, schema)  # same hashes: the loader finds nothing to do
        assert again.diff.changes == 0, again.diff.summary()
    assert (result.nodes, result.relationships) == (len(loaded[0]), len(loaded[1]))
    assert result.before == result_counts(loaded)
    no_leftovers(fresh)
    if case == "fixture-schema":  # the awkward values did reach the graph
        tricky = next(p for _, p in loaded[0] if p.get("id") == "person-tricky")
        assert tricky["aliases"] == ['a;b', 'x,y', 'say "hi"'] and tricky["note"].count("\n") == 1
        assert tricky["quotes"] == ['a "quoted", line;\nand a second', ""]


def result_counts(snap: tuple) -> tuple[int, int]:
    return len(snap[0]), len(snap[1])


@pytest.mark.slow
def test_a_rebuild_replaces_a_different_graph_and_drops_stale_facts(fresh):
    before = load_seeds(fresh)
    schema = FIXTURES / "schema"
    paths = [FIXTURES / "facts" / "good.yaml"]
    result = rebuild_paths(fresh, paths, schema)
    assert result.before == result_counts(before)
    after = state(fresh)
    with connect(fresh) as drv:
        wipe(drv)
        load_paths(drv, paths, schema)
        wipe_and_load = snapshot(drv)
    assert after == wipe_and_load


def test_bad_input_touches_nothing(fresh, tmp_path, monkeypatch):
    before = load_seeds(fresh)
    pid = fresh.pid()
    bad = tmp_path / "bad.yaml"
    bad.write_text("entities:\n  - id: Not An Id\n    kind: Person\n", encoding="utf-8")
    cache = tmp_path / "cache"
    with pytest.raises(InvalidData) as cold:
        rebuild_paths(fresh, [SEEDS, bad], SCHEMA, cache_dir=cache)
    # a rerun with nothing changed takes every file from the validation cache, same verdict
    seen = read_counter(monkeypatch)
    with pytest.raises(InvalidData) as warm:
        rebuild_paths(fresh, [SEEDS, bad], SCHEMA, cache_dir=cache)
    assert seen == [] and str(warm.value) == str(cold.value)
    assert fresh.pid() == pid  # never restarted
    assert state(fresh) == before
    assert not swap.rebuild_root(fresh.home).exists() or not list(swap.rebuild_root(fresh.home).glob("run-*"))


@pytest.mark.slow
@pytest.mark.parametrize("how", ["bad option", "broken csv"])
def test_an_importer_failure_leaves_the_old_graph_serving(fresh, how):
    before = load_seeds(fresh)
    pid = fresh.pid()
    model = load_model(SCHEMA)
    facts, _ = read_facts([SEEDS], model)

    def fault(point: str, run: Path) -> None:
        if point == "csv" and how == "broken csv":  # a relationship to a node that is not there
            data = sorted((run / "csv").glob("r-HOLDS-*[0-9].csv"))[0]
            with open(data, "a", encoding="utf-8") as f:
                f.write('"person-nobody","post-nowhere","x"\n')

    options = ("--format=no-such-format",) if how == "bad option" else ()
    with pytest.raises(LoadError, match="bulk importer failed") as err:
        rebuild_facts(fresh, model, facts, importer_options=options, fault=fault)
    print(err.value)
    assert fresh.pid() == pid
    assert state(fresh) == before
    no_leftovers(fresh)


@pytest.mark.slow
@pytest.mark.parametrize("when", ["imported", "prepared"])
def test_a_new_store_that_does_not_start_is_refused_or_rolled_back(fresh, when):
    """Damaged before its first start (on the staging server): refused, the graph untouched.
    Damaged after it (the live server's start fails): the old store is put back and started."""
    before = load_seeds(fresh)
    pid = fresh.pid()
    model = load_model(FIXTURES / "schema")
    facts, _ = read_facts([FIXTURES / "facts" / "good.yaml"], model)

    def fault(point: str, run: Path) -> None:
        if point == when:  # the new store's metadata store: Neo4j cannot open it
            meta = run / "home" / "data" / "databases" / swap.DATABASE / "neostore"
            meta.write_bytes(b"\0" * 7)

    expected = "the graph was not touched" if when == "imported" else "previous graph was put back"
    with pytest.raises(LoadError, match=expected) as err:
        rebuild_facts(fresh, model, facts, fault=fault)
    print(err.value)
    assert fresh.pid() is not None
    if when == "imported":
        assert fresh.pid() == pid
    assert state(fresh) == before
    no_leftovers(fresh)


@pytest.mark.slow
def test_hand_made_facts_make_a_rebuild_refuse_unless_dropped(fresh):
    load_seeds(fresh)
    with connect(fresh) as drv:
        drv.execute_query("CREATE (:Note {text: 'by hand'}), (:Entity {id: 'x-by-hand'})")
        drv.execute_query("MATCH (a:Entity {id: 'src-001'}), (b:Entity {id: 'src-002'}) CREATE (a)-[:SEE_ALSO]->(b)")
        before = snapshot(drv)
    pid = fresh.pid()
    with pytest.raises(LoadError, match="holds 2 nodes and 1 relationship that no load wrote") as err:
        rebuild_paths(fresh, [SEEDS], SCHEMA)
    assert "--drop-hand-made" in str(err.value)
    assert fresh.pid() == pid and state(fresh) == before
    result = rebuild_paths(fresh, [SEEDS], SCHEMA, drop_hand_made=True)
    assert result.hand_made == (2, 1)
    with connect(fresh) as drv:
        assert drv.execute_query("MATCH (n) WHERE n:Note OR n.id = 'x-by-hand' RETURN count(n) AS c").records[0]["c"] == 0
        assert drv.execute_query("MATCH ()-[r:SEE_ALSO]->() RETURN count(r) AS c").records[0]["c"] == 0


@pytest.mark.slow
def test_cli_rebuild_reports_the_downtime(fresh, run_cli):
    load_seeds(fresh)
    result = run_cli("--home", str(fresh.home), "load", "--rebuild")
    assert result.exit_code == 0, result.output
    print(result.output)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Rebuilt the graph from ") and "with Neo4j's bulk importer" in lines[0]
    assert lines[1].startswith("Graph unavailable for ") and "(stop " in lines[1]
    assert lines[2].startswith("Phases: validate ") and "import " in lines[2] and "total " in lines[2]


def test_cli_rebuild_refusals(run_cli, server):
    result = run_cli("--uri", server.status().uri, "--password", server.password(), "load", "--rebuild")
    assert result.exit_code == 1
    assert "--rebuild needs the managed server" in result.output
    result = run_cli("load", "--drop-hand-made")
    assert result.exit_code == 1 and "--drop-hand-made goes with --rebuild" in result.output
    result = run_cli("load", "--rebuild", "--dry-run")
    assert result.exit_code == 1 and "not with --dry-run" in result.output


# -- kills -------------------------------------------------------------------------------

KILLER = """
import os, signal, sys
from pathlib import Path
from graph.facts import read_facts
from graph.model.schema import load_model
from graph.store.rebuild import rebuild_facts
from graph.store.server import ManagedServer

home, cache, point, schema, facts = sys.argv[1:]
srv = ManagedServer(Path(home), Path(cache))
model = load_model(Path(schema))
fs, _ = read_facts([Path(facts)], model)

def fault(p, run):
    if p == point:
        os.kill(os.getpid(), signal.SIGKILL)

rebuild_facts(srv, model, fs, fault=fault, log=lambda m: None)
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", ["imported", "staged", "prepared", "swapped", "started", "verified"])
def test_a_rebuild_killed_at_any_point_leaves_the_previous_graph_and_a_rerun_succeeds(fresh, point):
    before = load_seeds(fresh)
    schema, facts = FIXTURES / "schema", FIXTURES / "facts" / "good.yaml"
    proc = subprocess.run([sys.executable, "-c", KILLER, str(fresh.home), str(fresh.cache), point,
                           str(schema), str(facts)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    switching = point in ("swapped", "started", "verified")
    assert (swap.read_journal(fresh.home) is not None) == switching  # the switch had begun
    logged = []
    fresh.start(log=logged.append)  # the next start finishes the switch: here, rolls it back
    if switching:
        assert logged == ["A rebuild was interrupted while switching to a new store: the switch was rolled back."]
    assert state(fresh) == before
    assert swap.read_journal(fresh.home) is None
    result = rebuild_paths(fresh, [facts], schema)  # and a rerun succeeds
    assert result.nodes == len(state(fresh)[0])
    no_leftovers(fresh)
    assert not staging_servers(fresh)  # one orphaned by the kill ("staged") was stopped


def staging_servers(srv: ManagedServer) -> list[int]:
    root = str(swap.rebuild_root(srv.home)).encode()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if proc.name.isdigit() and b"CommunityEntryPoint" in cmd and root in cmd:
            found.append(int(proc.name))
    return found


@pytest.mark.slow
def test_a_killed_importer_leaves_the_previous_graph(fresh):
    before = load_seeds(fresh)
    model = load_model(SCHEMA)
    facts, _ = read_facts([SEEDS], model)
    killed = []

    def kill_importer(run: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for proc in Path("/proc").iterdir():
                try:
                    cmd = (proc / "cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if b"import" in cmd and any(str(run).encode() in c for c in cmd):
                    os.kill(int(proc.name), signal.SIGKILL)
                    killed.append(int(proc.name))
                    return
            time.sleep(0.05)

    def fault(point: str, run: Path) -> None:
        if point == "csv":
            threading.Thread(target=kill_importer, args=(run,), daemon=True).start()

    with pytest.raises(LoadError, match="bulk importer failed"):
        rebuild_facts(fresh, model, facts, fault=fault)
    assert killed
    assert state(fresh) == before
    no_leftovers(fresh)


def test_a_switch_left_committed_is_completed_on_start(tmp_path):
    """The journal's other outcome, without a server: committed → the old store is deleted."""
    home = tmp_path / "home"
    run = swap.rebuild_root(home) / "run-x"
    for rel in swap.STORE_DIRS:
        (home / "data" / rel).mkdir(parents=True)
        (home / "data" / rel / "new").write_text("new")
        (run / "old" / rel).mkdir(parents=True)
    swap.write_journal(home, {"state": "committed", "run": str(run), "owner": "1:0"})
    assert swap.finish(home) == "committed"
    assert not run.exists() and swap.read_journal(home) is None
    assert all((home / "data" / rel / "new").exists() for rel in swap.STORE_DIRS)


def test_a_switch_interrupted_midway_is_rolled_back(tmp_path):
    """Killed between the two moves of the old store: each directory ends up where it was."""
    home = tmp_path / "home"
    run = swap.rebuild_root(home) / "run-x"
    dbs, txs = swap.STORE_DIRS
    (run / "old" / dbs).mkdir(parents=True)  # the old store's files went aside...
    (run / "old" / dbs / "old").write_text("old")
    (home / "data" / txs).mkdir(parents=True)  # ...its logs had not
    (home / "data" / txs / "old").write_text("old")
    (home / "data" / "databases").mkdir(parents=True)
    (run / "data" / txs).mkdir(parents=True)
    swap.write_journal(home, {"state": "switching", "run": str(run), "owner": "1:0"})
    assert swap.finish(home) == "rolled back"
    assert (home / "data" / dbs / "old").read_text() == "old"
    assert (home / "data" / txs / "old").read_text() == "old"
    assert not run.exists() and swap.read_journal(home) is None
    assert json.dumps(swap.finish(home)) == "null"  # nothing pending: a no-op
    shutil.rmtree(home)


@pytest.mark.slow
def test_a_large_first_load_into_an_empty_graph_goes_through_the_importer(fresh, run_cli, monkeypatch):
    import graph.store.rebuild as rebuild

    assert rebuild.large_first_load(fresh, [SEEDS], threshold=10) == 232  # empty, and 232 > 10 (an estimate)
    assert rebuild.large_first_load(fresh, [SEEDS]) is None  # below REBUILD_THRESHOLD
    monkeypatch.setattr(rebuild, "REBUILD_THRESHOLD", 10)
    result = run_cli("--home", str(fresh.home), "load")
    assert result.exit_code == 0, result.output
    assert "The graph is empty and the files hold about 232 entities (more than 10)" in result.stderr
    assert result.stdout.startswith("Rebuilt the graph from 222 entities")
    assert rebuild.large_first_load(fresh, [SEEDS], threshold=10) is None  # no longer empty: a plain load
    result = run_cli("--home", str(fresh.home), "load")
    assert result.exit_code == 0 and "0 created, 0 changed" in result.stdout, result.output
