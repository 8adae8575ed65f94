"""Validated facts → the CSV input of Neo4j's bulk importer (`neo4j-admin database import full`).

The rows are the loader's own (`graph.store.load.entity_rows` / `relation_rows`), so an
imported graph has exactly the labels, properties, `_hash`, `_loaded`, `name_keys` and
provenance edges that `cisfilm load` writes. They are built and written a chunk of facts
at a time, never all at once.

One input group per label set / relationship type: a header file (typed columns:
`id:ID(Entity)`, `name_keys:string[]`, `:START_ID(Entity)`, ...) and a data file. The
columns of a group are the properties of the chunk that opened it; a row with a property
(or a property type) the group lacks starts a new group with the union of both, so
nothing is read twice. A data file with a value on several lines is named to the
importer as such (`--multiline-fields`, which parses slower). Every value is quoted,
so `""` (an empty string) and an empty field (no property) stay apart; list elements
are joined with U+001F, which no fact value holds (strict YAML refuses control characters).

The importer cannot write two list values at all: it stores no property for an empty
array field, and `""` in an array column is an empty array. So `[]` (a Source's
`sources`) and `[""]` (the `quotes` of a fact citing one source without a quote) are
left out of the CSV and listed in `fixups.jsonl`, which `graph.store.rebuild` sets with
Cypher on the new store before it is switched in.
"""
from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

from graph.model.schema import Model
from graph.store.layout import ENTITY, META, META_ID, PROVENANCE, SOURCE
from graph.store.load import entity_rows, relation_rows

ARRAY_DELIMITER = "\x1f"  # between list elements; strict YAML keeps control characters out of facts
ID_GROUP = ENTITY  # the importer's id space of fact nodes
META_GROUP = META  # the meta node's own id space: an entity may be called "load" too
CHUNK = 5000  # facts turned into rows at a time

_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


class CsvError(ValueError):
    """A value the importer's CSV cannot carry exactly (never from validated facts)."""


def _scalar_type(v: Any) -> str:
    t = _TYPES.get(type(v))
    if t is None:
        raise CsvError(f"cannot write a {type(v).__name__} value to the importer's CSV: {v!r}")
    return t


def value_type(v: Any) -> str:
    """The importer column type of a property value (`string`, `long[]`, ...)."""
    if isinstance(v, list):
        return (_scalar_type(v[0]) if v else "string") + "[]"
    return _scalar_type(v)


def _scalar_text(v: Any) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float):
        return repr(v)  # shortest exact form; validated floats are finite
    return str(v)


def _field(v: Any) -> str:
    """One CSV field: empty for no value, else quoted (RFC 4180: quotes doubled)."""
    t = type(v)
    if t is str:  # most values: a fast path
        return '"' + v.replace('"', '""') + '"'
    if v is None:
        return ""
    if t is list:
        text = ARRAY_DELIMITER.join(v if v and type(v[0]) is str else [_scalar_text(x) for x in v])
        if text.count(ARRAY_DELIMITER) != len(v) - 1:
            raise CsvError(f"a list element holds U+001F, the importer's array delimiter: {v!r}")
    else:
        text = _scalar_text(v)
    return '"' + text.replace('"', '""') + '"'


_PY: dict[str, type] = {name: py for py, name in _TYPES.items()}


@dataclass
class Group:
    """One input group of the importer: a header file and a data file."""

    what: str  # "nodes" or "relationships"
    name: str  # labels joined with ":" (nodes) or the relationship type
    header: Path
    data: Path
    id_columns: list[str]  # the header's leading columns (`id:ID(Entity)`, `:START_ID(Entity)`, ...)
    columns: dict[str, str]  # property → importer type, in header order
    rows: int = 0
    multiline: bool = False  # a value spans lines: the importer must be told (slower parse)

    def arg(self) -> str:
        return f"--{self.what}={self.name}={self.header.name},{self.data.name}"

    def __post_init__(self) -> None:
        # the Python types each column takes: (type, element type of a list)
        self._py: dict[str, tuple[type, type | None]] = {
            c: (list, _PY[t[:-2]]) if t.endswith("[]") else (_PY[t], None)
            for c, t in self.columns.items() if t != "datetime"}

    def fits(self, props: dict) -> bool:
        """Whether every property of `props` has a column of its type here (lists are never
        empty here: `[]` and `[""]` go to the fix-ups)."""
        py = self._py
        for k, v in props.items():
            t = py.get(k)
            if t is None or type(v) is not t[0]:
                return False
            if t[1] is not None and type(props[k][0]) is not t[1]:
                return False
        return True


