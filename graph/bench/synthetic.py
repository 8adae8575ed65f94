"""Valid synthetic fact files shaped like the real seeds, for load tests and benchmarks.

The mix follows `seeds/`: organisations (studios, production companies, media
holdings, government bodies...) located in cities of CIS countries; people, most
holding a post in an organisation; agreements with 2–6 parties and a signatory
for each party that has a post holder, often signed at an event; projects with
1–3 producers; festivals and forums with sessions, speakers and partners; film
clusters with their sites, operators and developers; incentives offered by
places or bodies. Names are multilingual (ru + en, some with a native form in
be/kk/ky/tg/uz/hy/az/ka, some aliases) and unique after folding; every fact
cites one or two synthetic sources, most with a quote. About 1.6 relations per
entity (the seeds have 1.5). Deterministic for a given size and seed.

`iter_facts` yields the facts one at a time and `write` streams them into files
(never holding the whole set), so a million entities take well under a minute
and a few hundred MB less than building the document first.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Every file stays below the validator's 1 MiB cap (graph.strictyaml.MAX_BYTES), with room to spare.
MAX_FILE_BYTES = 900_000

# (ru, en, native language, native form)
COUNTRIES = [
    ("Россия", "Russia", "", ""), ("Беларусь", "Belarus", "be", "Беларусь"),
    ("Казахстан", "Kazakhstan", "kk", "Қазақстан"), ("Киргизия", "Kyrgyzstan", "ky", "Кыргызстан"),
    ("Таджикистан", "Tajikistan", "tg", "Тоҷикистон"), ("Узбекистан", "Uzbekistan", "uz", "Oʻzbekiston"),
    ("Армения", "Armenia", "hy", "Հայաստան"), ("Азербайджан", "Azerbaijan", "az", "Azərbaycan"),
    ("Грузия", "Georgia", "ka", "საქართველო"), ("Туркменистан", "Turkmenistan", "", ""),
    ("Молдова", "Moldova", "", ""),
]
# (city, country index)
CITIES = [
    ("Москва", 0), ("Санкт-Петербург", 0), ("Южно-Сахалинск", 0), ("Казань", 0), ("Минск", 1), ("Алматы", 2),
    ("Астана", 2), ("Бишкек", 3), ("Душанбе", 4), ("Ташкент", 5), ("Самарканд", 5), ("Ереван", 6),
    ("Баку", 7), ("Тбилиси", 8), ("Ашхабад", 9), ("Кишинёв", 10),
]
TOWN_A = ["Ново", "Старо", "Верхне", "Нижне", "Красно", "Бело", "Черно", "Светло", "Камен", "Зелено", "Высоко",
          "Долго"]
TOWN_B = ["горск", "дольск", "озёрск", "реченск", "польск", "градск", "морск", "лесск", "борск", "полянск"]
ADJ = ["Северный", "Восточный", "Новый", "Золотой", "Красный", "Белый", "Великий", "Южный", "Западный", "Старый",
       "Ясный", "Тихий", "Дальний", "Светлый", "Первый", "Звёздный", "Вольный", "Синий", "Вечный", "Горный"]
NOUN = ["мост", "горизонт", "ветер", "берег", "парус", "свет", "кадр", "экран", "путь", "рассвет", "маяк",
        "караван", "сокол", "барс", "огонь", "город", "сад", "дом", "век", "круг"]
TITLE_A = ["Последняя", "Тихая", "Долгая", "Белая", "Чужая", "Горячая", "Ледяная", "Новая", "Тёмная", "Лунная",
           "Степная", "Морская", "Вечная", "Первая", "Высокая", "Забытая"]
TITLE_B = ["искра", "дорога", "весна", "граница", "река", "память", "звезда", "земля", "песня", "зима", "ночь",
           "волна", "тропа", "буря", "легенда", "правда"]
FIRST = [("Борис", "m"), ("Артём", "m"), ("Айдар", "m"), ("Максат", "m"), ("Нурлан", "m"), ("Бахтиёр", "m"),
         ("Георгий", "m"), ("Дмитрий", "m"), ("Сергей", "m"), ("Тимур", "m"), ("Ашот", "m"), ("Ильхам", "m"),
         ("Павел", "m"), ("Руслан", "m"), ("Фаррух", "m"), ("Вадим", "m"), ("Олег", "m"), ("Рустам", "m"),
         ("Елена", "f"), ("Айгерим", "f"), ("Гульнара", "f"), ("Дилноза", "f"), ("Ольга", "f"), ("Наталья", "f"),
         ("Мадина", "f"), ("Анна", "f"), ("Асель", "f"), ("Нино", "f"), ("Зарина", "f"), ("Ирина", "f"),
         ("Лейла", "f"), ("Марина", "f"), ("Светлана", "f"), ("Камила", "f")]
PATRONYMIC = ["Александров", "Борисов", "Викторов", "Сергеев", "Петров", "Николаев", "Юрьев", "Михайлов",
              "Андреев", "Олегов", "Игорев", "Романов", "Федоров", "Степанов", "Тимуров", "Ильин"]
SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов",
            "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов", "Голубев", "Виноградов", "Богданов",
            "Воробьёв", "Фёдоров", "Михайлов", "Беляев", "Тарасов", "Белов", "Комаров", "Орлов", "Киселёв",
            "Макаров", "Андреев", "Ковалёв", "Ильин", "Гусев", "Титов", "Кузьмин", "Кудрявцев", "Баранов",
            "Куликов", "Алексеев", "Степанов", "Яковлев", "Сорокин", "Сергеев", "Романов", "Захаров", "Борисов",
            "Королёв", "Герасимов", "Пономарёв", "Григорьев", "Лазарев", "Медведев", "Ершов", "Никитин",
            "Соболев", "Рябов", "Поляков", "Цветков", "Данилов", "Жуков", "Фролов", "Журавлёв", "Николаев",
            "Алиев", "Исмаилов", "Касымов", "Ахмедов", "Назаров", "Юсупов", "Рахимов", "Каримов", "Садыков",
            "Нуриев"]
ORG_TYPES = [  # (type, weight, ru, en)
    ("studio", 25, "Киностудия", "Film Studio"), ("production_company", 40, "Кинокомпания", "Film Company"),
    ("media_holding", 8, "Медиахолдинг", "Media Holding"),
    ("government_body", 6, "Департамент кино", "Film Department"),
    ("agency", 6, "Агентство", "Agency"), ("association", 6, "Ассоциация", "Association"),
    ("non_profit", 5, "АНО", "Non-profit"), ("media_outlet", 4, "Издание", "Outlet"),
]
NATIVE_STUDIO = {"be": "Кінастудыя", "kk": "Киностудиясы", "ky": "Киностудиясы", "tg": "Киностудияи",
                 "uz": "Kinostudiyasi", "hy": "Կինոստուդիա", "az": "Kinostudiyası", "ka": "კინოსტუდია"}
POSTS = [("генеральный директор", "general director"), ("продюсер", "producer"), ("председатель", "chairman"),
         ("художественный руководитель", "artistic director"), ("директор по развитию", "development director"),
         ("руководитель", "head")]
EVENT_TYPES = [("festival", "Кинофестиваль", "Film festival"), ("forum", "Форум", "Forum"),
               ("film_week", "Неделя кино", "Film week"), ("session", "Сессия", "Session"),
               ("meeting", "Встреча", "Meeting")]
VERBS = ["подписали", "обсудили", "объявили о", "представили", "договорились о"]
_TR = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
       "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
       "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
       "э": "e", "ю": "yu", "я": "ya", "«": "", "»": "", "№": "No."}
TRANSLIT = str.maketrans({**_TR, **{k.upper(): v.capitalize() for k, v in _TR.items() if k.isalpha()}})

KIND_SHARES = [  # of the entities; Organization takes the rest (about a fifth)
    ("Source", 0.02), ("Place", 0.02), ("Person", 0.22), ("Post", 0.15), ("Agreement", 0.05),
    ("Project", 0.12), ("Event", 0.10), ("Cluster", 0.02), ("Site", 0.04), ("Incentive", 0.04),
]
MINIMUM = {"Source": 2, "Place": 3, "Organization": 6, "Person": 2, "Post": 1, "Agreement": 1, "Project": 1,
           "Event": 2, "Cluster": 1, "Site": 1, "Incentive": 1}


def latin(s: str) -> str:
    """A plain Russian → Latin transliteration (for the English forms of names)."""
    return s.translate(TRANSLIT)


def counts(n_entities: int) -> dict[str, int]:
    """How many entities of each kind `generate(n_entities)` makes (exactly n when n ≥ 100)."""
    out = {k: max(MINIMUM[k], int(n_entities * share)) for k, share in KIND_SHARES}
    out["Organization"] = max(MINIMUM["Organization"], n_entities - sum(out.values()))
    # one post per post holder, at most one per organisation
    out["Post"] = min(out["Post"], out["Person"], out["Organization"])
    return out


def _combo(i: int, a: list[str], b: list[str], sep: str = " ") -> str:
    """The i-th distinct name from two word lists (a number is added once they run out)."""
    n = len(a) * len(b)
    name = f"{a[i % len(a)]}{sep}{b[(i // len(a)) % len(b)]}"
    return name if i < n else f"{name} {i // n + 1}"


def _person(i: int) -> tuple[str, str]:
    first, sex = FIRST[i % len(FIRST)]
    j = i // len(FIRST)
    patr = PATRONYMIC[j % len(PATRONYMIC)] + ("ич" if sex == "m" else "на")
    k = j // len(PATRONYMIC)
    last = SURNAMES[k % len(SURNAMES)] + ("" if sex == "m" else "а")
    name = f"{first} {patr} {last}"
    turn = k // len(SURNAMES)
    return (name if not turn else f"{name} {turn + 1}"), sex


def iter_facts(n_entities: int, seed: int = 7) -> Iterator[tuple[str, dict]]:
    """The facts of `generate`, one at a time: ("entities", {...}) or ("relations", {...})."""
    rnd = random.Random(seed)
    rand, randrange = rnd.random, rnd.randrange
    c = counts(n_entities)
    S, P, ORG, PE, PO = c["Source"], c["Place"], c["Organization"], c["Person"], c["Post"]
    A, PR, E, CL, SI, IN = c["Agreement"], c["Project"], c["Event"], c["Cluster"], c["Site"], c["Incentive"]
    n_countries = min(len(COUNTRIES), max(1, P // 4))
    org_types = [t for t in ORG_TYPES for _ in range(t[1])]

    def sid(i: int) -> str:
        return f"src-{i:07d}"

    def year(i: int) -> int:
        return 2010 + (i * 7 + 3) % 16

    def date(i: int, precision: float) -> str:  # partial dates, like the articles give them
        y, m, d = year(i), 1 + (i * 5) % 12, 1 + (i * 11) % 28
        return f"{y}" if precision < 0.2 else f"{y}-{m:02d}" if precision < 0.5 else f"{y}-{m:02d}-{d:02d}"

    def sources(quote: str | None, quoted: float) -> list:
        """One source (three in four facts) or two, quoted with probability `quoted`."""
        first = randrange(S)
        ids = [first] if rand() < 0.75 or S < 2 else [first, (first + 1 + randrange(S - 1)) % S]
        if quote is None or rand() >= quoted:
            return [sid(x) for x in ids]
        return [{"source": sid(x), "quote": quote} for x in ids]

    def rel(a: str, t: str, b: str, quote: str | None = None, quoted: float = 0.9, **props) -> dict:
        r: dict[str, Any] = {"from": a, "type": t, "to": b}
        r.update(props)
        r["sources"] = sources(quote, quoted)
        return r

    def org(i: int) -> tuple[str, str, str, str]:
        """(id, type, ru name, en name) of organisation i, recomputed rather than stored."""
        t = org_types[(i * 37 + 11) % len(org_types)]
        core = _combo(i, ADJ, NOUN)
        return f"org-{i:07d}", t[0], f"{t[2]} «{core}»", f"{t[3]} {latin(core)}"

    place_id = [f"place-{i:05d}" for i in range(P)]
    cities = list(range(n_countries, P)) or [0]

    def city() -> str:
        return place_id[cities[randrange(len(cities))]]

    # -- sources
    for i in range(S):
        title = f"Новость {i + 1}: {_combo(i, ADJ, NOUN)} и кино"
        e: dict[str, Any] = {"id": sid(i), "kind": "Source", "name": {"ru": title, "en": latin(title)},
                             "file": f"synthetic/{i:07d}.txt", "date": date(i, 0.9), "language": "ru"}
        if rand() < 0.5:
            e["author"] = _person(i * 3 + 1)[0]
        if rand() < 0.3:
            e["url"] = f"https://news.example.org/{year(i)}/{i}"
        yield "entities", e
        if i and rand() < 0.05:
            yield "relations", {"from": sid(i), "type": "CITES", "to": sid(randrange(i)), "sources": [sid(i)]}
        if rand() < 0.5:
            yield "relations", {"from": sid(i), "type": "PUBLISHED_BY", "to": org(randrange(ORG))[0],
                                "sources": [sid(i)]}
    # -- places: countries, then cities in them
    for i in range(P):
        if i < n_countries:
            ru, en, lang, native = COUNTRIES[i]
            name = {"ru": ru, "en": en}
            if lang:
                name[lang] = native
            yield "entities", {"id": place_id[i], "kind": "Place", "name": name, "type": "country",
                               "sources": sources(None, 0)}
            continue
        k = i - n_countries
        if k < len(CITIES):
            ru, country = CITIES[k]
        else:
            ru, country = _combo(k - len(CITIES), TOWN_A, TOWN_B, sep=""), k % n_countries
        yield "entities", {"id": place_id[i], "kind": "Place", "name": {"ru": ru, "en": latin(ru)}, "type": "city",
                           "sources": sources(None, 0)}
        yield "relations", rel(place_id[i], "PART_OF", place_id[country % n_countries], f"{ru} входит в состав страны")
    # -- organisations
    for i in range(ORG):
        oid, otype, ru, en = org(i)
        name = {"ru": ru, "en": en}
        if rand() < 0.15:
            lang = COUNTRIES[1 + i % (len(COUNTRIES) - 3)][2]
            name[lang] = f"{NATIVE_STUDIO[lang]} «{_combo(i, ADJ, NOUN)}»"
        e = {"id": oid, "kind": "Organization", "name": name, "type": otype}
        if rand() < 0.3:
            e["aliases"] = [latin(_combo(i, ADJ, NOUN)).upper()]
        if rand() < 0.2:
            e["legal_form"] = ("ООО", "АО", "АНО", "ГУП")[i % 4]
        if rand() < 0.25:
            e["note"] = f"Synthetic organisation {i}; the article names it once, without its legal form."
        e["sources"] = sources(f"{ru} объявила о новом проекте", 0.6)
        yield "entities", e
        if rand() < 0.7:
            yield "relations", rel(oid, "LOCATED_IN", city(), f"{ru} расположена в городе")
        if otype == "government_body":
            yield "relations", rel(oid, "JURISDICTION", place_id[i % n_countries], f"{ru} отвечает за кино")
    # -- people and their posts: person j < PO holds post j, which is in organisation j
    for j in range(PE):
        pid = f"person-{j:07d}"
        ru, _ = _person(j)
        e = {"id": pid, "kind": "Person", "name": {"ru": ru, "en": latin(ru)}}
        if rand() < 0.1:
            e["note"] = "Synthetic person; the article gives the full name once."
        e["sources"] = sources(f"рассказал(а) {ru}", 0.7)
        yield "entities", e
        if j < PO:
            title_ru, title_en = POSTS[j % len(POSTS)]
            oid, _, org_ru, org_en = org(j)
            post: dict[str, Any] = {
                "id": f"post-{j:07d}", "kind": "Post",
                "name": {"ru": f"{title_ru.capitalize()} — {org_ru}", "en": f"{title_en.capitalize()}, {org_en}"},
                "title": {"ru": title_ru, "en": title_en}}
            if rand() < 0.7:
                post["start"] = date(j, rand())
                if rand() < 0.15:
                    post["end"] = f"{year(j) + 1 + j % 5}"
            post["sources"] = sources(f"{title_ru} {org_ru} {ru}", 0.8)
            yield "entities", post
            yield "relations", rel(pid, "HOLDS", post["id"], f"{title_ru} {org_ru} {ru}")
            yield "relations", rel(post["id"], "POST_IN", oid, f"{title_ru} {org_ru}")
        else:
            oid, _, org_ru, _ = org(randrange(ORG))
            yield "relations", rel(pid, "ASSOCIATED_WITH", oid, f"{ru} работает с {org_ru}",
                                   role=("продюсер", "режиссёр", "сценарист")[j % 3])
            if rand() < 0.3:
                yield "relations", rel(pid, "COMMENTED_ON", f"project-{randrange(PR):07d}", f"{ru} прокомментировал(а)")
    # -- events: festivals and forums, some sessions within an earlier one
    for i in range(E):
        etype, ru_word, en_word = EVENT_TYPES[i % len(EVENT_TYPES)]
        core, y = _combo(i, ADJ, NOUN), year(i)
        ev = f"event-{i:07d}"
        e = {"id": ev, "kind": "Event", "name": {"ru": f"{ru_word} «{core}» {y}", "en": f"{en_word} {latin(core)} {y}"},
             "type": etype}
        if rand() < 0.8:
            m, d = 1 + i % 12, 1 + i % 23
            e["start"] = f"{y}-{m:02d}-{d:02d}"
            e["end"] = f"{y}-{m:02d}-{d + i % 6:02d}"
        if etype == "festival" and rand() < 0.5:
            e["edition"] = 1 + i % 30
        e["sources"] = sources(f"{ru_word} «{core}» проходит в {y} году", 0.7)
        yield "entities", e
        if rand() < 0.7:
            yield "relations", rel(ev, "HELD_IN", city(), f"{ru_word} «{core}» проходит в городе")
        if etype in ("session", "meeting") and i >= len(EVENT_TYPES):
            yield "relations", rel(ev, "SUB_EVENT_OF", f"event-{i - 3:07d}", "в рамках фестиваля")
        for k in rnd.sample(range(PE), k=min(PE, randrange(3))):
            yield "relations", rel(f"person-{k:07d}", "SPOKE_AT", ev, "выступил(а) на сессии")
        if rand() < 0.3:
            yield "relations", rel(org(randrange(ORG))[0], "PARTNER_OF", ev, "стратегический партнёр", role="партнёр")
    # -- agreements: 2–6 parties, a signatory for each party with a post holder
    for i in range(A):
        aid = f"agreement-{i:07d}"
        parties = rnd.sample(range(ORG), k=min(ORG, 2 + randrange(5)))
        a, b = org(parties[0]), org(parties[1])
        memo = rand() < 0.6
        word = ("Меморандум о сотрудничестве", "Memorandum of cooperation") if memo else \
               ("Соглашение о совместном производстве", "Co-production agreement")
        e = {"id": aid, "kind": "Agreement",
             "name": {"ru": f"{word[0]} № {i + 1} между {a[2]} и {b[2]}",
                      "en": f"{word[1]} No. {i + 1}, {a[3]} and {b[3]}"},
             "type": "memorandum" if memo else "cooperation_agreement"}
        if rand() < 0.7:
            e["date"] = date(i, rand())
        if rand() < 0.3:
            e["scope"] = "Co-production of a feature film and a series; exchange of crews and locations."
        e["sources"] = sources(f"{a[2]} и {b[2]} подписали {word[0].lower()}", 0.8)
        yield "entities", e
        for o in parties:
            oid, _, org_ru, _ = org(o)
            props: dict[str, Any] = {"role": "сторона"} if rand() < 0.1 else {}
            yield "relations", rel(oid, "PARTY_TO", aid, f"{org_ru} {VERBS[o % len(VERBS)]} соглашение", **props)
            if o < PO:
                yield "relations", rel(f"person-{o:07d}", "SIGNED", aid, f"подпись поставил {_person(o)[0]}",
                                       capacity=POSTS[o % len(POSTS)][0])
        if rand() < 0.6:
            yield "relations", rel(aid, "SIGNED_AT", f"event-{randrange(E):07d}", "подписан в рамках фестиваля")
        if rand() < 0.3:
            yield "relations", rel(aid, "CONCERNS", f"project-{randrange(PR):07d}", "о совместном производстве")
    # -- projects: 1–3 producers
    for i in range(PR):
        prid = f"project-{i:07d}"
        title = _combo(i, TITLE_A, TITLE_B)
        series = i % 3 == 0
        e = {"id": prid, "kind": "Project", "name": {"ru": f"«{title}»", "en": latin(title)},
             "type": "series" if series else ("film", "feature_film", "documentary")[i % 3]}
        e["status"] = ("announced", "in_development", "planned", "in_production", "released")[i % 5]
        if rand() < 0.3:
            e["genre"] = {"ru": "драма", "en": "drama"} if i % 2 else {"ru": "комедия", "en": "comedy"}
        if rand() < 0.15:
            e["aliases"] = [f"«{title}» ({year(i)})"]
        e["sources"] = sources(f"{'сериал' if series else 'фильм'} «{title}»", 0.7)
        yield "entities", e
        for o in rnd.sample(range(ORG), k=min(ORG, 1 + (rand() < 0.4) + (rand() < 0.1))):
            role: dict[str, Any] = {"role": "co_producer"} if rand() < 0.2 else {}
            yield "relations", rel(org(o)[0], "PRODUCES", prid, f"{org(o)[2]} снимает «{title}»", **role)
        if rand() < 0.3:
            yield "relations", rel(prid, "DIRECTED_BY", f"person-{randrange(PE):07d}", f"режиссёр «{title}»")
        if rand() < 0.2:
            target = f"site-{randrange(SI):07d}" if rand() < 0.5 else city()
            yield "relations", rel(prid, "FILMED_IN", target, f"съёмки «{title}» пройдут")
    # -- clusters and their sites: site s belongs to cluster s % CL
    for i in range(CL):
        cid, core = f"cluster-{i:07d}", _combo(i, ADJ, NOUN)
        yield "entities", {"id": cid, "kind": "Cluster",
                           "name": {"ru": f"Кинокластер «{core}»", "en": f"{latin(core)} film cluster"},
                           "type": ("film_cluster", "cg_cluster", "games_animation_cluster")[i % 3],
                           "status": ("planned", "in_development", "operating")[i % 3],
                           "sources": sources(f"кинокластер «{core}»", 0.8)}
        yield "relations", rel(cid, "LOCATED_IN", city(), f"кинокластер «{core}» создаётся")
        yield "relations", rel(org(randrange(ORG))[0], "OPERATES", cid, f"оператор кластера «{core}»")
        yield "relations", rel(org(randrange(ORG))[0], "DEVELOPS", cid, f"развивает кластер «{core}»")
        if rand() < 0.5:
            yield "relations", rel(cid, "FOCUSES_ON", place_id[randrange(n_countries)], "ориентирован на рынки")
    for i in range(SI):
        sid_ = f"site-{i:07d}"
        core = _combo(i, TITLE_A, TITLE_B)
        yield "entities", {"id": sid_, "kind": "Site",
                           "name": {"ru": f"Площадка «{core}»", "en": f"{latin(core)} site"},
                           "type": ("studio_complex", "backlot", "innovation_centre", "production_site")[i % 4],
                           "sources": sources(f"площадка «{core}»", 0.6)}
        yield "relations", rel(f"cluster-{i % CL:07d}", "HAS_SITE", sid_, f"в состав кластера войдёт «{core}»")
        if rand() < 0.5:
            yield "relations", rel(sid_, "LOCATED_IN", city(), f"площадка «{core}» находится")
    # -- incentives
    for i in range(IN):
        iid = f"incentive-{i:07d}"
        kind = ("rebate", "grant", "subsidy")[i % 3]
        ru = {"rebate": "Кэшбэк", "grant": "Грант", "subsidy": "Субсидия"}[kind]
        e = {"id": iid, "kind": "Incentive",
             "name": {"ru": f"{ru} на копродукцию № {i + 1}", "en": f"Co-production {kind} No. {i + 1}"},
             "type": kind}
        if rand() < 0.5:
            e["purpose"] = "Support for international co-productions filmed in the region."
        if rand() < 0.4:
            e["approved"] = date(i, rand())
        e["sources"] = sources(f"{ru} для копродукций", 0.7)
        yield "entities", e
        target = org(randrange(ORG))[0] if rand() < 0.4 else place_id[randrange(P)]
        yield "relations", rel(iid, "OFFERED_BY", target, "предоставляет поддержку")
        if rand() < 0.4:
            yield "relations", rel(iid, "DISCUSSED_AT", f"event-{randrange(E):07d}", "обсудили на форуме")
        if rand() < 0.3:
            yield "relations", rel(iid, "APPROVED_BY", f"person-{randrange(PE):07d}", "утвердил")


def generate(n_entities: int, seed: int = 7) -> dict:
    """A fact document with `n_entities` entities (at least a few dozen) and ~1.6× as many relations."""
    doc: dict[str, list] = {"entities": [], "relations": []}
    for section, item in iter_facts(n_entities, seed):
        doc[section].append(item)
    return doc


# -- writing ------------------------------------------------------------------
# A small emitter for the shapes above, much faster than yaml.dump: every string is
# double-quoted (JSON-style, valid YAML), ids and enum values are written plain.

_PLAIN = frozenset({"id", "kind", "type", "from", "to", "status"})


def _q(s: str) -> str:
    if '"' in s or "\\" in s:
        s = s.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def _flow_map(d: dict) -> str:
    return "{" + ", ".join(f"{k}: {_q(v)}" for k, v in d.items()) + "}"


def _item(item: dict) -> str:
    lines = []
    first = True
    for k, v in item.items():
        lead = "  - " if first else "    "
        first = False
        if k == "sources":
            if isinstance(v[0], str):
                lines.append(f"{lead}sources: [{', '.join(v)}]")
            else:
                lines.append(f"{lead}sources:")
                lines += [f"      - {{source: {s['source']}, quote: {_q(s['quote'])}}}" for s in v]
        elif isinstance(v, dict):
            lines.append(f"{lead}{k}: {_flow_map(v)}")
        elif isinstance(v, list):
            lines.append(f"{lead}{k}: [{', '.join(_q(x) for x in v)}]")
        elif k in _PLAIN or not isinstance(v, str):
            lines.append(f"{lead}{k}: {v}")
        else:
            lines.append(f"{lead}{k}: {_q(v)}")
    return "\n".join(lines) + "\n"


def write(directory: Path, n_entities: int, *, per_file: int = 4000, seed: int = 7) -> list[Path]:
    """Stream the generated facts into YAML files of at most `per_file` facts (and under
    1 MiB each) in `directory`; returns their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    chunks: dict[str, list[bytes]] = {"entities": [], "relations": []}
    size = items = 0

    def flush() -> None:
        nonlocal size, items
        path = directory / f"synthetic-{len(paths):05d}.yaml"
        with open(path, "wb") as f:
            f.write(b"# Synthetic facts (graph/synthetic.py); not real data.\n")
            for section in ("entities", "relations"):
                if chunks[section]:
                    f.write(section.encode() + b":\n")
                    f.writelines(chunks[section])
                    chunks[section] = []
        paths.append(path)
        size = items = 0

    for section, item in iter_facts(n_entities, seed):
        data = _item(item).encode()
        if items and (items >= per_file or size + len(data) > MAX_FILE_BYTES - 100):
            flush()
        chunks[section].append(data)
        size += len(data)
        items += 1
    if items:
        flush()
    return paths
