"""Field types: one class per type a schema field may declare, and the registry `TYPES`.

Each type knows, in one place, how a YAML value of that type is read and
checked, what it becomes as Neo4j properties, which RDF terms it gives back,
its SHACL constraints and its JSON Schema — so adding a field type touches
this file only (in the spirit of FollowTheMoney's `types/`). The layers that
use them (`graph.facts`, `graph.store`, `graph.rdf`, `graph.model.jsonschema`)
ask the registry and never switch on a type's name.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from urllib.parse import urlsplit

from graph import strictyaml as sy
from graph.errors import suggest
from graph.model.dates import DATE_RE, date_problem
from graph.model.dates import EXPECTED as DATE_EXPECTED
from graph.model.dates import JSON_PATTERN as DATE_PATTERN
from graph.model.names import display_name

if TYPE_CHECKING:
    from graph.model.schema import FieldSpec

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
INT_RE = re.compile(r"[-+]?[0-9]+")
FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
INT64 = (-(2**63), 2**63 - 1)
MISSING: Any = object()  # a value that could not be read


class Reporter(Protocol):
    """Where a type reports what is wrong with a value (`graph.facts.checker.Checker`)."""

    languages: tuple[str, ...]

    def error(self, mark: sy.Mark, path: str, reason: str, severity: str = "error") -> None: ...


@dataclass(frozen=True)
class RdfValue:
    """An RDF object described without depending on an RDF library: a literal
    (`lang` or `datatype`, "" = xsd:string) or, with `iri`, an IRI to be minted
    by the exporter from `lexical`."""

    lexical: str
    lang: str = ""
    datatype: str = ""
    iri: bool = False


# The letters of the languages whose alphabet the export checks before tagging a text with
# the language of its source (`language: source`): a Latin alias (CIS, ASI) of an entity
# known from a Russian article is not Russian. Other languages are taken on trust.
ALPHABETS = {
    "ru": frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя"),
    "en": frozenset("abcdefghijklmnopqrstuvwxyz"),
}


def value_language(spec: FieldSpec, text: str, source_languages: tuple[str, ...] = ()) -> str:
    """The language tag of text `text` of field `spec` ('' for none): its schema `language:`
    code; or, for `language: source`, the one language of the sources it comes from, when
    the text has a letter of that language's alphabet. Several or no source languages: ''."""
    lang = spec.language
    if not lang:
        return ""
    if lang != "source":  # graph.model.schema.SOURCE_LANGUAGE
        return lang
    if len(set(source_languages)) != 1:
        return ""
    lang = source_languages[0]
    letters = ALPHABETS.get(lang)
    if letters is not None and not any(ch in letters for ch in text.casefold()):
        return ""
    return lang


def language_shacl(spec: FieldSpec, constraints: dict[str, Any], languages: tuple[str, ...]) -> dict[str, Any]:
    """SHACL constraints `constraints` of a text field, adjusted for its `language:`: a fixed
    code → `rdf:langString` in that language; `source` → a plain string or a
    `rdf:langString` in one of the schema's languages (`or_lang`)."""
    if not spec.language or constraints.get("datatype") != XSD + "string":
        return constraints
    c = {k: v for k, v in constraints.items() if k != "datatype"}
    if spec.language == "source":
        c["or_lang"] = sorted(languages)
    else:
        c["datatype"] = RDF_LANG_STRING
        c["languages"] = [spec.language]
    return c


