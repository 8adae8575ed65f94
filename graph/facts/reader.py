"""Fact files → a `FactSet`: entities and relations, each with its position.

A fact file (docs/DESIGN.md, "Fact files") is a map with `entities:` and
`relations:` lists. Files are read strictly (`graph.strictyaml`), values are
read by their schema field type, and the set-wide rules run at the end
(`graph.facts.rules`), so one call reports every problem in every file.

Files are independent until the set-wide rules, so each is read on its own
(`read_file`) into a plain record — in a worker process when there are several
(`graph.facts.parallel`), or taken from the content cache when the same bytes
were read before under the same schema and code (`graph.facts.cache`).
"""
from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from collections.abc import Mapping as MappingT
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph import strictyaml as sy
from graph.errors import InvalidData, Problem, suggest
from graph.facts.checker import MISSING, Checker
from graph.facts.reference import merge as merge_reference
from graph.facts.rules import check_set, name_keys
from graph.model.schema import SOURCE_KIND, STRUCTURAL, Model, load_model

Pos = sy.Mark
SUFFIXES = (".yaml", ".yml")
TOP_KEYS = ("entities", "relations")


COL_BITS = 22  # a position kept as one int: line << COL_BITS | col (a line is < 1 MiB, the file limit)
COL_MASK = (1 << COL_BITS) - 1


class Positions(MappingT[str, Pos]):
    """Field path → position within one file ("name", "name.ru", "sources[0]"...).

    Kept as one int each (`COL_BITS`) and made into a `Mark` when asked for: a fact has
    a dozen positions, the rules look at one or two, and a dict of ints is what costs
    least to keep, send from a worker and read from the cache."""

    __slots__ = ("file", "at")

    def __init__(self, file: str, at: dict[str, int]):
        self.file = file
        self.at = at

    def __getitem__(self, key: str) -> Pos:
        at = self.at[key]
        return Pos(self.file, at >> COL_BITS, at & COL_MASK)

    def get(self, key: str, default: Any = None) -> Any:
        at = self.at.get(key)
        return default if at is None else Pos(self.file, at >> COL_BITS, at & COL_MASK)

    def __contains__(self, key: object) -> bool:
        return key in self.at

    def __iter__(self) -> Iterator[str]:
        return iter(self.at)

    def __len__(self) -> int:
        return len(self.at)

    def __repr__(self) -> str:
        return f"Positions({self.file!r}, {self.at!r})"


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    kind: str
    fields: dict[str, Any]  # multilingual → {lang: text}, date → "2025-08", list → list
    sources: list[str]
    quotes: list[str]  # parallel to sources, "" where none
    pos: Pos  # the start of the entity's map
    field_pos: MappingT[str, Pos] = field(default_factory=dict, compare=False)  # "name", "name.ru", "sources[0]"...
    path: str = ""  # "entities[3]" within its file


@dataclass(frozen=True, slots=True)
class Relation:
    from_id: str
    type: str
    to_id: str
    props: dict[str, Any]
    sources: list[str]
    quotes: list[str]
    pos: Pos
    field_pos: MappingT[str, Pos] = field(default_factory=dict, compare=False)
    path: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.from_id, self.type, self.to_id)


@dataclass
class FactSet:
    entities: dict[str, Entity] = field(default_factory=dict)  # id → first entity with it
    relations: list[Relation] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class FileFacts:
    """What one file gave: its facts in file order, the problems of its YAML (`parse`)
    and those of its values (`values`), and its names folded (`rules.name_keys`)."""

    entities: list[Entity]
    relations: list[Relation]
    parse: list[Problem]
    values: list[Problem]
    folded: dict[str, str]


