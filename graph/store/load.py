"""Loading validated facts into Neo4j: batched, idempotent, all-or-nothing.

Mechanism: one load is one Neo4j write transaction. It first takes a write lock on
a single `:CisfilmMeta` node (so concurrent loads run one after the other, and
MERGE never races into duplicate relationships), reads the `_hash` of everything
the loader owns, computes the diff, and writes only what is new or changed, in
batches of `UNWIND $rows` per label and per relationship type. Neo4j commits the
transaction as a whole or not at all: a failed batch rolls everything back, and a
server that dies mid-load recovers to the last committed state on restart.
Labels and relationship types come only from the schema's allow-list; values
reach Cypher only as parameters.
"""
from __future__ import annotations

import functools
import gc
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import neo4j
from neo4j import exceptions as nx

from graph.errors import LoadError, first_line
from graph.model.names import fold
from graph.model.schema import Model
from graph.model.types import TYPES
from graph.store.constraints import ensure_schema
from graph.store.layout import (
    DELETE_NODES,
    DELETE_RELATIONS,
    HASH,
    LOADED,
    LOADED_NODES,
    LOADED_RELATIONS,
    LOCK,
    META_ID,
    NAME_KEYS,
    PROVENANCE,
    STAMP_LOAD,
    remove_kind,
    write_nodes,
    write_provenance,
    write_relations,
)

BATCH = 2000
# A load is one transaction, and a large one outlasts the 60 s the managed server allows
# a query by default (100k entities take minutes on 2 busy cores); Neo4j ≥ 5.3 lets a
# client-given timeout override the server's default, upwards too.
LOAD_TIMEOUT = 3600.0
# How long a load keeps retrying a transient failure (a deadlock, a connection that
# dropped before COMMIT); the driver's own default for transaction functions.
RETRY_SECONDS = 30.0

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class NodeRow:
    id: str
    kind: str
    props: dict
    sources: list[str]
    quotes: list[str]
    hash: str = ""

    @property
    def key(self) -> str:
        return self.id


@dataclass
class RelRow:
    start: str
    type: str
    end: str
    props: dict
    hash: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.start, self.type, self.end)


@dataclass
class Diff:
    """What a load creates, changes, removes (with prune) or leaves alone, per kind/type."""

    created: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    stale: dict[str, int] = field(default_factory=dict)  # in the graph, not in the files, kept (no --prune)

    @staticmethod
    def _total(d: dict[str, int]) -> int:
        return sum(d.values())

    def totals(self) -> dict[str, int]:
        return {k: self._total(getattr(self, k)) for k in ("created", "changed", "removed", "unchanged", "stale")}

    @property
    def changes(self) -> int:
        t = self.totals()
        return t["created"] + t["changed"] + t["removed"]

    def summary(self) -> str:
        t = self.totals()
        line = f"{t['created']} created, {t['changed']} changed, {t['removed']} removed, {t['unchanged']} unchanged"
        if t["stale"]:
            line += f"; {t['stale']} no longer in the files (kept; --prune removes them)"
        return line

    def rows(self) -> list[tuple[str, int, int, int, int, int]]:
        names = sorted({*self.created, *self.changed, *self.removed, *self.unchanged, *self.stale})
        return [(n, self.created.get(n, 0), self.changed.get(n, 0), self.removed.get(n, 0),
                 self.unchanged.get(n, 0), self.stale.get(n, 0)) for n in names]

    def as_dict(self) -> dict:
        return {"totals": self.totals(), "created": self.created, "changed": self.changed,
                "removed": self.removed, "unchanged": self.unchanged, "stale": self.stale}


# -- facts → rows -------------------------------------------------------------

def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def flatten(model: Model, kind: str, fields: dict, *, relation: str | None = None) -> dict:
    """Field values → Neo4j properties, as each field's type says (`graph.model.types`)."""
    props: dict = {}
    spec = model.relations[relation].properties if relation else model.kinds[kind].fields
    for name, value in fields.items():
        if value is None:
            continue
        f = spec.get(name)
        props.update(TYPES[f.type].neo4j(name, value) if f is not None else {name: value})
    return props


def entity_rows(model: Model, facts) -> list[NodeRow]:
    rows = []
    for ent in facts.entities.values():
        fields = {k: v for k, v in ent.fields.items() if k not in ("id", "kind", "sources", "quote")}
        props = flatten(model, ent.kind, fields)
        names = list((ent.fields.get("name") or {}).values()) + list(ent.fields.get("aliases") or [])
        props[NAME_KEYS] = sorted({fold(n) for n in names if n})
        props.update(id=ent.id, kind=ent.kind, sources=list(ent.sources), quotes=list(ent.quotes))
        props[LOADED] = True
        row = NodeRow(ent.id, ent.kind, props, list(ent.sources), list(ent.quotes))
        row.hash = _digest(props)
        row.props[HASH] = row.hash
        rows.append(row)
    rows.sort(key=lambda r: r.id)
    return rows


