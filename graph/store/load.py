"""Loading validated facts into Neo4j: idempotent; all-or-nothing, or in resumable batches.

Mechanism: one load is one Neo4j write transaction. It first takes a write lock on
a single `:CisfilmMeta` node (so concurrent loads run one after the other, and
MERGE never races into duplicate relationships), reads the `_hash` of everything
the loader owns, computes the diff, and writes only what is new or changed, in
batches of `UNWIND $rows` per label and per relationship type. Neo4j commits the
transaction as a whole or not at all: a failed batch rolls everything back, and a
server that dies mid-load recovers to the last committed state on restart.
Labels and relationship types come only from the schema's allow-list; values
reach Cypher only as parameters.

A batched load (`batch_size`, for servers whose transaction memory cannot hold one
load) makes the same plan, then commits it in transactions of at most `batch_size`
facts, the graph marked mid-load (graph.store.stats `LoadMark`) until the last one.
It is resumable because it is idempotent: a rerun plans again from the hashes in the
graph, so what committed batches wrote is unchanged and only the rest is written.
See `_load_batched` for why that holds at every point a load can stop.
"""
from __future__ import annotations

import functools
import gc
import hashlib
import json
import logging
import random
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import neo4j
from neo4j import exceptions as nx

from graph.errors import LoadError, first_line
from graph.model.names import fold
from graph.model.schema import Model
from graph.model.types import TYPES
from graph.store.constraints import ensure_schema
from graph.store.layout import (
    CLEAR_MARK,
    DELETE_NODES,
    DELETE_RELATIONS,
    FINISH_MARK,
    HASH,
    LOADED,
    LOADED_NODES,
    LOADED_RELATIONS,
    LOCK,
    LOCK_OWNER,
    MARK_PROGRESS,
    META_ID,
    NAME_KEYS,
    PENDING,
    PROVENANCE,
    SET_HASHES,
    SET_MARK,
    SOURCE,
    STAMP_LOAD,
    remove_kind,
    write_nodes,
    write_provenance,
    write_relations,
)
from graph.store.stats import LoadMark, read_mark

BATCH = 2000
# What the error of a load too big for one transaction suggests for --batch-size: about
# 18 KB of transaction memory per fact, so ~180 MB a batch, within the smallest heap we run.
SUGGESTED_BATCH = 10_000
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


# -- a batched load -----------------------------------------------------------
#
# Why a rerun converges whenever a batched load stopped (a crash, a kill, a lost connection,
# a load started meanwhile), and never duplicates:
# - a rerun plans from the graph, under the load lock, like any load: what committed batches
#   wrote carries its final `_hash` and is unchanged; the rest is written, with CREATE only
#   where the graph holds nothing of it (so never twice);
# - an entity and its provenance edges are written in the same batch: Sources come first, so
#   the Sources it cites exist by then. A Source that cites Sources is the exception: its
#   edges are written in a later phase, and until then its `_hash` is PENDING + hash, which
#   a rerun sees as changed, so it rewrites node and edges;
# - removals come first and relationships last, so a relationship's ends exist when it is written;
# - each batch takes the load lock and checks the mark is its own: a load started meanwhile
#   planned from what was committed and took the mark over (or, a plain load, removed it),
#   and this one stops rather than write from a stale plan;
# - with --prune, what the files no longer hold is removed in the first batches; a rerun finds
#   what is still there and removes it.

PHASES = ("removing relationships", "removing entities", "entities", "provenance", "relationships")


def _deferred(row: NodeRow) -> bool:
    """A Source citing Sources: written before the Sources it cites may be, so its provenance waits."""
    return row.kind == SOURCE and bool(row.sources)


def facts_digest(nodes: list[NodeRow], rels: list[RelRow]) -> str:
    """A digest of the facts a load writes (their hashes, in order): a rerun of the same files has the same."""
    h = hashlib.sha256()
    for row in nodes:
        h.update(row.hash.encode())
    h.update(b"|")
    for rel in rels:
        h.update(rel.hash.encode())
    return h.hexdigest()[:32]


