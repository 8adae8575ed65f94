"""Reference data: facts sourced only from dataset Sources (`source_type: dataset`, such
as the ISO 3166 gazetteer in seeds/reference/), and an article's declaration of the same
entity merged into the dataset's.

An article file may declare an entity the reference data declares (same id, same kind),
citing its article: the two become one entity citing both sources. The article's names
win, the dataset's other names become aliases, other fields must agree. Any other
repeated id stays an error (`graph.facts.rules`).
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from graph.errors import Problem
from graph.model.schema import SOURCE_KIND

if TYPE_CHECKING:
    from graph.facts.reader import Entity

DATASET = "dataset"  # Source.source_type of reference data
NOT_MERGED = ("name", "aliases", "note")  # fields an article may state its own way


def dataset_sources(entities: list[Entity]) -> set[str]:
    """The ids of the dataset Sources among `entities`."""
    return {e.id for e in entities if e.kind == SOURCE_KIND and e.fields.get("source_type") == DATASET}


def is_reference(fact, datasets: set[str]) -> bool:
    """A fact (entity or relation) that cites dataset sources only."""
    return bool(fact.sources) and all(s in datasets for s in fact.sources)


def merge(entities: list[Entity]) -> tuple[list[Entity], list[Problem]]:
    """`entities` (file order) with each id declared once by reference data and once by
    an article file made one entity, in the article's place; and the conflicts found."""
    from graph.facts.reader import Entity

    datasets = dataset_sources(entities)
    if not datasets:
        return entities, []
    by_id: dict[str, list[Entity]] = defaultdict(list)
    for e in entities:
        by_id[e.id].append(e)
    merged: dict[int, Entity | None] = {}  # id() of a declaration → the merged entity (None: dropped)
    problems: list[Problem] = []
    for eid, group in by_id.items():
        if len(group) != 2:
            continue
        refs = [e for e in group if is_reference(e, datasets)]
        if len(refs) != 1 or group[0].kind != group[1].kind:
            continue
        ref = refs[0]
        art = group[1] if group[0] is ref else group[0]
        fields = dict(ref.fields)
        for k, v in art.fields.items():
            if k in NOT_MERGED or k not in ref.fields:
                fields[k] = v
            elif ref.fields[k] != v:
                at = art.field_pos.get(k, art.pos)
                problems.append(Problem(at.file, at.line, at.col, f"{art.path}.{k}",
                                        f"{v!r} differs from the reference data's {ref.fields[k]!r} "
                                        f"({ref.pos.file}:{ref.pos.line}:{ref.pos.col})"))
        names = dict(art.fields.get("name") or {})
        displaced = [t for lang, t in (ref.fields.get("name") or {}).items() if names.setdefault(lang, t) != t]
        aliases = list(art.fields.get("aliases") or [])
        for a in displaced + list(ref.fields.get("aliases") or []):
            if a not in aliases and a not in names.values():
                aliases.append(a)
        fields["name"] = names
        if aliases:
            fields["aliases"] = aliases
        sources, quotes = list(art.sources), list(art.quotes)
        for s, q in zip(ref.sources, ref.quotes, strict=True):
            if s not in sources:
                sources.append(s)
                quotes.append(q)
        merged[id(art)] = Entity(eid, art.kind, fields, sources, quotes, art.pos, art.field_pos, art.path)
        merged[id(ref)] = None
    if not merged:
        return entities, problems
    out = []
    for e in entities:
        m = merged.get(id(e), e)
        if m is not None:
            out.append(m)
    return out, problems
