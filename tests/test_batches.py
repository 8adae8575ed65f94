"""`cisfilm load --batch-size`: the same graph as a plain load, resumable after a stop at any
batch, never duplicating, and the graph marked mid-load (stats, query, export say so) until
it finishes. Against the real server; a stop is either a hook (the progress callback, called
after each committed batch, raises) or a connection cut at a batch's COMMIT (tests/helpers/boltproxy.py)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from helpers import snapshot, wipe
from helpers.boltproxy import BoltProxy

from graph.bench import synthetic
from graph.errors import ExportError, LoadError
from graph.facts import read_facts
from graph.model.schema import load_model
from graph.rdf import export_string
from graph.store.connection import open_driver
from graph.store.layout import MARK_PROPS, PENDING
from graph.store.load import load_facts
from graph.store.stats import graph_stats
from graph.templates import load_templates

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
SEEDS = ROOT / "seeds"


class Crash(Exception):
    """The client dies between two batches."""


@pytest.fixture(scope="module")
def model():
    return load_model(SCHEMA)


@pytest.fixture(scope="module")
def synth(tmp_path_factory, model):
    """300 synthetic entities in several files, and their FactSet."""
    paths = synthetic.write(tmp_path_factory.mktemp("synth"), 300, per_file=200)
    facts, _ = read_facts(paths, model)
    return paths, facts


@pytest.fixture(scope="module")
def plain_graph(server, settings, synth, model):
    """The graph a plain load of `synth` makes, as `snapshot` shows it."""
    drv = open_driver(settings)
    try:
        wipe(drv)
        load_facts(drv, model, synth[1])
        return snapshot(drv)
    finally:
        drv.close()


def mark(driver) -> dict:
    rec = driver.execute_query("MATCH (m:CisfilmMeta {id: 'load'}) RETURN properties(m) AS p").records
    props = rec[0]["p"] if rec else {}
    return {k: v for k, v in props.items() if k in MARK_PROPS}


def duplicates(driver) -> int:
    nodes = driver.execute_query("MATCH (n:Entity) WITH n.id AS id, count(*) AS c WHERE c > 1 "
                                 "RETURN count(*) AS d").records[0]["d"]
    rels = driver.execute_query("MATCH (a)-[r]->(b) WITH a, type(r) AS t, b, count(*) AS c WHERE c > 1 "
                                "RETURN count(*) AS d").records[0]["d"]
    return nodes + rels


def stop_after(k: int):
    """A progress callback that kills the load right after its k-th batch committed."""
    def progress(stage: str, done: int, total: int) -> None:
        if stage.startswith(f"writing batch {k}/"):
            raise Crash(stage)
    return progress


def a_query() -> list[str]:
    """A stored question that answers on any graph (no entity to name)."""
    t = load_templates(ROOT / "queries")["most_connected"]
    return ["query", t.name, *t.example_args()]


# -- the same graph -----------------------------------------------------------------------

def test_a_batched_load_makes_the_same_graph_as_a_plain_load(driver, model, synth, plain_graph):
    paths, facts = synth
    facts_n = len(facts.entities) + len(facts.relations)
    result = load_facts(driver, model, facts, batch_size=37)
    deferred = [e for e in facts.entities.values() if e.kind == "Source" and e.sources]
    assert result.batches == (math.ceil(len(facts.entities) / 37) + math.ceil(len(deferred) / 37)
                              + math.ceil(len(facts.relations) / 37))
    assert result.diff.totals()["created"] == facts_n
    assert snapshot(driver) == plain_graph
    assert mark(driver) == {} and duplicates(driver) == 0
    pending = driver.execute_query("MATCH (n:Entity) WHERE n._hash STARTS WITH $p RETURN count(n) AS c",
                                   p=PENDING).records[0]["c"]
    assert pending == 0
    # idempotent: a rerun changes nothing and commits no batch
    again = load_facts(driver, model, facts, batch_size=37)
    assert again.diff.changes == 0 and again.batches == 0 and again.interrupted is None
    assert snapshot(driver) == plain_graph and mark(driver) == {}


def _edited(tmp_path: Path) -> tuple[Path, Path]:
    """A fact file, and a later version of it: a name changed, an entity's sources changed, an
    entity and its relationships gone, one more relationship gone."""
    doc = synthetic.generate(200)
    v1 = tmp_path / "v1" / "facts.yaml"
    v1.parent.mkdir()
    v1.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    org = next(e for e in doc["entities"] if e["kind"] == "Organization")
    org["name"] = {**org["name"], "en": org["name"].get("en", "x") + " (renamed)"}
    place = next(e for e in doc["entities"] if e["kind"] == "Place")
    other = next(e["id"] for e in doc["entities"] if e["kind"] == "Source" and e["id"] not in place["sources"])
    place["sources"] = [other]
    event = next(e for e in doc["entities"] if e["kind"] == "Event")
    doc["entities"].remove(event)
    doc["relations"] = [r for r in doc["relations"] if event["id"] not in (r["from"], r["to"])]
    doc["relations"].pop(0)
    v2 = tmp_path / "v2" / "facts.yaml"
    v2.parent.mkdir()
    v2.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return v1, v2


@pytest.mark.parametrize("prune", [False, True], ids=["keep", "prune"])
def test_batched_changes_and_prune_make_the_same_graph_as_a_plain_load(driver, model, tmp_path, prune):
    v1, v2 = _edited(tmp_path)
    old, _ = read_facts([v1], model)
    new, _ = read_facts([v2], model)
    load_facts(driver, model, old)
    expected = load_facts(driver, model, new, prune=prune).diff
    want = snapshot(driver)
    wipe(driver)
    load_facts(driver, model, old)
    got = load_facts(driver, model, new, prune=prune, batch_size=7)
    assert got.diff.as_dict() == expected.as_dict()
    assert got.diff.changed == {"Organization": 1, "Place": 1}
    assert got.diff.totals()["removed" if prune else "stale"] > 0
    assert snapshot(driver) == want and mark(driver) == {}


# -- stopped midway -------------------------------------------------------------------------

def _stops(facts, size: int) -> dict[str, int]:
    a = math.ceil(len(facts.entities) / size)  # the entities' batches; the relationships' follow
    return {"first-batch": 1, "mid-entities": a // 2 + 1, "last-entities": a, "mid-relationships": a + 2}


@pytest.mark.parametrize("where", ["first-batch", "mid-entities", "last-entities", "mid-relationships"])
def test_a_load_stopped_after_k_batches_is_mid_load_and_a_rerun_converges(driver, model, synth, plain_graph, where):
    paths, facts = synth
    k = _stops(facts, 40)[where]
    with pytest.raises(Crash):
        load_facts(driver, model, facts, batch_size=40, progress=stop_after(k))
    m = mark(driver)
    assert m["batches_done"] == k and m["batches_total"] > k and m["load_batch_size"] == 40
    st = graph_stats(driver)
    assert st.mid_load is not None and st.mid_load.done == k
    assert snapshot(driver) != plain_graph
    rerun = load_facts(driver, model, facts, batch_size=40)
    assert rerun.interrupted is not None and rerun.interrupted.done == k and rerun.resumed
    assert rerun.batches == m["batches_total"] - k  # it continued where the first stopped
    entities, a = len(facts.entities), math.ceil(len(facts.entities) / 40)
    committed = min(k * 40, entities) if k <= a else entities + (k - a) * 40
    assert rerun.diff.totals()["unchanged"] == committed  # what the first load's batches wrote is kept
    assert snapshot(driver) == plain_graph
    assert mark(driver) == {} and duplicates(driver) == 0
    assert load_facts(driver, model, facts, batch_size=40).diff.changes == 0


def test_mid_load_stats_query_and_export_say_so_and_export_refuses(driver, model, synth, plain_graph,
                                                                    run_cli, tmp_path):
    paths, facts = synth
    with pytest.raises(Crash):
        load_facts(driver, model, facts, batch_size=50, progress=stop_after(3))
    notice = "Warning: the graph is mid-load: batched load "
    stats = run_cli("stats", "--brief")
    assert stats.exit_code == 0, stats.output
    assert stats.stderr.count("\n") == 1 and stats.stderr.startswith(notice)
    assert "has committed 3 of " in stats.stderr and "rerun `cisfilm load --batch-size 50`" in stats.stderr
    data = json.loads((js := run_cli("stats", "--format", "json")).stdout)
    assert js.stderr.startswith(notice)
    assert data["mid_load"]["batches_done"] == 3 and data["mid_load"]["batch_size"] == 50
    query = run_cli(*a_query())
    assert query.exit_code == 0, query.output
    assert query.stderr.startswith(notice)
    refused = run_cli("export", "--format", "nt")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith("Error: the graph is mid-load: batched load ")
    assert "refused unless --allow-partial is given" in refused.stderr
    out = tmp_path / "partial.ttl"
    assert run_cli("export", "-o", str(out)).exit_code == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(ExportError, match="mid-load"):
        export_string(driver, model)
    partial = run_cli("export", "--format", "nt", "--allow-partial")
    assert partial.exit_code == 0, partial.output
    assert partial.stderr.startswith(notice) and "<https://w3id.org/cisfilm/id/" in partial.stdout
    dry = run_cli("load", *map(str, paths), "--dry-run", "--batch-size", "50")
    assert dry.exit_code == 0 and dry.stderr.startswith(notice)
    assert "batches of at most 50 facts." in dry.stdout
    done = run_cli("load", *map(str, paths), "--batch-size", "50")
    assert done.exit_code == 0, done.output
    assert "is finished; the graph is no longer mid-load." in done.stderr
    assert snapshot(driver) == plain_graph
    for args in (["stats"], a_query(), ["export", "--format", "nt"]):
        r = run_cli(*args)
        assert r.exit_code == 0 and "mid-load" not in r.stderr, (args, r.output)


def test_a_plain_load_finishes_a_graph_left_mid_load(driver, model, synth, plain_graph, run_cli):
    paths, facts = synth
    with pytest.raises(Crash):
        load_facts(driver, model, facts, batch_size=60, progress=stop_after(2))
    result = run_cli("load", *map(str, paths))
    assert result.exit_code == 0, result.output
    assert "is finished; the graph is no longer mid-load." in result.stderr
    assert snapshot(driver) == plain_graph and mark(driver) == {}


def test_a_rerun_with_other_files_replaces_the_unfinished_load(driver, model, synth, tmp_path):
    paths, facts = synth
    with pytest.raises(Crash):
        load_facts(driver, model, facts, batch_size=60, progress=stop_after(2))
    first = mark(driver)
    seeds, _ = read_facts([SEEDS], model)
    other = load_facts(driver, model, seeds, batch_size=60)
    assert other.interrupted is not None and not other.resumed
    assert other.interrupted.load == first["load_id"] and "replaced" in (other.note() or "")
    assert mark(driver) == {} and duplicates(driver) == 0
    assert load_facts(driver, model, seeds).diff.changes == 0  # the seeds are all there


SOURCES_CITING_SOURCES = """\
entities:
  - {id: src-a, kind: Source, name: {en: Article A}, file: a.txt}
  - {id: src-b, kind: Source, name: {en: Article B}, file: b.txt, sources: [src-a]}
  - {id: src-c, kind: Source, name: {en: Article C}, file: c.txt, sources: [src-b, src-a]}
  - {id: org-x, kind: Organization, name: {en: Studio X}, type: studio, sources: [src-c, src-b]}
  - {id: place-y, kind: Place, name: {en: Town Y}, type: city, sources: [src-a]}