@dataclass
class _Batch:
    phase: str  # one of PHASES
    rows: list


def _batch_plan(p: Plan, size: int) -> list[_Batch]:
    """The plan's writes in batches of at most `size` facts, phase by phase; Sources first."""
    nodes = sorted(p.nodes_write, key=lambda r: (r.kind != SOURCE, r.kind, r.id))
    deferred = [r for r in nodes if _deferred(r)]
    rels = sorted(p.rels_write, key=lambda r: (r.type, r.key))
    phases: zip[tuple[str, list]] = zip(PHASES, (p.rels_remove, p.nodes_remove, nodes, deferred, rels),
                                        strict=True)
    return [_Batch(phase, batch) for phase, rows in phases for batch in _batches(rows, size)]


def _write_batch(tx, model: Model, p: Plan, relabel: dict[str, str], b: _Batch) -> None:
    if b.phase == "removing relationships":
        tx.run(DELETE_RELATIONS, rows=[list(k) for k in b.rows]).consume()
    elif b.phase == "removing entities":
        tx.run(DELETE_NODES, ids=b.rows).consume()
    elif b.phase == "entities":
        for old, ids in _groups([r.id for r in b.rows if r.id in relabel], lambda nid: relabel[nid]):
            tx.run(remove_kind(model, old), ids=ids).consume()
        for kind, rows in _groups(b.rows, lambda r: r.kind):
            for fresh, part in _split(rows, lambda r: r.id in p.nodes_fresh):
                if part:
                    tx.run(write_nodes(model, kind, fresh),
                           rows=[{"id": r.id, "props": {**r.props, HASH: PENDING + r.hash} if _deferred(r)
                                  else r.props} for r in part]).consume()
        now = [r for r in b.rows if not _deferred(r)]
        for fresh, part in _split(now, lambda r: r.id in p.nodes_fresh):
            if part:
                tx.run(write_provenance(fresh),
                       rows=[{"id": r.id, "sources": r.sources, "quotes": r.quotes} for r in part]).consume()
    elif b.phase == "provenance":
        for fresh, part in _split(b.rows, lambda r: r.id in p.nodes_fresh):
            if part:
                tx.run(write_provenance(fresh),
                       rows=[{"id": r.id, "sources": r.sources, "quotes": r.quotes} for r in part]).consume()
        tx.run(SET_HASHES, rows=[{"id": r.id, "hash": r.hash} for r in b.rows]).consume()
    else:
        for rtype, rows in _groups(b.rows, lambda r: r.type):
            for fresh, part in _split(rows, lambda r: r.key in p.rels_fresh):
                if part:
                    tx.run(write_relations(model, rtype, fresh),
                           rows=[{"start": r.start, "end": r.end, "props": r.props} for r in part]).consume()


class _Superseded(Exception):
    """Another load took the graph over while a batched load ran."""

    def __init__(self, owner: str | None):
        super().__init__(owner)
        self.owner = owner