@dataclass
class ImportInput:
    """What `write` produced: the groups (in the importer's argument order) and their counts."""

    directory: Path
    groups: list[Group] = field(default_factory=list)
    nodes: int = 0
    relationships: int = 0
    bytes: int = 0
    fixups: int = 0  # values `fixups.jsonl` holds: set after the import

    @property
    def fixups_file(self) -> Path:
        return self.directory / "fixups.jsonl"

    def args(self) -> list[str]:
        """The importer's input options; file names are relative to `directory`."""
        out = [f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}", *(g.arg() for g in self.groups)]
        multi = [g.data.name for g in self.groups if g.multiline]
        if multi:
            out += ["--multiline-fields-format=v2", f"--multiline-fields={','.join(multi)}"]
        return out


class _Writer:
    """The groups of one label set or relationship type, written as rows arrive."""

    def __init__(self, out: ImportInput, what: str, name: str, id_columns: list[str], stem: str,
                 fixups: TextIO):
        self.out, self.what, self.name, self.id_columns, self.stem = out, what, name, id_columns, stem
        self.fixups = fixups
        self.group: Group | None = None
        self.file: TextIO | None = None
        self.n = 0

    def write(self, rows: list[tuple[list[str], dict]]) -> None:
        """Append rows; a new group starts when a row does not fit the current one, with
        the columns of the current group and of every row of this batch."""
        rows = [(ids, self._split_fixups(ids, props)) for ids, props in rows]
        for ids, props in rows:
            g = self.group
            if g is None or not g.fits(props):
                cols = dict(g.columns) if g is not None else {}
                for _, p in rows:
                    for k, v in p.items():
                        cols[k] = value_type(v)
                g = self._start(cols)
                if not g.fits(props):  # a property typed two ways within the batch
                    g = self._start({k: value_type(v) for k, v in props.items()})
            assert self.file is not None
            line = ",".join([_field(i) for i in ids] + [_field(props.get(c)) for c in g.columns])
            if "\n" in line:
                g.multiline = True
            self.file.write(line + "\n")
            g.rows += 1

    def _split_fixups(self, ids: list[str], props: dict) -> dict:
        """`props` without the values the importer cannot write, which go to the fix-ups."""
        bad = [k for k, v in props.items() if isinstance(v, list) and (not v or v == [""])]
        if not bad:
            return props
        key = ids[0] if self.what == "nodes" else [ids[0], self.name, ids[1]]
        for k in bad:
            self.fixups.write(json.dumps({"what": self.what, "key": key, "prop": k, "value": props[k]},
                                         ensure_ascii=False) + "\n")
        self.out.fixups += len(bad)
        return {k: v for k, v in props.items() if k not in bad}

    def _start(self, columns: dict[str, str]) -> Group:
        self.close()
        for c in columns:
            if not c or any(ch in c for ch in ':,"\n' + ARRAY_DELIMITER):
                raise CsvError(f"property name {c!r} cannot be an importer CSV column")
        d = self.out.directory
        g = Group(self.what, self.name, d / f"{self.stem}-{self.n}-header.csv", d / f"{self.stem}-{self.n}.csv",
                  self.id_columns, columns)
        self.n += 1
        g.header.write_text(",".join(self.id_columns + [f"{c}:{t}" for c, t in columns.items()]) + "\n",
                            encoding="utf-8")
        self.file = open(g.data, "w", encoding="utf-8", newline="")
        self.group = g
        self.out.groups.append(g)
        return g

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
            assert self.group is not None
            self.out.bytes += self.group.header.stat().st_size + self.group.data.stat().st_size


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def write(model: Model, facts, directory: Path, *, loaded_at: dt.datetime | None = None,
          progress: Callable[[int, int], None] | None = None) -> ImportInput:
    """Write the importer's CSV files for `facts` into `directory` (created empty)."""
    directory.mkdir(parents=True, exist_ok=False)
    out = ImportInput(directory)
    writers: dict[tuple[str, str], _Writer] = {}
    fixups = open(out.fixups_file, "w", encoding="utf-8")
    total = len(facts.entities) + len(facts.relations)
    done = 0

    def writer(what: str, name: str, id_columns: list[str]) -> _Writer:
        w = writers.get((what, name))
        if w is None:
            stem = f"{'n' if what == 'nodes' else 'r'}-{name.replace(':', '-')}"
            w = writers[(what, name)] = _Writer(out, what, name, id_columns, stem, fixups)
        return w

    kinds = {eid: e.kind for eid, e in facts.entities.items()}
    # as the loader does: millions of short-lived rows that reference counting frees, and a
    # cyclic collection would walk the whole FactSet each time (~20% of this at 100k)
    gc_was = gc.isenabled()
    gc.disable()
    try:
        _write_meta(out, (loaded_at or dt.datetime.now(dt.UTC)).isoformat())
        prov_ids = [f":START_ID({ID_GROUP})", f":END_ID({ID_GROUP})"]
        for chunk in _chunks(facts.entities.values(), CHUNK):
            rows = entity_rows(model, SimpleNamespace(entities={e.id: e for e in chunk}))
            by_label: dict[str, list] = {}
            prov: list = []
            for row in rows:
                by_label.setdefault(f"{ENTITY}:{model.check_label(row.kind)}", []).append(
                    ([row.id], {k: v for k, v in row.props.items() if k != "id"}))
                # as the loader's MATCH (s:Source {id: ...}): an edge to each cited Source
                prov += [([row.id, s], {"quote": q}) for s, q in zip(row.sources, row.quotes, strict=True)
                         if kinds.get(s) == SOURCE]
            for label, part in sorted(by_label.items()):
                writer("nodes", label, [f"id:ID({ID_GROUP})"]).write(part)
            writer("relationships", PROVENANCE, prov_ids).write(prov)
            out.nodes += len(rows)
            out.relationships += len(prov)
            done += len(rows)
            if progress:
                progress(done, total)
        for chunk in _chunks(facts.relations, CHUNK):
            by_type: dict[str, list] = {}
            for r in relation_rows(model, SimpleNamespace(relations=chunk)):
                by_type.setdefault(model.check_rel_type(r.type), []).append(([r.start, r.end], r.props))
            for rtype, part in sorted(by_type.items()):
                writer("relationships", rtype, prov_ids).write(part)
            out.relationships += len(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    finally:
        for w in writers.values():
            w.close()
        fixups.close()
        if gc_was:
            gc.enable()
    out.groups = [g for g in out.groups if g.rows]  # a provenance group with no row (no sources at all)
    return out


def _write_meta(out: ImportInput, when: str) -> None:
    """The meta node a load stamps: its load lock and the load's time (a datetime)."""
    d = out.directory
    g = Group("nodes", META, d / "meta-header.csv", d / "meta.csv", [f"id:ID({META_GROUP})"],
              {"lock": "long", "loaded_at": "datetime"}, rows=1)
    g.header.write_text(",".join(g.id_columns + [f"{c}:{t}" for c, t in g.columns.items()]) + "\n", encoding="utf-8")
    g.data.write_text(",".join([_field(META_ID), _field(1), _field(when)]) + "\n", encoding="utf-8")
    out.groups.append(g)
    out.nodes += 1
    out.bytes += g.header.stat().st_size + g.data.stat().st_size


def read_fixups(path: Path, size: int) -> Iterator[tuple[str, str, str, list[dict]]]:
    """The fix-ups of `write`, as (what, node label or relationship type, property, rows) in
    batches of at most `size` rows; a node row is {id, value}, a relationship row {a, b, value}."""
    pending: dict[tuple[str, str, str], list[dict]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fx = json.loads(line)
            if fx["what"] == "nodes":
                group, row = (fx["what"], "", fx["prop"]), {"id": fx["key"], "value": fx["value"]}
            else:
                a, t, b = fx["key"]
                group, row = (fx["what"], t, fx["prop"]), {"a": a, "b": b, "value": fx["value"]}
            rows = pending.setdefault(group, [])
            rows.append(row)
            if len(rows) >= size:
                yield (*group, rows)
                pending[group] = []
    for group, rows in pending.items():
        if rows:
            yield (*group, rows)