relations:
  - {from: org-x, type: LOCATED_IN, to: place-y, sources: [src-c]}
"""


@pytest.mark.parametrize("k", range(1, 8))
def test_sources_citing_sources_stopped_at_any_batch(driver, model, tmp_path, k):
    """A Source's provenance edges may point to Sources written after it: they come in a later
    batch, and until then the Source carries a pending hash. Stopped after any batch (one fact
    each), the rerun makes the plain load's graph."""
    path = tmp_path / "facts.yaml"
    path.write_text(SOURCES_CITING_SOURCES, encoding="utf-8")
    facts, _ = read_facts([path], model)
    load_facts(driver, model, facts)
    want = snapshot(driver)
    wipe(driver)
    assert load_facts(driver, model, facts, batch_size=1, dry_run=True).batches == 5 + 2 + 1
    with pytest.raises(Crash):
        load_facts(driver, model, facts, batch_size=1, progress=stop_after(k))
    assert mark(driver)["batches_done"] == k
    load_facts(driver, model, facts, batch_size=1)
    assert snapshot(driver) == want and mark(driver) == {} and duplicates(driver) == 0


# -- another load meanwhile ------------------------------------------------------------------

def test_a_load_started_meanwhile_takes_over_and_the_first_stops(driver, settings, model, synth, plain_graph):
    """Load A commits two batches; load B of the same files plans from them, takes the mark over
    and commits one batch before it is killed; A's next batch finds the mark is not its own and
    stops, writing nothing from its stale plan. A rerun converges."""
    paths, facts = synth
    other = open_driver(settings)

    def progress(stage, done, total):
        if stage.startswith("writing batch 2/"):
            with pytest.raises(Crash):
                load_facts(other, model, facts, batch_size=45, progress=stop_after(1))

    try:
        with pytest.raises(LoadError, match=r"stopped at batch 3 of \d+: batched load \w+ took the graph over"):
            load_facts(driver, model, facts, batch_size=45, progress=progress)
    finally:
        other.close()
    assert mark(driver)["batches_done"] == 3  # A's two, B's one
    rerun = load_facts(driver, model, facts, batch_size=45)
    assert rerun.resumed and rerun.diff.totals()["unchanged"] == 3 * 45
    assert snapshot(driver) == plain_graph and duplicates(driver) == 0 and mark(driver) == {}