def fact_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The files to read: files as given, directories recursively (*.yaml, *.yml, sorted)."""
    out: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.suffix in SUFFIXES and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(Problem(str(path), 1, 1, "", "no .yaml fact files in this directory"))
        elif path.is_file():
            found = [path]
        else:
            problems.append(Problem(str(path), 1, 1, "", "no such file or directory"))
            continue
        for p in found:
            if p.resolve() not in seen:
                seen.add(p.resolve())
                out.append(p)
    return out, problems


def collect(paths: Iterable[str | Path], model: Model, *, strict: bool = False,
            cache_dir: Path | None = None, workers: int | None = None) -> tuple[FactSet, list[Problem]]:
    """Read every file and run every rule: the facts that could be read, and all problems.

    Files are read in worker processes when there are several (`workers`: how many,
    default one per core; 1 reads in this process). With `cache_dir`, what a file's
    reading gave is kept there by content and reused while the file, the schema and
    this code are unchanged (`graph.facts.cache`). Neither changes the result."""
    from graph.facts.cache import FactCache
    from graph.facts.parallel import read_files

    with gc_paused():
        files, problems = fact_files(paths)
        cache = FactCache(cache_dir, model) if cache_dir is not None else None
        results = read_files(files, model, cache=cache, workers=workers)
        entities: list[Entity] = []
        relations: list[Relation] = []
        values: list[Problem] = []
        folded: dict[str, str] = {}
        file_keys: list[tuple[str, str]] = []
        for path, got in zip(files, results, strict=True):
            if isinstance(got, Problem):  # the file could not be read
                problems.append(got)
                continue
            one, key = got
            problems += one.parse
            values += one.values
            entities += one.entities
            relations += one.relations
            folded.update(one.folded)
            if key:
                file_keys.append((str(path), key))
        problems += values
        set_problems = cache.set_problems(file_keys, strict) if cache else None
        entities, conflicts = merge_reference(entities)
        if set_problems is None:
            set_problems = conflicts + check_set(entities, relations, model, strict=strict, folded=folded)
            if cache:
                cache.put_set_problems(file_keys, strict, set_problems)
        problems += set_problems
        facts = FactSet(files=[str(p) for p in files])
        for entity in entities:
            facts.entities.setdefault(entity.id, entity)
        facts.relations = relations
        if cache:
            cache.tidy()
        return facts, problems


def read_facts(paths: Iterable[str | Path], model: Model, *, strict: bool = False,
               cache_dir: Path | None = None, workers: int | None = None) -> tuple[FactSet, list[Problem]]:
    """The facts in `paths` and the warnings about them; raises `InvalidData` with
    every problem (from every file) when there is any error. `cache_dir` and
    `workers` as for `collect`."""
    facts, problems = collect(paths, model, strict=strict, cache_dir=cache_dir, workers=workers)
    if any(p.severity == "error" for p in problems):
        raise InvalidData(problems)
    return facts, sorted(problems)


def validate_paths(paths, schema_dir: str | Path, strict: bool = False, *,
                   cache_dir: Path | None = None) -> tuple[FactSet, list[Problem]]:
    """What `cisfilm validate` runs: the facts read and every problem (errors and
    warnings, sorted). Raises `SchemaError` if the schema itself is broken."""
    facts, problems = collect(paths, load_model(schema_dir), strict=strict, cache_dir=cache_dir)
    return facts, sorted(problems)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector. Reading makes millions of small objects
    and no cycles; with the collector on, its passes over everything read so far took
    more time than the reading itself.

    On the way out, what was made meanwhile is moved to the oldest generation
    (`gc.freeze` then `gc.unfreeze`, which walk nothing): the facts read live as long as
    the command, and the young-generation pass that would otherwise follow walks them
    all (a fifth of a warm read's time) only to promote them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was:
            gc.enable()


# ---------------------------------------------------------------------------
# One file → a record (plain tuples, lists and dicts: what workers send back and the
# cache keeps) → `FileFacts`. Positions are ints within the file (`COL_BITS`);
# problems carry their file only when it is not the file read (never, today).

Record = tuple[list, list, list, list, dict]


def read_file(data: bytes, label: str, model: Model) -> Record:
    """Read one fact file's bytes (named `label` in positions and problems) as a record."""
    root, parse_problems = sy.parse(data, label)
    c = Checker(model)
    entities: list[Entity] = []
    relations: list[Relation] = []
    if root is not None:
        _document(c, root, entities, relations)

    def problem(p: Problem) -> tuple:
        return (None if p.file == label else p.file, p.line, p.col, p.field, p.reason, p.severity)

    def at(positions: MappingT[str, Pos]) -> dict[str, int]:
        return {k: m.line << COL_BITS | m.col for k, m in positions.items()}

    return (
        [problem(p) for p in parse_problems],
        [problem(p) for p in c.problems],
        [(e.id, e.kind, e.fields, e.sources, e.quotes, e.pos.line, e.pos.col, at(e.field_pos), e.path)
         for e in entities],
        [(r.from_id, r.type, r.to_id, r.props, r.sources, r.quotes, r.pos.line, r.pos.col, at(r.field_pos), r.path)
         for r in relations],
        name_keys(entities),
    )


def from_record(record: Record, label: str) -> FileFacts:
    """The `FileFacts` of a record made by `read_file` for a file now named `label`.
    A record of another shape raises ValueError, TypeError or IndexError."""
    parse, values, raw_entities, raw_relations, folded = record

    def problems(raw: list) -> list[Problem]:
        return [Problem(label if f is None else f, line, col, fld, reason, severity)
                for f, line, col, fld, reason, severity in raw]

    entities = [Entity(eid, kind, fields, sources, quotes, Pos(label, line, col), Positions(label, at), path)
                for eid, kind, fields, sources, quotes, line, col, at, path in raw_entities]
    relations = [Relation(a, t, b, props, sources, quotes, Pos(label, line, col), Positions(label, at), path)
                 for a, t, b, props, sources, quotes, line, col, at, path in raw_relations]
    return FileFacts(entities, relations, problems(parse), problems(values), folded)


# ---------------------------------------------------------------------------