def _load_batched(driver: neo4j.Driver, model: Model, nodes: list[NodeRow], rels: list[RelRow], digest: str, *,
                  database: str | None, prune: bool, size: int, progress: Progress | None,
                  timeout: float | None) -> LoadResult:
    me = secrets.token_hex(4)  # this run's id on the mark: whose batches may commit
    state: dict = {}

    def begin(tx) -> None:
        lock_graph(tx)
        old = read_mark(tx)
        existing_nodes, existing_rels, foreign_nodes, foreign_rels = _existing(tx)
        p = plan(nodes, rels, existing_nodes, existing_rels, prune, foreign_nodes, foreign_rels)
        batches = _batch_plan(p, size)
        resumed = old is not None and (old.digest, old.prune) == (digest, prune)
        done = old.done if resumed and old is not None else 0
        if batches:
            tx.run(SET_MARK, id=META_ID, resume=resumed, load=me, digest=digest, prune=prune, size=size,
                   done=done, total=done + len(batches)).consume()
        elif old is not None:  # it had written everything but its mark's removal
            tx.run(FINISH_MARK, id=META_ID).consume()
        state.update(plan=p, batches=batches, old=old, resumed=resumed, done=done)

    try:
        ensure_schema(driver, model, database=database)
        _retrying(lambda: _transaction(driver, database, False, timeout, begin))
    except (nx.DriverError, nx.Neo4jError) as e:
        raise _batch_failure(e, 0, 0, size) from e
    p: Plan = state["plan"]
    batches: list[_Batch] = state["batches"]
    relabel = dict(p.nodes_relabel)
    rows_total = sum(len(b.rows) for b in batches)
    rows_done = 0
    for k, b in enumerate(batches, 1):
        def work(tx, k: int = k, b: _Batch = b) -> None:
            owner = tx.run(LOCK_OWNER, id=META_ID).single()["owner"]
            if owner != me:
                raise _Superseded(owner)
            _write_batch(tx, model, p, relabel, b)
            if k == len(batches):
                tx.run(FINISH_MARK, id=META_ID).consume()
            else:
                tx.run(MARK_PROGRESS, id=META_ID, done=state["done"] + k).consume()

        try:
            _retrying(lambda work=work: _transaction(driver, database, False, timeout, work))
        except _Superseded as e:
            by = (f"batched load {e.owner} took the graph over meanwhile and is loading it" if e.owner
                  else "another load finished the graph meanwhile")
            raise LoadError(f"this batched load stopped at batch {k} of {len(batches)}: {by}") from None
        except (nx.DriverError, nx.Neo4jError) as e:
            raise _batch_failure(e, k, len(batches), len(b.rows)) from e
        rows_done += len(b.rows)
        if progress:
            progress(f"writing batch {k}/{len(batches)}", rows_done, rows_total)
    return LoadResult(p.diff, False, len(nodes), len(rels), batch_size=size, batches=len(batches),
                      interrupted=state["old"], resumed=state["resumed"])


def _batch_failure(e: nx.DriverError | nx.Neo4jError, k: int, n: int, rows: int) -> LoadError:
    """The message for `e`, raised by batch `k` of `n` (k = 0: the transaction that plans and marks the load)."""
    what = f"batch {k} of {n}" if k else "the batched load's first transaction"
    state = (f"{k - 1} of {n} batches are committed and the graph is marked mid-load" if k
             else "nothing was written")
    rerun = "rerun the same load to finish it: it resumes where this one stopped, never duplicating"
    if isinstance(e, nx.IncompleteCommit):
        return LoadError(f"the connection dropped while {what} was committing, so its outcome is unknown; "
                         "rerunning the same load is safe (it resumes and converges)")
    if isinstance(e, (nx.ServiceUnavailable, nx.SessionExpired)):
        return LoadError(f"Neo4j became unreachable during {what} ({first_line(e)}); {state}. Once the server "
                         f"is back, {rerun}.")
    if isinstance(e, nx.Neo4jError) and _out_of_memory(e):
        return LoadError(f"{what} ({rows} facts) does not fit in the server's transaction memory; {state}. "
                         "Rerun with a smaller --batch-size: it resumes where this one stopped.")
    code = f"{e.code}: " if isinstance(e, nx.Neo4jError) else ""
    hint = _database_hint(e) if isinstance(e, nx.Neo4jError) else ""
    return LoadError(f"Neo4j refused {what} ({code}{first_line(e)}); {state}.{hint}")


# -- public -------------------------------------------------------------------