def relation_rows(model: Model, facts) -> list[RelRow]:
    rows = []
    for rel in facts.relations:
        props = flatten(model, "", dict(rel.props), relation=rel.type)
        props.update(sources=list(rel.sources), quotes=list(rel.quotes))
        props[LOADED] = True
        row = RelRow(rel.from_id, rel.type, rel.to_id, props)
        row.hash = _digest([row.key, props])
        row.props[HASH] = row.hash
        rows.append(row)
    rows.sort(key=lambda r: r.key)
    return rows


# -- plan ---------------------------------------------------------------------

@dataclass
class Plan:
    nodes_write: list[NodeRow]
    nodes_relabel: list[tuple[str, str]]  # (id, old kind)
    nodes_remove: list[str]
    rels_write: list[RelRow]
    rels_remove: list[tuple[str, str, str]]
    diff: Diff
    # new facts with nothing in the graph to merge into: written with CREATE, which
    # skips MERGE's look-up (the same 10k-entity writes took 43% less server time)
    nodes_fresh: set[str] = field(default_factory=set)
    rels_fresh: set[tuple[str, str, str]] = field(default_factory=set)


def _bump(d: dict[str, int], key: str) -> None:
    d[key] = d.get(key, 0) + 1


def _classify(rows: list, old_hashes: dict, foreign: frozenset, diff: Diff, group: Callable) -> tuple[list, set]:
    """The rows to write (new, or changed since the load that wrote the hash in `old_hashes`)
    and the keys of those the graph holds nothing of (not even made by hand: `foreign`),
    each row counted into `diff` under `group(row)`."""
    write: list = []
    fresh: set = set()
    for row in rows:
        old = old_hashes.get(row.key)
        if old is None:
            _bump(diff.created, group(row))
            write.append(row)
            if row.key not in foreign:
                fresh.add(row.key)
        elif old != row.hash:
            _bump(diff.changed, group(row))
            write.append(row)
        else:
            _bump(diff.unchanged, group(row))
    return write, fresh


def _gone(old_keys: list, wanted: set, prune: bool, diff: Diff, group: Callable) -> list:
    """What earlier loads wrote and the files no longer hold, in `old_keys` order; counted
    into `diff` as removed (with prune) or stale (kept), under `group(key)`."""
    gone = [k for k in old_keys if k not in wanted]
    for k in gone:
        _bump(diff.removed if prune else diff.stale, group(k))
    return gone


def plan(nodes: list[NodeRow], rels: list[RelRow], existing_nodes: dict[str, tuple[str, str]],
         existing_rels: dict[tuple[str, str, str], str], prune: bool, foreign_nodes: frozenset[str] = frozenset(),
         foreign_rels: frozenset[tuple[str, str, str]] = frozenset()) -> Plan:
    """What to write. `existing_*`: what earlier loads wrote (with its hash; a node also with its
    kind); `foreign_*`: the ids and relationship keys present in the graph but not written by a
    load (made by hand), which a load adopts, so it merges into them rather than creating beside them."""
    diff = Diff()
    node_hashes = {nid: h for nid, (_, h) in existing_nodes.items()}
    nodes_write, nodes_fresh = _classify(nodes, node_hashes, foreign_nodes, diff, lambda r: r.kind)
    relabel = [(r.id, existing_nodes[r.id][0]) for r in nodes_write
               if r.id in existing_nodes and existing_nodes[r.id][0] != r.kind]
    nodes_gone = _gone(sorted(existing_nodes), {r.id for r in nodes}, prune, diff, lambda nid: existing_nodes[nid][0])
    rels_write, rels_fresh = _classify(rels, existing_rels, foreign_rels, diff, lambda r: r.type)
    rels_gone = _gone(sorted(existing_rels), {r.key for r in rels}, prune, diff, lambda key: key[1])
    if not prune:
        return Plan(nodes_write, relabel, [], rels_write, [], diff, nodes_fresh, rels_fresh)
    removed = set(nodes_gone)  # their relationships go with them (DETACH DELETE)
    rels_remove = [k for k in rels_gone if k[0] not in removed and k[2] not in removed]
    return Plan(nodes_write, relabel, nodes_gone, rels_write, rels_remove, diff, nodes_fresh, rels_fresh)


