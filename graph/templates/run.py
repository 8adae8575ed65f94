"""Running a template: entity look-up by id, name or alias, and the read-only run itself."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import QueryError
from graph.model.names import fold
from graph.store.layout import ENTITY, MARK_COLUMNS, META_ID, NAME_KEYS, READ_MARK
from graph.store.stats import LoadMark, mark_of, read_mark
from graph.templates.files import Template
from graph.templates.output import to_plain
from graph.templates.params import Param
from graph.templates.safety import (
    DEFAULT_TIMEOUT,
    CheckCache,
    ensure_read_only,
    guard,
    identity_and,
    known_read_only,
    server_of,
)

if TYPE_CHECKING:
    import neo4j

_BY_ID = f"MATCH (n:{ENTITY} {{id: $id}}) RETURN n.id AS id"
IDENTITY_AND_MARK = identity_and(READ_MARK, MARK_COLUMNS)
_RESOLVE = f"""
MATCH (n:{ENTITY}) WHERE n.id IN $ids OR $key IN n.{NAME_KEYS}
RETURN n.id AS id, n.kind AS kind, n.name AS name ORDER BY n.id
"""
_BY_FORMS = f"""
MATCH (n:{ENTITY}) WHERE any(k IN n.{NAME_KEYS} WHERE k IN $keys)
RETURN n.id AS id, n.kind AS kind, n.name AS name, [k IN n.{NAME_KEYS} WHERE k IN $keys] AS keys ORDER BY n.id
"""
_SUGGEST = f"""
MATCH (n:{ENTITY}) WHERE size($key) >= 3 AND any(k IN n.{NAME_KEYS} WHERE k CONTAINS $key)
RETURN n.id AS id, n.kind AS kind, n.name AS name ORDER BY size(n.name), n.id LIMIT 5
"""


def resolve_entity(tx, param: Param, value: str, notes: list[str] | None = None) -> str:
    """An id, name or alias → the one entity id it names, or a `QueryError` saying why not.

    A name found only by a dictionary form («Беларусьфильма» → «Беларусьфильм»,
    `graph.model.forms`) adds a line to `notes` saying which form matched."""
    # An exact id wins whatever else the value names; the id index answers it at once,
    # while a name has to be looked for in every entity's `name_keys`.
    if tx.run(_BY_ID, id=value).single() is not None:
        return value
    rows = [dict(r) for r in tx.run(_RESOLVE, ids=[value.lower()], key=fold(value))]
    fitting = [r for r in rows if not param.kinds or r["kind"] in param.kinds]
    if not fitting:
        found = _by_dictionary_form(tx, param, value)
        if found is not None:
            if notes is not None:
                notes.append(found[1])
            return found[0]
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


def _by_dictionary_form(tx, param: Param, value: str) -> tuple[str, str] | None:
    """The one entity of a fitting kind that a dictionary form of `value` names, with a note
    saying which form matched; None when there is no such form or none or several match."""
    from graph.model.forms import has_cyrillic, lookup_keys  # the morphology only when needed

    if not has_cyrillic(value):
        return None
    forms = {key: how for key, how in lookup_keys(value)[1:]}
    if not forms:
        return None
    rows = [dict(r) for r in tx.run(_BY_FORMS, keys=list(forms))]
    fitting = [r for r in rows if not param.kinds or r["kind"] in param.kinds]
    if len(fitting) != 1:
        return None  # none, or ambiguous: the caller's message lists what the exact name found
    r = fitting[0]
    how = forms[r["keys"][0]]
    return r["id"], (f"parameter {param.name!r}: {value!r} matched {r['id']} ({r['kind']}, {r['name']}) "
                     f"by its {how}")


TEXT_FORMS = "$text_forms"


def text_forms(text: Any) -> list[str]:
    """`$text_forms` of a template: the folded dictionary forms of its `text` parameter
    («Беларусьфильма» → ["беларусьфильм"]), for templates that match names in text."""
    if not isinstance(text, str):
        return []
    from graph.model.forms import has_cyrillic, lookup_keys

    return [k for k, _ in lookup_keys(text)[1:]] if has_cyrillic(text) else []


def _candidates(rows: list[dict]) -> str:
    return ", ".join(f"{r['id']} ({r['kind']}, {r['name']})" for r in rows)


@dataclass
class Result:
    """The answer to a template: column names in RETURN order, rows as plain JSON-able dicts."""

    columns: list[str]
    rows: list[dict]
    params: dict = field(default_factory=dict)  # the bound parameters (entities as ids)
    truncated: bool = False  # more rows existed than `limit`
    mid_load: LoadMark | None = None  # a batched load had not finished: the answer may be partial
    notes: list[str] = field(default_factory=list)  # how names were matched, where not as written

    def as_json(self) -> list[dict]:
        return [{c: row.get(c) for c in self.columns} for row in self.rows]


def run_template(driver: neo4j.Driver, template: Template, params: Mapping[str, Any] | None = None, *,
                 database: str | None = None, limit: int | None = None, as_of: Any = None,
                 timeout: float = DEFAULT_TIMEOUT, cache_dir: Path | None = None) -> Result:
    """Bind `params`, check the template is read-only, resolve entities, run it read-only.

    All in one read transaction. The read-only check (`EXPLAIN`) is made once per process, and
    with `cache_dir` once per template text and database, remembered there across processes.
    Raises `QueryError` for bad parameters, a refused template, a Cypher error or a timeout."""
    import neo4j

    bound, as_of = template.check(params, as_of)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise QueryError(f"limit must be a whole number ≥ 0, got {limit!r}")
    if not (isinstance(timeout, (int, float)) and timeout > 0 and math.isfinite(timeout)):
        raise QueryError(f"timeout must be a positive number of seconds, got {timeout!r}")

    notes: list[str] = []

    def resolve(tx) -> dict:
        out, problems = dict(bound), []
        notes.clear()  # the transaction function may be retried
        for name, p in template.params.items():
            if p.item_type != "entity" or bound[name] is None:
                continue
            ids = []
            for v in (bound[name] if p.is_list else [bound[name]]):
                try:
                    ids.append(resolve_entity(tx, p, v, notes))
                except QueryError as e:
                    problems.append(str(e))
            out[name] = ids if p.is_list else (ids[0] if ids else None)
        if problems:
            raise QueryError(f"template {template.name!r}: " + "; ".join(problems))
        out["as_of"] = as_of
        if TEXT_FORMS in template.text:
            out["text_forms"] = text_forms(out.get("text"))
        return out

    server = server_of(driver)
    cache = CheckCache(cache_dir) if cache_dir is not None else None

    @neo4j.unit_of_work(timeout=timeout)
    def read(tx):
        # the check and the entities in the template's own read transaction: fewer round trips per call
        if cache is not None and not known_read_only(template, database, server):
            # the cache's key (the server's identity) and the mid-load mark: one round trip
            r = tx.run(IDENTITY_AND_MARK, id=META_ID).single(strict=True)
            ensure_read_only(tx, template, database, server=server, cache=cache, identity=r["identity"])
            mark = mark_of(r)
        else:
            ensure_read_only(tx, template, database, server=server, cache=cache)
            mark = read_mark(tx)
        values = resolve(tx)
        result = tx.run(template.text, values)
        keys = list(result.keys())
        rows: list[dict] = []
        more = False
        for record in result:
            if limit is not None and len(rows) >= limit:
                more = True
                break
            rows.append({k: to_plain(record[k]) for k in keys})
        result.consume()
        return values, keys, rows, more, mark

    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS,
                        notifications_min_severity="OFF") as session:
        values, keys, rows, more, mark = guard(template, timeout, lambda: session.execute_read(read))
    shown = {k: v for k, v in values.items() if k in template.params or (k == "as_of" and template.uses_as_of)}
    return Result(columns=keys, rows=rows, params=shown, truncated=more, mid_load=mark, notes=list(notes))
