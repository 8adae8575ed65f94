"""Strict YAML reading on PyYAML, with a position for every key and value.

PyYAML only tokenises here: we walk its event stream (the C parser where
libyaml is installed) and build our own small tree. Nothing is ever
constructed from a tag, so `!!python/object/apply` cannot run, and every
scalar stays the string it was in the file together with whether it was
plain (unquoted): the schema, not YAML 1.1's implicit typing, decides what a
value means. `implicit_type()` says what an ordinary YAML loader would have
made of a plain scalar, so callers can ask for quotes where it matters.

Rejected, each with file:line:col: files over `MAX_BYTES`, bytes that are
not UTF-8, control and bidi-override characters, lone surrogates, line and
paragraph separators (U+2028/9), the noncharacters U+FFFE/F, tabs in
indentation, more than one document, anchors and aliases, explicit tags,
merge keys, duplicate keys, non-string keys, and nesting deeper than
`MAX_DEPTH`.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import yaml

from graph.errors import InvalidData, Problem

MAX_BYTES = 1 << 20  # read at call time, so tests may lower it
MAX_DEPTH = 32

C_LOADER = getattr(yaml, "CSafeLoader", None)
PURE_LOADER = yaml.SafeLoader
LOADER = C_LOADER or PURE_LOADER


class Mark(NamedTuple):
    """A position in a file; line and col are 1-based.

    A named tuple rather than a frozen dataclass: one is made for every node of every
    file read, and a tuple is made in half the time (same fields, order and equality)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Scalar(NamedTuple):
    """A scalar exactly as written: its text and whether it was unquoted (a named tuple,
    for the same reason as `Mark`)."""

    value: str
    plain: bool
    mark: Mark


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple[Node, ...]
    mark: Mark


@dataclass(frozen=True, slots=True, eq=False)
class Mapping:
    """A mapping with string keys; `entries` maps key → (key scalar, value)."""

    entries: dict[str, tuple[Scalar, Node]]
    mark: Mark

    def get(self, key: str) -> Node | None:
        hit = self.entries.get(key)
        return hit[1] if hit else None

    def __getitem__(self, key: str) -> Node:
        """The value of a key known to be there (`KeyError` otherwise)."""
        return self.entries[key][1]

    def key_mark(self, key: str) -> Mark:
        return self.entries[key][0].mark

    def items(self) -> Iterator[tuple[str, Node]]:
        for key, (_, node) in self.entries.items():
            yield key, node

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)


Node = Scalar | Sequence | Mapping


def describe(node: Node) -> str:
    """A short name of what a node is, for messages ("a list", "a map", ...)."""
    if isinstance(node, Mapping):
        return "a map"
    if isinstance(node, Sequence):
        return "a list"
    return "an empty value" if node.plain and node.value == "" else "a string"


