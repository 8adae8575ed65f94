"""What a template may do: static refusals of its text, and the `EXPLAIN` check that it only reads."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import neo4j
from neo4j import exceptions as nx

from graph.errors import ConnectionFailed, QueryError, first_line
from graph.templates.params import RESERVED

if TYPE_CHECKING:
    from graph.templates.files import Template

# Procedures a template may call: read-only look-ups, nothing that reaches outside the graph.
ALLOWED_PROCEDURES = frozenset({
    "db.index.fulltext.queryNodes", "db.index.fulltext.queryRelationships",
    "db.labels", "db.relationshipTypes", "db.propertyKeys",
})
# A template is one read query: it starts with a reading clause.
FIRST_CLAUSES = ("MATCH", "OPTIONAL", "WITH", "UNWIND", "CALL", "RETURN")
DEFAULT_TIMEOUT = 10.0

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


# (server, database, query text) that EXPLAIN found read-only. The server is part of the key:
# another server (another version, other procedures) may plan the same text differently.
_checked: set[tuple[str, str | None, str]] = set()


def server_of(driver: neo4j.Driver) -> str:
    """Where `driver` connects, `host:port` (a routing driver: its initial routers): the cache's server."""
    # a bolt:// driver has one `address`, a neo4j:// one its `initial_addresses`; both known without a round trip
    # (a driver class with neither: ask the server, one round trip)
    addresses = (getattr(driver, "initial_addresses", None)
                 or [getattr(driver, "address", None) or driver.get_server_info().address])
    return " ".join(str(a) for a in addresses)


def check_read_only(session: neo4j.Session, template: Template, timeout: float = DEFAULT_TIMEOUT,
                    database: str | None = None, *, server: str) -> None:
    """`EXPLAIN` the template once per server and database: refuse anything but a read query (type `r`).

    `server` names the server `session` talks to (`server_of(driver)`)."""
    key = (server, database, template.text)
    if key in _checked:
        return
    refusal = static_refusal(strip_cypher(template.text))
    if refusal:
        raise QueryError(f"template {template.name!r} refused: {refusal}")
    params = {p: None for p in template.params} | {r: None for r in RESERVED}

    @neo4j.unit_of_work(timeout=timeout)
    def explain(tx):
        return tx.run("EXPLAIN " + template.text, params).consume()

    summary = guard(template, timeout, lambda: session.execute_read(explain))
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


def guard(template: Template, timeout: float, fn):
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
        raise QueryError(f"template {template.name!r} failed: {first_line(e.message or str(e))}") from None
    except (nx.ServiceUnavailable, nx.SessionExpired) as e:
        raise ConnectionFailed(f"Neo4j became unreachable while running {template.name!r}: "
                               f"{first_line(str(e))}") from None