def test_a_plain_load_meanwhile_finishes_the_graph_and_the_batched_one_stops(driver, settings, model, synth,
                                                                             plain_graph):
    paths, facts = synth
    other = open_driver(settings)

    def progress(stage, done, total):
        if stage.startswith("writing batch 2/"):
            load_facts(other, model, facts)

    try:
        with pytest.raises(LoadError, match="stopped at batch 3 of .*another load finished the graph meanwhile"):
            load_facts(driver, model, facts, batch_size=45, progress=progress)
    finally:
        other.close()
    assert snapshot(driver) == plain_graph and duplicates(driver) == 0 and mark(driver) == {}


# -- the connection lost at a batch's COMMIT ---------------------------------------------------

@pytest.mark.parametrize("mode", ["drop", "swallow"])
def test_connection_lost_at_a_batch_commit_then_the_rerun_converges(mode, run_cli, server, settings, driver,
                                                                    synth, plain_graph):
    """The proxy lets the load's first transaction and two batches commit, then breaks the
    connection at the third batch's COMMIT: "drop" (never committed) or "swallow" (committed,
    the answer lost). The CLI says the outcome is unknown and a rerun is safe; the graph is
    mid-load; the rerun finishes it."""
    paths, facts = synth
    proxy = BoltProxy(server.status().bolt_port, mode, after=3)
    try:
        result = run_cli("--uri", proxy.uri, "--password", settings.password,
                         "load", *map(str, paths), "--batch-size", "50")
    finally:
        proxy.close()
    assert result.exit_code == 1 and proxy.faults == 1, result.output
    assert ("Error: the connection dropped while batch 3 of " in result.stderr
            and "so its outcome is unknown; rerunning the same load is safe" in result.stderr)
    assert mark(driver)["batches_done"] == (2 if mode == "drop" else 3)
    stats = run_cli("stats", "--brief")
    assert "the graph is mid-load" in stats.stderr
    rerun = run_cli("load", *map(str, paths), "--batch-size", "50")
    assert rerun.exit_code == 0, rerun.output
    assert "is finished; the graph is no longer mid-load." in rerun.stderr
    assert snapshot(driver) == plain_graph and duplicates(driver) == 0 and mark(driver) == {}
    again = run_cli("load", *map(str, paths), "--batch-size", "50")
    assert "0 created, 0 changed, 0 removed" in again.stdout and again.stderr == ""


@pytest.mark.slow
def test_server_killed_mid_batched_load_then_the_rerun_converges(driver, server, settings, model, synth,
                                                                 plain_graph):
    paths, facts = synth
    own = open_driver(settings)

    def progress(stage, done, total):
        if stage.startswith("writing batch 4/"):
            server.kill()

    try:
        with pytest.raises(LoadError, match=r"Neo4j became unreachable during batch 5 of \d+ .*4 of \d+ batches "
                                            "are committed and the graph is marked mid-load"):
            load_facts(own, model, facts, batch_size=30, progress=progress)
    finally:
        own.close()
    server.start()
    fresh = open_driver(settings)
    try:
        assert mark(fresh)["batches_done"] == 4
        assert load_facts(fresh, model, facts, batch_size=30).resumed
        assert snapshot(fresh) == plain_graph and duplicates(fresh) == 0 and mark(fresh) == {}
    finally:
        fresh.close()
