"""`cisfilm draft --evaluate DIR`: the extractor measured against the hand-made facts,
leave-one-out. Each article with a `Source` in the facts (its `file`) is drafted
against the facts of the other articles (what cites only it is held out) and compared
with the facts that cite it.

A proposed entity counts as found when the matcher (`graph.draft.link`) finds it among
the article's hand-made entities. Recall for people, organisations and places counts
those the article names by a proper name (a name or alias whose first word starts with
a capital in the article); the others (e.g. «областное правительство») are listed apart.
"""
from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from graph.draft import Draft, draft_article, load_models
from graph.draft.extract import Candidate
from graph.draft.link import Gazetteer, _names
from graph.errors import CisfilmError
from graph.facts import Entity, FactSet
from graph.model.names import fold
from graph.model.schema import SOURCE_KIND, Model

NAMED_KINDS = ("Person", "Organization", "Place")
TARGETS = ("targets: people/organisations/places named by a proper name recall ≥ 90 %, precision ≥ 90 %; "
           "known entities linked correctly ≥ 95 %, 0 wrong links; HOLDS recall ≥ 80 %; "
           "PARTY_TO/SIGNED recall ≥ 70 % at precision ≥ 80 %; ≤ 1 s per article; model load ≤ 3 s")


@dataclass
class Score:
    found: int = 0  # gold found
    gold: int = 0
    right: int = 0  # proposals that are right
    proposed: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        return self.right / self.proposed if self.proposed else None


@dataclass
class Report:
    load_seconds: float
    articles: list[tuple[str, str, float]] = field(default_factory=list)  # file, source id, seconds
    kinds: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    relations: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    links: Counter = field(default_factory=Counter)  # correct / wrong / ambiguous / missed
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # named gold entities not proposed
    extra: list[str] = field(default_factory=list)  # proposed people/organisations/places not in the facts
    not_named: int = 0

    def lines(self) -> list[str]:
        def pct(x: float | None) -> str:
            return "   -  " if x is None else f"{100 * x:5.1f}%"

        out = [f"Model load: {self.load_seconds:.2f} s"]
        for f, sid, sec in self.articles:
            out.append(f"  {f} ({sid}): {sec:.2f} s")
        if self.articles:
            out.append(f"Time per article: {sum(s for *_, s in self.articles) / len(self.articles):.2f} s "
                       f"(max {max(s for *_, s in self.articles):.2f} s)")
        out.append("Entities (named by a proper name)   recall  precision  (found/gold, right/proposed)")
        for k in sorted(self.kinds):
            s = self.kinds[k]
            out.append(f"  {k:<32} {pct(s.recall)}  {pct(s.precision)}    ({s.found}/{s.gold}, {s.right}/{s.proposed})")
        out.append(f"  ({self.not_named} hand-made people/organisations/places are not named by a proper name: "
                   "not counted)")
        out.append("Relations                           recall  precision  (found/gold, right/proposed)")
        for t in sorted(self.relations):
            s = self.relations[t]
            out.append(f"  {t:<32} {pct(s.recall)}  {pct(s.precision)}    ({s.found}/{s.gold}, {s.right}/{s.proposed})")
        n = sum(self.links[k] for k in ("correct", "wrong", "ambiguous", "missed"))
        out.append(f"Linking of known entities: {self.links['correct']} correct, {self.links['wrong']} wrong, "
                   f"{self.links['ambiguous']} ambiguous (marked), {self.links['missed']} proposed as new"
                   + (f" — {100 * self.links['correct'] / n:.1f}% correct" if n else ""))
        out += [f"  wrong: {w}" for w in self.wrong]
        if self.missed:
            out.append("Not proposed: " + ", ".join(self.missed))
        if self.extra:
            out.append("Proposed, not in the hand-made facts: " + ", ".join(self.extra))
        out.append(TARGETS)
        return out


def named_in(e: Entity, text: str) -> bool:
    """The article names `e` by a proper name: the first word of one of its names or aliases,
    capitalised in the names and in the text (its stem, so declined forms count)."""
    for _, name in _names(e):
        first = name.strip("«»\"“ ").split(" ")[0] if name.strip() else ""
        if not first or not (first[:1].isupper() or first[:1].isdigit()):
            continue
        stem = first[:max(3, len(first) - 2)] if len(first) > 4 else first
        if re.search(r"(?<![\w-])" + re.escape(stem), text):
            return True
    return False


def _held_out(facts: FactSet, sid: str) -> FactSet:
    """The facts without what only `sid` gives (its Source, what cites only it)."""
    out = FactSet(files=facts.files)
    out.entities = {i: e for i, e in facts.entities.items()
                    if (e.kind == SOURCE_KIND and i != sid) or (e.kind != SOURCE_KIND and set(e.sources) - {sid})}
    out.relations = [r for r in facts.relations if set(r.sources) - {sid}
                     and r.from_id in out.entities and r.to_id in out.entities]
    return out


