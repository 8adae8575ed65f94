"""The loader against the real server: counts, idempotence, dry-run, prune, atomicity, concurrency."""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from helpers import free_port, snapshot

from graph.bench import synthetic
from graph.errors import InvalidData, LoadError
from graph.facts import read_facts
from graph.model.schema import load_model
from graph.store.load import load_facts, load_paths

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
SEEDS = ROOT / "seeds"


def entity_count(driver) -> int:
    return driver.execute_query("MATCH (n:Entity) RETURN count(n) AS c").records[0]["c"]


@pytest.fixture(scope="module")
def model():
    return load_model(SCHEMA)


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest


def test_load_seeds_counts_match_the_files(driver, model):
    facts, _ = read_facts([SEEDS], model)
    result = load_paths(driver, [SEEDS], SCHEMA)
    assert result.diff.totals()["created"] == len(facts.entities) + len(facts.relations)
    by_kind = {}
    for e in facts.entities.values():
        by_kind[e.kind] = by_kind.get(e.kind, 0) + 1
    rows = driver.execute_query("MATCH (n:Entity) RETURN n.kind AS k, count(*) AS c").records
    assert {r["k"]: r["c"] for r in rows} == by_kind
    for kind in by_kind:  # the kind label is set, too
        c = driver.execute_query(f"MATCH (n:`{kind}`) RETURN count(n) AS c").records[0]["c"]
        assert c == by_kind[kind]
    by_type = {}
    for r in facts.relations:
        by_type[r.type] = by_type.get(r.type, 0) + 1
    rows = driver.execute_query("MATCH ()-[r]->() WHERE type(r) <> 'SOURCED_FROM' "
                                "RETURN type(r) AS t, count(*) AS c").records
    assert {r["t"]: r["c"] for r in rows} == by_type
    # provenance lands on nodes, relationships, and as SOURCED_FROM edges
    missing = driver.execute_query(
        "MATCH (n:Entity) WHERE NOT n:Source AND size(n.sources) = 0 RETURN count(n) AS c").records[0]["c"]
    assert missing == 0
    prov = driver.execute_query("MATCH (n:Entity)-[p:SOURCED_FROM]->(s:Source) RETURN count(p) AS c").records[0]["c"]
    assert prov == sum(len(e.sources) for e in facts.entities.values())
    unsourced = driver.execute_query(
        "MATCH ()-[r]->() WHERE type(r) <> 'SOURCED_FROM' AND size(r.sources) = 0 RETURN count(r) AS c").records[0]["c"]
    assert unsourced == 0


def test_reload_changes_nothing(driver):
    load_paths(driver, [SEEDS], SCHEMA)
    before = snapshot(driver)
    again = load_paths(driver, [SEEDS], SCHEMA)
    assert again.diff.changes == 0
    assert again.diff.totals()["created"] == 0 and again.diff.totals()["changed"] == 0
    assert snapshot(driver) == before


def test_constraints_and_fulltext_index_exist(driver, model):
    load_paths(driver, [SEEDS], SCHEMA)
    names = {r["name"] for r in driver.execute_query("SHOW CONSTRAINTS YIELD name").records}
    assert "entity_id" in names
    assert all(f"{k.lower()}_id" in names for k in model.kinds)
    idx = {r["name"]: r["type"] for r in driver.execute_query("SHOW INDEXES YIELD name, type").records}
    assert idx.get("entity_names") == "FULLTEXT"
    hits = driver.execute_query(
        "CALL db.index.fulltext.queryNodes('entity_names', 'Москино') YIELD node RETURN node.id AS id").records
    assert hits
    assert idx.get("relation_sources") == "FULLTEXT"
    cites = driver.execute_query(
        "CALL db.index.fulltext.queryRelationships('relation_sources', '\"src-003\"') YIELD relationship AS r "
        "RETURN count(r) AS c, all(x IN collect(r) WHERE 'src-003' IN x.sources) AS exact").records[0]
    scan = driver.execute_query("MATCH ()-[r]->() WHERE 'src-003' IN r.sources RETURN count(r) AS c").records[0]["c"]
    assert cites["c"] == scan > 0 and cites["exact"]


