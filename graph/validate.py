"""Every rule fact files must follow, each broken one reported as a `Problem`.

Two layers: `Checker` turns one YAML value into the Python value its schema
field type asks for (or records why it can't), and `check_set` runs the rules
that need the whole fact set (ids, references, sources, relation kinds,
repeated relations, date order, likely duplicates). `graph.facts` drives
both while reading files; `validate_paths` is what `cisfilm validate` calls.
"""
from __future__ import annotations

import calendar
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from graph import strictyaml as sy
from graph.errors import Problem
from graph.names import fold
from graph.schema import SOURCE_KIND, FieldSpec, Model, load_model, suggest

if TYPE_CHECKING:
    from graph.facts import Entity, FactSet, Relation

ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
INT_RE = re.compile(r"[-+]?[0-9]+")
FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
INT64 = (-(2**63), 2**63 - 1)
EXPECTED = {
    "string": "a one-line string",
    "text": "text",
    "multilingual": "a map of language code → text, e.g. {ru: ..., en: ...}",
    "enum": "one of the allowed values",
    "date": "a date YYYY, YYYY-MM or YYYY-MM-DD",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "url": "an http(s) URL",
    "list": "a list",
}
MISSING: Any = object()  # a value that could not be read


class Checker:
    """Collects problems; reads values by schema field type."""

    def __init__(self, model: Model):
        self.model = model
        self.problems: list[Problem] = []

    def error(self, mark: sy.Mark, path: str, reason: str, severity: str = "error") -> None:
        self.problems.append(Problem(mark.file, mark.line, mark.col, path, reason, severity))

    def unknown_key(self, mark: sy.Mark, path: str, key: str, allowed, what: str) -> None:
        self.error(mark, path, f"unknown field {key!r} {what}{suggest(key, allowed)}")

    # -- scalars -------------------------------------------------------------

    def text(self, node: sy.Node, path: str, type_: str = "string", *, one_line: bool = True) -> str | Any:
        """A string value: not blank, not something YAML would read as another type."""
        if not isinstance(node, sy.Scalar):
            self.error(node.mark, path, f"expected {EXPECTED.get(type_, 'text')}, got {sy.describe(node)}")
            return MISSING
        value = node.value
        if value.strip() == "":
            self.error(node.mark, path, "blank value; leave the field out or fill it in")
            return MISSING
        implicit = sy.implicit_type(node)
        if implicit:
            self.error(node.mark, path,
                       f"unquoted {value} reads as a {implicit} in YAML; quote it (\"{value}\") if you mean text")
            return MISSING
        if not one_line:
            return value.rstrip("\n")
        if "\n" in value:
            self.error(node.mark, path, "must be one line")
            return MISSING
        if value != value.strip():
            self.error(node.mark, path, "leading or trailing whitespace")
            return MISSING
        return value

    def ident(self, node: sy.Node, path: str) -> str | Any:
        value = self.text(node, path)
        if value is not MISSING and not ID_RE.fullmatch(value):
            self.error(node.mark, path, f"id {value!r} must match [a-z0-9][a-z0-9-]*")
            return MISSING
        return value

    def date(self, node: sy.Node, path: str) -> str | Any:
        if not isinstance(node, sy.Scalar):
            self.error(node.mark, path, f"expected {EXPECTED['date']}, got {sy.describe(node)}")
            return MISSING
        value = node.value
        m = DATE_RE.fullmatch(value)
        if not m:
            shown = "an empty value" if value.strip() == "" else repr(value)
            self.error(node.mark, path, f"bad date {shown}: expected YYYY, YYYY-MM or YYYY-MM-DD")
            return MISSING
        reason = date_problem(value)
        if reason:
            self.error(node.mark, path, reason)
            return MISSING
        return value

    def number(self, node: sy.Node, path: str, type_: str) -> int | float | Any:
        pattern = INT_RE if type_ == "int" else FLOAT_RE
        if not isinstance(node, sy.Scalar) or not node.plain or not pattern.fullmatch(node.value):
            got = sy.describe(node) if not isinstance(node, sy.Scalar) else (
                f"{node.value!r}" + ("" if node.plain else " in quotes"))
            self.error(node.mark, path, f"expected {EXPECTED[type_]}, got {got}")
            return MISSING
        if type_ == "float":
            value = float(node.value)
            if not math.isfinite(value):  # 1e400 reads as infinity
                self.error(node.mark, path, f"number {node.value} is out of range")
                return MISSING
            return value
        value = int(node.value)
        if not INT64[0] <= value <= INT64[1]:
            self.error(node.mark, path, f"integer {node.value} does not fit in 64 bits")
            return MISSING
        return value

    def flag(self, node: sy.Node, path: str) -> bool | Any:
        if isinstance(node, sy.Scalar) and node.plain and node.value in ("true", "false"):
            return node.value == "true"
        got = repr(node.value) if isinstance(node, sy.Scalar) else sy.describe(node)
        self.error(node.mark, path, f"expected true or false, got {got}")
        return MISSING

    def url(self, node: sy.Node, path: str) -> str | Any:
        value = self.text(node, path, "url")
        if value is MISSING:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
            self.error(node.mark, path, f"expected an http(s) URL, got {value!r}")
            return MISSING
        return value

    def enum(self, spec: FieldSpec, node: sy.Node, path: str) -> str | Any:
        if isinstance(node, sy.Scalar) and node.value in spec.values:
            return node.value
        value = self.text(node, path, "enum")
        if value is MISSING:
            return value
        allowed = ", ".join(spec.values)
        self.error(node.mark, path, f"{value!r} is not allowed (one of: {allowed}){suggest(value, spec.values)}")
        return MISSING

    def multilingual(self, node: sy.Node, path: str, positions: dict[str, sy.Mark], rel: str) -> dict | Any:
        if not isinstance(node, sy.Mapping):
            self.error(node.mark, path, f"expected {EXPECTED['multilingual']}, got {sy.describe(node)}")
            return MISSING
        if not len(node):
            self.error(node.mark, path, "blank value; give at least one language")
            return MISSING
        out = {}
        for lang, vnode in node.items():
            if lang not in self.model.languages:
                self.error(node.key_mark(lang), sy.join_path(path, lang),
                           f"unknown language code {lang!r} (known: {' '.join(self.model.languages)})"
                           f"{suggest(lang, self.model.languages)}")
                continue
            value = self.text(vnode, f"{path}.{lang}")
            if value is not MISSING:
                out[lang] = value
                positions[f"{rel}.{lang}"] = vnode.mark
        return out if len(out) == len(node) else MISSING

    def value(self, spec: FieldSpec, node: sy.Node, path: str, positions: dict[str, sy.Mark],
              rel: str | None = None, type_: str | None = None) -> Any:
        """The Python value of `node` read as field `spec` (MISSING if it can't be read).

        `positions` receives the mark of the value (keyed by its path relative to
        the entity, `rel`) and of each part of a list or multilingual map.
        """
        rel = rel or spec.name
        type_ = type_ or spec.type
        positions[rel] = node.mark
        if type_ in ("string", "text"):
            return self.text(node, path, type_, one_line=type_ == "string")
        if type_ == "multilingual":
            return self.multilingual(node, path, positions, rel)
        if type_ == "enum":
            return self.enum(spec, node, path)
        if type_ == "date":
            return self.date(node, path)
        if type_ in ("int", "float"):
            return self.number(node, path, type_)
        if type_ == "bool":
            return self.flag(node, path)
        if type_ == "url":
            return self.url(node, path)
        if type_ == "list":
            return self.list(spec, node, path, positions, rel)
        raise AssertionError(f"field type {type_!r} passed schema loading")

    def list(self, spec: FieldSpec, node: sy.Node, path: str, positions, rel: str) -> list | Any:
        if not isinstance(node, sy.Sequence):
            self.error(node.mark, path, f"expected a list of {spec.items}, got {sy.describe(node)}")
            return MISSING
        if not node.items:
            self.error(node.mark, path, "empty list; leave the field out or add items")
            return MISSING
        out: list = []
        ok = True
        for i, item in enumerate(node.items):
            v = self.value(spec, item, f"{path}[{i}]", positions, f"{rel}[{i}]", spec.items)
            if v is MISSING:
                ok = False
            elif v in out:
                self.error(item.mark, f"{path}[{i}]", f"duplicate item {v!r}")
                ok = False
            else:
                out.append(v)
        return out if ok else MISSING

    def sources(self, node: sy.Node, path: str, positions: dict[str, sy.Mark]) -> list[tuple[str, str]]:
        """`sources:` as (source id, quote) pairs: ids, or {source: id, quote: text} maps."""
        positions["sources"] = node.mark
        if not isinstance(node, sy.Sequence):
            self.error(node.mark, path, f"expected a list of source ids, e.g. [src-003], got {sy.describe(node)}")
            return []
        if not node.items:
            self.error(node.mark, path, "empty list; name at least one source")
            return []
        out: list[tuple[str, str]] = []
        for i, item in enumerate(node.items):
            ipath = f"{path}[{i}]"
            sid, quote = MISSING, ""
            if isinstance(item, sy.Mapping):
                for key in item.entries:
                    if key not in ("source", "quote"):
                        self.unknown_key(item.key_mark(key), sy.join_path(ipath, key), key, ("source", "quote"),
                                         "in a source (use source: and quote:)")
                if "source" not in item:
                    self.error(item.mark, f"{ipath}.source", "missing required field 'source'")
                else:
                    sid = self.ident(item.get("source"), f"{ipath}.source")  # type: ignore[arg-type]
                if "quote" in item:
                    q = self.text(item.get("quote"), f"{ipath}.quote", "text", one_line=False)  # type: ignore[arg-type]
                    quote = "" if q is MISSING else q
            else:
                sid = self.ident(item, ipath)
            if sid is MISSING:
                continue
            if any(s == sid for s, _ in out):
                self.error(item.mark, ipath, f"source {sid!r} is listed twice")
                continue
            positions[f"sources[{len(out)}]"] = item.mark
            out.append((sid, quote))
        return out