class FieldType:
    """A field type. Subclasses set `name` and `expected` and override what differs."""

    name: ClassVar[str] = ""
    expected: ClassVar[str] = ""  # "an integer": completes "expected ..." in messages
    scalar: ClassVar[bool] = True  # may be a list's item type
    many: ClassVar[bool] = False  # may give several RDF objects (no sh:maxCount 1)
    json_def: ClassVar[str | None] = None  # name of its shared JSON Schema definition, if any

    # -- fact files

    def read(self, r: Reporter, spec: FieldSpec, node: sy.Node, path: str,
             positions: dict[str, sy.Mark], rel: str) -> Any:
        """The Python value of `node`, or MISSING after reporting why it can't be read.
        `positions` receives the marks of a value's parts (keyed relative to the entity)."""
        raise NotImplementedError

    def wrong(self, r: Reporter, node: sy.Node, path: str) -> Any:
        r.error(node.mark, path, f"expected {self.expected}, got {sy.describe(node)}")
        return MISSING

    # -- Neo4j

    def neo4j(self, name: str, value: Any) -> dict[str, Any]:
        """The node or relationship properties field `name` with `value` becomes."""
        return {name: value}

    # -- RDF

    def rdf_values(self, spec: FieldSpec, props: dict, languages: tuple[str, ...]) -> list[RdfValue]:
        """The RDF objects of field `spec` in the Neo4j properties `props`."""
        raw = props.get(spec.name)
        if raw is None:
            return []
        return [self.rdf_value(x) for x in (raw if isinstance(raw, list) else [raw]) if x is not None]

    def rdf_value(self, x: Any) -> RdfValue:
        """One stored value as an RDF object. A value that does not fit the type
        (set by hand in Neo4j) stays a plain string, so SHACL reports it instead of
        the export failing."""
        typed = self.typed(x)
        return typed if typed is not None else RdfValue(x if isinstance(x, str) else str(x))

    def typed(self, x: Any) -> RdfValue | None:
        return None

    def shacl(self, spec: FieldSpec, languages: tuple[str, ...]) -> dict[str, Any]:
        """SHACL property constraints, as keywords of `graph.rdf.shacl` (`datatype`,
        `pattern`, `in_`, `or_datatypes`, `node_kind`, `unique_lang`, `languages`)."""
        return {"datatype": XSD + "string"}

    # -- JSON Schema

    def json_schema(self, spec: FieldSpec) -> dict[str, Any]:
        """The JSON Schema of a value (a `$ref` to `json_definition` when it has one)."""
        return {"$ref": f"#/$defs/{self.json_def}"}

    def json_definition(self, languages: tuple[str, ...]) -> dict[str, Any]:
        raise NotImplementedError


def read_text(r: Reporter, node: sy.Node, path: str, expected: str = "text", *, one_line: bool = True) -> Any:
    """A string value: not blank, not something YAML would read as another type."""
    if not isinstance(node, sy.Scalar):
        r.error(node.mark, path, f"expected {expected}, got {sy.describe(node)}")
        return MISSING
    value = node.value
    if value.strip() == "":
        r.error(node.mark, path, "blank value; leave the field out or fill it in")
        return MISSING
    implicit = sy.implicit_type(node)
    if implicit:
        r.error(node.mark, path,
                f"unquoted {value} reads as a {implicit} in YAML; quote it (\"{value}\") if you mean text")
        return MISSING
    if not one_line:
        return value.rstrip("\n")
    if "\n" in value:
        r.error(node.mark, path, "must be one line")
        return MISSING
    if value != value.strip():
        r.error(node.mark, path, "leading or trailing whitespace")
        return MISSING
    return value


class String(FieldType):
    name = "string"
    expected = "a one-line string"
    json_def = "line"

    def read(self, r, spec, node, path, positions, rel):
        return read_text(r, node, path, self.expected)

    def shacl(self, spec, languages):
        return {"datatype": XSD + "string", "pattern": "^[^\\n\\r]*$"}

    def json_definition(self, languages):
        return {"type": "string", "pattern": r"^\S(.*\S)?$"}


class Text(FieldType):
    name = "text"
    expected = "text"
    json_def = "text"

    def read(self, r, spec, node, path, positions, rel):
        return read_text(r, node, path, self.expected, one_line=False)

    def json_definition(self, languages):
        return {"type": "string", "pattern": r"\S"}


class Multilingual(FieldType):
    """A map of language code → one-line text; in Neo4j `f` (the display form) and
    `f_<lang>` for each language; in RDF one language-tagged literal per language."""

    name = "multilingual"
    expected = "a map of language code → text, e.g. {ru: ..., en: ...}"
    scalar = False
    many = True
    json_def = "multilingual"

    def read(self, r, spec, node, path, positions, rel):
        if not isinstance(node, sy.Mapping):
            return self.wrong(r, node, path)
        if not len(node):
            r.error(node.mark, path, "blank value; give at least one language")
            return MISSING
        out = {}
        for lang, vnode in node.items():
            if lang not in r.languages:
                r.error(node.key_mark(lang), sy.join_path(path, lang),
                        f"unknown language code {lang!r} (known: {' '.join(r.languages)})"
                        f"{suggest(lang, r.languages)}")
                continue
            value = read_text(r, vnode, f"{path}.{lang}", TYPES["string"].expected)
            if value is not MISSING:
                out[lang] = value
                positions[f"{rel}.{lang}"] = vnode.mark
        return out if len(out) == len(node) else MISSING

    def neo4j(self, name, value):
        props = {name: display_name(value)}
        for lang, text in value.items():
            props[f"{name}_{lang}"] = text
        return props

    def rdf_values(self, spec, props, languages):
        out = [RdfValue(text, lang) for lang in sorted(languages)
               if isinstance(text := props.get(f"{spec.name}_{lang}"), str) and text]
        raw = props.get(spec.name)
        if not out and raw not in (None, ""):  # written by hand, without languages
            out = [RdfValue(x if isinstance(x, str) else str(x)) for x in (raw if isinstance(raw, list) else [raw])]
        return out

    def shacl(self, spec, languages):
        return {"datatype": RDF_LANG_STRING, "unique_lang": True, "languages": sorted(languages)}

    def json_definition(self, languages):
        return {
            "type": "object",
            "description": "Text by language code.",
            "properties": {lang: {"$ref": "#/$defs/line"} for lang in languages},
            "additionalProperties": False,
            "minProperties": 1,
        }