def test_the_relation_sources_index_follows_the_schemas_relationship_types(driver, model):
    """Created over an older schema's types, it is rebuilt over the current ones at the next load."""
    from graph.store.constraints import ensure_schema

    some = sorted(model.relation_types)[:2]
    driver.execute_query("DROP INDEX relation_sources IF EXISTS")
    driver.execute_query(f"CREATE FULLTEXT INDEX relation_sources FOR ()-[r:{'|'.join(some)}]-() ON EACH [r.sources]")
    types = lambda: sorted(driver.execute_query(
        "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes WHERE name = 'relation_sources' "
        "RETURN labelsOrTypes AS t").records[0]["t"])
    assert types() == some
    ensure_schema(driver, model)
    assert types() == sorted(model.relation_types)
    ensure_schema(driver, model)  # unchanged: left as it is
    assert types() == sorted(model.relation_types)


def test_dry_run_writes_nothing_and_reports_the_edit(driver, seeds_copy, model):
    load_paths(driver, [seeds_copy], SCHEMA)
    before = snapshot(driver)
    path, text = _file_with(seeds_copy, "org-moskino")
    old = '{ru: "АНО «Москино»", en: "Moskino"}'
    assert old in text
    path.write_text(text.replace(old, '{ru: "АНО «Москино» (изм.)", en: "Moskino"}'), encoding="utf-8")
    result = load_paths(driver, [seeds_copy], SCHEMA, dry_run=True)
    assert result.dry_run
    assert result.diff.changed == {"Organization": 1}
    assert result.diff.totals()["created"] == 0 and result.diff.totals()["removed"] == 0
    assert snapshot(driver) == before
    applied = load_paths(driver, [seeds_copy], SCHEMA)
    assert applied.diff.changed == {"Organization": 1}
    name_ru = driver.execute_query("MATCH (n {id: 'org-moskino'}) RETURN n.name_ru AS n").records[0]["n"]
    assert name_ru == "АНО «Москино» (изм.)"


def test_a_load_adopts_a_node_and_a_relationship_made_by_hand(driver, model):
    """New facts are written with CREATE; one whose id or relationship is already in the graph,
    made by hand rather than by a load, is merged into instead: no duplicate, no constraint error."""
    facts, _ = read_facts([SEEDS], model)
    rel = facts.relations[0]
    a, b = facts.entities[rel.from_id], facts.entities[rel.to_id]
    driver.execute_query(f"CREATE (x:Entity:`{a.kind}` {{id: $a, note: 'by hand'}})"
                         f"-[:`{rel.type}` {{note: 'by hand'}}]->(y:Entity:`{b.kind}` {{id: $b}})",
                         a=a.id, b=b.id)
    result = load_paths(driver, [SEEDS], SCHEMA)
    assert result.diff.totals()["created"] == len(facts.entities) + len(facts.relations)
    assert entity_count(driver) == len(facts.entities)
    rows = driver.execute_query(f"MATCH (x:Entity {{id: $a}})-[r:`{rel.type}`]->(y:Entity {{id: $b}}) "
                                "RETURN r._loaded AS loaded, r.note AS note", a=a.id, b=b.id).records
    assert [(r["loaded"], r["note"]) for r in rows] == [(True, None)]  # adopted: the fact's properties only
    assert load_paths(driver, [SEEDS], SCHEMA).diff.changes == 0


def test_prune_removes_exactly_the_deleted_fact(driver, tmp_path, model):
    base = tmp_path / "facts.yaml"
    doc = synthetic.generate(60)
    import yaml
    base.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_paths(driver, [base], SCHEMA)
    # a node the loader did not create must survive a prune
    driver.execute_query("CREATE (:Note {id: 'hand-made', text: 'not from fact files'})")
    before = snapshot(driver)
    dropped = doc["relations"].pop(0)
    base.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    kept = load_paths(driver, [base], SCHEMA)
    assert kept.diff.stale == {dropped["type"]: 1} and kept.diff.changes == 0
    assert snapshot(driver) == before
    pruned = load_paths(driver, [base], SCHEMA, prune=True)
    assert pruned.diff.removed == {dropped["type"]: 1}
    assert pruned.diff.totals()["created"] == pruned.diff.totals()["changed"] == 0
    after = snapshot(driver)
    assert after[0] == before[0]
    gone = [r for r in before[1] if r not in after[1]]
    assert [(a, t, b) for a, t, b, _ in gone] == [(dropped["from"], dropped["type"], dropped["to"])]
    assert driver.execute_query("MATCH (n:Note) RETURN count(n) AS c").records[0]["c"] == 1


