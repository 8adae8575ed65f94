"""Stored Cypher templates: header parsing, typed parameters, read-only execution.

A template is `queries/<name>.cypher`: a header of `//` comment lines holding
YAML (name, description, params, example), then one Cypher query. Templates
are parsed and checked once when loaded; parameters are typed and checked
before anything runs; values reach Cypher only as `$parameters`. A template
runs in a read transaction with a timeout, after `EXPLAIN` has shown that it
only reads (query type `r`).
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import neo4j
from neo4j import exceptions as nx

from graph import strictyaml as sy
from graph.errors import ConnectionFailed, InvalidData, QueryError
from graph.model.names import fold

SCALAR_TYPES = ("string", "int", "float", "bool", "date", "entity")
RESERVED = {"as_of": "passed by --as-of"}  # parameters every template may use without declaring
HEADER_KEYS = ("name", "description", "params", "example")
PARAM_KEYS = ("type", "required", "default", "values", "kind", "min", "max", "description")
# Procedures a template may call: read-only look-ups, nothing that reaches outside the graph.
ALLOWED_PROCEDURES = frozenset({
    "db.index.fulltext.queryNodes", "db.index.fulltext.queryRelationships",
    "db.labels", "db.relationshipTypes", "db.propertyKeys",
})
# A template is one read query: it starts with a reading clause.
FIRST_CLAUSES = ("MATCH", "OPTIONAL", "WITH", "UNWIND", "CALL", "RETURN")
DEFAULT_TIMEOUT = 10.0
NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
INTERNAL_PROPS = ("name_keys", "_loaded", "_hash")


# -- parameter types -----------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """One typed parameter of a template."""

    name: str
    type: str  # a scalar type, or "list<scalar>"
    required: bool = False
    default: Any = None
    values: tuple = ()
    kinds: tuple[str, ...] = ()  # entity: the kinds it may resolve to (empty: any)
    min: int | float | None = None  # int / float: the allowed range
    max: int | float | None = None
    description: str = ""

    @property
    def item_type(self) -> str:
        return self.type[5:-1] if self.is_list else self.type

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list<")

    def signature(self) -> str:
        """`org: entity (Organization), required` — one line for listings."""
        text = f"{self.name}: {self.type}"
        if self.min is not None or self.max is not None:
            text += f" {_show(self.min) if self.min is not None else ''}..{_show(self.max) if self.max is not None else ''}"
        if self.kinds:
            text += f" ({'|'.join(self.kinds)})"
        if self.required:
            text += ", required"
        elif self.default is not None:
            text += f" = {_show(self.default)}"
        if self.values:
            text += f", one of {'|'.join(_show(v) for v in self.values)}"
        return text

    def as_dict(self) -> dict:
        d: dict[str, Any] = {"type": self.type, "required": self.required}
        if self.default is not None:
            d["default"] = self.default
        if self.values:
            d["values"] = list(self.values)
        if self.kinds:
            d["kind"] = list(self.kinds)
        if self.min is not None:
            d["min"] = self.min
        if self.max is not None:
            d["max"] = self.max
        d["description"] = self.description
        return d

    def convert(self, raw: Any) -> Any:
        """A raw value (a CLI string, or a native value) → the typed value; ValueError says why."""
        if self.is_list:
            items = raw if isinstance(raw, (list, tuple)) else _split_list(raw)
            return [self._one(x) for x in items]
        if isinstance(raw, (list, tuple)):
            raise ValueError(f"takes one value, got {len(raw)}")
        return self._one(raw)

    def _one(self, raw: Any) -> Any:
        value = convert_scalar(self.item_type, raw)
        if self.min is not None and value < self.min:
            raise ValueError(f"{_show(value)} is below the minimum {_show(self.min)}")
        if self.max is not None and value > self.max:
            raise ValueError(f"{_show(value)} is above the maximum {_show(self.max)}")
        if self.values and value not in self.values:
            raise ValueError(f"{_show(value)} is not one of {', '.join(_show(v) for v in self.values)}")
        return value


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _split_list(raw: Any) -> list:
    if not isinstance(raw, str):
        return [raw]
    return [p.strip() for p in raw.split(",") if p.strip()]


def convert_scalar(type_: str, raw: Any) -> Any:
    """Convert one value to a scalar parameter type (`string int float bool date entity`)."""
    if type_ in ("string", "entity"):
        if isinstance(raw, (bool, int, float)) or raw is None:
            raw = _show(raw) if raw is not None else ""
        if not isinstance(raw, str):
            raise ValueError(f"expected text, got {type(raw).__name__}")
        value = raw.strip()
        if not value:
            raise ValueError("is empty")
        return value
    if type_ == "int":
        if isinstance(raw, bool):
            raise ValueError("expected an integer, got a boolean")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"[+-]?\d+", raw.strip()):
            return int(raw.strip())
        raise ValueError(f"expected an integer, got {raw!r}")
    if type_ == "float":
        if isinstance(raw, bool):
            raise ValueError("expected a number, got a boolean")
        if isinstance(raw, (int, float)):
            return float(raw)
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {raw!r}")
        return value
    if type_ == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ValueError(f"expected true or false, got {raw!r}")
    if type_ == "date":
        return check_date(raw)
    raise ValueError(f"unknown type {type_!r}")  # pragma: no cover - types are checked at load


def check_date(raw: Any) -> str:
    """A partial date `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (as stored in the graph), validated."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise ValueError(f"expected a date YYYY, YYYY-MM or YYYY-MM-DD, got {raw!r}")
    text = raw.strip()
    m = DATE_RE.fullmatch(text)
    if not m:
        raise ValueError(f"expected a date YYYY, YYYY-MM or YYYY-MM-DD, got {raw!r}")
    year, month, day = m.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as e:
        raise ValueError(f"{text!r} is not a real date ({e})") from None
    return text


def _valid_type(type_: str) -> bool:
    if type_ in SCALAR_TYPES:
        return True
    return type_.startswith("list<") and type_.endswith(">") and type_[5:-1] in SCALAR_TYPES


# -- templates -----------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    """One stored query: its header and its Cypher text."""

    name: str
    description: str
    params: Mapping[str, Param]
    example: Mapping[str, Any]
    text: str
    path: Path | None = None
    uses_as_of: bool = False

    def bind(self, raw: Mapping[str, Any] | None) -> dict:
        """`-p key=value` values (strings, or lists of strings for repeated keys) → typed values.

        Entity parameters stay names here; `run_template` resolves them to ids.
        Every problem is reported at once, as one `QueryError`."""
        raw = dict(raw or {})
        problems = []
        for key in raw:
            if key in self.params:
                continue
            if key in RESERVED:
                problems.append(f"parameter {key!r} is not set with -p: it is {RESERVED[key]}")
                continue
            hint = difflib.get_close_matches(key, list(self.params), n=1)
            known = ", ".join(self.params) or "none"
            problems.append(f"unknown parameter {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                            + f"; {self.name} takes: {known}")
        bound: dict[str, Any] = {}
        for name, p in self.params.items():
            if name not in raw or raw[name] is None:
                if p.required:
                    problems.append(f"missing required parameter {name!r} ({p.signature()})")
                bound[name] = p.default
                continue
            value = raw[name]
            if isinstance(value, (list, tuple)) and not p.is_list:
                if len(value) != 1:
                    problems.append(f"parameter {name!r} ({p.type}) takes one value, got {len(value)}")
                    continue
                value = value[0]
            elif isinstance(value, (list, tuple)):  # repeated -p key=a -p key=b, each may be a,b
                value = [x for v in value for x in (_split_list(v) if isinstance(v, str) else [v])]
            try:
                bound[name] = p.convert(value)
            except ValueError as e:
                problems.append(f"parameter {name!r} ({p.type}): {e}")
        if problems:
            raise QueryError(f"template {self.name!r}: " + "; ".join(problems))
        return bound

    def check(self, raw: Mapping[str, Any] | None, as_of: Any = None) -> tuple[dict, str | None]:
        """`bind` the parameters and check `--as-of`: everything that needs no database."""
        bound = self.bind(raw)
        if as_of is None:
            return bound, None
        if not self.uses_as_of:
            raise QueryError(f"template {self.name!r} does not take --as-of")
        try:
            return bound, check_date(as_of)
        except ValueError as e:
            raise QueryError(f"--as-of: {e}") from None

    def as_dict(self) -> dict:
        return {"name": self.name, "description": self.description,
                "params": {n: p.as_dict() for n, p in self.params.items()},
                "example": dict(self.example), "uses_as_of": self.uses_as_of,
                "file": self.path.name if self.path else None}

    def signature(self) -> str:
        return "; ".join(p.signature() for p in self.params.values())

    def example_args(self) -> list[str]:
        """The example as command-line arguments: `-p org=Москино`."""
        args = []
        for k, v in self.example.items():
            values = v if isinstance(v, list) else [v]
            args.append("-p " + _shell_quote(f"{k}={','.join(_show(x) for x in values)}"))
        return args


def _shell_quote(s: str) -> str:
    return s if re.fullmatch(r"[\w\-=.,:/@+\u0400-\u04ff]+", s) else "'" + s.replace("'", "'\\''") + "'"


def load_templates(directory: Path | str) -> dict[str, Template]:
    """Parse and check every `*.cypher` in `directory`, sorted by name.

    Every broken template is reported at once, each as `file:line: reason`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise QueryError(f"no template directory {directory}")
    templates: dict[str, Template] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.cypher")):
        try:
            t = load_template(path)
        except QueryError as e:
            problems.append(str(e))
            continue
        templates[t.name] = t
    if problems:
        raise QueryError(f"{len(problems)} broken template(s):\n" + "\n".join(problems))
    return templates


def load_template(path: Path | str) -> Template:
    """Parse and statically check one template file."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise QueryError(f"{path}: cannot read: {e}") from None
    lines = source.splitlines()
    header: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    first = i  # 0-based line of the first header line
    # The header is the first block of `//` lines; a blank line ends it (comments may follow).
    while i < len(lines) and lines[i].lstrip().startswith("//"):
        body = lines[i].lstrip()[2:]
        header.append(body[1:] if body.startswith(" ") else body)
        i += 1
    text = "\n".join(lines[i:]).strip()

    def fail(reason: str, line: int | None = None) -> QueryError:
        return QueryError(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")

    if not header:
        raise fail("no header: start the file with `// name:`, `// description:` and `// params:` lines", 1)
    try:  # strict YAML: duplicate keys, tags, anchors refused; YAML 1.2 scalars (2025-08 stays text)
        meta = sy.to_plain(sy.loads("\n".join(header), file=str(path)))
    except InvalidData as e:
        p = e.problems[0]
        raise fail(f"header is not valid YAML: {p.reason}", first + p.line) from None

    def line_of(key: str, indented: bool = False) -> int:
        pattern = (r"\s+" if indented else "") + re.escape(key) + r"\s*:"
        for n, h in enumerate(header):
            if re.match(pattern, h):
                return first + n + 1
        return first + 1

    if not isinstance(meta, dict):
        raise fail("header must be a YAML mapping (name:, description:, params:, example:)", first + 1)
    for key in meta:
        if key not in HEADER_KEYS:
            raise fail(f"unknown header key {key!r} (expected {', '.join(HEADER_KEYS)})", line_of(str(key)))
    name = meta.get("name")
    if name != path.stem:
        raise fail(f"header name {name!r} must equal the file name {path.stem!r}", line_of("name"))
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise fail(f"template name {name!r} must match {NAME_RE.pattern}", line_of("name"))
    description = meta.get("description")
    if not isinstance(description, str) or not description.strip() or "\n" in description.strip():
        raise fail("description: one line of text is required", line_of("description"))
    raw_params = meta.get("params") or {}
    if not isinstance(raw_params, dict):
        raise fail("params must be a mapping of parameter name → spec", line_of("params"))
    params: dict[str, Param] = {}
    for pname, spec in raw_params.items():
        params[str(pname)] = _parse_param(str(pname), spec, lambda r, n=str(pname): fail(r, line_of(n, True)))
    if not text:
        raise fail("no Cypher after the header", i + 1)
    body_line = i + 1
    bare = strip_cypher(text)
    refusal = static_refusal(bare)
    if refusal:
        raise fail(f"refused: {refusal}", body_line)
    used = set(re.findall(r"\$`?([A-Za-z_][A-Za-z0-9_]*)", bare))
    for u in sorted(used - set(params) - set(RESERVED)):
        raise fail(f"the query uses ${u}, which the header does not declare", body_line)
    for p in params:
        if p not in used:
            raise fail(f"parameter {p!r} is declared but the query never uses ${p}", line_of(p, True))
    example = meta.get("example") or {}
    if not isinstance(example, dict):
        raise fail("example must be a mapping of parameter → value", line_of("example"))
    t = Template(name=name, description=description.strip(), params=params, example=example,
                 text=text, path=path, uses_as_of="as_of" in used)
    try:
        t.bind({k: v for k, v in example.items()})
    except QueryError as e:
        raise fail(f"example does not bind: {e}", line_of("example")) from None
    return t


def get_template(templates: Mapping[str, Template], name: str) -> Template:
    """The template called `name`, or a `QueryError` with the closest names."""
    if name in templates:
        return templates[name]
    hint = difflib.get_close_matches(name, list(templates), n=3)
    raise QueryError(f"no template {name!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                     + "; `cisfilm queries` lists them")


def parse_assignments(items: Iterable[str]) -> dict[str, str | list[str]]:
    """`-p key=value` strings → {key: value}; a key given again collects a list of values."""
    out: dict[str, str | list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise QueryError(f"-p {item!r}: expected key=value")
        if key in out:
            prev = out[key]
            out[key] = (prev if isinstance(prev, list) else [prev]) + [value]
        else:
            out[key] = value
    return out


def _parse_param(name: str, spec: Any, fail) -> Param:
    if not NAME_RE.fullmatch(name):
        raise fail(f"parameter name {name!r} must match {NAME_RE.pattern}")
    if name in RESERVED:
        raise fail(f"parameter name {name!r} is reserved ({RESERVED[name]}); use ${name} without declaring it")
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict):
        raise fail(f"parameter {name!r}: expected a mapping with type:, required: or default:, description:")
    for key in spec:
        if key not in PARAM_KEYS:
            raise fail(f"parameter {name!r}: unknown key {key!r} (expected {', '.join(PARAM_KEYS)})")
    type_ = str(spec.get("type", "")).replace(" ", "")
    if not _valid_type(type_):
        raise fail(f"parameter {name!r}: type {spec.get('type')!r} is not one of "
                   f"{', '.join(SCALAR_TYPES)} or list<...> of these")
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise fail(f"parameter {name!r}: required must be true or false")
    if required and spec.get("default") is not None:
        raise fail(f"parameter {name!r}: a required parameter has no default")
    kinds = spec.get("kind") or ()
    if isinstance(kinds, str):
        kinds = (kinds,)
    if kinds and not type_.endswith("entity") and not type_.endswith("entity>"):
        raise fail(f"parameter {name!r}: kind: applies to entity parameters only")
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        raise fail(f"parameter {name!r}: description is required")
    base = Param(name=name, type=type_, required=required, kinds=tuple(str(k) for k in kinds),
                 description=description.strip())
    values = spec.get("values") or ()
    if values:
        if not isinstance(values, list):
            raise fail(f"parameter {name!r}: values must be a list")
        try:
            values = tuple(convert_scalar(base.item_type, v) for v in values)
        except ValueError as e:
            raise fail(f"parameter {name!r}: values: {e}") from None
    bounds = {}
    for key in ("min", "max"):
        if spec.get(key) is None:
            continue
        if base.item_type not in ("int", "float"):
            raise fail(f"parameter {name!r}: {key}: applies to int and float parameters only")
        try:
            bounds[key] = convert_scalar(base.item_type, spec[key])
        except ValueError as e:
            raise fail(f"parameter {name!r}: {key}: {e}") from None
    base = Param(**{**base.__dict__, "values": tuple(values), **bounds})
    default = spec.get("default")
    if default is not None:
        try:
            default = base.convert(default)
        except ValueError as e:
            raise fail(f"parameter {name!r}: default: {e}") from None
    return Param(**{**base.__dict__, "default": default})


# -- static and planner checks -------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`(?:[^`]|``)*`)
""", re.VERBOSE | re.DOTALL)


def strip_cypher(text: str) -> str:
    """The query with comments removed and string literals blanked, so checks see only code."""
    def sub(m: re.Match) -> str:
        if m.group("comment"):
            return " "
        if m.group("string"):
            return "''"
        return m.group(0)
    return _TOKEN.sub(sub, text)


def static_refusal(bare: str) -> str | None:
    """Why the (comment- and string-free) query text may not be a template, or None."""
    upper = re.sub(r"\s+", " ", bare.upper())
    if re.search(r"\bLOAD CSV\b", upper):
        return "LOAD CSV reads outside the graph"
    if re.search(r"\bIN (?:\d+ |\$\w+ )?(?:CONCURRENT )?TRANSACTIONS\b", upper):
        return "CALL { ... } IN TRANSACTIONS commits on its own"
    if re.search(r"(?<![.\w$])USE\s+[\w`]", upper):
        return "USE switches the database; templates run on the configured one"
    first = upper.lstrip().split(" ", 1)[0].rstrip("(")
    if first not in FIRST_CLAUSES:
        return f"a template is one read query starting with {', '.join(FIRST_CLAUSES)}, not {first}"
    for proc in re.findall(r"\bCALL\s+([A-Za-z_`][\w.`]*)", bare, re.IGNORECASE):
        proc = proc.replace("`", "")
        if proc not in ALLOWED_PROCEDURES:
            return f"procedure {proc} is not allowed (allowed: {', '.join(sorted(ALLOWED_PROCEDURES))})"
    return None


_checked: set[tuple[str | None, str]] = set()


def check_read_only(session: neo4j.Session, template: Template, timeout: float = DEFAULT_TIMEOUT,
                    database: str | None = None) -> None:
    """`EXPLAIN` the template once per database: refuse anything but a read query (type `r`)."""
    key = (database, template.text)
    if key in _checked:
        return
    refusal = static_refusal(strip_cypher(template.text))
    if refusal:
        raise QueryError(f"template {template.name!r} refused: {refusal}")
    params = {p: None for p in template.params} | {r: None for r in RESERVED}

    @neo4j.unit_of_work(timeout=timeout)
    def explain(tx):
        return tx.run("EXPLAIN " + template.text, params).consume()

    summary = _guard(template, timeout, lambda: session.execute_read(explain))
    if summary.query_type != "r":
        what = {"rw": "reads and writes", "w": "writes", "s": "changes the schema"}.get(
            summary.query_type or "", f"is of type {summary.query_type!r}")
        raise QueryError(f"template {template.name!r} refused: it {what}; stored templates may only read")
    for proc in _plan_procedures(summary.plan):
        if proc not in ALLOWED_PROCEDURES:
            raise QueryError(f"template {template.name!r} refused: procedure {proc} is not allowed")
    _checked.add(key)


def _plan_procedures(plan: Any) -> Iterable[str]:
    if not plan:
        return
    if str(plan.get("operatorType", "")).startswith("ProcedureCall"):
        details = str((plan.get("args") or {}).get("Details", ""))
        yield details.split("(", 1)[0].strip()
    for child in plan.get("children") or ():
        yield from _plan_procedures(child)


def _guard(template: Template, timeout: float, fn):
    """Run `fn`, turning a timeout, a refused write or a Cypher error into a `QueryError`."""
    try:
        return fn()
    except nx.Neo4jError as e:
        code = e.code or ""
        if any(k in code for k in ("TransactionTimedOut", "Transaction.Terminated", "LockClientStopped")):
            raise QueryError(f"template {template.name!r} timed out after {timeout:g} s "
                             "(raise it with --timeout)") from None
        if "AccessMode" in code or "ForbiddenDueToTransactionType" in code:
            raise QueryError(f"template {template.name!r} refused: it tried to write in a read transaction") from None
        raise QueryError(f"template {template.name!r} failed: {_first_line(e.message or str(e))}") from None
    except (nx.ServiceUnavailable, nx.SessionExpired) as e:
        raise ConnectionFailed(f"Neo4j became unreachable while running {template.name!r}: "
                               f"{_first_line(str(e))}") from None


def _first_line(s: str) -> str:
    return (s.strip() or "error").splitlines()[0]


# -- entity resolution ---------------------------------------------------------

_BY_ID = "MATCH (n:Entity {id: $id}) RETURN n.id AS id"
_RESOLVE = """
MATCH (n:Entity) WHERE n.id IN $ids OR $key IN n.name_keys
RETURN n.id AS id, n.kind AS kind, n.name AS name ORDER BY n.id
"""
_SUGGEST = """
MATCH (n:Entity) WHERE size($key) >= 3 AND any(k IN n.name_keys WHERE k CONTAINS $key)
RETURN n.id AS id, n.kind AS kind, n.name AS name ORDER BY size(n.name), n.id LIMIT 5
"""


def resolve_entity(tx, param: Param, value: str) -> str:
    """An id, name or alias → the one entity id it names, or a `QueryError` saying why not."""
    # An exact id wins whatever else the value names; the id index answers it at once,
    # while a name has to be looked for in every entity's `name_keys`.
    if tx.run(_BY_ID, id=value).single() is not None:
        return value
    rows = [dict(r) for r in tx.run(_RESOLVE, ids=[value.lower()], key=fold(value))]
    fitting = [r for r in rows if not param.kinds or r["kind"] in param.kinds]
    if len(fitting) == 1:
        return fitting[0]["id"]
    kinds = "/".join(param.kinds)
    if not fitting and rows:
        raise QueryError(f"parameter {param.name!r}: {value!r} names {_candidates(rows)}, "
                         f"but {param.name} must be of kind {kinds}")
    if fitting:
        raise QueryError(f"parameter {param.name!r}: {value!r} is ambiguous, it names "
                         f"{len(fitting)} entities: {_candidates(fitting)}; give an id instead")
    suggestions = [dict(r) for r in tx.run(_SUGGEST, key=fold(value))]
    if param.kinds:
        suggestions = [r for r in suggestions if r["kind"] in param.kinds]
    hint = f"; did you mean {_candidates(suggestions)}?" if suggestions else ""
    raise QueryError(f"parameter {param.name!r}: no {kinds + ' ' if kinds else ''}entity has the id, "
                     f"name or alias {value!r}{hint}")


def _candidates(rows: list[dict]) -> str:
    return ", ".join(f"{r['id']} ({r['kind']}, {r['name']})" for r in rows)


# -- running -------------------------------------------------------------------

@dataclass
class Result:
    """The answer to a template: column names in RETURN order, rows as plain JSON-able dicts."""

    columns: list[str]
    rows: list[dict]
    params: dict = field(default_factory=dict)  # the bound parameters (entities as ids)
    truncated: bool = False  # more rows existed than `limit`

    def as_json(self) -> list[dict]:
        return [{c: row.get(c) for c in self.columns} for row in self.rows]


def run_template(driver: neo4j.Driver, template: Template, params: Mapping[str, Any] | None = None, *,
                 database: str | None = None, limit: int | None = None, as_of: Any = None,
                 timeout: float = DEFAULT_TIMEOUT) -> Result:
    """Bind `params`, check the template is read-only, resolve entities, run it read-only.

    Raises `QueryError` for bad parameters, a refused template, a Cypher error or a timeout."""
    bound, as_of = template.check(params, as_of)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise QueryError(f"limit must be a whole number ≥ 0, got {limit!r}")
    if not (isinstance(timeout, (int, float)) and timeout > 0 and math.isfinite(timeout)):
        raise QueryError(f"timeout must be a positive number of seconds, got {timeout!r}")

    def resolve(tx) -> dict:
        out, problems = dict(bound), []
        for name, p in template.params.items():
            if p.item_type != "entity" or bound[name] is None:
                continue
            ids = []
            for v in (bound[name] if p.is_list else [bound[name]]):
                try:
                    ids.append(resolve_entity(tx, p, v))
                except QueryError as e:
                    problems.append(str(e))
            out[name] = ids if p.is_list else (ids[0] if ids else None)
        if problems:
            raise QueryError(f"template {template.name!r}: " + "; ".join(problems))
        out["as_of"] = as_of
        return out

    @neo4j.unit_of_work(timeout=timeout)
    def read(tx):
        # entities are resolved in the same read transaction: one round trip less per call
        values = resolve(tx)
        result = tx.run(template.text, values)
        keys = list(result.keys())
        rows, more = [], False
        for record in result:
            if limit is not None and len(rows) >= limit:
                more = True
                break
            rows.append({k: to_plain(record[k]) for k in keys})
        result.consume()
        return values, keys, rows, more

    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS,
                        notifications_min_severity="OFF") as session:
        check_read_only(session, template, timeout, database)
        values, keys, rows, more = _guard(template, timeout, lambda: session.execute_read(read))
    shown = {k: v for k, v in values.items() if k in template.params or (k == "as_of" and template.uses_as_of)}
    return Result(columns=keys, rows=rows, params=shown, truncated=more)


def to_plain(value: Any) -> Any:
    """A Neo4j value → plain JSON-able Python (nodes and relationships as property maps)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, neo4j.graph.Node):
        return {k: to_plain(v) for k, v in sorted(value.items()) if k not in INTERNAL_PROPS}
    if isinstance(value, neo4j.graph.Relationship):
        out = {"type": value.type,
               "from": value.start_node.get("id") if value.start_node else None,
               "to": value.end_node.get("id") if value.end_node else None}
        out.update({k: to_plain(v) for k, v in sorted(value.items()) if k not in INTERNAL_PROPS})
        return out
    if isinstance(value, neo4j.graph.Path):
        return {"nodes": [to_plain(n) for n in value.nodes],
                "relationships": [to_plain(r) for r in value.relationships]}
    if hasattr(value, "iso_format"):  # neo4j.time Date / DateTime / Time / Duration (a tuple)
        return value.iso_format()
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return str(value)


# -- formatting ----------------------------------------------------------------

FORMATS = ("table", "json", "csv")


def cell_text(value: Any) -> str:
    """One value as text for a table or CSV cell: lists joined with `; `, maps as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def format_json(result: Result) -> str:
    return json.dumps(result.as_json(), ensure_ascii=False, indent=2)


def format_csv(result: Result) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(result.columns)
    for row in result.rows:
        w.writerow([cell_text(row.get(c)) for c in result.columns])
    return buf.getvalue()


def rich_table(result: Result, title: str | None = None):
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    for c in result.columns:  # ids are never wrapped: they are what users copy
        table.add_column(c, overflow="fold", no_wrap=c == "id" or c.endswith("_id"))
    for row in result.rows:  # Text, not str: "[link=...]" or "[/]" in a name is data, not Rich markup
        table.add_row(*[Text(cell_text(row.get(c))) for c in result.columns])
    return table


def format_table(result: Result, *, width: int | None = None) -> str:
    """The result as a rich table, rendered to plain text."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width or 200, color_system=None, highlight=False)
    console.print(rich_table(result))
    return console.file.getvalue()


def markdown_table(templates: Mapping[str, Template]) -> str:
    """The README's table of stored questions: name, parameters, description (kept true by a test)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| name | parameters | description |", "|---|---|---|"]
    for t in templates.values():
        params = [cell(p.signature()) for p in t.params.values()] + (["--as-of DATE"] if t.uses_as_of else [])
        params = "<br>".join(params) or "—"
        lines.append(f"| `{t.name}` | {params} | {cell(t.description)} |")
    return "\n".join(lines) + "\n"


def format_result(result: Result, fmt: str, *, width: int | None = None) -> str:
    """`table`, `json` or `csv` text of a result."""
    if fmt == "json":
        return format_json(result) + "\n"
    if fmt == "csv":
        return format_csv(result)
    if fmt == "table":
        return format_table(result, width=width)
    raise QueryError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