class Enum(FieldType):
    name = "enum"
    expected = "one of the allowed values"

    def read(self, r, spec, node, path, positions, rel):
        if isinstance(node, sy.Scalar) and node.value in spec.values:
            return node.value
        value = read_text(r, node, path, self.expected)
        if value is MISSING:
            return value
        allowed = ", ".join(spec.values)
        r.error(node.mark, path, f"{value!r} is not allowed (one of: {allowed}){suggest(value, spec.values)}")
        return MISSING

    def shacl(self, spec, languages):
        return {"datatype": XSD + "string", "in_": list(spec.values)}

    def json_schema(self, spec):
        return {"enum": list(spec.values)}


class Date(FieldType):
    """A partial date (`graph.model.dates`), stored as its string, exported with the
    XSD datatype of its precision."""

    name = "date"
    expected = DATE_EXPECTED
    json_def = "date"
    DATATYPES: ClassVar[dict[int, str]] = {4: XSD + "gYear", 7: XSD + "gYearMonth", 10: XSD + "date"}

    def read(self, r, spec, node, path, positions, rel):
        if not isinstance(node, sy.Scalar):
            return self.wrong(r, node, path)
        value = node.value
        if not DATE_RE.fullmatch(value):
            shown = "an empty value" if value.strip() == "" else repr(value)
            r.error(node.mark, path, f"bad date {shown}: expected YYYY, YYYY-MM or YYYY-MM-DD")
            return MISSING
        reason = date_problem(value)
        if reason:
            r.error(node.mark, path, reason)
            return MISSING
        return value

    def typed(self, x):
        if isinstance(x, str) and DATE_RE.fullmatch(x) and date_problem(x) is None:
            return RdfValue(x, datatype=self.DATATYPES[len(x)])
        if hasattr(x, "iso_format"):  # a Neo4j temporal set by hand with Cypher's date() / datetime()
            return RdfValue(x.iso_format(), datatype=XSD + ("dateTime" if hasattr(x, "hour") else "date"))
        return None

    def shacl(self, spec, languages):
        return {"or_datatypes": list(self.DATATYPES.values())}

    def json_definition(self, languages):
        return {
            "description": "A partial date: YYYY, YYYY-MM or YYYY-MM-DD.",
            "anyOf": [{"type": "string", "pattern": DATE_PATTERN},
                      {"type": "integer", "minimum": 1, "maximum": 9999}],
        }


class _Number(FieldType):
    pattern: ClassVar[re.Pattern[str]]

    def read(self, r, spec, node, path, positions, rel):
        if not isinstance(node, sy.Scalar) or not node.plain or not self.pattern.fullmatch(node.value):
            got = sy.describe(node) if not isinstance(node, sy.Scalar) else (
                f"{node.value!r}" + ("" if node.plain else " in quotes"))
            r.error(node.mark, path, f"expected {self.expected}, got {got}")
            return MISSING
        return self.convert(r, node, path)

    def convert(self, r: Reporter, node: sy.Scalar, path: str) -> Any:
        raise NotImplementedError


class Int(_Number):
    name = "int"
    expected = "an integer"
    pattern = INT_RE

    def convert(self, r, node, path):
        value = int(node.value)
        if not INT64[0] <= value <= INT64[1]:
            r.error(node.mark, path, f"integer {node.value} does not fit in 64 bits")
            return MISSING
        return value

    def typed(self, x):
        if isinstance(x, int) and not isinstance(x, bool):
            return RdfValue(str(x), datatype=XSD + "integer")
        return None

    def shacl(self, spec, languages):
        return {"datatype": XSD + "integer"}

    def json_schema(self, spec):
        return {"type": "integer", "minimum": INT64[0], "maximum": INT64[1]}