def test_prune_of_an_entity_and_a_dropped_source(driver, tmp_path):
    import yaml
    doc = synthetic.generate(200)
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_paths(driver, [path], SCHEMA)
    event = next(e for e in doc["entities"] if e["kind"] == "Event")
    doc["entities"].remove(event)
    doc["relations"] = [r for r in doc["relations"] if event["id"] not in (r["from"], r["to"])]
    place = next(e for e in doc["entities"] if e["kind"] == "Place")
    old_source = place["sources"][0]
    other = next(e["id"] for e in doc["entities"] if e["kind"] == "Source" and e["id"] != old_source)
    place["sources"] = [other]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = load_paths(driver, [path], SCHEMA, prune=True)
    assert result.diff.removed["Event"] == 1
    assert result.diff.changed == {"Place": 1}
    assert driver.execute_query("MATCH (n {id: $id}) RETURN count(n) AS c", id=event["id"]).records[0]["c"] == 0
    rec = driver.execute_query("MATCH (p {id: $id}) OPTIONAL MATCH (p)-[:SOURCED_FROM]->(s) "
                               "RETURN p.sources AS src, collect(s.id) AS edges", id=place["id"]).records[0]
    assert rec["src"] == [other] and rec["edges"] == [other]


def test_invalid_input_writes_nothing(driver, seeds_copy):
    load_paths(driver, [SEEDS], SCHEMA)
    before = snapshot(driver)
    (seeds_copy / "zz-broken.yaml").write_text(
        "entities:\n  - id: org-new\n    kind: Organization\n    name: {en: New}\n    type: studio\n"
        "    sources: [src-missing]\n", encoding="utf-8")
    with pytest.raises(InvalidData) as err:
        load_paths(driver, [seeds_copy], SCHEMA)
    assert any("src-missing" in str(p) for p in err.value.problems)
    assert snapshot(driver) == before


@pytest.mark.slow
def test_a_failing_batch_rolls_back_the_whole_load(driver, tmp_path, model):
    """A value Neo4j cannot store, in the last batch of a multi-batch load: nothing is written."""
    paths = synthetic.write(tmp_path / "big", 3000)
    facts, _ = read_facts(paths, load_model(SCHEMA))
    load_paths(driver, [SEEDS], SCHEMA)
    before = snapshot(driver)
    last = max(facts.entities.values(), key=lambda e: (e.kind, e.id))
    last.fields["note"] = {"nested": {"maps": "are not storable"}}
    with pytest.raises(LoadError, match="nothing was written"):
        load_facts(driver, model, facts)
    assert snapshot(driver) == before


@pytest.mark.slow
def test_a_load_too_big_for_transaction_memory_fails_at_once_and_writes_nothing(tmp_path, model, caplog):
    """Neo4j files running out of transaction memory as a TransientError, which the driver's
    transaction functions retry: the same 1M-entity load then failed a second time minutes
    later. The loader gives up at the first such failure, with advice (--batch-size or
    --rebuild); in batches the facts then load. A server of its own with a 256m heap
    (transaction memory: 70% of it) and ~20 KB of state per entity."""
    from graph.store.connection import Settings, open_driver
    from graph.store.server import ManagedServer, default_cache

    small = ManagedServer(tmp_path / "home", default_cache(os.environ), heap="256m", pagecache="64m")
    small.start(bolt_port=free_port(), http_port=free_port(), log=lambda m: None)
    try:
        st = small.status()
        drv = open_driver(Settings(uri=st.uri, user=st.user, password=small.password()))
        try:
            load_paths(drv, [SEEDS], SCHEMA)
            before = snapshot(drv)
            facts, _ = read_facts(synthetic.write(tmp_path / "big", 15000), model)
            t0 = time.monotonic()
            with caplog.at_level("DEBUG"):
                with pytest.raises(LoadError, match="does not fit in the server's transaction memory") as err:
                    load_facts(drv, model, facts)
            print(f"failed after {time.monotonic() - t0:.1f} s")
            assert "OutOfMemory" in err.value.__cause__.code
            assert [r.getMessage() for r in caplog.records if "retried" in r.getMessage()] == []
            # the message names both ways that do fit
            assert "`cisfilm load --batch-size 10000`" in str(err.value) and "`cisfilm load --rebuild`" in str(err.value)
            assert snapshot(drv) == before
            # and in batches the same facts load, beside what was there
            result = load_facts(drv, model, facts, batch_size=5000)
            assert result.diff.totals()["created"] == len(facts.entities) + len(facts.relations)
            n = drv.execute_query("MATCH (n:Entity) RETURN count(n) AS c, count(DISTINCT n.id) AS ids").records[0]
            assert n["c"] == n["ids"] == len(before[0]) - 1 + len(facts.entities)  # the meta node is no Entity
        finally:
            drv.close()
    finally:
        small.stop()


