"""What a template may do: static refusals of its text, and the `EXPLAIN` check that it only reads.

`EXPLAIN`'s verdict is remembered in the process per (server address, database, text), and,
given a cache directory, across processes in `<cache>/checked-templates.json` (`CheckCache`),
keyed by the text, the rules below and the database as the server itself describes it
(product, version, edition, database name and id): a changed template, another server
version or a recreated database is checked again.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import ConnectionFailed, QueryError, first_line
from graph.templates.params import RESERVED

if TYPE_CHECKING:
    import neo4j

    from graph.templates.files import Template

# neo4j is imported where a query runs, not here: `cisfilm queries` and shell completion,
# which read templates (and `static_refusal`) but never connect, do not pay for the driver.

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

# What the server says it is and which database a transaction runs on: the cross-process
# cache's key. One small query, run inside the template's own read transaction.
_WHO = """
CALL db.info() YIELD id, name AS database
CALL dbms.components() YIELD name, versions, edition
WITH name + ' ' + reduce(s = '', v IN versions | s + v + ' ') + edition
     + ' / database ' + database + ' ' + id AS identity
"""
IDENTITY = _WHO + "RETURN identity"


def identity_and(query: str, columns: Iterable[str]) -> str:
    """IDENTITY and, in the same round trip, the one row of a read `query` (its `columns`,
    null when it has none)."""
    return _WHO + f"OPTIONAL CALL () {{ {query} }}\nRETURN identity, " + ", ".join(columns)
# Part of every cached verdict: a change to what is allowed invalidates them all (and so does
# raising the leading number, which a change to what `explain` checks must do).
RULES = "1 " + " ".join(sorted(ALLOWED_PROCEDURES)) + " " + " ".join(FIRST_CLAUSES)


def server_of(driver: neo4j.Driver) -> str:
    """Where `driver` connects, `host:port` (a routing driver: its initial routers): the cache's server."""
    # a bolt:// driver has one `address`, a neo4j:// one its `initial_addresses`; both known without a round trip
    # (a driver class with neither: ask the server, one round trip)
    addresses = (getattr(driver, "initial_addresses", None)
                 or [getattr(driver, "address", None) or driver.get_server_info().address])
    return " ".join(str(a) for a in addresses)


class CheckCache:
    """Templates `EXPLAIN` found read-only, remembered across processes in one small JSON file.

    Keyed by a hash of (rules, database identity, template text). Read once when opened;
    an entry is added by rewriting the file atomically (a temporary file, then a rename).
    A missing, unreadable or corrupt file is an empty cache, and a file that cannot be
    written is left alone: the cache only ever saves an `EXPLAIN`, never skips a needed one.
    """

    FILE = "checked-templates.json"
    FORMAT = 1
    MAX_ENTRIES = 1000  # the oldest go first

    def __init__(self, directory: Path):
        self.path = Path(directory) / self.FILE
        self.entries = self._read()

    @staticmethod
    def key(identity: str, text: str) -> str:
        return hashlib.sha256(json.dumps([RULES, identity, text]).encode()).hexdigest()

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def add(self, key: str, name: str) -> None:
        entries = self._read()  # another process may have added some since we read it
        entries.pop(key, None)
        entries[key] = {"template": name, "checked": int(time.time())}
        self.entries = dict(list(entries.items())[-self.MAX_ENTRIES:])
        text = json.dumps({"format": self.FORMAT, "checked": self.entries}, indent=0)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=self.FILE + ".", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass  # a read-only or full cache directory: the check was made, it is just not kept

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON
            return {}
        checked = data.get("checked") if isinstance(data, dict) and data.get("format") == self.FORMAT else None
        if not isinstance(checked, dict):
            return {}
        return {k: v for k, v in checked.items() if isinstance(v, dict)}


def check_read_only(session: neo4j.Session, template: Template, timeout: float = DEFAULT_TIMEOUT,
                    database: str | None = None, *, server: str, cache: CheckCache | None = None) -> None:
    """`EXPLAIN` the template once per server and database: refuse anything but a read query (type `r`).

    `server` names the server `session` talks to (`server_of(driver)`); with a `cache`, a verdict
    from another process on the same database and server version is taken instead of an EXPLAIN."""
    import neo4j

    if (server, database, template.text) in _checked:
        return

    @neo4j.unit_of_work(timeout=timeout)
    def check(tx):
        ensure_read_only(tx, template, database, server=server, cache=cache)

    guard(template, timeout, lambda: session.execute_read(check))


def known_read_only(template: Template, database: str | None, server: str) -> bool:
    """Whether this process has already found `template` read-only on this server and database."""
    return (server, database, template.text) in _checked


def ensure_read_only(tx: neo4j.ManagedTransaction, template: Template, database: str | None = None, *,
                     server: str, cache: CheckCache | None = None, identity: str | None = None) -> None:
    """Inside the read transaction `tx`: known read-only in this process, else in `cache` for this
    database (whose `identity` is asked with one small query unless given), else `EXPLAIN`ed
    here; a refusal is a `QueryError`."""
    key = (server, database, template.text)
    if key in _checked:
        return
    refusal = static_refusal(strip_cypher(template.text))
    if refusal:
        raise QueryError(f"template {template.name!r} refused: {refusal}")
    cached = None
    if cache is not None:
        if identity is None:
            identity = tx.run(IDENTITY).single(strict=True)["identity"]
        cached = cache.key(identity, template.text)
        if cached in cache:
            _checked.add(key)
            return
    explain(tx, template)
    _checked.add(key)
    if cache is not None and cached is not None:
        cache.add(cached, template.name)


def explain(tx: neo4j.ManagedTransaction, template: Template) -> None:
    """`EXPLAIN` the template in `tx`; a `QueryError` unless it only reads and calls allowed procedures."""
    params = {p: None for p in template.params} | {r: None for r in RESERVED}
    summary = tx.run("EXPLAIN " + template.text, params).consume()
    if summary.query_type != "r":
        what = {"rw": "reads and writes", "w": "writes", "s": "changes the schema"}.get(
            summary.query_type or "", f"is of type {summary.query_type!r}")
        raise QueryError(f"template {template.name!r} refused: it {what}; stored templates may only read")
    for proc in _plan_procedures(summary.plan):
        if proc not in ALLOWED_PROCEDURES:
            raise QueryError(f"template {template.name!r} refused: procedure {proc} is not allowed")


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
    from neo4j import exceptions as nx

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
