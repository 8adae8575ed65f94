"""A template's answer as output: Neo4j values to plain Python, then table, JSON, CSV or Markdown text."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graph.errors import QueryError
from graph.store.layout import INTERNAL_PROPS

if TYPE_CHECKING:
    from graph.templates.files import Template
    from graph.templates.run import Result

FORMATS = ("table", "json", "csv")


def to_plain(value: Any) -> Any:
    """A Neo4j value → plain JSON-able Python (nodes and relationships as property maps)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    # a node, relationship or path comes from the driver, so only once it is imported (listing
    # or completing templates, which use this module, need not import it)
    ng: Any = sys.modules.get("neo4j.graph")
    if ng is not None and isinstance(value, ng.Node):
        return {k: to_plain(v) for k, v in sorted(value.items()) if k not in INTERNAL_PROPS}
    if ng is not None and isinstance(value, ng.Relationship):
        out = {"type": value.type,
               "from": value.start_node.get("id") if value.start_node else None,
               "to": value.end_node.get("id") if value.end_node else None}
        out.update({k: to_plain(v) for k, v in sorted(value.items()) if k not in INTERNAL_PROPS})
        return out
    if ng is not None and isinstance(value, ng.Path):
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

    buf = io.StringIO()
    Console(file=buf, width=width or 200, color_system=None, highlight=False).print(rich_table(result))
    return buf.getvalue()


def markdown_table(templates: Mapping[str, Template]) -> str:
    """The README's table of stored questions: name, parameters, description (kept true by a test)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| name | parameters | description |", "|---|---|---|"]
    for t in templates.values():
        params = [cell(p.signature()) for p in t.params.values()] + (["--as-of DATE"] if t.uses_as_of else [])
        shown = "<br>".join(params) or "—"
        lines.append(f"| `{t.name}` | {shown} | {cell(t.description)} |")
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
