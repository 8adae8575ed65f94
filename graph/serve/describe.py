"""What the server says about one IRI: its description, read from a snapshot's store.

The description of an IRI the export mints is every default-graph triple whose subject
is the IRI or a resource it owns — its derivations (`<iri>/source/…`), and for an entity
`<base>id/<id>` also its relationships' statements (`<base>fact/<id>/…`), memberships
(`<base>membership/<id>/…`) and role (`<base>role/<id>`), the same triples as its block in
the export — plus the triples that point at it from elsewhere (capped). A named graph
`<base>graph/<source>` is described by its own triples and what it holds.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

MAX_INCOMING = 500  # triples pointing at a resource, kept in its description


@dataclass
class Description:
    iri: str
    triples: list[ox.Triple] = field(default_factory=list)  # about it and what it owns
    incoming: list[ox.Triple] = field(default_factory=list)  # pointing at it from elsewhere
    incoming_truncated: bool = False

    @property
    def found(self) -> bool:
        return bool(self.triples or self.incoming)

    def all(self) -> list[ox.Triple]:
        return self.triples + self.incoming


def owned_prefixes(iri: str, base: str) -> tuple[str, ...]:
    prefixes = [iri + "/"]
    if iri.startswith(base + "id/"):
        seg = iri[len(base) + 3:]
        if "/" not in seg:
            prefixes += [f"{base}fact/{seg}/", f"{base}membership/{seg}/", f"{base}role/{seg}"]
    return tuple(prefixes)


def _owned(value: str, iri: str, prefixes: tuple[str, ...]) -> bool:
    return value != iri and any(value.startswith(p) if p.endswith("/") else value == p for p in prefixes)


def describe(store: ox.Store, iri: str, base: str, owner_predicates: tuple[str, ...] = (),
             max_incoming: int = MAX_INCOMING) -> Description:
    """`owner_predicates`: those by which an owned resource points at its owner
    (`rdf:subject` of a statement, `org:member` of a membership, `schema:about` of a
    quotation), so that a resource
    cited a thousand times is not scanned a thousand times to find what it owns."""
    d = Description(iri)
    node = ox.NamedNode(iri)
    dg = ox.DefaultGraph()
    prefixes = owned_prefixes(iri, base)
    frontier = [iri]
    for p in owner_predicates:
        for q in store.quads_for_pattern(None, ox.NamedNode(p), node, dg):
            if isinstance(q.subject, ox.NamedNode) and _owned(q.subject.value, iri, prefixes):
                frontier.append(q.subject.value)
    for q in store.quads_for_pattern(None, None, node, dg):
        s = q.subject
        if isinstance(s, ox.NamedNode) and _owned(s.value, iri, prefixes):
            frontier.append(s.value)
            continue
        if len(d.incoming) >= max_incoming:
            d.incoming_truncated = True
            break
        d.incoming.append(q.triple)
    seen: set[str] = set()
    while frontier:
        subj = frontier.pop()
        if subj in seen:
            continue
        seen.add(subj)
        for q in store.quads_for_pattern(ox.NamedNode(subj), None, None, dg):
            d.triples.append(q.triple)
            o = q.object
            if isinstance(o, ox.NamedNode) and o.value not in seen and _owned(o.value, iri, prefixes):
                frontier.append(o.value)
    if iri.startswith(base + "graph/"):
        have = set(d.triples)
        d.triples += [q.triple for q in store.quads_for_pattern(None, None, None, node) if q.triple not in have]
    d.triples.sort(key=lambda t: (t.subject != node, str(t.subject), str(t.predicate), str(t.object)))
    return d


def exists(store: ox.Store, iri: str) -> bool:
    """Whether the store says anything with `iri` as subject, object or graph name."""
    node = ox.NamedNode(iri)
    for pattern in ((node, None, None, None), (None, None, node, None), (None, None, None, node)):
        for _ in store.quads_for_pattern(*pattern):
            return True
    return False
