"""`schema/*.yaml` → one immutable `Model`.

The schema is data (docs/DESIGN.md, "Schema files"): `_prefixes.yaml` maps
CURIE prefixes to IRIs, `_common.yaml` holds the fields every entity has and
the properties every relation has, and `<Kind>.yaml` one kind each. Every
other module derives labels, relationship types, field types and RDF terms
from the `Model`; `check_label` / `check_rel_type` are the one allow-list any
Cypher text is built from.
"""
from __future__ import annotations

import re
from collections.abc import Mapping as MappingT
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from graph import strictyaml as sy
from graph.errors import InvalidData, Problem, SchemaError, suggest
from graph.model.types import FIELD_TYPES, ITEM_TYPES

LANGUAGES = ("ru", "en", "be", "kk", "ky", "tg", "uz", "hy", "az", "ka")
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")  # entity ids: fact files, Cypher parameters, IRIs
LABEL_RE = re.compile(r"[A-Z][A-Za-z0-9]*")
REL_TYPE_RE = re.compile(r"[A-Z][A-Z0-9_]*")
NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
PREFIX_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
CURIE_RE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*):([A-Za-z0-9_][A-Za-z0-9_.\-]*)?")
SOURCE_KIND = "Source"  # the kind every fact cites (docs/DESIGN.md)
SOURCE_LANGUAGE = "source"  # `language: source`: the text is in the language of the source it comes from
STRUCTURAL = ("id", "kind", "sources", "quote")  # common fields read specially by graph.facts


@dataclass(frozen=True)
class FieldSpec:
    """One field of a kind, or one property of a relation."""

    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()  # enum (or list of enum) values
    items: str | None = None  # item type of a list
    description: str = field(default="", compare=False)
    rdf: str | None = None  # CURIE as written in the schema
    mark: sy.Mark | None = field(default=None, compare=False)
    language: str | None = None  # RDF language tag of its text: a code, or SOURCE_LANGUAGE


@dataclass(frozen=True)
class ClassBy:
    """An extra RDF class chosen by an enum field's value."""

    field: str
    values: MappingT[str, str]


@dataclass(frozen=True)
class KindSpec:
    name: str
    description: str
    rdf_class: str | None
    class_by: ClassBy | None
    own_fields: MappingT[str, FieldSpec]  # declared in <Kind>.yaml
    fields: MappingT[str, FieldSpec]  # common fields first, then own
    file: str


@dataclass(frozen=True)
class RelationSpec:
    """A relationship type; may be declared by several kinds with the same definition."""

    type: str
    description: str
    rdf: str | None
    own_properties: MappingT[str, FieldSpec]
    properties: MappingT[str, FieldSpec]  # common relation properties first, then own
    targets: MappingT[str, frozenset[str]]  # from kind → allowed to kinds

    @property
    def from_kinds(self) -> frozenset[str]:
        return frozenset(self.targets)

    @property
    def to_kinds(self) -> frozenset[str]:
        return frozenset().union(*self.targets.values())

    def allows(self, from_kind: str, to_kind: str) -> bool:
        return to_kind in self.targets.get(from_kind, ())


@dataclass(frozen=True)
class Model:
    kinds: MappingT[str, KindSpec]
    relations: MappingT[str, RelationSpec]
    common_fields: MappingT[str, FieldSpec]
    relation_common: MappingT[str, FieldSpec]
    prefixes: MappingT[str, str]
    languages: tuple[str, ...] = LANGUAGES

    @property
    def relation_types(self) -> frozenset[str]:
        return frozenset(self.relations)

    def check_label(self, label: str) -> str:
        """`label` if it is a kind of this schema; raises `SchemaError` otherwise."""
        if not isinstance(label, str) or not LABEL_RE.fullmatch(label) or label not in self.kinds:
            raise SchemaError(f"{label!r} is not a kind of the schema{suggest(label, self.kinds)}")
        return label

    def check_rel_type(self, rel_type: str) -> str:
        """`rel_type` if it is a relationship type of this schema; raises `SchemaError` otherwise."""
        if (not isinstance(rel_type, str) or not REL_TYPE_RE.fullmatch(rel_type)
                or rel_type not in self.relations):
            raise SchemaError(
                f"{rel_type!r} is not a relationship type of the schema{suggest(rel_type, self.relations)}")
        return rel_type

    def expand(self, curie: str) -> str:
        """The full IRI of a CURIE such as `schema:name`."""
        m = CURIE_RE.fullmatch(curie) if isinstance(curie, str) else None
        if not m or m.group(1) not in self.prefixes:
            raise SchemaError(f"{curie!r} is not a CURIE with a known prefix")
        return self.prefixes[m.group(1)] + (m.group(2) or "")




