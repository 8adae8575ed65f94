"""Linking candidates to the entities the facts already hold.

A candidate is looked up by every way the article writes it — as written, its
dictionary forms (`graph.model.forms`), without a legal form or quotes, a Latin
spelling — against every name and alias of the known entities (folded as
`graph.model.names.fold` does). One entity found: the candidate is that entity (its
id is reused). Several: the candidate is marked ambiguous with all of them, and
nothing is chosen. None: a new entity with a new id.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.draft.extract import _LEGAL, Candidate, RelCandidate
from graph.facts import Entity, Relation
from graph.model.forms import _TRANSLIT, latin_key, lookup_keys
from graph.model.names import fold
from graph.model.schema import ID_RE

PREFIX = {"Organization": "org", "Person": "person", "Place": "place", "Post": "post", "Event": "event",
          "Project": "project", "Agreement": "agreement", "Site": "site", "Cluster": "cluster",
          "Incentive": "incentive", "Source": "src"}
# NER's "organisation" or "place" may be any of these in the facts (СНГ is a Place there,
# «Искра» a Project); a person is only ever a Person.
LOOSE = {"Organization", "Place", "Event", "Project", "Site", "Cluster"}


@dataclass
class Link:
    status: str  # "existing", "ambiguous" or "new"
    id: str | None = None
    how: str = ""  # for an existing entity: which form matched which name
    candidates: list[tuple[str, str, str, str]] = field(default_factory=list)  # (id, kind, name, how)


def _display(e: Entity) -> str:
    name = e.fields.get("name") or {}
    return name.get("en") or name.get("ru") or next(iter(name.values()), e.id)


class Gazetteer:
    """Every name and alias of the known entities, folded, and as a Latin key."""

    def __init__(self, entities: Iterable[Entity], relations: Iterable[Relation] = ()):
        self.entities = {e.id: e for e in entities}
        self.keys: dict[str, dict[str, str]] = defaultdict(dict)  # folded → id → the name it folds
        self.latin: dict[str, dict[str, str]] = defaultdict(dict)
        for e in self.entities.values():
            for label, text in _names(e):
                self.keys[fold(text)].setdefault(e.id, f"{label} {text!r}")
                if e.kind in ("Person", "Organization", "Place"):
                    self.latin[latin_key(text)].setdefault(e.id, f"{label} {text!r}")
        self.post_in: dict[str, set[str]] = defaultdict(set)  # org id → its posts
        self.holder: dict[str, set[str]] = defaultdict(set)  # post id → who holds it
        for r in relations:
            if r.type == "POST_IN":
                self.post_in[r.to_id].add(r.from_id)
            elif r.type == "HOLDS":
                self.holder[r.to_id].add(r.from_id)

    def lookup(self, cand: Candidate) -> Link:
        texts = _variants(cand)
        for stage in ("exact", "forms", "latin"):
            hits: dict[str, str] = {}
            for text in texts:
                if stage == "latin":
                    found = {i: f"Latin spelling of {how}" for i, how in self.latin.get(latin_key(text), {}).items()}
                    hits.update({i: f"{text!r} as a {h}" for i, h in found.items() if i not in hits})
                    continue
                keys = lookup_keys(text)[:1] if stage == "exact" else lookup_keys(text)[1:]
                for key, how in keys:
                    for i, name in self.keys.get(key, {}).items():
                        via = f"{text!r} = {name}" if stage == "exact" else f"{text!r} by its {how} = {name}"
                        hits.setdefault(i, via)
            hits = self._fitting(cand, hits)
            if hits:
                return self._decide(hits)
        return Link("new")

    def _fitting(self, cand: Candidate, hits: dict[str, str]) -> dict[str, str]:
        same = {i: h for i, h in hits.items() if self.entities[i].kind == cand.kind}
        if same or cand.kind not in LOOSE or not cand.ner:
            return same
        return {i: h for i, h in hits.items() if self.entities[i].kind in LOOSE}

    def _decide(self, hits: dict[str, str]) -> Link:
        cands = [(i, self.entities[i].kind, _display(self.entities[i]), h) for i, h in sorted(hits.items())]
        if len(cands) == 1:
            return Link("existing", cands[0][0], cands[0][3], cands)
        return Link("ambiguous", None, "", cands)

    def link_post(self, post: Candidate, org_id: str | None, person_id: str | None) -> Link:
        """A post is known when its organisation is, and one of that organisation's posts
        has the same title (and, with several, is held by the same person)."""
        if org_id is None:
            return Link("new")
        written = (post.fields.get("title") or {}).get("ru", "")
        title = fold(written)
        same = [p for p in sorted(self.post_in.get(org_id, ())) if p in self.entities
                and fold((self.entities[p].fields.get("title") or {}).get("ru", "")) == title]
        if len(same) > 1 and person_id:
            held = [p for p in same if person_id in self.holder.get(p, ())]
            same = held or same
        if not same:
            return Link("new")
        hits = {p: f"the post {written!r} in {org_id}" for p in same}
        return self._decide(hits)


def _names(e: Entity) -> list[tuple[str, str]]:
    out = [(f"name.{lang}", text) for lang, text in (e.fields.get("name") or {}).items()]
    out += [("alias", a) for a in e.fields.get("aliases") or [] if isinstance(a, str)]
    return out


def _variants(cand: Candidate) -> list[str]:
    """The ways to look a candidate up: its name and mentions, each also without a legal form,
    a trailing abbreviation in brackets, or quotes around the whole; the quoted name inside."""
    out: list[str] = []

    def add(t: str) -> None:
        t = t.strip(" ,.;:")
        if t and t not in out:
            out.append(t)

    for text in cand.names():
        add(text)
        m = re.match(r"(.*?)\s*\(([A-ZА-ЯЁ]{2,})\)$", text)
        if m:
            add(m.group(1))
            add(m.group(2))
        legal = _LEGAL.match(text)
        if legal and legal.end() < len(text):
            add(text[legal.end():])
        if cand.kind == "Organization":
            inner = re.findall(r"«([^«»]+)»|\"([^\"]+)\"", text)
            for a, b in inner:
                add(a or b)
    for t in list(out):
        if t[:1] in "«\"“" and t[-1:] in "»\"”":
            add(t[1:-1])
    words = cand.name.split()
    if cand.kind == "Person" and len(words) == 3:  # «Иван Петрович Соколов» is «Иван Соколов»
        add(f"{words[0]} {words[2]}")
    return out


def slug(text: str) -> str:
    s = fold(text.casefold().translate(_TRANSLIT))
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s[:60].rstrip("-") or "x"


def new_id(kind: str, name: str, taken: set[str]) -> str:
    """`<prefix>-<slug of the name>`, unique among `taken` (which it joins)."""
    base = f"{PREFIX.get(kind, kind.lower())}-{slug(name)}"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    assert ID_RE.fullmatch(out), out
    taken.add(out)
    return out


def link_all(cands: list[Candidate], rels: list[RelCandidate],
             gaz: Gazetteer) -> tuple[list[Candidate], list[RelCandidate]]:
    """Link every candidate; merge those that turn out to be one known entity; give the new
    ones ids. Returns the candidates and relations that remain."""
    taken = set(gaz.entities)
    for c in cands:
        if c.kind != "Post":
            c.link = gaz.lookup(c)
    # one known entity named twice («Газпром-Медиа», «Газпром-Медиа Холдинга») is one candidate
    by_id: dict[str, Candidate] = {}
    same: dict[int, Candidate] = {}
    kept: list[Candidate] = []
    for c in cands:
        if c.link is not None and c.link.status == "existing":
            first = by_id.get(c.link.id)
            if first is not None:
                first.mentions += c.mentions
                same[id(c)] = first
                continue
            by_id[c.link.id] = c
            c.id = c.link.id
            c.kind = gaz.entities[c.link.id].kind
        kept.append(c)
    rels = [RelCandidate(same.get(id(r.source), r.source), r.type, same.get(id(r.target), r.target), r.span,
                         r.props, r.why) for r in rels]
    # posts: by their organisation and holder, once those are linked
    for c in kept:
        if c.kind == "Post":
            org = next((r.target.id for r in rels if r.source is c and r.type == "POST_IN" and r.target.id), None)
            who = next((r.source.id for r in rels if r.target is c and r.type == "HOLDS" and r.source.id), None)
            c.link = gaz.link_post(c, org, who)
            if c.link.status == "existing":
                c.id = c.link.id
    for c in kept:
        if not c.id:
            c.id = new_id(c.kind, c.name, taken)
    return kept, rels