def _document(c: Checker, root: sy.Node, entities: list[Entity], relations: list[Relation]) -> None:
    if not isinstance(root, sy.Mapping):
        c.error(root.mark, "", f"expected a map with entities: and relations:, got {sy.describe(root)}")
        return
    for key, node in root.items():
        if key not in TOP_KEYS:
            c.error(root.key_mark(key), sy.join_path("", key), f"unknown top-level key {key!r}{suggest(key, TOP_KEYS)} "
                                             "(a fact file has entities: and relations:)")
            continue
        if not isinstance(node, sy.Sequence):
            c.error(node.mark, key, f"expected a list, got {sy.describe(node)}")
            continue
        for i, item in enumerate(node.items):
            path = f"{key}[{i}]"
            if not isinstance(item, sy.Mapping):
                c.error(item.mark, path, f"expected a map, got {sy.describe(item)}")
            elif key == "entities":
                e = _entity(c, item, path)
                if e:
                    entities.append(e)
            else:
                r = _relation(c, item, path)
                if r:
                    relations.append(r)


def _quoted_sources(c: Checker, node: sy.Mapping, path: str, positions, required: bool) -> tuple[list[str], list[str]]:
    pairs = []
    if "sources" in node:
        pairs = c.sources(node["sources"], f"{path}.sources", positions)
    elif required:
        c.error(node.mark, f"{path}.sources", "missing sources: every fact names at least one Source")
    sources = [s for s, _ in pairs]
    quotes = [q for _, q in pairs]
    if "quote" in node:
        qnode = node["quote"]
        quote = c.text(qnode, f"{path}.quote", one_line=False)
        positions["quote"] = qnode.mark
        if quote is not MISSING:
            if len(sources) == 1 and not quotes[0]:
                quotes[0] = quote
            elif sources:
                c.error(qnode.mark, f"{path}.quote",
                        "a top-level quote needs exactly one source given as a bare id; "
                        "with several, write sources: [{source: ..., quote: ...}]")
    return sources, quotes


def _entity(c: Checker, node: sy.Mapping, path: str) -> Entity | None:
    positions: dict[str, Pos] = {}
    eid = kind = MISSING
    for key in ("id", "kind"):
        if key not in node:
            c.error(node.mark, f"{path}.{key}", f"missing required field {key!r}")
    if "id" in node:
        positions["id"] = node["id"].mark
        eid = c.ident(node["id"], f"{path}.id")
    if "kind" in node:
        knode = node["kind"]
        positions["kind"] = knode.mark
        kind = c.text(knode, f"{path}.kind")
        if kind is not MISSING and kind not in c.model.kinds:
            c.error(knode.mark, f"{path}.kind",
                    f"unknown kind {kind!r}{suggest(kind, c.model.kinds)} "
                    f"(kinds: {', '.join(sorted(c.model.kinds))})")
            kind = MISSING
    if eid is MISSING:
        return None
    fields: dict[str, Any] = {}
    if kind is not MISSING:
        spec = c.model.kinds[kind]
        for key, vnode in node.items():
            if key in STRUCTURAL:
                continue
            fspec = spec.fields.get(key)
            if fspec is None:
                c.unknown_key(node.key_mark(key), sy.join_path(path, key), key, spec.fields, f"for {kind}")
                continue
            value = c.value(fspec, vnode, f"{path}.{key}", positions)
            if value is not MISSING:
                fields[key] = value
        for fname, fspec in spec.fields.items():
            if fspec.required and fname not in node and fname not in STRUCTURAL:
                c.error(node.mark, f"{path}.{fname}", f"missing required field {fname!r}")
    sources, quotes = _quoted_sources(c, node, path, positions, required=kind not in (SOURCE_KIND, MISSING))
    return Entity(eid, kind if kind is not MISSING else "", fields, sources, quotes, node.mark, positions, path)


def _relation(c: Checker, node: sy.Mapping, path: str) -> Relation | None:
    positions: dict[str, Pos] = {}
    values: dict[str, Any] = {}
    for key in ("from", "type", "to"):
        if key not in node:
            c.error(node.mark, f"{path}.{key}", f"missing required field {key!r}")
            continue
        vnode = node[key]
        positions[key] = vnode.mark
        values[key] = c.text(vnode, f"{path}.{key}") if key == "type" else c.ident(vnode, f"{path}.{key}")
    rtype = values.get("type", MISSING)
    spec = None
    if rtype is not MISSING:
        spec = c.model.relations.get(rtype)
        if spec is None:
            c.error(positions["type"], f"{path}.type",
                    f"unknown relationship type {rtype!r}{suggest(rtype, c.model.relations)}")
    props: dict[str, Any] = {}
    for key, vnode in node.items():
        if key in ("from", "type", "to", "sources", "quote") or spec is None:
            continue
        pspec = spec.properties.get(key)
        if pspec is None:
            c.unknown_key(node.key_mark(key), sy.join_path(path, key), key,
                          [*spec.properties, "from", "type", "to"], f"for {rtype}")
            continue
        value = c.value(pspec, vnode, f"{path}.{key}", positions)
        if value is not MISSING:
            props[key] = value
    if spec is not None:
        for pname, pspec in spec.properties.items():
            if pspec.required and pname not in node and pname not in STRUCTURAL:
                c.error(node.mark, f"{path}.{pname}", f"missing required field {pname!r}")
    sources, quotes = _quoted_sources(c, node, path, positions, required=True)
    if MISSING in (values.get("from", MISSING), values.get("to", MISSING)) or spec is None:
        return None
    return Relation(values["from"], rtype, values["to"], props, sources, quotes, node.mark, positions, path)
