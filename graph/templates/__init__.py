"""Stored Cypher templates: header parsing, typed parameters, read-only execution.

A template is `queries/<name>.cypher`: a header of `//` comment lines holding
YAML (name, description, params, example), then one Cypher query. Templates
are parsed and checked once when loaded; parameters are typed and checked
before anything runs; values reach Cypher only as `$parameters`. A template
runs in a read transaction with a timeout, after `EXPLAIN` has shown that it
only reads (query type `r`); that verdict is remembered per process and, given a
cache directory, across processes (`CheckCache`).

| module | holds |
|---|---|
| `params` | `Param`, scalar conversion, `-p key=value` parsing |
| `files` | `Template`, header parsing, loading a directory |
| `safety` | static refusals, the `EXPLAIN` read-only check and its cross-process cache |
| `run` | entity look-up, `run_template`, `Result` |
| `output` | Neo4j values to plain Python; table, JSON, CSV, Markdown |
"""
from __future__ import annotations

from graph.templates.files import Template, find_template, get_template, load_template, load_templates
from graph.templates.output import (
    FORMATS,
    format_csv,
    format_json,
    format_result,
    format_table,
    markdown_table,
    rich_table,
    to_plain,
)
from graph.templates.params import RESERVED, Param, convert_scalar, parse_assignments
from graph.templates.run import Result, resolve_entity, run_template
from graph.templates.safety import DEFAULT_TIMEOUT, CheckCache, check_read_only

__all__ = [
    "DEFAULT_TIMEOUT", "FORMATS", "RESERVED", "CheckCache", "Param", "Result", "Template",
    "check_read_only", "convert_scalar", "find_template", "format_csv", "format_json", "format_result",
    "format_table", "get_template", "load_template", "load_templates", "markdown_table", "parse_assignments",
    "resolve_entity", "rich_table", "run_template", "to_plain",
]
