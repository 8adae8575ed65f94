"""Reading one value of a fact file: `Checker` collects every problem with its position.

Field values are read by their type (`graph.model.types`); this module adds the
structural fields every fact has — its `id` and its `sources` with quotes.
"""
from __future__ import annotations

from typing import Any

from graph import strictyaml as sy
from graph.errors import Problem, suggest
from graph.model.schema import ID_RE, FieldSpec, Model
from graph.model.types import MISSING, TYPES, read_text

__all__ = ["ID_RE", "MISSING", "Checker"]


class Checker:
    """Collects problems while fact files are read; values are read by their field type
    (`graph.model.types`), the structural fields (`id`, `sources`) here."""

    def __init__(self, model: Model):
        self.model = model
        self.languages = model.languages
        self.problems: list[Problem] = []

    def error(self, mark: sy.Mark, path: str, reason: str, severity: str = "error") -> None:
        self.problems.append(Problem(mark.file, mark.line, mark.col, path, reason, severity))

    def unknown_key(self, mark: sy.Mark, path: str, key: str, allowed, what: str) -> None:
        self.error(mark, path, f"unknown field {key!r} {what}{suggest(key, allowed)}")

    def text(self, node: sy.Node, path: str, *, one_line: bool = True) -> Any:
        """A string value (MISSING if it can't be read)."""
        return read_text(self, node, path, TYPES["string" if one_line else "text"].expected, one_line=one_line)

    def ident(self, node: sy.Node, path: str) -> Any:
        value = self.text(node, path)
        if value is not MISSING and not ID_RE.fullmatch(value):
            self.error(node.mark, path, f"id {value!r} must match [a-z0-9][a-z0-9-]*")
            return MISSING
        return value

    def value(self, spec: FieldSpec, node: sy.Node, path: str, positions: dict[str, sy.Mark]) -> Any:
        """The Python value of `node` read as field `spec` (MISSING if it can't be read).

        `positions` receives the mark of the value (keyed by the field's name) and of
        each part of a list or multilingual map.
        """
        positions[spec.name] = node.mark
        return TYPES[spec.type].read(self, spec, node, path, positions, spec.name)

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
                    sid = self.ident(item["source"], f"{ipath}.source")
                if "quote" in item:
                    q = self.text(item["quote"], f"{ipath}.quote", one_line=False)
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