# ---------------------------------------------------------------------------
# Loading


class _Reader:
    """Collects every schema problem, then raises them as one `SchemaError`."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def err(self, mark: sy.Mark, path: str, reason: str) -> None:
        self.problems.append(Problem(mark.file, mark.line, mark.col, path, reason))

    def load(self, path: Path, label: str) -> sy.Mapping | None:
        try:
            root = sy.load(path, name=label)
        except InvalidData as e:
            self.problems.extend(e.problems)
            return None
        if not isinstance(root, sy.Mapping):
            self.err(root.mark if root else sy.Mark(label, 1, 1), "", "expected a map at the top of the file")
            return None
        return root

    def keys(self, node: sy.Mapping, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> None:
        for key in node.entries:
            if key not in allowed:
                self.err(node.key_mark(key), _p(path, key), f"unknown key {key!r}{suggest(key, allowed)}")
        for key in required:
            if key not in node:
                self.err(node.mark, path, f"missing {key!r}")

    def text(self, node: sy.Node | None, path: str, *, default: str = "") -> str:
        if node is None:
            return default
        if not isinstance(node, sy.Scalar) or sy.implicit_type(node) not in (None,):
            self.err(node.mark, path, f"expected text, got {_what(node)}")
            return default
        return node.value

    def flag(self, node: sy.Node | None, path: str) -> bool:
        if node is None:
            return False
        if isinstance(node, sy.Scalar) and node.plain and node.value in ("true", "false"):
            return node.value == "true"
        self.err(node.mark, path, "expected true or false")
        return False

    def words(self, node: sy.Node | None, path: str) -> list[tuple[str, sy.Mark]]:
        if node is None:
            return []
        if not isinstance(node, sy.Sequence):
            self.err(node.mark, path, f"expected a list, got {_what(node)}")
            return []
        out = []
        for i, item in enumerate(node.items):
            value = self.text(item, f"{path}[{i}]")
            if value:
                out.append((value, item.mark))
        return out

    def curie(self, node: sy.Node | None, path: str, prefixes: MappingT[str, str]) -> str | None:
        if node is None:
            return None
        value = self.text(node, path)
        m = CURIE_RE.fullmatch(value)
        if not m:
            self.err(node.mark, path, f"expected a CURIE like schema:name, got {value!r}")
            return None
        if m.group(1) not in prefixes:
            self.err(node.mark, path, f"unknown prefix {m.group(1)!r}{suggest(m.group(1), prefixes)}")
            return None
        return value

    def field_spec(self, name: str, node: sy.Node, path: str, prefixes) -> FieldSpec | None:
        if not NAME_RE.fullmatch(name):
            self.err(node.mark, path, f"field name {name!r} must match ^[a-z][a-z0-9_]*$")
        if not isinstance(node, sy.Mapping):
            self.err(node.mark, path, f"expected a map with a type, got {_what(node)}")
            return None
        self.keys(node, path, ("type", "required", "values", "items", "description", "rdf", "language"), ("type",))
        type_ = self.text(node.get("type"), f"{path}.type")
        if not type_:
            return None
        if type_ not in FIELD_TYPES:
            self.err(node["type"].mark, f"{path}.type",
                     f"unknown field type {type_!r}{suggest(type_, FIELD_TYPES)}")
            return None
        items = None
        if type_ == "list":
            items = self.text(node.get("items"), f"{path}.items")
            if not items:
                self.err(node.mark, path, "a list field needs `items: <type>`")
                return None
            if items not in ITEM_TYPES:
                why = (f"a list cannot hold {items} values" if items in FIELD_TYPES
                       else f"unknown item type {items!r}{suggest(items, ITEM_TYPES)}")
                self.err(node["items"].mark, f"{path}.items",
                         f"{why}; items are one of: {', '.join(ITEM_TYPES)}")
                return None
        elif "items" in node:
            self.err(node.key_mark("items"), f"{path}.items", "`items` is only for list fields")
        values = self.words(node.get("values"), f"{path}.values")
        if (type_ == "enum" or items == "enum") and not values:
            self.err(node.mark, path, "an enum field needs `values: [...]`")
            return None
        if values and not (type_ == "enum" or items == "enum"):
            self.err(node.key_mark("values"), f"{path}.values", "`values` is only for enum fields")
        seen: set[str] = set()
        for value, mark in values:
            if value in seen:
                self.err(mark, f"{path}.values", f"duplicate value {value!r}")
            seen.add(value)
        return FieldSpec(
            name=name,
            type=type_,
            required=self.flag(node.get("required"), f"{path}.required"),
            values=tuple(v for v, _ in values),
            items=items,
            description=self.text(node.get("description"), f"{path}.description"),
            rdf=self.curie(node.get("rdf"), f"{path}.rdf", prefixes),
            mark=node.mark,
            language=self.language(node, path, type_, items),
        )

    def language(self, node: sy.Mapping, path: str, type_: str, items: str | None) -> str | None:
        """A field's `language:` — a language code or `source`, only on fields of text
        (string, text, list of string); the codes are checked against the schema's languages
        once they are known (`_check_languages`)."""
        if "language" not in node:
            return None
        value = self.text(node.get("language"), f"{path}.language")
        if (items or type_) not in ("string", "text"):
            self.err(node.key_mark("language"), f"{path}.language",
                     "`language` is only for string, text or list-of-string fields")
            return None
        if not re.fullmatch(r"[a-z]{2,3}", value) and value != SOURCE_LANGUAGE:
            self.err(node["language"].mark, f"{path}.language",
                     f"expected a language code or {SOURCE_LANGUAGE!r}, got {value!r}")
            return None
        return value or None

    def fields(self, node: sy.Node | None, path: str, prefixes) -> dict[str, FieldSpec]:
        if node is None:
            return {}
        if not isinstance(node, sy.Mapping):
            self.err(node.mark, path, f"expected a map of field name → definition, got {_what(node)}")
            return {}
        out = {}
        for name, value in node.items():
            spec = self.field_spec(name, value, _p(path, name), prefixes)
            if spec:
                out[name] = spec
        return out


def _p(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _what(node: sy.Node) -> str:
    if isinstance(node, sy.Scalar) and sy.implicit_type(node):
        return f"{node.value!r} (reads as {sy.implicit_type(node)}; quote it)"
    return sy.describe(node)


def load_model(schema_dir: str | Path) -> Model:
    """Read `schema_dir` into a `Model`; raises `SchemaError` listing every problem."""
    schema_dir = Path(schema_dir)
    r = _Reader()

    def label(p: Path) -> str:
        return str(p)

    prefixes: dict[str, str] = {}
    pfile = schema_dir / "_prefixes.yaml"
    cfile = schema_dir / "_common.yaml"
    for required in (pfile, cfile):
        if not required.is_file():
            raise SchemaError(f"{label(required)}: missing (the schema needs _prefixes.yaml and _common.yaml)")

    proot = r.load(pfile, label(pfile))
    if proot is not None:
        table = proot.get("prefixes") if len(proot) == 1 and "prefixes" in proot else proot
        if isinstance(table, sy.Mapping):
            for prefix, node in table.items():
                if not PREFIX_RE.fullmatch(prefix):
                    r.err(table.key_mark(prefix), prefix, f"bad prefix {prefix!r}")
                iri = r.text(node, prefix)
                if iri and not re.match(r"[a-z][a-z0-9+.-]*:\S+$", iri):
                    r.err(node.mark, prefix, f"expected an IRI, got {iri!r}")
                prefixes[prefix] = iri
        else:
            r.err(table.mark if table else proot.mark, "prefixes", "expected a map of prefix → IRI")

    if r.problems:  # every kind file needs the prefixes: stop here rather than cascade
        raise _schema_error(r.problems)

    common: dict[str, FieldSpec] = {}
    rel_common: dict[str, FieldSpec] = {}
    languages: tuple[str, ...] = LANGUAGES
    croot = r.load(cfile, label(cfile))
    if croot is not None:
        r.keys(croot, "", ("fields", "relation_properties", "languages"), ("fields",))
        common = r.fields(croot.get("fields"), "fields", prefixes)
        rel_common = r.fields(croot.get("relation_properties"), "relation_properties", prefixes)
        if "languages" in croot:
            languages = tuple(v for v, _ in r.words(croot.get("languages"), "languages")) or LANGUAGES
        for name in ("id", "kind", "name"):
            if croot.get("fields") is not None and name not in common:
                r.err(croot.mark, "fields", f"the common fields must include {name!r}")

    kinds: dict[str, KindSpec] = {}
    raw_relations: list[tuple[str, str, sy.Mapping, sy.Mark, str]] = []  # kind, type, node, mark, file
    for path in sorted(schema_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        root = r.load(path, label(path))
        if root is None:
            continue
        r.keys(root, "", ("kind", "description", "rdf", "fields", "relations"), ("kind",))
        name = r.text(root.get("kind"), "kind")
        mark = root["kind"].mark if "kind" in root else root.mark
        if not name:
            continue
        if not LABEL_RE.fullmatch(name):
            r.err(mark, "kind", f"kind {name!r} must match ^[A-Z][A-Za-z0-9]*$")
        if name != path.stem:
            r.err(mark, "kind", f"kind {name!r} does not match the file name {path.name!r}")
        own = r.fields(root.get("fields"), "fields", prefixes)
        for fname, spec in own.items():
            if fname in common:
                r.err(spec.mark or root.mark, f"fields.{fname}",
                      f"{fname!r} is a common field (schema/_common.yaml); do not redeclare it")
        rdf_class, class_by = None, None
        rdf = root.get("rdf")
        if isinstance(rdf, sy.Mapping):
            r.keys(rdf, "rdf", ("class", "class_by"), ("class",))
            rdf_class = r.curie(rdf.get("class"), "rdf.class", prefixes)
            class_by = _class_by(r, rdf.get("class_by"), own, prefixes)
        elif rdf is not None:
            r.err(rdf.mark, "rdf", "expected a map with `class:`")
        rels = root.get("relations")
        if isinstance(rels, sy.Mapping):
            for rtype, rnode in rels.items():
                mark_r = rels.key_mark(rtype)
                if not REL_TYPE_RE.fullmatch(rtype):
                    r.err(mark_r, f"relations.{rtype}", f"relationship type {rtype!r} must match ^[A-Z][A-Z0-9_]*$")
                elif not isinstance(rnode, sy.Mapping):
                    r.err(rnode.mark, f"relations.{rtype}", f"expected a map with `to:`, got {_what(rnode)}")
                else:
                    raw_relations.append((name, rtype, rnode, mark_r, label(path)))
        elif rels is not None:
            r.err(rels.mark, "relations", "expected a map of relationship type → definition")
        if name in kinds:
            r.err(mark, "kind", f"kind {name!r} is declared twice (also in {kinds[name].file})")
        kinds[name] = KindSpec(
            name=name,
            description=r.text(root.get("description"), "description"),
            rdf_class=rdf_class,
            class_by=class_by,
            own_fields=MappingProxyType(own),
            fields=MappingProxyType({**common, **{k: v for k, v in own.items() if k not in common}}),
            file=label(path),
        )

    relations = _relations(r, raw_relations, kinds, rel_common, prefixes)
    _check_languages(r, languages, common, rel_common, *(k.own_fields for k in kinds.values()),
                     *(rel.own_properties for rel in relations.values()))
    if SOURCE_KIND not in kinds and kinds:
        r.err(sy.Mark(label(schema_dir), 1, 1), "", f"the schema needs a {SOURCE_KIND} kind (every fact cites one)")
    if r.problems:
        raise _schema_error(r.problems)
    return Model(
        kinds=MappingProxyType(kinds),
        relations=MappingProxyType(relations),
        common_fields=MappingProxyType(common),
        relation_common=MappingProxyType(rel_common),
        prefixes=MappingProxyType(prefixes),
        languages=languages,
    )


def _check_languages(r: _Reader, languages: tuple[str, ...], *groups: MappingT[str, FieldSpec]) -> None:
    for specs in groups:
        for spec in specs.values():
            if spec.language and spec.language != SOURCE_LANGUAGE and spec.language not in languages:
                mark = spec.mark or sy.Mark("schema", 1, 1)
                r.err(mark, f"{spec.name}.language", f"unknown language code {spec.language!r} "
                      f"(known: {' '.join(languages)}){suggest(spec.language, languages)}")


def _schema_error(problems: list[Problem]) -> SchemaError:
    lines = "\n".join(str(p) for p in sorted(problems))
    return SchemaError(f"{len(problems)} problem(s) in the schema:\n{lines}", sorted(problems))


def _class_by(r: _Reader, node: sy.Node | None, own: dict[str, FieldSpec], prefixes) -> ClassBy | None:
    if node is None:
        return None
    if not isinstance(node, sy.Mapping):
        r.err(node.mark, "rdf.class_by", "expected a map with `field:` and `values:`")
        return None
    r.keys(node, "rdf.class_by", ("field", "values"), ("field", "values"))
    fname = r.text(node.get("field"), "rdf.class_by.field")
    spec = own.get(fname)
    if fname and (spec is None or spec.type != "enum"):
        r.err(node["field"].mark, "rdf.class_by.field", f"{fname!r} is not an enum field of this kind")
        return None
    values: dict[str, str] = {}
    vnode = node.get("values")
    if isinstance(vnode, sy.Mapping):
        for value, cnode in vnode.items():
            if spec and value not in spec.values:
                r.err(vnode.key_mark(value), f"rdf.class_by.values.{value}",
                      f"{value!r} is not a value of {fname}{suggest(value, spec.values)}")
            curie = r.curie(cnode, f"rdf.class_by.values.{value}", prefixes)
            if curie:
                values[value] = curie
    elif vnode is not None:
        r.err(vnode.mark, "rdf.class_by.values", "expected a map of value → class CURIE")
    return ClassBy(fname, MappingProxyType(values))


def _relations(r: _Reader, raw, kinds, rel_common, prefixes) -> dict[str, RelationSpec]:
    out: dict[str, RelationSpec] = {}
    first: dict[str, tuple[str, sy.Mark]] = {}
    for kind, rtype, node, mark, file in raw:
        path = f"relations.{rtype}"
        r.keys(node, path, ("to", "description", "rdf", "properties"), ("to",))
        targets: set[str] = set()
        for target, tmark in r.words(node.get("to"), f"{path}.to"):
            if target not in kinds:
                r.err(tmark, f"{path}.to", f"relation to unknown kind {target!r}{suggest(target, kinds)}")
            else:
                targets.add(target)
        own = r.fields(node.get("properties"), f"{path}.properties", prefixes)
        for pname, spec in own.items():
            if pname in rel_common:
                r.err(spec.mark or node.mark, f"{path}.properties.{pname}",
                      f"{pname!r} is a common relation property (schema/_common.yaml); do not redeclare it")
        rdf = r.curie(node.get("rdf"), f"{path}.rdf", prefixes)
        description = r.text(node.get("description"), f"{path}.description")
        if rtype not in out:
            first[rtype] = (file, mark)
            out[rtype] = RelationSpec(
                type=rtype, description=description, rdf=rdf,
                own_properties=MappingProxyType(own),
                properties=MappingProxyType({**rel_common, **own}),
                targets=MappingProxyType({kind: frozenset(targets)}),
            )
            continue
        prev = out[rtype]
        where = f"{first[rtype][0]}:{first[rtype][1].line}"
        if prev.rdf != rdf or dict(prev.own_properties) != own:
            what = "rdf" if prev.rdf != rdf else "properties"
            r.err(mark, path, f"{rtype} is declared again with different {what} than at {where}")
            continue
        if kind in prev.targets:
            r.err(mark, path, f"{rtype} is declared twice for {kind}")
            continue
        out[rtype] = RelationSpec(
            type=rtype, description=prev.description or description, rdf=rdf,
            own_properties=prev.own_properties, properties=prev.properties,
            targets=MappingProxyType({**prev.targets, kind: frozenset(targets)}),
        )
    return out
