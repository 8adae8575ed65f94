"""`cisfilm stats` on the loaded seeds: counts agree with the fact files."""
from __future__ import annotations

import json
from pathlib import Path

from graph.facts import read_facts
from graph.model.schema import load_model
from graph.store.load import load_paths
from graph.store.stats import graph_stats

ROOT = Path(__file__).resolve().parent.parent
SCHEMA, SEEDS = ROOT / "schema", ROOT / "seeds"


def expected():
    """Counts from the files; a dataset Source (the ISO 3166 gazetteer) is counted apart:
    not in the facts per source, and not as a fact's source when counting single-source facts."""
    facts, _ = read_facts([SEEDS], load_model(SCHEMA))
    datasets = {e.id for e in facts.entities.values() if e.fields.get("source_type") == "dataset"}
    kinds, types, per_source = {}, {}, {}
    single_nodes = single_rels = 0
    for e in facts.entities.values():
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
        for s in set(e.sources):
            per_source[s] = per_source.get(s, 0) + 1
        single_nodes += e.kind != "Source" and len(set(e.sources) - datasets) == 1
    for r in facts.relations:
        types[r.type] = types.get(r.type, 0) + 1
        for s in set(r.sources):
            per_source[s] = per_source.get(s, 0) + 1
        single_rels += len(set(r.sources) - datasets) == 1
    for e in facts.entities.values():
        if e.kind == "Source":
            per_source.setdefault(e.id, 0)
    per_source = {s: n for s, n in per_source.items() if s not in datasets}
    return kinds, types, per_source, single_nodes, single_rels


def test_stats_match_the_seed_files(driver):
    load_paths(driver, [SEEDS], SCHEMA)
    kinds, types, per_source, single_nodes, single_rels = expected()
    st = graph_stats(driver)
    assert st.nodes_by_kind == dict(sorted(kinds.items()))
    assert st.relations_by_type == dict(sorted(types.items()))
    assert st.facts_per_source == dict(sorted(per_source.items()))
    assert (st.single_source_nodes, st.single_source_relations) == (single_nodes, single_rels)
    assert set(per_source) == {"src-000", "src-001", "src-002", "src-003", "src-004"}


def test_stats_cli_json_and_table(driver, run_cli):
    load_paths(driver, [SEEDS], SCHEMA)
    kinds, types, per_source, *_ = expected()
    result = run_cli("stats", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["nodes"] == sum(kinds.values()) and data["relations"] == sum(types.values())
    assert data["facts_per_source"] == dict(sorted(per_source.items()))
    table = run_cli("stats")
    assert table.exit_code == 0, table.output
    assert f"{sum(kinds.values())} entities, {sum(types.values())} relationships" in table.output
    assert "src-001" in table.output


def test_stats_on_an_empty_graph(driver, run_cli):
    result = run_cli("stats", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["nodes"] == 0


def test_stats_brief_is_two_lines_and_reference_data_with_every_kind(driver, run_cli):
    load_paths(driver, [SEEDS], SCHEMA)
    kinds, types, per_source, single_nodes, single_rels = expected()
    result = run_cli("stats", "--brief")
    assert result.exit_code == 0, result.output
    first, second, reference = result.output.splitlines()  # the third: the ISO 3166 gazetteer (seeds/reference/)
    assert reference.startswith("Reference data, not in the per-source counts: ") and "src-iso3166" in reference
    assert first.startswith(f"{sum(kinds.values())} entities (") and f"{sum(types.values())} relationships" in first
    for kind, n in kinds.items():
        assert f"{n} {kind}" in first
    assert second == f"Facts with a single source: {single_nodes} entities, {single_rels} relationships."


def test_a_bad_format_is_refused_before_anything_connects(run_cli, tmp_path):
    # nothing listens on this URI: a connection attempt would fail differently (exit 1)
    result = run_cli("--uri", "bolt://127.0.0.1:9", "stats", "--format", "yaml")
    assert result.exit_code == 2
    assert "'yaml' is not one of: table, json" in result.output
    legacy = run_cli("--uri", "bolt://127.0.0.1:9", "server", "status", "--format", "text",
                     env={"CISFILM_HOME": str(tmp_path)})
    assert legacy.exit_code == 3 and "Neo4j is not running." in legacy.output  # `text` still means the table form


def test_cli_format_choices_are_the_librarys():
    import cli
    from graph.rdf import FORMATS as RDF
    from graph.templates import FORMATS as QUERY

    assert cli.RDF_FORMATS == RDF and cli.QUERY_FORMATS == QUERY