@dataclass
class LoadResult:
    diff: Diff
    dry_run: bool
    entities: int
    relations: int
    batch_size: int | None = None  # a batched load's
    batches: int = 0  # the transactions a batched load committed (with dry_run: would commit)
    interrupted: LoadMark | None = None  # the unfinished batched load the graph was marked with
    resumed: bool = False  # `interrupted` loaded the same facts (and prune): this load finished it

    def summary(self) -> str:
        """One line: what was (or would be) written."""
        batches = (f" in {self.batches} batch{'es' if self.batches != 1 else ''} of at most {self.batch_size} facts"
                   if self.batch_size else "")
        if self.dry_run:
            return f"Would be: {self.diff.summary()}{batches}."
        return f"Loaded {self.entities} entities and {self.relations} relationships{batches}: {self.diff.summary()}."

    def note(self) -> str | None:
        """What became of an unfinished batched load the graph was marked with, if any."""
        m = self.interrupted
        if m is None:
            return None
        if self.dry_run:
            return f"Warning: {m.notice()}."
        how = "finished" if self.resumed else "replaced (other facts or --prune)"
        return (f"The graph was mid-load: batched load {m.load} (started {m.started}, {m.done} of {m.total} "
                f"batches committed) is {how}; the graph is no longer mid-load.")


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
               timeout: float | None = LOAD_TIMEOUT, batch_size: int | None = None) -> LoadResult:
    """Load a validated FactSet; returns the diff (written or, with dry_run, planned).

    All-or-nothing (one transaction), unless `batch_size` is given: then in transactions of at
    most `batch_size` facts, resumable (see `_load_batched`). `progress(stage, done, total)` is
    called as rows are written; in a batched load, after each batch has committed.
    `timeout`: seconds the load's transaction (each batch's) may take (None: the server's default)."""
    if batch_size is not None and batch_size < 1:
        raise LoadError(f"the batch size must be at least 1, got {batch_size}")
    nodes = entity_rows(model, facts)
    rels = relation_rows(model, facts)
    if progress:
        progress("prepared", 0, len(nodes) + len(rels))
    digest = facts_digest(nodes, rels)
    if batch_size is not None and not dry_run:
        return _load_batched(driver, model, nodes, rels, digest, database=database, prune=prune,
                             size=batch_size, progress=progress, timeout=timeout)
    marks: list[LoadMark | None] = []

    def work(tx) -> Plan:
        if not dry_run:
            lock_graph(tx)
        marks[:] = [read_mark(tx)]
        if marks[0] is not None and not dry_run:
            # this load leaves the graph complete; a batched load still running stops at its next batch
            tx.run(CLEAR_MARK, id=META_ID).consume()
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
                            "transaction, so that it is all-or-nothing); nothing was written. Load in batches "
                            f"instead: `cisfilm load --batch-size {SUGGESTED_BATCH}` commits in batches on any "
                            "server (resumable; the graph is marked mid-load until it finishes), and "
                            "`cisfilm load --rebuild` builds the graph with Neo4j's bulk importer on the managed "
                            "server. Or give Neo4j a larger heap (the managed server: --heap or CISFILM_HEAP, 512m "
                            "by default, applied when it starts; another server: server.memory.heap.max_size).") from e
        raise LoadError(f"Neo4j refused the load ({e.code}: {first_line(e)}); nothing was written."
                        f"{_database_hint(e)}") from e
    old = marks[0] if marks else None
    return LoadResult(p.diff, dry_run, len(nodes), len(rels), batch_size=batch_size,
                      batches=len(_batch_plan(p, batch_size)) if batch_size else 0, interrupted=old,
                      resumed=old is not None and (old.digest, old.prune) == (digest, prune))


def _database_hint(e: nx.Neo4jError) -> str:
    if (e.code or "").startswith("Neo.DatabaseError."):
        # e.g. TransactionLogError on a full disk: Neo4j may then refuse to recover the
        # database at all (tried, SECURITY.md "Disk full during a load")
        return (" Neo4j reported a database failure: check free disk space and its logs; if the database"
                " does not come back after a restart, rebuild it from the fact files (SECURITY.md).")
    return ""


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
               prune: bool = False, strict: bool = False, progress: Progress | None = None,
               batch_size: int | None = None, cache_dir: Path | None = None) -> LoadResult:
    """Validate fact files (raising `InvalidData` before touching the database), then load them.
    `cache_dir`: the fact files' content cache (`graph.facts.cache`)."""
    from graph.facts import read_facts
    from graph.model.schema import load_model

    model = load_model(schema_dir)
    facts, _warnings = read_facts(paths, model, strict=strict, cache_dir=cache_dir)
    return load_facts(driver, model, facts, database=database, dry_run=dry_run, prune=prune, progress=progress,
                      batch_size=batch_size)
