"""A part of the graph to export: one entity with its facts (`--describe`), or the
entities a stored question returns with the facts among them (`--template`).

Every selected entity is exported whole (its own triples and provenance); of its
relationships, `--describe` keeps all (outgoing and incoming), a template's subgraph
only those between selected entities. Every other entity the output points to (a
neighbour, a cited article, a post's organisation) comes with its types and names
only, so a consumer can label it.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph.errors import ExportError, QueryError
from graph.model.schema import ID_RE
from graph.rdf.mapping import Mapping as RdfMapping
from graph.rdf.writers.common import Block
from graph.store.layout import EXPORT_ENTITIES_IN, EXPORT_IDS_IN, EXPORT_INCOMING, PROVENANCE

if TYPE_CHECKING:
    import neo4j

    from graph.templates.files import Template


@dataclass(frozen=True)
class Selection:
    """What to export instead of the whole graph: `describe` (an id, name or alias, resolved
    in the export's transaction), or the entities `ids` with the facts among them."""

    ids: tuple[str, ...] = ()
    describe: str | None = None
    what: str = ""  # for the summary: "entity org-moskino", "template partners"

    @property
    def incoming(self) -> bool:
        return self.describe is not None


def describe(value: str) -> Selection:
    """One entity, named by id, name or alias, with all its facts."""
    if not isinstance(value, str) or not value.strip():
        raise ExportError("--describe needs an entity id, name or alias")
    return Selection(describe=value, what=f"entity {value}")


def template_selection(driver: neo4j.Driver, template: Template, params: Mapping[str, Any] | None = None, *,
                       database: str | None = None, timeout: float = 60.0) -> Selection:
    """The entities a stored question returns: its entity parameters and every value of its
    result rows (or item of a list value) that is the id of an entity. The question runs in its
    own read transaction (stopped after `timeout` seconds), before the export's."""
    from graph.templates.run import run_template

    result = run_template(driver, template, params, database=database, timeout=timeout)
    candidates: set[str] = set()

    def collect(x: Any) -> None:
        if isinstance(x, str) and ID_RE.fullmatch(x):
            candidates.add(x)
        elif isinstance(x, list):
            for item in x:
                collect(item)

    for name, p in template.params.items():
        if p.item_type == "entity":
            collect(result.params.get(name))
    for row in result.rows:
        for value in row.values():
            collect(value)
    with driver.session(database=database) as session:
        ids = session.execute_read(lambda tx: sorted(r["id"] for r in tx.run(EXPORT_IDS_IN, ids=sorted(candidates))))
    return Selection(ids=tuple(ids), what=f"template {template.name} ({len(result.rows)} row(s))")


def resolve(tx, selection: Selection) -> tuple[str, ...]:
    """The selected ids (`describe` resolved like a template's entity parameter)."""
    if selection.describe is None:
        return tuple(sorted(set(selection.ids)))
    from graph.templates.params import Param
    from graph.templates.run import resolve_entity

    try:
        return (resolve_entity(tx, Param("describe", "entity"), selection.describe),)
    except QueryError as e:
        raise ExportError(str(e).replace("parameter 'describe'", "--describe", 1)) from None


def iter_subset_blocks(tx, mapping: RdfMapping, ids: Iterable[str], *, incoming: bool,
                       kind_of: Mapping[str, str] | None = None) -> Iterator[Block]:
    """The blocks of a selection: the selected entities in id order, then the entities they
    point to or that point to them (`incoming`), in id order, with their labels. `kind_of`:
    the kinds of nodes whose `kind` property is missing (the export's preflight)."""
    def kind(rec) -> str:
        return _kind(mapping, rec, kind_of or {})

    core = sorted(set(ids))
    chosen = set(core)
    types = sorted(t for t in mapping.relations if t != PROVENANCE)
    args = {"types": types, "holds": mapping.membership_types, "post_in": mapping.post_in_types}
    pointed: set[str] = set()
    for rec in tx.run(EXPORT_ENTITIES_IN, ids=core, **args):
        rels = [r for r in rec["rels"] if incoming or r[1] in chosen]
        pointed.update(_referenced(rec["props"], rels))
        yield mapping.block(rec["id"], kind(rec), rec["props"], rels)
    done = set(chosen)
    if incoming:
        for rec in tx.run(EXPORT_INCOMING, ids=core, **args):
            done.add(rec["id"])
            pointed.update(_referenced({}, rec["rels"]))
            yield mapping.block(rec["id"], kind(rec), rec["props"], rec["rels"], labels_only=True)
    rest = sorted(pointed - done)
    if rest:
        for rec in tx.run(EXPORT_ENTITIES_IN, ids=rest, types=[], holds=[], post_in=[]):
            yield mapping.block(rec["id"], kind(rec), rec["props"], [], labels_only=True)


def _kind(mapping: RdfMapping, rec, kind_of: Mapping[str, str]) -> str:
    kind = rec["kind"] if rec["kind"] in mapping.kinds else kind_of.get(rec["id"])
    if kind is None:
        raise ExportError(f"node {rec['id']!r} has no kind of the schema")
    return kind


def _referenced(props: dict, rels: list) -> set[str]:
    """The ids an entity's triples point to: its sources, its relationships' targets and
    sources, the organisations of the posts it holds."""
    out = {x for x in props.get("sources") or [] if isinstance(x, str)}
    for _type, to_id, rprops, post in rels:
        out.add(to_id)
        out.update(x for x in rprops.get("sources") or [] if isinstance(x, str))
        if post is not None:
            out.update(x for x in post[1] if isinstance(x, str))
    return out