@pytest.mark.slow
def test_server_killed_mid_load_leaves_the_graph_unchanged(driver, server, settings, tmp_path, model):
    from graph.store.connection import open_driver

    load_paths(driver, [SEEDS], SCHEMA)
    before = snapshot(driver)
    # Large enough for many batches, small enough for one transaction on the test server's
    # 512m heap (about 20 KB of transaction state per synthetic entity: README, Performance).
    paths = synthetic.write(tmp_path / "big", 10000)
    facts, _ = read_facts(paths, load_model(SCHEMA))
    own = open_driver(settings)
    killed = []

    def progress(stage, done, total):
        if stage == "writing" and done > total // 3 and not killed:
            server.kill()
            killed.append(done)

    with pytest.raises(LoadError):
        load_facts(own, model, facts, progress=progress)
    own.close()
    assert killed, "the server should have been killed mid-load"
    server.start()
    fresh = open_driver(settings)
    try:
        assert snapshot(fresh) == before
        result = load_facts(fresh, model, facts)  # a rerun converges
        assert result.diff.totals()["created"] > 0
        again = load_facts(fresh, model, facts)
        assert again.diff.changes == 0
        assert entity_count(fresh) == len(facts.entities) + len(before[0]) - 1  # minus the CisfilmMeta node
    finally:
        fresh.close()


@pytest.mark.slow
def test_two_loads_at_once_make_no_duplicates(driver, settings, tmp_path):
    from graph.store.connection import open_driver

    paths = synthetic.write(tmp_path / "mid", 1500)
    facts, _ = read_facts(paths, load_model(SCHEMA))
    errors = []

    def run():
        d = open_driver(settings)
        try:
            load_paths(d, paths, SCHEMA)
        except Exception as e:  # surfaced below
            errors.append(e)
        finally:
            d.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert entity_count(driver) == len(facts.entities)
    dup = driver.execute_query(
        "MATCH (a)-[r]->(b) WITH a, type(r) AS t, b, count(*) AS c WHERE c > 1 RETURN count(*) AS d").records[0]["d"]
    assert dup == 0
    rels = driver.execute_query("MATCH ()-[r]->() WHERE type(r) <> 'SOURCED_FROM' RETURN count(r) AS c").records[0]["c"]
    assert rels == len(facts.relations)


def test_cli_load_dry_run_and_summary(run_cli, driver):
    result = run_cli("load", str(SEEDS), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would be" in result.output.lower() or "dry run" in result.output.lower()
    assert entity_count(driver) == 0
    result = run_cli("load", str(SEEDS))
    assert result.exit_code == 0, result.output
    assert "created" in result.output and "0 changed, 0 removed" in result.output
    result = run_cli("load", str(SEEDS))
    assert result.exit_code == 0, result.output
    assert "0 created, 0 changed, 0 removed" in result.output


def _file_with(folder: Path, entity_id: str) -> tuple[Path, str]:
    for path in sorted(folder.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if f"id: {entity_id}\n" in text:
            return path, text
    raise AssertionError(f"{entity_id} not found in {folder}")