def evaluate(directory: Path, facts: FactSet, model: Model) -> Report:
    t0 = time.perf_counter()
    models = load_models()
    report = Report(load_seconds=models.load_seconds if models.load_seconds else time.perf_counter() - t0)
    by_file = {e.fields.get("file"): e.id for e in facts.entities.values() if e.kind == SOURCE_KIND}
    files = sorted(p for p in directory.glob("*.txt") if p.name in by_file)
    if not files:
        raise CisfilmError(f"no article in {directory} is the file of a Source in the facts")
    for path in files:
        sid = by_file[path.name]
        text = path.read_text(encoding="utf-8")
        draft = draft_article(text, path.name, _held_out(facts, sid), model, source_id=sid, models=models)
        report.articles.append((path.name, sid, draft.seconds))
        art = draft.article  # named in the article itself, not in the site's furniture around it
        body = "\n".join(text[a:b] for a, b in ([art.headline] if art.headline else []) + art.body)
        _score(report, draft, facts, sid, body)
    return report


def _score(report: Report, draft: Draft, facts: FactSet, sid: str, text: str) -> None:
    gold = {i: e for i, e in facts.entities.items() if sid in e.sources}
    gold_rels = [r for r in facts.relations if sid in r.sources]
    gaz = Gazetteer(gold.values(), gold_rels)
    known = _held_out(facts, sid).entities

    match: dict[int, str | None] = {}
    for c in draft.candidates:
        match[id(c)] = _gold_id(c, gaz, gold)
    # posts and agreements are named by what they belong to
    for c in draft.candidates:
        if c.kind == "Post" and match[id(c)] is None:
            org = next((match[id(r.target)] for r in draft.relations + draft.repeated
                        if r.source is c and r.type == "POST_IN"), None)
            who = next((match[id(r.source)] for r in draft.relations + draft.repeated
                        if r.target is c and r.type == "HOLDS"), None)
            posts = [r.from_id for r in gold_rels if r.type == "POST_IN" and r.to_id == org]
            held = [p for p in posts if any(r.type == "HOLDS" and r.from_id == who and r.to_id == p for r in gold_rels)]
            if not posts and who:  # a post with no organisation: the one the person holds
                posts = [r.to_id for r in gold_rels if r.type == "HOLDS" and r.from_id == who]
            choice = held or posts
            match[id(c)] = choice[0] if len(choice) == 1 or held else None
        elif c.kind == "Agreement" and match[id(c)] is None:
            agreements = [i for i, e in gold.items() if e.kind == "Agreement"]
            match[id(c)] = agreements[0] if len(agreements) == 1 else None

    for kind in NAMED_KINDS:
        named = {i for i, e in gold.items() if e.kind == kind and named_in(e, text)}
        report.not_named += sum(1 for e in gold.values() if e.kind == kind) - len(named)
        props = [c for c in draft.candidates if c.kind == kind]
        hit = {match[id(c)] for c in props}
        s = report.kinds[kind]
        s.gold += len(named)
        s.found += len(named & hit)
        s.proposed += len(props)
        s.right += sum(1 for c in props if match[id(c)] in gold)
        report.missed += [f"{i} ({draft.file})" for i in sorted(named - hit)]
        report.extra += [f"{c.name!r} ({draft.file})" for c in props if match[id(c)] not in gold]

    for c in draft.candidates:
        g = match[id(c)]
        status = c.link.status if c.link is not None else "new"
        if status == "existing" and c.id != g:
            report.links["wrong"] += 1
            report.wrong.append(f"{draft.file}: {c.first.text!r} → {c.id} (the hand-made facts: {g})")
        elif g is None or g not in known:
            continue
        elif status == "existing":
            report.links["correct"] += 1
        elif status == "ambiguous":
            report.links["ambiguous"] += 1
        else:
            report.links["missed"] += 1

    wanted = {r.key for r in gold_rels}
    got = set()
    for r in draft.relations + draft.repeated:
        got.add((match[id(r.source)] or f"?{id(r.source)}", r.type, match[id(r.target)] or f"?{id(r.target)}"))
    for t in {k[1] for k in wanted} | {k[1] for k in got}:
        s = report.relations[t]
        w = {k for k in wanted if k[1] == t}
        g2 = {k for k in got if k[1] == t}
        s.gold += len(w)
        s.found += len(w & g2)
        s.proposed += len(g2)
        s.right += len(w & g2)


def _gold_id(c: Candidate, gaz: Gazetteer, gold: dict[str, Entity]) -> str | None:
    if c.id in gold:
        return c.id
    link = gaz.lookup(c)
    if link.status == "existing":
        return link.id
    if link.status == "ambiguous":  # the hand-made kind decides
        same = [i for i, *_ in link.candidates if gold[i].kind == c.kind]
        return same[0] if len(same) == 1 else None
    # a person named by surname only, or a name the hand-made facts word differently
    if c.kind == "Person":
        last = fold(c.name).split()[-1:]
        hits = [i for i, e in gold.items() if e.kind == "Person"
                and any(fold(n).split()[-1:] == last for _, n in _names(e))]
        return hits[0] if len(hits) == 1 else None
    return None
