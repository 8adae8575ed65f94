"""Counts over the live graph: by kind, by relationship type, per source, single-source facts."""
from __future__ import annotations

from dataclasses import dataclass, field

import neo4j

from graph.store.layout import PROVENANCE


@dataclass
class Stats:
    nodes_by_kind: dict[str, int] = field(default_factory=dict)
    relations_by_type: dict[str, int] = field(default_factory=dict)
    facts_per_source: dict[str, int] = field(default_factory=dict)
    single_source_nodes: int = 0
    single_source_relations: int = 0

    @property
    def nodes(self) -> int:
        return sum(self.nodes_by_kind.values())

    @property
    def relations(self) -> int:
        return sum(self.relations_by_type.values())

    def as_dict(self) -> dict:
        return {
            "nodes": self.nodes, "relations": self.relations,
            "nodes_by_kind": self.nodes_by_kind, "relations_by_type": self.relations_by_type,
            "facts_per_source": self.facts_per_source,
            "single_source_facts": {"nodes": self.single_source_nodes, "relations": self.single_source_relations},
        }


def _read(tx) -> Stats:
    s = Stats()
    for r in tx.run("MATCH (n:Entity) RETURN n.kind AS kind, count(*) AS n ORDER BY kind"):
        s.nodes_by_kind[r["kind"]] = r["n"]
    for r in tx.run("MATCH (:Entity)-[r]->(:Entity) WHERE type(r) <> $prov "
                    "RETURN type(r) AS t, count(*) AS n ORDER BY t", prov=PROVENANCE):
        s.relations_by_type[r["t"]] = r["n"]
    rows = tx.run(
        "MATCH (src:Source) "
        "OPTIONAL MATCH (n:Entity) WHERE src.id IN n.sources "
        "WITH src, count(n) AS nodes "
        "OPTIONAL MATCH (:Entity)-[r]->(:Entity) WHERE type(r) <> $prov AND src.id IN r.sources "
        "WITH src, nodes, count(r) AS rels "
        "RETURN src.id AS id, nodes + rels AS facts ORDER BY id", prov=PROVENANCE)
    for r in rows:
        s.facts_per_source[r["id"]] = r["facts"]
    s.single_source_nodes = tx.run(
        "MATCH (n:Entity) WHERE NOT n:Source AND size(coalesce(n.sources, [])) = 1 RETURN count(n) AS c").single()["c"]
    s.single_source_relations = tx.run(
        "MATCH (:Entity)-[r]->(:Entity) WHERE type(r) <> $prov AND size(coalesce(r.sources, [])) = 1 "
        "RETURN count(r) AS c", prov=PROVENANCE).single()["c"]
    return s


def graph_stats(driver: neo4j.Driver, database: str | None = None) -> Stats:
    """Read the counts in one read transaction (a consistent snapshot)."""
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        return session.execute_read(_read)