# ---------------------------------------------------------------------------
# Partial dates


def date_problem(value: str) -> str | None:
    """Why a YYYY[-MM[-DD]] string is not a real date, or None."""
    m = DATE_RE.fullmatch(value)
    if not m:
        return f"bad date {value!r}: expected YYYY, YYYY-MM or YYYY-MM-DD"
    year, month, day = (int(g) if g else None for g in m.groups())
    if year == 0:
        return f"impossible date {value}: there is no year 0000"
    if month is not None and not 1 <= month <= 12:
        return f"impossible date {value}: there is no month {month:02d}"
    if day is not None:
        last = calendar.monthrange(year, month)[1]  # type: ignore[arg-type]
        if not 1 <= day <= last:
            return f"impossible date {value}: {calendar.month_name[month]} {year} has {last} days"  # type: ignore[index]
    return None


def date_bounds(value: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The earliest and latest day a partial date may mean."""
    y, m, d = (int(g) if g else None for g in DATE_RE.fullmatch(value).groups())  # type: ignore[union-attr]
    if m is None:
        return (y, 1, 1), (y, 12, 31)  # type: ignore[return-value]
    if d is None:
        return (y, m, 1), (y, m, calendar.monthrange(y, m)[1])  # type: ignore[return-value, arg-type]
    return (y, m, d), (y, m, d)  # type: ignore[return-value]


def ends_before(start: str, end: str) -> bool:
    """True when `end` is surely before `start` (2025-08 is not before 2025)."""
    return date_bounds(end)[1] < date_bounds(start)[0]


_PAIRS = (("start", "end"), ("from", "to"), ("from", "until"), ("since", "until"), ("begin", "end"))


def date_pairs(names) -> list[tuple[str, str]]:
    """(start field, end field) pairs among `names`: start/end, valid_from/valid_to, start_date/end_date..."""
    names = list(names)
    pairs = []
    for a in names:
        for lo, hi in _PAIRS:
            for b in names:
                if a != b and re.fullmatch(rf"(.*_)?{lo}(_.*)?", a):
                    if b == re.sub(rf"(^|_){lo}(_|$)", rf"\g<1>{hi}\g<2>", a, count=1):
                        pairs.append((a, b))
    return pairs


# ---------------------------------------------------------------------------
# Rules over the whole set


def a(kind: str) -> str:
    """'an Organization', 'a Person'."""
    return f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind}"


def _at(mark: sy.Mark) -> str:
    return f"{mark.file}:{mark.line}:{mark.col}"


def check_set(entities: list[Entity], relations: list[Relation], model: Model,
              *, strict: bool = False) -> list[Problem]:
    """The rules that need every fact at once. `entities` in file order, duplicates included."""
    c = Checker(model)
    by_id: dict[str, list[Entity]] = defaultdict(list)
    for e in entities:
        by_id[e.id].append(e)
    for eid, group in by_id.items():
        if len(group) > 1:
            for e in group:
                others = ", ".join(_at(o.field_pos["id"]) for o in group if o is not e)
                c.error(e.field_pos["id"], f"{e.path}.id", f"duplicate id {eid!r} (also at {others})")
    first = {eid: group[0] for eid, group in by_id.items()}
    source_ids = [eid for eid, e in first.items() if e.kind == SOURCE_KIND]

    def check_sources(fact, path: str) -> None:
        for i, sid in enumerate(fact.sources):
            mark = fact.field_pos.get(f"sources[{i}]", fact.pos)
            target = first.get(sid)
            if target is None:
                c.error(mark, f"{path}.sources[{i}]", f"unknown source {sid!r}{suggest(sid, source_ids)}")
            elif target.kind and target.kind != SOURCE_KIND:
                c.error(mark, f"{path}.sources[{i}]", f"{sid!r} is {a(target.kind)}, not a {SOURCE_KIND}")

    for e in entities:
        check_sources(e, e.path)
        _check_dates(c, e.fields, e.field_pos, e.path)

    seen: dict[tuple[str, str, str], Relation] = {}
    for r in relations:
        check_sources(r, r.path)
        _check_dates(c, r.props, r.field_pos, r.path)
        ends = {}
        for end, eid in (("from", r.from_id), ("to", r.to_id)):
            target = first.get(eid)
            if target is None:
                c.error(r.field_pos[end], f"{r.path}.{end}", f"unknown id {eid!r}{suggest(eid, first)}")
            else:
                ends[end] = target.kind
        spec = model.relations.get(r.type)
        if spec and len(ends) == 2 and ends["from"] in model.kinds and ends["to"] in model.kinds:
            if ends["from"] not in spec.targets:
                allowed = ", ".join(sorted(spec.from_kinds))
                c.error(r.field_pos["from"], f"{r.path}.from",
                        f"{r.from_id!r} is {a(ends['from'])}; {r.type} starts at {allowed}")
            elif not spec.allows(ends["from"], ends["to"]):
                allowed = ", ".join(sorted(spec.targets[ends["from"]]))
                c.error(r.field_pos["to"], f"{r.path}.to",
                        f"{r.to_id!r} is {a(ends['to'])}; {r.type} from {ends['from']} goes to {allowed}")
        if r.from_id == r.to_id:
            c.error(r.field_pos["to"], f"{r.path}.to", "a relation from an entity to itself")
        key = (r.from_id, r.type, r.to_id)
        if key in seen:
            c.error(r.pos, r.path, f"the same relation ({r.from_id})-[{r.type}]->({r.to_id}) "
                                   f"is already at {_at(seen[key].pos)}; merge their sources")
        else:
            seen[key] = r

    _likely_duplicates(c, list(first.values()), "error" if strict else "warning")
    return c.problems


def _check_dates(c: Checker, values: dict, positions: dict[str, sy.Mark], path: str) -> None:
    dated = [k for k, v in values.items() if isinstance(v, str) and DATE_RE.fullmatch(v)]
    for lo, hi in date_pairs(dated):
        if ends_before(values[lo], values[hi]):
            c.error(positions[hi], f"{path}.{hi}", f"{hi} {values[hi]} is before {lo} {values[lo]}")


def _likely_duplicates(c: Checker, entities: list[Entity], severity: str) -> None:
    seen: dict[tuple[str, str], tuple[Entity, str, str]] = {}
    for e in entities:
        reported: set[str] = set()
        for rel, text in _names(e):
            key = fold(text)
            if not key:
                continue
            other = seen.get((e.kind, key))
            if other is None:
                seen[(e.kind, key)] = (e, rel, text)
            elif other[0] is not e and other[0].id not in reported:
                reported.add(other[0].id)
                o, orel, otext = other
                same = "the same name" if otext == text else (
                    f"{otext!r} and {text!r} differ only in case, ё/е, look-alike letters, quotes or spacing")
                c.error(e.field_pos.get(rel, e.pos), f"{e.path}.{rel}",
                        f"likely duplicate of {o.id!r} at {_at(o.field_pos.get(orel, o.pos))}: {same}",
                        severity)


def _names(e: Entity) -> list[tuple[str, str]]:
    out = []
    name = e.fields.get("name")
    if isinstance(name, dict):
        out += [(f"name.{lang}", v) for lang, v in name.items()]
    aliases = e.fields.get("aliases")
    if isinstance(aliases, list):
        out += [(f"aliases[{i}]", v) for i, v in enumerate(aliases) if isinstance(v, str)]
    return out


# ---------------------------------------------------------------------------
# The command


def validate_paths(paths, schema_dir: str | Path = "schema", strict: bool = False) -> tuple[FactSet, list[Problem]]:
    """What `cisfilm validate` runs: the facts read and every problem (errors and
    warnings, sorted). Raises `SchemaError` if the schema itself is broken."""
    from graph.facts import collect  # facts builds on this module; import at call time

    model = load_model(schema_dir)
    facts, problems = collect(paths, model, strict=strict)
    return facts, sorted(problems)
