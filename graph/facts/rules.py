"""The rules that need every fact at once, each broken one reported as a `Problem`:
ids, references, sources, relation kinds, repeated relations, date order, likely duplicates.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Set
from typing import TYPE_CHECKING

from graph import strictyaml as sy
from graph.errors import Problem, suggest
from graph.facts.checker import Checker
from graph.facts.reference import dataset_sources, is_reference
from graph.model.dates import date_pairs, ends_before, is_date
from graph.model.names import fold
from graph.model.schema import SOURCE_KIND, Model

if TYPE_CHECKING:
    from graph.facts.reader import Entity, Relation


def a(kind: str) -> str:
    """'an Organization', 'a Person'."""
    return f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind}"


def _at(mark: sy.Mark) -> str:
    return f"{mark.file}:{mark.line}:{mark.col}"


def check_set(entities: list[Entity], relations: list[Relation], model: Model,
              *, strict: bool = False, folded: Mapping[str, str] | None = None) -> list[Problem]:
    """The rules that need every fact at once. `entities` in file order, duplicates included.
    `folded`: names already folded (`name_keys`), so that work is not done here again."""
    c = Checker(model)
    by_id: dict[str, list[Entity]] = defaultdict(list)
    for e in entities:
        by_id[e.id].append(e)
    for eid, group in by_id.items():
        if len(group) > 1:
            for e in group:
                others = ", ".join(_at(o.field_pos["id"]) for o in group if o is not e)
                c.error(e.field_pos["id"], f"{e.path}.id", f"duplicate id {eid!r} (also at {others})")
    first = {eid: group[0] for eid, group in by_id.items()}
    source_ids = [eid for eid, e in first.items() if e.kind == SOURCE_KIND]

    def check_sources(fact, path: str) -> None:
        for i, sid in enumerate(fact.sources):
            mark = fact.field_pos.get(f"sources[{i}]", fact.pos)
            target = first.get(sid)
            if target is None:
                c.error(mark, f"{path}.sources[{i}]", f"unknown source {sid!r}{suggest(sid, source_ids)}")
            elif target.kind and target.kind != SOURCE_KIND:
                c.error(mark, f"{path}.sources[{i}]", f"{sid!r} is {a(target.kind)}, not a {SOURCE_KIND}")

    for e in entities:
        check_sources(e, e.path)
        _check_dates(c, e.fields, e.field_pos, e.path)

    seen: dict[tuple[str, str, str], Relation] = {}
    for r in relations:
        check_sources(r, r.path)
        _check_dates(c, r.props, r.field_pos, r.path)
        ends = {}
        for end, eid in (("from", r.from_id), ("to", r.to_id)):
            target = first.get(eid)
            if target is None:
                c.error(r.field_pos[end], f"{r.path}.{end}", f"unknown id {eid!r}{suggest(eid, first)}")
            else:
                ends[end] = target.kind
        spec = model.relations.get(r.type)
        if spec and len(ends) == 2 and ends["from"] in model.kinds and ends["to"] in model.kinds:
            if ends["from"] not in spec.targets:
                allowed = ", ".join(sorted(spec.from_kinds))
                c.error(r.field_pos["from"], f"{r.path}.from",
                        f"{r.from_id!r} is {a(ends['from'])}; {r.type} starts at {allowed}")
            elif not spec.allows(ends["from"], ends["to"]):
                allowed = ", ".join(sorted(spec.targets[ends["from"]]))
                c.error(r.field_pos["to"], f"{r.path}.to",
                        f"{r.to_id!r} is {a(ends['to'])}; {r.type} from {ends['from']} goes to {allowed}")
        if r.from_id == r.to_id:
            c.error(r.field_pos["to"], f"{r.path}.to", "a relation from an entity to itself")
        key = (r.from_id, r.type, r.to_id)
        if key in seen:
            c.error(r.pos, r.path, f"the same relation ({r.from_id})-[{r.type}]->({r.to_id}) "
                                   f"is already at {_at(seen[key].pos)}; merge their sources")
        else:
            seen[key] = r

    # Reference data (ISO 3166) may name two places alike (a city and its district): its codes tell them apart.
    datasets = dataset_sources(list(first.values()))
    reference = {e.id for e in first.values() if is_reference(e, datasets)}
    _likely_duplicates(c, list(first.values()), "error" if strict else "warning", folded or {}, reference)
    return c.problems


def name_keys(entities: list[Entity]) -> dict[str, str]:
    """Each name and alias of `entities` → its folded key (`graph.model.names.fold`): made
    where a file is read, in its worker, for `check_set`."""
    return {text: fold(text) for e in entities for _, text in _names(e)}


def _check_dates(c: Checker, values: dict, positions: Mapping[str, sy.Mark], path: str) -> None:
    dated = [k for k, v in values.items() if is_date(v)]
    for lo, hi in date_pairs(dated):
        if ends_before(values[lo], values[hi]):
            c.error(positions[hi], f"{path}.{hi}", f"{hi} {values[hi]} is before {lo} {values[lo]}")


def _likely_duplicates(c: Checker, entities: list[Entity], severity: str, folded: Mapping[str, str],
                       reference: Set[str] = frozenset()) -> None:
    seen: dict[tuple[str, str], tuple[Entity, str, str]] = {}
    for e in entities:
        reported: set[str] = set()
        for rel, text in _names(e):
            key = folded.get(text)
            if key is None:
                key = fold(text)
            if not key:
                continue
            other = seen.get((e.kind, key))
            if other is None:
                seen[(e.kind, key)] = (e, rel, text)
            elif other[0] is not e and other[0].id not in reported and not (
                    e.id in reference and other[0].id in reference):
                reported.add(other[0].id)
                o, orel, otext = other
                same = "the same name" if otext == text else (
                    f"{otext!r} and {text!r} differ only in case, ё/е, look-alike letters, quotes or spacing")
                c.error(e.field_pos.get(rel, e.pos), f"{e.path}.{rel}",
                        f"likely duplicate of {o.id!r} at {_at(o.field_pos.get(orel, o.pos))}: {same}",
                        severity)


def _names(e: Entity) -> list[tuple[str, str]]:
    out = []
    name = e.fields.get("name")
    if isinstance(name, dict):
        out += [(f"name.{lang}", v) for lang, v in name.items()]
    aliases = e.fields.get("aliases")
    if isinstance(aliases, list):
        out += [(f"aliases[{i}]", v) for i, v in enumerate(aliases) if isinstance(v, str)]
    return out
