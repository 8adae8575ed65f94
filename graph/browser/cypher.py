"""Stored templates as Browser runs them: Cypher literals, `:param` lines, and the
one-statement query a deep link puts in the editor.

Browser reads `cmd`/`arg` from its address after decoding it once and cuts an
argument at `&` or `#`; values are written so these never occur (`\\u0026` and
`\\u0023` escapes in Cypher strings), and `link_safe` says what is left.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import neo4j

from graph.errors import QueryError
from graph.model.names import fold
from graph.store.layout import ENTITY, NAME_KEYS
from graph.templates import Param, Template, resolve_entity
from graph.templates.run import TEXT_FORMS, text_forms


def cypher_literal(value: Any) -> str:
    """A Python value as a Cypher literal (strings double-quoted; `& # ;` escaped as \\uXXXX)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"no Cypher literal for {value!r}")
        text = repr(value)
        return text if any(c in text for c in ".eE") else text + ".0"
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in '\\"':
                out.append("\\" + ch)
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\t":
                out.append("\\t")
            elif ch in "&#;" or ord(ch) < 0x20:
                out.append(f"\\u{ord(ch):04X}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    raise ValueError(f"no Cypher literal for {type(value).__name__}")


def _lookup_expression(param: Param, value: str) -> str:
    """Cypher that finds an entity's id by id, name or alias, as `cisfilm query` does."""
    kinds = f" AND n.kind IN {cypher_literal(list(param.kinds))}" if param.kinds else ""
    v = cypher_literal(value)
    # the same matcher as `cisfilm query`: as written, else a dictionary form («Беларусьфильма»)
    from graph.model.forms import has_cyrillic, lookup_keys

    keys = [k for k, _ in lookup_keys(value)] if has_cyrillic(value) else [fold(value)]
    exact = f"{cypher_literal(keys[0])} IN n.{NAME_KEYS}"
    forms = f"any(k IN n.{NAME_KEYS} WHERE k IN {cypher_literal(keys[1:])})"
    if not keys[1:]:
        return (f"head(COLLECT {{ MATCH (n:{ENTITY}) WHERE n.id = {v} "
                f"OR ({exact}{kinds}) RETURN n.id ORDER BY n.id <> {v}, n.id }})")
    return (f"head(COLLECT {{ MATCH (n:{ENTITY}) WHERE n.id = {v} OR ({exact}{kinds}) OR ({forms}{kinds}) "
            f"RETURN n.id ORDER BY n.id <> {v}, NOT ({exact}), n.id }})")


def example_values(template: Template) -> dict[str, Any]:
    """The template's example, typed, with every parameter present (unset ones as None)."""
    return template.bind(dict(template.example))


def resolve_examples(driver: neo4j.Driver, templates: Mapping[str, Template], *,
                     database: str | None = None) -> dict[str, dict[str, Any]]:
    """Template name → {entity parameter → id} for every example name found in the graph.

    Browser has no name look-up, so entity parameters are set to ids there; names
    not found (an empty graph) are left out and looked up by Cypher instead."""
    wanted = [(t, name, p) for t in templates.values() for name, p in t.params.items()
              if p.item_type == "entity" and example_values(t).get(name) is not None]

    def work(tx) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for t, name, p in wanted:
            value = example_values(t)[name]
            try:
                ids = [resolve_entity(tx, p, v) for v in (value if p.is_list else [value])]
            except QueryError:
                continue
            out.setdefault(t.name, {})[name] = ids if p.is_list else ids[0]
        return out

    if not wanted:
        return {}
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS,
                        notifications_min_severity="OFF") as session:
        return session.execute_read(work)


def example_cypher(template: Template, resolved: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Parameter → the Cypher text of its example value (`as_of` included when used).

    Entities are the ids found in the graph (`resolved`); one not found yet is looked
    up by Cypher, by id, name or alias, as the command line does."""
    resolved = resolved or {}
    values = example_values(template)
    out = {}
    for name, p in template.params.items():
        value = values.get(name)
        if name in resolved:
            out[name] = cypher_literal(resolved[name])
        elif p.item_type == "entity" and value is not None:
            out[name] = ("[" + ", ".join(_lookup_expression(p, v) for v in value) + "]" if p.is_list
                         else _lookup_expression(p, value))
        else:
            out[name] = cypher_literal(value)
    if template.uses_as_of:
        out["as_of"] = "null"
    if TEXT_FORMS in template.text:  # what `cisfilm query` fills in: the same matcher
        out["text_forms"] = cypher_literal(text_forms(values.get("text")))
    return out


def param_lines(template: Template, resolved: Mapping[str, Any] | None = None) -> list[str]:
    """`:param name => value` for every parameter of `template`, set to its example.

    One `:param x => <Cypher>` per parameter: Browser evaluates the right-hand side
    with Cypher, so integers stay integers (`:params {...}` would make them floats)."""
    return [f":param {name} => {text}" for name, text in example_cypher(template, resolved).items()]


_TOKENS = re.compile(r"""
    (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | \$(?:(?P<param>[A-Za-z_][A-Za-z0-9_]*)|`(?P<qparam>(?:[^`]|``)*)`)
  | (?P<quoted>`(?:[^`]|``)*`)
""", re.VERBOSE | re.DOTALL)


def link_safe(cypher: str) -> str:
    """`cypher` without `&` or `#` where it can do without: `\\u0026`/`\\u0023` escapes in
    string literals, words in comments. Those left (label expressions) rule out a link."""
    def sub(m: re.Match) -> str:
        if m.group("string"):
            return m.group(0).replace("&", "\\u0026").replace("#", "\\u0023")
        if m.group("comment"):
            return m.group(0).replace("&", "and").replace("#", "no.")
        return m.group(0)
    return _TOKENS.sub(sub, cypher)


def with_values(cypher: str, values: Mapping[str, str]) -> str:
    """`cypher` with each `$name` in `values` replaced by its Cypher text (outside strings and comments)."""
    def sub(m: re.Match) -> str:
        name = m.group("param") or (m.group("qparam") or "").replace("``", "`")
        if (m.group("param") or m.group("qparam")) and name in values:
            return values[name]
        return m.group(0)
    return _TOKENS.sub(sub, cypher)


def editor_query(template: Template, resolved: Mapping[str, Any] | None = None) -> str:
    """What a deep link puts in Browser's editor: the query with its example written in.

    One statement, so one Run shows the answer: Browser shows only a status line for
    each statement of a multi-statement script (`:param ...; MATCH ...`). The values
    are the template's own example (entities as the ids found in the graph), written
    as Cypher literals, never text a user typed; the guide sets them as parameters."""
    literals = example_cypher(template, resolved)
    shown = ", ".join(f"${n}" for n in literals) or "no parameters"
    head = f"// cisfilm query {template.name} (queries/{template.name}.cypher), its example written in for {shown}"
    return link_safe(head + "\n" + with_values(template.text.rstrip().rstrip(";"), literals))

