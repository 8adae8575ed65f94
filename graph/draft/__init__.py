"""`cisfilm draft`: a Russian news article → a draft fact file for a person to review.

`article` (header, body, site furniture left out), `extract` (NER and patterns →
candidates and relation candidates, by position), `link` (candidates → known
entities, or new ids, or marked ambiguous), `write` (the YAML), `evaluate`
(leave-one-out against the hand-made seeds).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from graph.draft.article import Article, read_article
from graph.draft.extract import Candidate, Models, RelCandidate, extract, load_models
from graph.draft.link import Gazetteer, link_all
from graph.errors import CisfilmError
from graph.facts import FactSet
from graph.model.dates import parse_date
from graph.model.schema import ID_RE, Model

__all__ = ["Draft", "draft_article", "load_models", "read_article"]

GUESSES = {
    "Organization": (("киностуди", "studio"), ("кинокомпани", "production_company"), ("холдинг", "media_holding"),
                     ("правительств", "government_body"), ("министерств", "government_body"),
                     ("департамент", "government_body"), ("администраци", "government_body"), ("агентств", "agency"),
                     ("лиг", "association"), ("ассоциаци", "association"), ("союз", "association"),
                     ("гильди", "association"), ("ано ", "non_profit"), ("фонд", "non_profit"),
                     ("рбк", "media_outlet"), ("тасс", "media_outlet"), ("риа", "media_outlet")),
    "Place": (("област", "region"), ("край", "region"), ("республик", "country"), ("город", "city"),
              ("снг", "country_group"), ("содружеств", "country_group")),
}
DEFAULTS = {"Organization": "production_company", "Place": "country", "Event": "meeting", "Project": "film",
            "Site": "production_site", "Cluster": "film_cluster", "Agreement": "agreement"}


@dataclass
class Draft:
    article: Article
    file: str
    source_id: str
    date: str | None
    date_from: str
    url: str | None
    candidates: list[Candidate]
    relations: list[RelCandidate]
    sentences: list[tuple[int, int]]
    linked_against: str = "the facts"
    seconds: float = 0.0
    dropped: list[RelCandidate] = field(default_factory=list)  # kinds the schema does not allow
    repeated: list[RelCandidate] = field(default_factory=list)  # relations the facts already hold

    @property
    def text(self) -> str:
        return self.article.text

    def quote_span(self, c: Candidate) -> tuple[int, int]:
        """Where the candidate's quote is cut from: the sentence of its first mention (its
        mention alone when that sentence is long)."""
        m = c.first
        for a, b in self.sentences:
            if a <= m.start < b:
                return (a, b) if b - a <= 300 else (m.start, m.end)
        return (m.start, m.end)

    def quote(self, c: Candidate) -> str:
        a, b = self.quote_span(c)
        return self.text[a:b]

    def render(self) -> str:
        from graph.draft.write import render

        return render(self)


def next_source_id(taken: set[str]) -> str:
    nums = [int(m.group(1)) for i in taken if (m := re.fullmatch(r"src-(\d+)", i))]
    return f"src-{(max(nums) + 1) if nums else 0:03d}"


def draft_article(text: str, file: str, facts: FactSet, model: Model, *, source_id: str | None = None,
                  url: str | None = None, date: str | None = None, models: Models | None = None,
                  linked_against: str = "the facts") -> Draft:
    """Read, extract, link: the draft of `text` (an article saved as `file`) against `facts`."""
    t0 = time.perf_counter()
    if source_id is not None and not ID_RE.fullmatch(source_id):
        raise CisfilmError(f"--source-id {source_id!r} is no valid id (lower-case letters, digits and '-')")
    if source_id is not None and source_id in facts.entities:
        raise CisfilmError(f"--source-id {source_id!r} is already the id of an entity in the facts")
    if date is not None:
        try:
            date = parse_date(date)
        except ValueError as e:
            raise CisfilmError(f"--date: {e}") from None
    article = read_article(text)
    ex = extract(article, models)
    gaz = Gazetteer(facts.entities.values(), facts.relations)
    cands, rels = link_all(ex.candidates, ex.relations, gaz)
    for c in cands:
        _guess_fields(c)
    ok, dropped, repeated = [], [], []
    known = {r.key for r in facts.relations}
    for r in rels:
        spec = model.relations.get(r.type)
        if (r.source.id, r.type, r.target.id) in known:
            repeated.append(r)  # the facts have it: the article is one more source
        elif spec is not None and spec.allows(r.source.kind, r.target.kind) and r.source is not r.target:
            ok.append(r)
        else:
            dropped.append(r)
    # a candidate named only in relations that were dropped stays: it is still named
    from graph.draft.extract import sentences

    paragraphs = ([article.headline] if article.headline else []) + article.body
    sid = source_id or next_source_id(set(facts.entities))
    return Draft(article, file, sid, date or article.date,
                 "--date" if date else ("the article's date line" if article.date else "nowhere: none found"),
                 url, cands, ok, sentences(text, paragraphs), linked_against, time.perf_counter() - t0, dropped,
                 repeated)


def _guess_fields(c: Candidate) -> None:
    """Required enum fields of a new entity, guessed from its wording (and marked as guessed)."""
    if c.link is not None and c.link.status == "existing":
        return
    if c.kind in GUESSES and "type" not in c.fields:
        words = " ".join(m.text for m in c.mentions).lower() + " "
        c.fields["type"] = next((t for w, t in GUESSES[c.kind] if w in words), DEFAULTS[c.kind])
        c.guessed.append("type")
    elif c.kind in DEFAULTS and "type" not in c.fields:
        c.fields["type"] = DEFAULTS[c.kind]
        c.guessed.append("type")


def draft_file(path: Path, facts: FactSet, model: Model, **kw) -> Draft:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CisfilmError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    return draft_article(text, path.name, facts, model, **kw)
