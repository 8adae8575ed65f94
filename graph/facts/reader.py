"""Fact files → a `FactSet`: entities and relations, each with its position.

A fact file (docs/DESIGN.md, "Fact files") is a map with `entities:` and
`relations:` lists. Files are read strictly (`graph.strictyaml`), values are
read by their schema field type, and the set-wide rules run at the end
(`graph.facts.rules`), so one call reports every problem in every file.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph import strictyaml as sy
from graph.errors import InvalidData, Problem, suggest
from graph.facts.checker import MISSING, Checker
from graph.facts.rules import check_set
from graph.model.schema import SOURCE_KIND, STRUCTURAL, Model, load_model

Pos = sy.Mark
SUFFIXES = (".yaml", ".yml")
TOP_KEYS = ("entities", "relations")


@dataclass(frozen=True)
class Entity:
    id: str
    kind: str
    fields: dict[str, Any]  # multilingual → {lang: text}, date → "2025-08", list → list
    sources: list[str]
    quotes: list[str]  # parallel to sources, "" where none
    pos: Pos  # the start of the entity's map
    field_pos: dict[str, Pos] = field(default_factory=dict, compare=False)  # "name", "name.ru", "sources[0]"...
    path: str = ""  # "entities[3]" within its file


@dataclass(frozen=True)
class Relation:
    from_id: str
    type: str
    to_id: str
    props: dict[str, Any]
    sources: list[str]
    quotes: list[str]
    pos: Pos
    field_pos: dict[str, Pos] = field(default_factory=dict, compare=False)
    path: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.from_id, self.type, self.to_id)


@dataclass
class FactSet:
    entities: dict[str, Entity] = field(default_factory=dict)  # id → first entity with it
    relations: list[Relation] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


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


def collect(paths: Iterable[str | Path], model: Model, *, strict: bool = False) -> tuple[FactSet, list[Problem]]:
    """Read every file and run every rule: the facts that could be read, and all problems."""
    files, problems = fact_files(paths)
    c = Checker(model)
    entities: list[Entity] = []
    relations: list[Relation] = []
    for path in files:
        label = str(path)
        try:
            data = path.read_bytes()
        except OSError as e:
            problems.append(Problem(label, 1, 1, "", f"cannot read file: {e.strerror or e}"))
            continue
        root, file_problems = sy.parse(data, label)
        problems += file_problems
        if root is not None:
            _document(c, root, entities, relations)
    problems += c.problems
    problems += check_set(entities, relations, model, strict=strict)
    facts = FactSet(files=[str(p) for p in files])
    for entity in entities:
        facts.entities.setdefault(entity.id, entity)
    facts.relations = relations
    return facts, problems


def read_facts(paths: Iterable[str | Path], model: Model, *, strict: bool = False) -> tuple[FactSet, list[Problem]]:
    """The facts in `paths` and the warnings about them; raises `InvalidData` with
    every problem (from every file) when there is any error."""
    facts, problems = collect(paths, model, strict=strict)
    if any(p.severity == "error" for p in problems):
        raise InvalidData(problems)
    return facts, sorted(problems)


def validate_paths(paths, schema_dir: str | Path, strict: bool = False) -> tuple[FactSet, list[Problem]]:
    """What `cisfilm validate` runs: the facts read and every problem (errors and
    warnings, sorted). Raises `SchemaError` if the schema itself is broken."""
    facts, problems = collect(paths, load_model(schema_dir), strict=strict)
    return facts, sorted(problems)


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
