"""Template files: `Template`, parsing a `queries/<name>.cypher` header, loading a directory."""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph import strictyaml as sy
from graph.errors import InvalidData, QueryError
from graph.model.dates import parse_date
from graph.templates.params import NAME_RE, RESERVED, Param, parse_param, show, split_list
from graph.templates.safety import static_refusal, strip_cypher

HEADER_KEYS = ("name", "description", "params", "example")


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
                value = [x for v in value for x in (split_list(v) if isinstance(v, str) else [v])]
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
            return bound, parse_date(as_of)
        except ValueError as e:
            raise QueryError(f"--as-of: {e}") from None

    def as_dict(self) -> dict:
        return {"name": self.name, "description": self.description,
                "params": {n: p.as_dict() for n, p in self.params.items()},
                "example": dict(self.example), "uses_as_of": self.uses_as_of,
                "file": self.path.name if self.path else None}

    def example_args(self) -> list[str]:
        """The example as command-line arguments: `-p org=Москино`."""
        args = []
        for k, v in self.example.items():
            values = v if isinstance(v, list) else [v]
            args.append("-p " + _shell_quote(f"{k}={','.join(show(x) for x in values)}"))
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
        problem = e.problems[0]
        raise fail(f"header is not valid YAML: {problem.reason}", first + problem.line) from None

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
        params[str(pname)] = parse_param(str(pname), spec, lambda r, n=str(pname): fail(r, line_of(n, True)))
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


def find_template(directory: Path | str, name: str) -> Template:
    """The template called `name` in `directory`, reading only its own file when there is one
    (a question from the terminal parses one header, not all); else as `get_template`."""
    path = Path(directory) / f"{name}.cypher"
    if NAME_RE.fullmatch(name) and path.is_file():
        return load_template(path)
    return get_template(load_templates(directory), name)


def get_template(templates: Mapping[str, Template], name: str) -> Template:
    """The template called `name`, or a `QueryError` with the closest names."""
    if name in templates:
        return templates[name]
    hint = difflib.get_close_matches(name, list(templates), n=3)
    raise QueryError(f"no template {name!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                     + "; `cisfilm queries` lists them")
