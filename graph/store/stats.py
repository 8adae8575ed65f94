"""Counts over the live graph: by kind, by relationship type, per source, single-source facts;
and whether a batched load is unfinished (the graph is mid-load), for every command that reads it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graph.store.layout import (
    DATASET_SOURCES,
    FACTS_PER_SOURCE,
    META_ID,
    NODES_BY_KIND,
    PROVENANCE,
    READ_MARK,
    REFERENCE_NODES,
    REFERENCE_RELATIONS,
    RELATIONS_BY_TYPE,
    SINGLE_SOURCE_NODES,
    SINGLE_SOURCE_RELATIONS,
)

if TYPE_CHECKING:  # `query` and `export` import this module for the mark: neo4j is imported where used
    import neo4j


@dataclass(frozen=True)
class LoadMark:
    """An unfinished batched load (`cisfilm load --batch-size`), as its mark on the meta node says."""

    load: str  # the load's id
    started: str  # ISO 8601, UTC
    digest: str  # of the facts it loads
    prune: bool
    batch_size: int
    done: int  # batches committed
    total: int

    def notice(self) -> str:
        """One line for stderr."""
        flags = f"--batch-size {self.batch_size}" + (" --prune" if self.prune else "")
        return (f"the graph is mid-load: batched load {self.load} (started {self.started}) has committed "
                f"{self.done} of {self.total} batches and not finished; rerun `cisfilm load {flags}` "
                "on the same files to finish it")

    def as_dict(self) -> dict:
        return {"load": self.load, "started": self.started, "digest": self.digest, "prune": self.prune,
                "batch_size": self.batch_size, "batches_done": self.done, "batches_total": self.total,
                "notice": self.notice()}


def read_mark(tx) -> LoadMark | None:
    """The mark of an unfinished batched load, or None when the graph is not mid-load."""
    return mark_of(tx.run(READ_MARK, id=META_ID).single())


def mark_of(r) -> LoadMark | None:
    """The mark in a record with READ_MARK's columns (MARK_COLUMNS; None: no record, or a null load)."""
    if r is None or r["load"] is None:
        return None
    return LoadMark(load=r["load"], started=r["started"] or "?", digest=r["digest"] or "", prune=bool(r["prune"]),
                    batch_size=r["size"] or 0, done=r["done"] or 0, total=r["total"] or 0)


@dataclass
class Stats:
    nodes_by_kind: dict[str, int] = field(default_factory=dict)
    relations_by_type: dict[str, int] = field(default_factory=dict)
    facts_per_source: dict[str, int] = field(default_factory=dict)  # articles only
    single_source_nodes: int = 0  # citing one article (dataset sources not counted)
    single_source_relations: int = 0
    # reference data: facts per dataset Source, and the facts that cite datasets only
    reference_sources: dict[str, int] = field(default_factory=dict)
    reference_nodes: int = 0
    reference_relations: int = 0
    mid_load: LoadMark | None = None  # an unfinished batched load

    @property
    def nodes(self) -> int:
        return sum(self.nodes_by_kind.values())

    @property
    def relations(self) -> int:
        return sum(self.relations_by_type.values())

    def brief(self) -> str:
        """Two lines: entities by kind, then the totals and the single-source facts; a third on
        reference data when there is some."""
        by_count = sorted(self.nodes_by_kind.items(), key=lambda kv: (-kv[1], str(kv[0])))
        kinds = ", ".join(f"{n} {k}" for k, n in by_count)
        return (f"{self.nodes} entities ({kinds or 'none'}), {self.relations} relationships, "
                f"{len(self.facts_per_source)} sources.\n"
                f"Facts with a single source: {self.single_source_nodes} entities, "
                f"{self.single_source_relations} relationships." + self.reference_line())

    def reference_line(self) -> str:
        """'' without reference data, else a line (with its newline) on what it adds."""
        if not self.reference_sources:
            return ""
        return (f"\nReference data, not in the per-source counts: {self.reference_nodes} entities, "
                f"{self.reference_relations} relationships from {', '.join(self.reference_sources)}.")

    def as_dict(self) -> dict:
        return {
            "nodes": self.nodes, "relations": self.relations,
            "nodes_by_kind": self.nodes_by_kind, "relations_by_type": self.relations_by_type,
            "facts_per_source": self.facts_per_source,
            "single_source_facts": {"nodes": self.single_source_nodes, "relations": self.single_source_relations},
            "reference_data": {"facts_per_source": self.reference_sources, "nodes": self.reference_nodes,
                               "relations": self.reference_relations},
            "mid_load": self.mid_load.as_dict() if self.mid_load else None,
        }


def _read(tx) -> Stats:
    s = Stats(mid_load=read_mark(tx))
    for r in tx.run(NODES_BY_KIND):
        s.nodes_by_kind[r["kind"]] = r["n"]
    for r in tx.run(RELATIONS_BY_TYPE, prov=PROVENANCE):
        s.relations_by_type[r["t"]] = r["n"]
    ds = [r["id"] for r in tx.run(DATASET_SOURCES)]
    for r in tx.run(FACTS_PER_SOURCE, prov=PROVENANCE):
        (s.reference_sources if r["id"] in ds else s.facts_per_source)[r["id"]] = r["facts"]
    s.single_source_nodes = tx.run(SINGLE_SOURCE_NODES, ds=ds).single()["c"]
    s.single_source_relations = tx.run(SINGLE_SOURCE_RELATIONS, prov=PROVENANCE, ds=ds).single()["c"]
    if ds:
        s.reference_nodes = tx.run(REFERENCE_NODES, ds=ds).single()["c"]
        s.reference_relations = tx.run(REFERENCE_RELATIONS, prov=PROVENANCE, ds=ds).single()["c"]
    return s


def graph_stats(driver: neo4j.Driver, database: str | None = None) -> Stats:
    """Read the counts in one read transaction (a consistent snapshot)."""
    import neo4j

    # notifications off: on a graph no load has marked, the mark's property keys do not exist
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS,
                        notifications_min_severity="OFF") as session:
        return session.execute_read(_read)