# ---------------------------------------------------------------------------
# What YAML 1.1 / 1.2 loaders would make of a plain scalar

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {
    w
    for word in ("yes", "no", "true", "false", "on", "off", "y", "n")
    for w in (word, word.capitalize(), word.upper())
}
_INT = re.compile(
    r"""[-+]?0b[0-1_]+
      | [-+]?0o?[0-7_]+
      | [-+]?(?:0|[1-9][0-9_]*)
      | [-+]?0x[0-9a-fA-F_]+
      | [-+]?[0-9]+""",
    re.X,
)
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_FLOAT = re.compile(
    r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
      | [-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
      | [-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
      | [-+]?\.(?:inf|Inf|INF)
      | \.(?:nan|NaN|NAN)""",
    re.X,
)
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?"
)


def implicit_type(node: Scalar) -> str | None:
    """What a YAML 1.1 or 1.2 loader would read this plain scalar as, or None if text.

    One of "null", "boolean", "sexagesimal number", "integer", "float", "date".
    Quoted scalars are always text.
    """
    if not node.plain:
        return None
    v = node.value
    if v in _NULLS:
        return "null"
    if v in _BOOLS:
        return "boolean"
    if _SEXAGESIMAL.fullmatch(v):
        return "sexagesimal number"
    if _INT.fullmatch(v):
        return "integer"
    if _FLOAT.fullmatch(v):
        return "float"
    if _TIMESTAMP.fullmatch(v):
        return "date"
    return None


_CORE_INT = re.compile(r"[-+]?[0-9]+")
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


def to_plain(node: Node | None):
    """Plain Python data as a YAML 1.2 (core schema) editor sees it: for JSON Schema checks."""
    if node is None:
        return None
    if isinstance(node, Mapping):
        return {k: to_plain(v) for k, v in node.items()}
    if isinstance(node, Sequence):
        return [to_plain(v) for v in node.items]
    v = node.value
    if not node.plain:
        return v
    if v in _NULLS:
        return None
    if v in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return v.lower() == "true"
    if _CORE_INT.fullmatch(v):
        return int(v)
    if _CORE_FLOAT.fullmatch(v):
        return float(v)
    return v


# ---------------------------------------------------------------------------
# Characters

_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def bad_char(ch: str) -> str | None:
    """Why a character may not appear in a fact file's text, or None."""
    o = ord(ch)
    if ch in "\t\n":
        return None
    if o < 0x20 or o == 0x7F or 0x80 <= o <= 0x9F:
        return f"control character U+{o:04X} is not allowed"
    if 0xD800 <= o <= 0xDFFF:
        return f"lone surrogate U+{o:04X} is not allowed"
    if o in _BIDI:
        return f"bidirectional override character U+{o:04X} is not allowed"
    if o in (0x2028, 0x2029):
        # YAML reads these as line breaks, most editors do not: what the file shows is
        # not what YAML reads (and a one-line name could hide a second line).
        what = "line" if o == 0x2028 else "paragraph"
        return f"{what} separator U+{o:04X} is not allowed; use a newline (in text fields) or a space"
    if o in (0xFFFE, 0xFFFF):  # YAML refuses them, and no RDF syntax (XML 1.0) can carry them
        return f"noncharacter U+{o:04X} is not allowed"
    return None


_SUSPECT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u2028\u2029\ufffe\uffff]"
)


def _bad_chars(text: str) -> Iterator[tuple[int, str]]:
    for m in _SUSPECT.finditer(text):
        i = m.start()
        if text.startswith("\r\n", i):  # CRLF line ends are fine; values never see them
            continue
        pair = text[i:i + 2]
        if len(pair) == 2 and "\ud800" <= pair[0] <= "\udbff" and "\udc00" <= pair[1] <= "\udfff":
            # JSON's way to escape an emoji; YAML takes each half as a character of its own
            cp = 0x10000 + ((ord(pair[0]) - 0xD800) << 10) + (ord(pair[1]) - 0xDC00)
            yield i, (f"surrogate pair \\u{ord(pair[0]):04x}\\u{ord(pair[1]):04x} is not allowed; "
                      f"write the character itself ({chr(cp)}) or \\U{cp:08X}")
            continue
        reason = bad_char(m.group())
        if reason:
            yield i, reason


# ---------------------------------------------------------------------------
# Parsing


class _Frame:
    __slots__ = ("is_map", "mark", "items", "entries", "key")

    def __init__(self, is_map: bool, mark: Mark):
        self.is_map = is_map
        self.mark = mark
        self.items: list[Node] = []
        self.entries: dict[str, tuple[Scalar, Node]] = {}
        self.key: Scalar | None | bool = None  # None: next node is a key; False: a bad key, skip its value


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def join_path(path: str, key: str) -> str:
    """`path.key`, or `path['odd key']` when the key is not a plain word (so a hostile
    key cannot pass for a path, or break a message across lines)."""
    if _WORD.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


_join = join_path


def _path(stack: list[_Frame]) -> str:
    """The field path of the node about to be attached to the top of `stack`.

    Paths are only needed for problems, so they are worked out then rather than kept
    for every node: while a frame is open its parent does not change, so walking the
    stack gives the same path it had when the frame opened."""
    path = ""
    for frame in stack:
        if not frame.is_map:
            path = f"{path}[{len(frame.items)}]"
        elif isinstance(frame.key, Scalar):
            path = _join(path, frame.key.value)
    return path


# Event classes → what the builder does with them (exact classes; others are looked up once).
_SCALAR, _START, _END, _ALIAS, _DOC, _OTHER = range(6)
_KINDS: dict[type, int] = {}


def _event_kind(cls: type) -> int:
    kind = _KINDS.get(cls)
    if kind is None:
        if issubclass(cls, yaml.ScalarEvent):
            kind = _SCALAR
        elif issubclass(cls, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            kind = _START
        elif issubclass(cls, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            kind = _END
        elif issubclass(cls, yaml.AliasEvent):
            kind = _ALIAS
        elif issubclass(cls, yaml.DocumentStartEvent):
            kind = _DOC
        else:
            kind = _OTHER
        _KINDS[cls] = kind
    return kind


class _Builder:
    def __init__(self, file: str, max_depth: int):
        self.file = file
        self.max_depth = max_depth
        self.problems: list[Problem] = []
        self.too_deep = False

    def mark(self, m) -> Mark:
        return Mark(self.file, m.line + 1, m.column + 1)

    def problem(self, mark: Mark, path: str, reason: str) -> None:
        self.problems.append(Problem(self.file, mark.line, mark.col, path, reason))

    def check_node_event(self, ev, mark: Mark, path: str) -> None:
        if ev.anchor is not None:
            self.problem(mark, path, f"anchors (&{ev.anchor}) are not allowed; write the value out")
        if ev.tag is not None:
            self.problem(mark, path, f"explicit tag {ev.tag} is not allowed")

    def build(self, events: Iterable) -> Node | None:
        # The hot loop of every read: one pass over the events, dispatch on the event's
        # class, no per-node path strings (see `_path`).
        file = self.file
        stack: list[_Frame] = []
        top: _Frame | None = None
        root: Node | None = None
        documents = 0
        kinds = _KINDS
        MappingStart = yaml.MappingStartEvent

        for ev in events:
            kind = kinds.get(ev.__class__)
            if kind is None:
                kind = _event_kind(ev.__class__)
            node: Node | None
            if kind == _SCALAR:
                m = ev.start_mark
                mark = Mark(file, m.line + 1, m.column + 1)
                if ev.anchor is not None or ev.tag is not None:
                    self.check_node_event(ev, mark, _path(stack))
                if ev.style == '"':  # only escapes get here: the text itself was scanned
                    for i, reason in _bad_chars(ev.value):
                        self.problem(mark, _path(stack), f"{reason} (escape at character {i + 1} of the value)")
                        break
                node = Scalar(ev.value, ev.tag is None and bool(ev.implicit[0]), mark)
            elif kind == _START:
                m = ev.start_mark
                mark = Mark(file, m.line + 1, m.column + 1)
                if ev.anchor is not None or ev.tag is not None:
                    self.check_node_event(ev, mark, _path(stack))
                if len(stack) + 1 > self.max_depth:
                    # Stop reading here: the scanners of PyYAML and libyaml do work per open
                    # flow level for every token, and our paths grow with depth, so going on
                    # costs time and memory quadratic in the depth (a 1 MiB file of "[" took
                    # minutes and gigabytes). The file is refused anyway.
                    self.too_deep = True
                    self.problem(mark, _path(stack), f"nesting deeper than {self.max_depth} levels")
                    return None
                top = _Frame(ev.__class__ is MappingStart or isinstance(ev, MappingStart), mark)
                stack.append(top)
                continue
            elif kind == _END:
                frame = stack.pop()
                top = stack[-1] if stack else None
                if frame.is_map:
                    node = Mapping(frame.entries, frame.mark)
                else:
                    node = Sequence(tuple(frame.items), frame.mark)
            elif kind == _ALIAS:
                m = ev.start_mark
                self.problem(Mark(file, m.line + 1, m.column + 1), _path(stack),
                             f"aliases (*{ev.anchor}) are not allowed; write the value out")
                node = None
            elif kind == _DOC:
                documents += 1
                if documents > 1:
                    self.problem(
                        self.mark(ev.start_mark), "",
                        "more than one YAML document (---) in a file; use one file per document",
                    )
                    break
                continue
            else:
                continue

            # attach `node` to the open collection, or make it the root
            if top is None:
                root = node
            elif not top.is_map:
                top.items.append(node)  # type: ignore[arg-type]
            elif top.key is None:  # this node is a key
                if isinstance(node, Scalar):
                    self.add_key(stack, node)
                else:
                    where = node.mark if node is not None else top.mark
                    self.problem(where, _path(stack[:-1]), "mapping keys must be strings")
                    top.key = False
            else:
                if node is not None and isinstance(top.key, Scalar):
                    top.entries[top.key.value] = (top.key, node)
                top.key = None
        return root

    def add_key(self, stack: list[_Frame], key: Scalar) -> None:
        frame = stack[-1]
        if key.plain and key.value == "<<":
            self.problem(key.mark, _path(stack[:-1]), "merge keys (<<) are not allowed; write the keys out")
            frame.key = False
        elif key.value.strip() == "":
            self.problem(key.mark, _path(stack[:-1]), "empty mapping key")
            frame.key = False
        elif key.value in frame.entries:
            first = frame.entries[key.value][0].mark
            self.problem(key.mark, _join(_path(stack[:-1]), key.value),
                         f"duplicate key {key.value!r} (first at line {first.line})")
            frame.key = False
        else:
            frame.key = key


_TAB_INDENT = re.compile(r"^ *\t", re.M)


def _line_col(starts: list[int], index: int) -> tuple[int, int]:
    line = bisect.bisect_right(starts, index)
    return line, index - starts[line - 1] + 1


def parse(
    data: bytes,
    file: str,
    *,
    max_bytes: int | None = None,
    max_depth: int | None = None,
    loader=None,
) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML file's bytes: the tree (None if empty or rejected) and its problems.

    When there is any problem the tree is None: a rejected file contributes nothing.
    """
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    max_depth = MAX_DEPTH if max_depth is None else max_depth

    def fail(line: int, col: int, reason: str, field: str = "") -> tuple[None, list[Problem]]:
        return None, [Problem(file, line, col, field, reason)]

    if len(data) > max_bytes:
        return fail(1, 1, f"file is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        line_start = data.rfind(b"\n", 0, e.start) + 1
        col = len(data[line_start:e.start].decode("utf-8", errors="replace")) + 1
        return fail(line, col, f"not UTF-8: byte 0x{data[e.start]:02X} at offset {e.start}")
    if text.startswith("\ufeff"):
        text = text[1:]
        data = data[3:]

    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    problems: list[Problem] = []
    for index, reason in _bad_chars(text):
        line, col = _line_col(starts, index)
        problems.append(Problem(file, line, col, "", reason))
    for m in _TAB_INDENT.finditer(text):
        line, col = _line_col(starts, m.end() - 1)
        problems.append(Problem(file, line, col, "", "tab character in indentation; indent with spaces"))
    if problems:
        return None, problems

    loader = loader or LOADER
    builder = _Builder(file, max_depth)
    try:
        root = builder.build(yaml.parse(data, Loader=loader))
    except yaml.MarkedYAMLError as e:
        if loader is not PURE_LOADER:
            # libyaml's messages are terser; the pure parser says the same more clearly
            # (and reports escaped lone surrogates as values, which we then name).
            return parse(data, file, max_bytes=max_bytes, max_depth=max_depth, loader=PURE_LOADER)
        mark = e.problem_mark or e.context_mark
        reason = " ".join(p for p in (e.context, e.problem) if p)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, builder.problems + [Problem(file, line, col, "", f"YAML syntax: {reason}")]
    except yaml.YAMLError as e:  # a reader error: a character the parser refused
        return None, builder.problems + [Problem(file, 1, 1, "", f"YAML: {e}")]
    if builder.problems:
        return None, builder.problems
    return root, []


def load(path: str | Path, *, name: str | None = None, **limits) -> Node | None:
    """Read and parse one file; raises `InvalidData` with every problem found in it."""
    label = name or str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InvalidData([Problem(label, 1, 1, "", f"cannot read file: {e.strerror or e}")]) from None
    root, problems = parse(data, label, **limits)
    if problems:
        raise InvalidData(problems)
    return root


def loads(text: str | bytes, file: str = "<string>", **limits) -> Node | None:
    """Parse YAML text; raises `InvalidData` with every problem found in it."""
    data = text.encode("utf-8", errors="surrogatepass") if isinstance(text, str) else text
    root, problems = parse(data, file, **limits)
    if problems:
        raise InvalidData(problems)
    return root