# -- Cypher -------------------------------------------------------------------

def lock_graph(tx) -> None:
    """Take the load lock, a write lock on the meta node held until `tx` ends, so that
    concurrent loads run one after the other."""
    tx.run(LOCK, id=META_ID).consume()


def _existing(tx) -> tuple[dict, dict, frozenset, frozenset]:
    """What earlier loads wrote, with its hash, and what else is there (see `plan`)."""
    # One record per kind / relationship type holding all its rows: a reload reads every
    # hash, and one Bolt record per fact made that read cost more than the rest of it.
    # A null hash marks what no load wrote.
    nodes: dict[str, tuple[str, str]] = {}
    foreign_nodes: set[str] = set()
    for r in tx.run(LOADED_NODES):
        kind = r["kind"]
        for nid, h in r["rows"]:
            if h is None:
                foreign_nodes.add(nid)
            else:
                nodes[nid] = (kind, h)
    rels: dict[tuple[str, str, str], str] = {}
    foreign_rels: set[tuple[str, str, str]] = set()
    for r in tx.run(LOADED_RELATIONS, prov=PROVENANCE):
        t = r["t"]
        for a, b, h in r["rows"]:
            if h is None:
                foreign_rels.add((a, t, b))
            else:
                rels[(a, t, b)] = h
    return nodes, rels, frozenset(foreign_nodes), frozenset(foreign_rels)


def _split(rows: list, fresh: Callable) -> list[tuple[bool, list]]:
    """(True, the rows to CREATE), (False, the rows to MERGE), each in the given order."""
    yes = [r for r in rows if fresh(r)]
    no = [r for r in rows if not fresh(r)]
    return [(True, yes), (False, no)]


def _groups(rows: list, key: Callable) -> list[tuple[str, list]]:
    """`rows` grouped by `key(row)`, in key order; each group in the given order."""
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return sorted(groups.items())


def _batches(rows: list, size: int = BATCH) -> Iterable[list]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _write(tx, model: Model, p: Plan, progress: Progress | None) -> None:
    total = (len(p.nodes_remove) + len(p.rels_remove) + len(p.nodes_relabel)
             + 2 * len(p.nodes_write) + len(p.rels_write))
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("writing", done, total)

    def run(query: str, rows: list, param: str = "rows", shape: Callable = lambda r: r) -> None:
        for batch in _batches(rows):
            tx.run(query, **{param: [shape(r) for r in batch]}).consume()
            tick(len(batch))

    run(DELETE_RELATIONS, p.rels_remove, shape=list)
    run(DELETE_NODES, p.nodes_remove, "ids")
    for old, relabel in _groups(p.nodes_relabel, lambda r: r[1]):
        tx.run(remove_kind(model, old), ids=[nid for nid, _ in relabel]).consume()
        tick(len(relabel))
    for kind, rows in _groups(p.nodes_write, lambda r: r.kind):
        for fresh, part in _split(rows, lambda r: r.id in p.nodes_fresh):
            run(write_nodes(model, kind, fresh), part, shape=lambda r: {"id": r.id, "props": r.props})
    # Provenance edges follow the entity's `sources` list: rebuilt for rewritten entities.
    for fresh, part in _split(p.nodes_write, lambda r: r.id in p.nodes_fresh):
        run(write_provenance(fresh), part, shape=lambda r: {"id": r.id, "sources": r.sources, "quotes": r.quotes})
    for rtype, rows in _groups(p.rels_write, lambda r: r.type):
        for fresh, part in _split(rows, lambda r: r.key in p.rels_fresh):
            run(write_relations(model, rtype, fresh), part,
                shape=lambda r: {"start": r.start, "end": r.end, "props": r.props})
    tx.run(STAMP_LOAD, id=META_ID).consume()


# -- public -------------------------------------------------------------------

@dataclass
class LoadResult:
    diff: Diff
    dry_run: bool
    entities: int
    relations: int


def _gc_paused(fn):
    """Run `fn` with Python's cyclic garbage collector paused. A load allocates millions of
    short-lived dicts and strings (rows, hashes, parameters) that reference counting frees;
    with a large FactSet alive, each collection walks all of it, which took ~40% of the
    time spent building rows (graph/bench.py, 10k entities)."""
    @functools.wraps(fn)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()
    return paused


