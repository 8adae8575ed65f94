"""Candidate entities and relations from an article: named entities from slovnet's NER
model (persons, organisations, places), and patterns for what NER does not tag —
projects, events, sites, clusters, agreements, posts — and for relations (posts,
signing, production, announcements).

Every mention keeps its position in the original text; a relation keeps the span of
the sentence(s) it was read from. Nothing here decides what a mention refers to:
`graph.draft.link` does.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graph.draft.article import MONTHS, Article
from graph.model.forms import nominative
from graph.model.names import fold

NER_KINDS = {"PER": "Person", "ORG": "Organization", "LOC": "Place"}
LEGAL_FORMS = ("УП", "АНО", "ГУ", "ООО", "ОАО", "ЗАО", "ПАО", "АО", "НКО", "ФГУП", "ГБУ", "ГАУ", "МУП", "ИП")
_LEGAL = re.compile(r"(?:(?:" + "|".join(LEGAL_FORMS) + r")\s+|(?:[Гг]осударственн\w+|[Мм]униципальн\w+|"
                    r"[Бб]юджетн\w+)\s+учреждени\w+\s+)")
_Q = r"(?:«[^«»]*(?:«[^«»]*»[^«»]*)*»|\"[^\"\n]+\"|“[^”\n]+”)"  # a quoted name, one level of inner «»
_CAPS = r"[А-ЯЁ][А-ЯЁ-]+(?:\s+[А-ЯЁ][А-ЯЁ-]+)+"  # a title in capitals: ЗАБЫТЫЕ БОГИ
_ADJ = r"[а-яё-]+(?:ый|ий|ой|ая|ое|ее|ые|ие|ого|его|ому|ему|ым|им|ом|ем|ую|юю|ых|их|ыми|ими)"

_ORG_WORD = re.compile(r"(?:кино)?(?:компани|студи|холдинг|агентств|фонд)\w*\s+")
PROJECT_TYPES = (("сериал", "series"), ("мини-сериал", "series"), ("полнометражн", "feature_film"),
                 ("короткометражн", "short_film"), ("документальн", "documentary"))
_PROJECT = re.compile(
    r"\b((?:(?i:" + _ADJ + r")\s+){0,2}(?i:сериал|мини-сериал|фильм|кинофильм|драм|комеди|мелодрам|триллер|картин|"
    r"кинокартин|мультфильм|кинопроект)\w*)\s+(" + _Q + "|" + _CAPS + r")")
_PAREN_CAPS = re.compile(r"\((" + _CAPS + r")\)")
EVENT_TYPES = (("кинофестивал", "festival"), ("фестивал", "festival"), ("форум", "forum"),
               ("недел", "film_week"), ("кинонедел", "film_week"), ("сесси", "session"), ("конгресс", "meeting"),
               ("саммит", "meeting"), ("встреч", "meeting"))
_CAP_ADJ = r"[А-ЯЁ]" + _ADJ  # a capitalised adjective: Московской, Международный
_EVENT = re.compile(
    r"(?:(?:\b[IVXLC]+|\b\d{1,2}-?\w{0,3})\s+)?(?:\b" + _CAP_ADJ + r"\s+(?:" + _ADJ + r"\s+){0,2})?"
    r"\b(?:(?:кинофестивал|фестивал|кинофорум|форум|конгресс|саммит)\w*(?:\s+(" + _Q + r"))?"
    r"|(?:кинонедел\w*|недел\w+ кино))")
_SITE = re.compile(r"\b(кинопарк|кинозавод|киногород|павильон|студийн\w+ комплекс|инновационн\w+ центр)\w*"
                   r"\s+(" + _Q + ")")
SITE_TYPES = (("кинопарк", "backlot"), ("киногород", "backlot"), ("кинозавод", "studio_complex"),
              ("павильон", "studio_complex"), ("студийн", "studio_complex"), ("инновационн", "innovation_centre"))
_CLUSTER = re.compile(r"\b" + _CAP_ADJ + r"(?:\s+" + _ADJ + r"){0,2}\s+(?:кинокластер|кластер)\w*")
_ORG_BY_TYPE = re.compile(
    r"\b(?:кинокомпани|компани|киностуди|студи|холдинг|медиахолдинг|телеканал|онлайн-кинотеатр|кинотеатр|"
    r"агентств|фонд|дистрибьютор|ассоциаци)\w*\s+(" + _Q + r"|[A-Z0-9][\w.&-]*(?:\s+[A-Z][\w.&-]*)*)")

TITLES = re.compile(
    r"\b(?:(?:перв\w+\s+)?заместител\w+\s+(?:генеральн\w+\s+)?(?:директор|председател|руководител|министр|глав)\w*|"
    r"генеральн\w+\s+директор\w*|исполнительн\w+\s+директор\w*|художественн\w+\s+руководител\w*|"
    r"креативн\w+\s+продюсер\w*|генеральн\w+\s+продюсер\w*|директор\w*|председател\w*|губернатор\w*|министр\w*|"
    r"руководител\w*|президент\w*|основател\w*|мэр\w*|глав[аыуеой]\b)", re.IGNORECASE)
_SIGNING = re.compile(r"подпис(?:ал|ыва|ан|ь|ей|и\b)\w*|заключил\w*|подписи", re.IGNORECASE)
_AGREEMENT = re.compile(r"\b(меморандум|соглашени|договор)\w*(?:\s+о\s+(?:сотрудничеств|партнерств|"
                        r"взаимодействи|намерениях)\w*)?", re.IGNORECASE)
_ANNOUNCE = re.compile(r"\b(?:объявил\w*|анонсировал\w*|представил\w*|запустил\w*|объявлял\w*|"
                       r"объявил\w* о разработке|заявил\w* о планах)", re.IGNORECASE)
_PRODUCE = re.compile(r"\b(?:снима\w+|сним\w+|производ\w+|разработк\w+|создани\w+|сериал\w* кинокомпани\w*|"
                      r"проект\w* кинокомпани\w*)", re.IGNORECASE)
_HELD = re.compile(r"\b(?:проход\w+|пройд\w+|прош[её]л\w*|состо\w+|проводи\w+|организ\w+)\b", re.IGNORECASE)
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")(?:\s+(\d{4}))?")


@dataclass
class Mention:
    start: int
    end: int
    text: str


@dataclass(eq=False)
class Candidate:
    """One thing the article names: its kind, the name to give it, its mentions in the text."""

    kind: str
    name: str  # the nominative, as a new entity would be called
    mentions: list[Mention]
    fields: dict[str, Any] = field(default_factory=dict)  # kind fields guessed from the text
    guessed: list[str] = field(default_factory=list)  # the fields that are guesses
    ner: bool = False  # found by the NER model (else by a pattern)
    # set by graph.draft.link:
    id: str = ""
    link: Any = None

    @property
    def first(self) -> Mention:
        return self.mentions[0]

    def names(self) -> list[str]:
        """What the article calls it: the nominative and each mention as written."""
        out = [self.name]
        for m in self.mentions:
            if m.text not in out:
                out.append(m.text)
        return out


@dataclass(eq=False)
class RelCandidate:
    source: Candidate
    type: str
    target: Candidate
    span: tuple[int, int]  # the sentence(s) it was read from
    props: dict[str, Any] = field(default_factory=dict)
    why: str = ""


@dataclass
class Extraction:
    article: Article
    candidates: list[Candidate]
    relations: list[RelCandidate]
    seconds: float = 0.0


# -- the NER model: shipped inside natasha's wheel, run with slovnet + navec --------

@dataclass
class Models:
    ner: Any
    load_seconds: float


@lru_cache(maxsize=1)
def load_models() -> Models:
    """slovnet's news NER model with navec embeddings, both from the files natasha ships.

    natasha itself is never imported: its package imports pymorphy2, which does not work
    on Python 3.11+; the model files are found without importing it."""
    import importlib.util
    from pathlib import Path

    t0 = time.perf_counter()
    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        from graph.errors import CisfilmError

        raise CisfilmError("the natasha package (which ships the NER model) is not installed")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    from navec import Navec
    from slovnet import NER

    navec = Navec.load(str(data / "emb" / "navec_news_v1_1B_250K_300d_100q.tar"))
    ner = NER.load(str(data / "model" / "slovnet_ner_news_v1.tar"))
    ner.navec(navec)
    from graph.model.forms import _morph

    _morph()  # the morphology too: "load time" is everything before the first article
    return Models(ner, time.perf_counter() - t0)


# -- extraction ---------------------------------------------------------------------

def sentences(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans (positions into `text`) of the given paragraphs."""
    from razdel import sentenize

    out: list[tuple[int, int]] = []
    for s, e in spans:
        for x in sentenize(text[s:e]):
            a, b = s + x.start, s + x.stop
            if out and out[-1][0] >= s and text[out[-1][1] - 1] in ";:":  # a list goes on after «;»
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
    return out