class Float(_Number):
    name = "float"
    expected = "a number"
    pattern = FLOAT_RE

    def convert(self, r, node, path):
        value = float(node.value)
        if not math.isfinite(value):  # 1e400 reads as infinity
            r.error(node.mark, path, f"number {node.value} is out of range")
            return MISSING
        return value

    def typed(self, x):
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            f = float(x)
            lex = "NaN" if f != f else "INF" if f == math.inf else "-INF" if f == -math.inf else repr(f)
            return RdfValue(lex, datatype=XSD + "double")
        return None

    def shacl(self, spec, languages):
        return {"datatype": XSD + "double"}

    def json_schema(self, spec):
        return {"type": "number"}


class Bool(FieldType):
    name = "bool"
    expected = "true or false"

    def read(self, r, spec, node, path, positions, rel):
        if isinstance(node, sy.Scalar) and node.plain and node.value in ("true", "false"):
            return node.value == "true"
        got = repr(node.value) if isinstance(node, sy.Scalar) else sy.describe(node)
        r.error(node.mark, path, f"expected true or false, got {got}")
        return MISSING

    def typed(self, x):
        if isinstance(x, bool):
            return RdfValue("true" if x else "false", datatype=XSD + "boolean")
        return None

    def shacl(self, spec, languages):
        return {"datatype": XSD + "boolean"}

    def json_schema(self, spec):
        return {"type": "boolean"}


class Url(FieldType):
    """An http(s) URL; in RDF an IRI (the exporter percent-encodes what an IRI can't hold)."""

    name = "url"
    expected = "an http(s) URL"
    json_def = "url"

    def read(self, r, spec, node, path, positions, rel):
        value = read_text(r, node, path, self.expected)
        if value is MISSING:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
            r.error(node.mark, path, f"expected an http(s) URL, got {value!r}")
            return MISSING
        return value

    def typed(self, x):
        return RdfValue(x, iri=True) if isinstance(x, str) else None

    def shacl(self, spec, languages):
        return {"node_kind": "IRI"}

    def json_definition(self, languages):
        return {"type": "string", "format": "uri", "pattern": r"^https?://\S+$"}


class List(FieldType):
    """A non-empty list of distinct values of a scalar item type (`items:`); a Neo4j list property."""

    name = "list"
    expected = "a list"
    scalar = False
    many = True

    def read(self, r, spec, node, path, positions, rel):
        item_type = TYPES[spec.items or "string"]
        if not isinstance(node, sy.Sequence):
            r.error(node.mark, path, f"expected a list of {spec.items}, got {sy.describe(node)}")
            return MISSING
        if not node.items:
            r.error(node.mark, path, "empty list; leave the field out or add items")
            return MISSING
        out: list = []
        ok = True
        for i, item in enumerate(node.items):
            positions[f"{rel}[{i}]"] = item.mark
            v = item_type.read(r, spec, item, f"{path}[{i}]", positions, f"{rel}[{i}]")
            if v is MISSING:
                ok = False
            elif v in out:
                r.error(item.mark, f"{path}[{i}]", f"duplicate item {v!r}")
                ok = False
            else:
                out.append(v)
        return out if ok else MISSING

    def rdf_values(self, spec, props, languages):
        raw = props.get(spec.name)
        if raw is None:
            return []
        item_type = TYPES[spec.items or "string"]
        return [item_type.rdf_value(x) for x in (raw if isinstance(raw, list) else [raw]) if x is not None]

    def shacl(self, spec, languages):
        return TYPES[spec.items or "string"].shacl(spec, languages)

    def json_schema(self, spec):
        return {"type": "array", "items": TYPES[spec.items or "string"].json_schema(spec),
                "minItems": 1, "uniqueItems": True}


TYPES: dict[str, FieldType] = {t.name: t for t in (
    String(), Text(), Multilingual(), Enum(), Date(), Int(), Float(), Bool(), Url(), List())}
FIELD_TYPES = tuple(TYPES)
ITEM_TYPES = tuple(name for name, t in TYPES.items() if t.scalar)


def field_type(spec: FieldSpec) -> FieldType:
    """The type of a field (the schema reader admits only registered names)."""
    return TYPES[spec.type]