@_gc_paused
def load_facts(driver: neo4j.Driver, model: Model, facts, *, database: str | None = None,
               dry_run: bool = False, prune: bool = False, progress: Progress | None = None,
               timeout: float | None = LOAD_TIMEOUT) -> LoadResult:
    """Load a validated FactSet; all-or-nothing; returns the diff (written or, with dry_run, planned).

    `timeout`: seconds the load's transaction may take (None: the server's default)."""
    nodes = entity_rows(model, facts)
    rels = relation_rows(model, facts)
    if progress:
        progress("prepared", 0, len(nodes) + len(rels))

    def work(tx) -> Plan:
        if not dry_run:
            lock_graph(tx)
        existing_nodes, existing_rels, foreign_nodes, foreign_rels = _existing(tx)
        p = plan(nodes, rels, existing_nodes, existing_rels, prune, foreign_nodes, foreign_rels)
        if not dry_run and p.diff.changes:
            _write(tx, model, p, progress)
        return p

    try:
        if not dry_run:
            ensure_schema(driver, model, database=database)
        p = _retrying(lambda: _transaction(driver, database, dry_run, timeout, work))
    except nx.IncompleteCommit as e:
        raise LoadError("the connection dropped while the load was committing, so its outcome is unknown; "
                        "rerunning the same load is safe (it is idempotent and converges)") from e
    except (nx.ServiceUnavailable, nx.SessionExpired) as e:
        raise LoadError(f"Neo4j became unreachable during the load ({first_line(e)}); the transaction was not "
                        "committed, so the graph is as it was. Rerun the load once the server is back.") from e
    except nx.Neo4jError as e:
        if _out_of_memory(e):
            raise LoadError("the load does not fit in the server's transaction memory (one load is one "
                            "transaction, so that it is all-or-nothing); nothing was written. Give Neo4j a larger "
                            "heap (the managed server: --heap or CISFILM_HEAP, 512m by default, applied when it "
                            "starts; another server: server.memory.heap.max_size) or load the files in several "
                            "smaller runs.") from e
        hint = ""
        if (e.code or "").startswith("Neo.DatabaseError."):
            # e.g. TransactionLogError on a full disk: Neo4j may then refuse to recover the
            # database at all (tried, SECURITY.md "Disk full during a load")
            hint = (" Neo4j reported a database failure: check free disk space and its logs; if the database"
                    " does not come back after a restart, rebuild it from the fact files (SECURITY.md).")
        raise LoadError(f"Neo4j refused the load ({e.code}: {first_line(e)}); nothing was written.{hint}") from e
    return LoadResult(p.diff, dry_run, len(nodes), len(rels))


def _transaction(driver: neo4j.Driver, database: str | None, read_only: bool, timeout: float | None, work):
    """One attempt: `work(tx)` in an explicit transaction, committed when it returns."""
    # notifications off: on an empty graph the first load's read of `_loaded`/`_hash`
    # would print "property key does not exist" warnings
    mode = neo4j.READ_ACCESS if read_only else neo4j.WRITE_ACCESS
    with driver.session(database=database, default_access_mode=mode, notifications_min_severity="OFF") as session:
        with session.begin_transaction(timeout=timeout) as tx:
            result = work(tx)
            tx.commit()
            return result


def _out_of_memory(e: BaseException) -> bool:
    return isinstance(e, nx.Neo4jError) and "OutOfMemory" in (e.code or "")


def _retrying(attempt):
    """`attempt()` again on a transient failure, with growing delays, for up to RETRY_SECONDS.

    Why not the driver's `execute_write`: it also retries a transaction that ran out of
    the server's transaction memory (Neo4j files that as a TransientError), and the same
    load then fails the same way again minutes later. Here that is final at once."""
    deadline = None  # as the driver does, the clock starts at the first failure
    delay = 1.0
    while True:
        try:
            return attempt()
        except (nx.DriverError, nx.Neo4jError) as e:
            deadline = deadline or time.monotonic() + RETRY_SECONDS
            if not e.is_retryable() or _out_of_memory(e) or time.monotonic() + delay > deadline:
                raise
            log.warning("the load's transaction failed and is retried in %.1f s (%s)", delay, first_line(e))
            time.sleep(delay * random.uniform(0.8, 1.2))
            delay *= 2



def load_paths(driver: neo4j.Driver, paths, schema_dir, *, database: str | None = None, dry_run: bool = False,
               prune: bool = False, strict: bool = False, progress: Progress | None = None) -> LoadResult:
    """Validate fact files (raising `InvalidData` before touching the database), then load them."""
    from graph.facts import read_facts
    from graph.model.schema import load_model

    model = load_model(schema_dir)
    facts, _warnings = read_facts(paths, model, strict=strict)
    return load_facts(driver, model, facts, database=database, dry_run=dry_run, prune=prune, progress=progress)
