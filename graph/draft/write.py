"""A draft as a fact file in the seeds' format, with a `review:` key on everything a
person must decide (the validator refuses the key, so nothing unreviewed loads)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.draft import Draft
    from graph.draft.extract import Candidate

REVIEW = "review"


def q(value: Any) -> str:
    """A YAML scalar, always double-quoted (JSON's string syntax is YAML's)."""
    return json.dumps(value, ensure_ascii=False)


def _map(d: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {q(v)}" for k, v in d.items()) + "}"


def render(draft: Draft) -> str:
    """The draft fact file's text."""
    sid = draft.source_id
    lines = [
        "# yaml-language-server: $schema=../schema/facts.schema.json",
        "#",
        f"# Draft of the facts in {draft.file}, proposed by `cisfilm draft` and linked against",
        f"# {draft.linked_against}. Every `review:` key is for the reviewer: check the fact",
        "# against the article, correct it or delete it, then delete the key — `cisfilm validate`",
        "# refuses the file while any is left. Quotes are cut from the article by position.",
    ]
    known = [c for c in draft.candidates if c.link is not None and c.link.status == "existing"]
    if known:
        lines += ["#", f"# Known entities the article names (already in the facts: add {sid} to their",
                  "# sources, with the quote, where the article says something about them):"]
        for c in known:
            lines.append(f"#   {c.id} ({c.kind}): {c.link.how}")
            lines.append(f"#     quote: {q(draft.quote(c))}")
    if draft.repeated:
        lines += ["#", "# Known relations the article states again (add its source to theirs, with the quote):"]
        for r in draft.repeated:
            lines.append(f"#   ({r.source.id})-[{r.type}]->({r.target.id})")
            lines.append(f"#     quote: {q(draft.text[r.span[0]:r.span[1]])}")
    lines += ["entities:"]
    lines += _source(draft)
    for c in draft.candidates:
        if c.link is not None and c.link.status == "existing":
            continue
        lines += _entity(draft, c)
    rels = draft.relations
    lines += ["relations:" + (" []" if not rels else "")]
    for r in rels:
        lines += [f"  - from: {r.source.id}", f"    type: {r.type}", f"    to: {r.target.id}"]
        for k, v in r.props.items():
            lines.append(f"    {k}: {q(v)}")
        lines.append(f"    sources: [{{source: {sid}, quote: {q(draft.text[r.span[0]:r.span[1]])}}}]")
        ends = [c for c in (r.source, r.target) if c.link is not None and c.link.status == "ambiguous"]
        extra = f"; {', '.join(c.id for c in ends)} may be a known entity (see there)" if ends else ""
        ask = f"proposed from a sentence pattern ({r.why}){extra}: is it what the sentence says?"
        lines.append(f"    {REVIEW}: {q(ask)}")
    return "\n".join(lines) + "\n"


def _source(draft: Draft) -> list[str]:
    art = draft.article
    title = art.slice(art.headline)
    out = [f"  - id: {draft.source_id}", "    kind: Source",
           f"    name: {_map({'ru': title or f'Статья {draft.file}'})}"]
    if title:
        out.append(f"    title: {_map({'ru': title})}")
    sub = art.slice(art.subtitle)
    if sub:
        out.append(f"    subtitle: {_map({'ru': sub})}")
    out.append(f"    file: {q(draft.file)}")
    if draft.date:
        out.append(f"    date: {q(draft.date)}")
    if art.author:
        out.append(f"    author: {q(art.author)}")
    if art.photo_credit:
        out.append(f"    photo_credit: {q(art.photo_credit)}")
    if draft.url:
        out.append(f"    url: {q(draft.url)}")
    out.append('    language: "ru"')
    how = ("the headline" if title else "no headline found: the name is a placeholder, give a descriptive one")
    out.append(f"    {REVIEW}: {q(f'the article itself; name from {how}; date from {draft.date_from}')}")
    return out


def _entity(draft: Draft, c: Candidate) -> list[str]:
    name_lang = "ru" if any("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in c.name) else "en"
    out = [f"  - id: {c.id}", f"    kind: {c.kind}", f"    name: {_map({name_lang: c.name})}"]
    from graph.model.forms import lookup_keys
    from graph.model.names import fold

    # a mention that is only the name declined («Минске») is no alias
    aliases = [m for m in dict.fromkeys(_unq(m.text) for m in c.mentions)
               if fold(c.name) not in {k for k, _ in lookup_keys(m)}]
    if aliases:
        out.append(f"    aliases: [{', '.join(q(a) for a in aliases)}]  # as the article writes it: keep real names")
    for k, v in c.fields.items():
        out.append(f"    {k}: {_map(v) if isinstance(v, dict) else q(v)}")
    out.append(f"    sources: [{{source: {draft.source_id}, quote: {q(draft.quote(c))}}}]")
    notes = []
    if c.link is not None and c.link.status == "ambiguous":
        who = "; ".join(f"{i} ({k}, {n}: {how})" for i, k, n, how in c.link.candidates)
        notes.append(f"AMBIGUOUS: the article's {c.first.text!r} may be any of {who}. Use one of those ids "
                     f"instead of {c.id} in the relations and delete this entity, or keep it as a new one")
    else:
        notes.append(f"new {c.kind} (no known entity has this name, alias or dictionary form)")
    if c.guessed:
        notes.append(f"guessed from the wording: {', '.join(c.guessed)}")
    notes.append("check the name's dictionary form; add an English name")
    out.append(f"    {REVIEW}: {q('; '.join(notes))}")
    return out


def _unq(s: str) -> str:
    s = s.strip()
    if len(s) > 1 and (s[0], s[-1]) in (("«", "»"), ('"', '"'), ("“", "”")) and s.count(s[0]) == 1 + (s[0] == '"'):
        return s[1:-1]
    return s