def extract(article: Article, models: Models | None = None) -> Extraction:
    """Candidates and relation candidates of `article`."""
    models = models or load_models()
    t0 = time.perf_counter()
    text = article.text
    paragraphs = ([article.headline] if article.headline else []) + article.body
    sents = sentences(text, paragraphs)
    mentions: list[tuple[str, Mention, dict]] = []  # (kind, mention, extra)

    # patterns first: they know kinds NER does not (a project, an event, a site)
    for s, e in paragraphs:
        para = text[s:e]
        for m in _PROJECT.finditer(para):
            lead = m.group(1).lower()
            ptype = next((t for w, t in PROJECT_TYPES if w in lead), "film")
            _add(mentions, text, s + m.start(2), s + m.end(2), "Project", {"type": ptype, "trigger": lead})
        for m in _PAREN_CAPS.finditer(para):
            _add(mentions, text, s + m.start(1), s + m.end(1), "Project", {"type": "film"})
        for m in _EVENT.finditer(para):
            phrase = m.group(0)
            if not (m.group(1) or (phrase[:1].isupper() and _adjective(phrase.split()[0]))):
                continue  # «форум» alone names nothing, nor «Впервые форум»
            low = phrase.lower()
            etype = next((t for w, t in EVENT_TYPES if w in low), "meeting")
            _add(mentions, text, s + m.start(), s + m.end(), "Event", {"type": etype})
        for m in _SITE.finditer(para):
            low = m.group(1).lower()
            stype = next((t for w, t in SITE_TYPES if low.startswith(w)), "production_site")
            _add(mentions, text, s + m.start(), s + m.end(), "Site", {"type": stype})
        for m in _CLUSTER.finditer(para):
            _add(mentions, text, s + m.start(), s + m.end(), "Cluster", {"type": "film_cluster"})
        for m in _ORG_BY_TYPE.finditer(para):
            _add(mentions, text, s + m.start(1), s + m.end(1), "Organization", {})
    # re-mentions of a quoted title: «Искра» after «сериала «Искра»»
    titles = {_unquote(text[m.start:m.end]): k for k, m, _ in mentions if k in ("Project", "Event")
              and text[m.start] in "«\"“"}
    for title, kind in titles.items():
        if len(title) < 3:
            continue
        for s, e in paragraphs:
            for m in re.finditer(r"[«\"“„]" + re.escape(title) + r"[»\"”“]", text[s:e]):
                _add(mentions, text, s + m.start(), s + m.end(), kind, {})
    # NER: persons, organisations, places — unless a pattern already read the span
    marked = models.ner.map([text[s:e] for s, e in paragraphs])  # one batch: far fewer passes through the model
    for (s, _e), markup in zip(paragraphs, marked, strict=True):
        spans = [(span.type, s + span.start, s + span.stop) for span in markup.spans]
        merged: list[tuple[str, int, int]] = []
        for kind, a, b in spans:
            # «Лиги кинематографистов» + «Казахстана»: an organisation named with a place in the genitive
            if merged and merged[-1][0] == "ORG" and kind == "LOC" and text[merged[-1][2]:a].isspace() \
                    and a - merged[-1][2] == 1:
                merged[-1] = ("ORG", merged[-1][1], b)
                continue
            merged.append((kind, a, b))
        for kind, a0, b0 in merged:
            a, b = _tidy(text, a0, b0)
            if b > a:
                _add(mentions, text, a, b, NER_KINDS[kind], {"ner": True}, override=False)

    candidates = _group(text, mentions)
    relations = _relations(article, sents, candidates)
    return Extraction(article, candidates, relations, time.perf_counter() - t0)


