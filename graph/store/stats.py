"""Counts over the live graph: by kind, by relationship type, per source, single-source facts."""
from __future__ import annotations

from dataclasses import dataclass, field

import neo4j

from graph.store.layout import (
    FACTS_PER_SOURCE,
    NODES_BY_KIND,
    PROVENANCE,
    RELATIONS_BY_TYPE,
    SINGLE_SOURCE_NODES,
    SINGLE_SOURCE_RELATIONS,
)


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

    def brief(self) -> str:
        """Two lines: entities by kind, then the totals and the single-source facts."""
        by_count = sorted(self.nodes_by_kind.items(), key=lambda kv: (-kv[1], str(kv[0])))
        kinds = ", ".join(f"{n} {k}" for k, n in by_count)
        return (f"{self.nodes} entities ({kinds or 'none'}), {self.relations} relationships, "
                f"{len(self.facts_per_source)} sources.\n"
                f"Facts with a single source: {self.single_source_nodes} entities, "
                f"{self.single_source_relations} relationships.")

    def as_dict(self) -> dict:
        return {
            "nodes": self.nodes, "relations": self.relations,
            "nodes_by_kind": self.nodes_by_kind, "relations_by_type": self.relations_by_type,
            "facts_per_source": self.facts_per_source,
            "single_source_facts": {"nodes": self.single_source_nodes, "relations": self.single_source_relations},
        }


def _read(tx) -> Stats:
    s = Stats()
    for r in tx.run(NODES_BY_KIND):
        s.nodes_by_kind[r["kind"]] = r["n"]
    for r in tx.run(RELATIONS_BY_TYPE, prov=PROVENANCE):
        s.relations_by_type[r["t"]] = r["n"]
    for r in tx.run(FACTS_PER_SOURCE, prov=PROVENANCE):
        s.facts_per_source[r["id"]] = r["facts"]
    s.single_source_nodes = tx.run(SINGLE_SOURCE_NODES).single()["c"]
    s.single_source_relations = tx.run(SINGLE_SOURCE_RELATIONS, prov=PROVENANCE).single()["c"]
    return s


def graph_stats(driver: neo4j.Driver, database: str | None = None) -> Stats:
    """Read the counts in one read transaction (a consistent snapshot)."""
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        return session.execute_read(_read)