def _adjective(word: str) -> bool:
    from graph.model.forms import _morph

    return bool(re.fullmatch(r"[IVXLC]+|\d+\S*", word)) or _morph().parse(word)[0].tag.POS in ("ADJF", "PRTF")


def _unquote(s: str) -> str:
    return s.strip("«»\"“”„ ")


def _tidy(text: str, a: int, b: int) -> tuple[int, int]:
    """An NER span without stray punctuation, its quotes balanced («Таджикфильм → «Таджикфильм»)."""
    while a < b and text[a] in " ,.;:—–-(":
        a += 1
    while b > a and text[b - 1] in " ,.;:—–-(":
        b -= 1
    seg = text[a:b]
    if seg.count("«") > seg.count("»") and b < len(text) and text[b] == "»":
        b += 1
    elif seg.count("«") > seg.count("»"):
        a = a + seg.index("«") + 1 if seg.index("«") == 0 else a
    if seg.count('"') % 2 and b < len(text) and text[b] == '"':
        b += 1
    if text[a:b].count("»") > text[a:b].count("«") and text[b - 1] == "»" and a > 0 and text[a - 1] == "«":
        a -= 1
    return a, b


def _add(mentions: list[Any], text: str, a: int, b: int, kind: str, extra: dict, override: bool = True) -> None:
    """Add a mention unless one already covers it; a pattern's mention replaces NER's
    mentions inside it (so «Москино» in «кинопарку «Москино»» is the site, not the company)."""
    for i, (k, m, _) in enumerate(list(mentions)):
        if m.start < b and a < m.end:  # overlap
            if not override and k == kind == "Organization" and a <= m.start and m.end <= b:
                mentions[i] = None  # NER's «Национальная киностудия «…» имени …» is longer
                continue
            if m.start <= a and b <= m.end and (k == kind or not override or m.end - m.start > b - a):
                return
            if override and a <= m.start and m.end <= b:
                mentions[i] = None
            elif not override:
                return
    mentions[:] = [x for x in mentions if x is not None]
    mentions.append((kind, Mention(a, b, text[a:b]), extra))


def _group(text: str, mentions: list[tuple[str, Mention, dict]]) -> list[Candidate]:
    """Mentions → candidates: one per thing, by the folded nominative; a person's surname
    alone joins the full name it shortens."""
    mentions.sort(key=lambda x: x[1].start)
    by_key: dict[tuple[str, str], Candidate] = {}
    out: list[Candidate] = []
    people: list[Candidate] = []
    for kind, m, extra in mentions:
        name = _name_of(kind, m.text)
        if not name:
            continue
        key = (kind, fold(name))
        if kind == "Person" and " " not in name.strip():
            full = [p for p in people if fold(p.name).split()[-1:] == [fold(name)]]
            if len(full) == 1:
                full[0].mentions.append(m)
                continue
        cand = by_key.get(key)
        if cand is None:
            cand = Candidate(kind, name, [m], ner=bool(extra.get("ner")))
            for f in ("type",):
                if f in extra:
                    cand.fields[f] = extra[f]
                    cand.guessed.append(f)
            by_key[key] = cand
            out.append(cand)
            if kind == "Person":
                people.append(cand)
        else:
            cand.mentions.append(m)
    return out


def _name_of(kind: str, mention: str) -> str:
    """The name a new entity would get from a mention: nominative, without legal form or
    quotes around the whole, a title in capitals in sentence case."""
    name = re.sub(r"\s*\([A-ZА-ЯЁ]{2,}\)$", "", mention.strip())  # «… (АСИ)»: the abbreviation is an alias
    if kind == "Project":
        name = _unquote(name)
        if name.isupper():
            name = name[:1] + name[1:].lower()
        return name
    if kind in ("Organization",):
        m = _LEGAL.match(name)
        if m and m.end() < len(name):
            name = name[m.end():]
    name = nominative(name, person=kind == "Person")
    if (name[:1], name[-1:]) in (("«", "»"), ('"', '"'), ("“", "”")) and name.count(name[0]) == 1 + (name[0] == '"'):
        name = name[1:-1]
    if kind in ("Event", "Site", "Cluster", "Post", "Agreement"):
        name = name[:1].upper() + name[1:]
    return name.strip()


# -- relations ------------------------------------------------------------------------

def _in(c: Candidate, a: int, b: int) -> list[Mention]:
    return [m for m in c.mentions if a <= m.start and m.end <= b]


def _relations(article: Article, sents: list[tuple[int, int]], cands: list[Candidate]) -> list[RelCandidate]:
    text = article.text
    rels: list[RelCandidate] = []
    at: dict[int, Candidate] = {}
    for c in cands:
        for m in c.mentions:
            at[m.start] = c
    ordered = sorted(((m.start, m.end, c) for c in cands for m in c.mentions), key=lambda x: x[0])

    def next_after(pos: int, limit: int, gap: int = 3) -> tuple[int, int, Candidate] | None:
        for s, e, c in ordered:
            if s >= pos:
                return (s, e, c) if s - pos <= gap and e <= limit else None
        return None

    def prev_before(pos: int, floor: int, gap: int = 3) -> tuple[int, int, Candidate] | None:
        best = None
        for s, e, c in ordered:
            if e <= pos and s >= floor:
                best = (s, e, c)
        return best if best and pos - best[1] <= gap else None

    posts: dict[tuple[str, str], Candidate] = {}
    held: list[tuple[Candidate, Candidate, tuple[int, int], str, Candidate | None]] = []
    for a, b in sents:
        sent = text[a:b]
        for t in TITLES.finditer(sent):
            ts, te = a + t.start(), a + t.end()
            org = next_after(te, b, gap=2)
            legal = _LEGAL.match(text, te + 1, b) or _ORG_WORD.match(text, te + 1, b)  # «директор компании «…»»
            if legal and not (org and org[2].kind == "Organization"):
                org = next_after(legal.end(), b, gap=2)
            if org and text[org[1]:org[1] + 1] in ("»", '"', "”") and text[org[0] - 1:org[0]] in ("«", '"', "“"):
                org = (org[0] - 1, org[1] + 1, org[2])
            org_c = org[2] if org and org[2].kind == "Organization" else None
            after = (org[1] if org_c and org else te)
            person = next_after(after, b, gap=2)
            before = prev_before(ts, a, gap=3)
            if before and before[2].kind == "Person" and text[before[1]:ts].strip() == ",":
                pc = before[2]  # «Дмитрий Семёнов, генеральный директор …»
            elif person and person[2].kind == "Person" and text[after:person[0]].isspace():
                pc = person[2]  # «директор Kinodanz Евгений Мелентьев»
            else:
                pc = None
            if pc is None:
                continue
            title = nominative(text[ts:te]).lower()
            key = (title, org_c.name if org_c else "")
            post = posts.get(key)
            if post is None:
                pname = title[:1].upper() + title[1:] + (f" {_post_org(text, org[0], org[1])}" if org_c and org else "")
                post = Candidate("Post", pname, [Mention(ts, org[1] if org_c and org else te,
                                                         text[ts:org[1] if org_c and org else te])],
                                 fields={"title": {"ru": title}})
                posts[key] = post
                cands.append(post)
            held.append((pc, post, (a, b), text[ts:org[1] if org_c and org else te], org_c))
    seen_rel: set[tuple[int, str, int]] = set()

    def add(src: Candidate, rtype: str, dst: Candidate, span: tuple[int, int], why: str, **props: Any) -> None:
        key = (id(src), rtype, id(dst))
        if src is dst or key in seen_rel:
            return
        seen_rel.add(key)
        rels.append(RelCandidate(src, rtype, dst, span, props, why))

    for pc, post, span, _, org_c in held:
        add(pc, "HOLDS", post, span, "a post named before or after the person")
        if org_c is not None:
            add(post, "POST_IN", org_c, span, "the organisation named with the post")

    # signing: one agreement per article, from the sentences that speak of signing
    signing = [(a, b) for a, b in sents if _signs(text[a:b]) or
               (_AGREEMENT.search(text[a:b]) and re.search(r"подписани\w*", text[a:b], re.I))]
    if signing:
        agreement = None
        for a, b in signing:
            found = _AGREEMENT.search(text[a:b])
            if found:
                word = found.group(1).lower()
                atype = ("memorandum" if word == "меморандум" else
                         "cooperation_agreement" if "сотрудничеств" in found.group(0).lower() else "agreement")
                phrase = text[a + found.start():a + found.end()]
                agreement = Candidate("Agreement", _name_of("Agreement", phrase),
                                      [Mention(a + found.start(), a + found.end(), phrase)],
                                      fields={"type": atype}, guessed=["type"])
                break
        if agreement is not None:
            cands.append(agreement)
            for a, b in signing:
                sent = text[a:b]
                for c in {c for s, e, c in ordered if a <= s and e <= b}:
                    if c.kind == "Person":
                        cap = next(((t, o) for p, po, sp, t, o in held if p is c and sp == (a, b)), None)
                        add(c, "SIGNED", agreement, (a, b), "a person named in a sentence about signing",
                            **({"capacity": cap[0]} if cap else {}))
                    elif c.kind == "Organization":
                        add(c, "PARTY_TO", agreement, (a, b), "an organisation named in a sentence about signing")
                    elif c.kind == "Event":
                        add(agreement, "SIGNED_AT", c, (a, b), "an event named in a sentence about signing")
                for _who, _post, sp, _, org_c in held:  # the signatories' organisations are parties
                    if sp == (a, b) and org_c is not None:
                        add(org_c, "PARTY_TO", agreement, (a, b), "the organisation of a signatory")
                d = _DAY_MONTH.search(sent)
                if d and "date" not in agreement.fields:
                    year = d.group(3) or (article.date or "")[:4]
                    if year:
                        agreement.fields["date"] = f"{year}-{MONTHS[d.group(2)]:02d}-{int(d.group(1)):02d}"
                        agreement.guessed.append("date")

    # announcements and production: an organisation or person, a verb, a project, in one sentence
    for a, b in sents:
        sent = text[a:b]
        inside = [(s, e, c) for s, e, c in ordered if a <= s and e <= b]
        projects = [c for _, _, c in inside if c.kind == "Project"]
        if not projects:
            continue
        verb = _ANNOUNCE.search(sent)
        makers = [(s, c) for s, _, c in inside if c.kind in ("Organization", "Person")]
        if verb:
            for s, c in makers:
                if s < a + verb.start():
                    for p in projects:
                        add(c, "ANNOUNCED", p, (a, b), "named before «объявил/анонсировал» with the project")
        if _PRODUCE.search(sent):
            for _, c in makers:
                if c.kind == "Organization":
                    for p in projects:
                        add(c, "PRODUCES", p, (a, b), "a company and a project with «снимать/производство/проект»",
                            role="producer")
        # held in: «… проходит … в Москве»
    for a, b in sents:
        sent = text[a:b]
        if not _HELD.search(sent):
            continue
        inside = [(s, e, c) for s, e, c in ordered if a <= s and e <= b]
        events = [c for _, _, c in inside if c.kind == "Event"]
        places = [c for s, _, c in inside if c.kind in ("Place", "Site") and re.search(r"\b(?:в|на)\s*$", text[a:s])]
        for ev in events:
            for pl in places[:1]:
                add(ev, "HELD_IN", pl, (a, b), "an event «проходит … в/на» a place")
    return rels


def _signs(sentence: str) -> bool:
    """The sentence says something was signed (not «после подписания документа», which only dates a remark)."""
    return any(not re.search(r"после\s+$", sentence[:m.start()]) for m in _SIGNING.finditer(sentence))


def _post_org(text: str, a: int, b: int) -> str:
    """The organisation as the post's name writes it: the mention as written (it follows a title
    in the genitive: «генеральный директор АНО «Москино»»)."""
    return text[a:b]
