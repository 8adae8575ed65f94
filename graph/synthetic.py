"""Valid synthetic fact files shaped like the real seeds, for load tests and benchmarks.

Organisations with posts held by people, agreements with 2–6 parties and their
signatories, projects with producers, events in places, multilingual names, and
every fact citing a synthetic source. Deterministic for a given size and seed.
"""
from __future__ import annotations

import random
from pathlib import Path

import yaml

LANGS = ("be", "kk", "ky", "tg", "uz")
CITIES = ["Москва", "Минск", "Алматы", "Бишкек", "Душанбе", "Ташкент", "Ереван", "Баку", "Тбилиси", "Южно-Сахалинск"]
WORDS = ["Кино", "Фильм", "Студия", "Медиа", "Продакшн", "Искра", "Восток", "Север", "Союз", "Мост", "Горизонт", "Лента"]
LATIN = {"К": "K", "и": "i", "н": "n", "о": "o", "Ф": "F", "л": "l", "ь": "", "м": "m", "С": "S", "т": "t",
         "у": "u", "д": "d", "я": "ya", "М": "M", "е": "e", "а": "a", "П": "P", "р": "r", "к": "k", "ш": "sh",
         "И": "I", "с": "s", "В": "V", "в": "v", "С": "S", "ю": "yu", "з": "z", "Г": "G", "Л": "L", "ц": "ts",
         "ы": "y", "б": "b", "х": "kh", "Ю": "Yu", "ж": "zh", "г": "g", "Т": "T", "Е": "E", "й": "y", "Б": "B",
         "Д": "D", "Э": "E", "А": "A", "Н": "N", "Р": "R", "О": "O", "У": "U", "Х": "Kh", "Ш": "Sh", "Я": "Ya"}


def _latin(s: str) -> str:
    return "".join(LATIN.get(ch, ch) for ch in s)


def generate(n_entities: int, seed: int = 7) -> dict:
    """A fact document with about `n_entities` entities (and ~1.5× as many relations)."""
    rnd = random.Random(seed)
    ents: list[dict] = []
    rels: list[dict] = []
    n_sources = max(1, n_entities // 50)
    n_places = max(2, min(len(CITIES), n_entities // 20))
    unit = max(1, (n_entities - n_sources - n_places) // 10)
    n_orgs, n_people, n_agreements, n_projects, n_events = 2 * unit, 2 * unit, unit, unit, unit
    # posts: one per person (2 units): total ≈ sources + places + 9 units

    def src() -> list:
        return [f"src-{rnd.randrange(n_sources):06d}"]

    for i in range(n_sources):
        ents.append({"id": f"src-{i:06d}", "kind": "Source", "name": {"ru": f"Новость {i}"},
                     "file": f"synthetic/{i:06d}.txt", "date": f"20{10 + i % 16}-{1 + i % 12:02d}"})
    for i in range(n_places):
        city = CITIES[i % len(CITIES)] + ("" if i < len(CITIES) else f" {i}")
        ents.append({"id": f"place-{i:04d}", "kind": "Place", "name": {"ru": city, "en": _latin(city)},
                     "type": "city", "sources": src()})
    for i in range(n_orgs):
        w = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {i}"
        name = {"ru": f"«{w}»", "en": _latin(w)}
        if i % 5 == 0:
            name[LANGS[i % len(LANGS)]] = w
        ents.append({"id": f"org-{i:07d}", "kind": "Organization", "name": name,
                     "aliases": [_latin(w).upper()], "type": rnd.choice(["studio", "production_company", "media_holding"]),
                     "sources": src()})
        rels.append({"from": f"org-{i:07d}", "type": "LOCATED_IN", "to": f"place-{rnd.randrange(n_places):04d}",
                     "sources": src()})
    for i in range(n_people):
        first, last = rnd.choice(["Борис", "Елена", "Артём", "Айдар", "Максат"]), f"Иванов{i}"
        pid, post = f"person-{i:07d}", f"post-{i:07d}"
        ents.append({"id": pid, "kind": "Person", "name": {"ru": f"{first} {last}", "en": _latin(f"{first} {last}")},
                     "sources": src()})
        ents.append({"id": post, "kind": "Post", "name": {"ru": f"директор {i}", "en": f"director {i}"},
                     "title": {"ru": "генеральный директор", "en": "general director"},
                     "start": f"20{10 + i % 15}", "sources": src()})
        rels.append({"from": pid, "type": "HOLDS", "to": post, "sources": [{"source": src()[0], "quote": "директор"}]})
        rels.append({"from": post, "type": "POST_IN", "to": f"org-{i % n_orgs:07d}", "sources": src()})
    for i in range(n_events):
        ents.append({"id": f"event-{i:07d}", "kind": "Event", "name": {"ru": f"Кинофестиваль {i}", "en": f"Film festival {i}"},
                     "type": "festival", "start": f"20{10 + i % 15}-{1 + i % 12:02d}-{1 + i % 28:02d}", "sources": src()})
        rels.append({"from": f"event-{i:07d}", "type": "HELD_IN", "to": f"place-{rnd.randrange(n_places):04d}",
                     "sources": src()})
    for i in range(n_agreements):
        aid = f"agreement-{i:07d}"
        ents.append({"id": aid, "kind": "Agreement", "name": {"ru": f"Соглашение {i}", "en": f"Agreement {i}"},
                     "type": rnd.choice(["memorandum", "cooperation_agreement"]),
                     "date": f"20{10 + i % 15}-{1 + i % 12:02d}", "sources": src()})
        for org in rnd.sample(range(n_orgs), k=min(n_orgs, rnd.randint(2, 6))):
            rels.append({"from": f"org-{org:07d}", "type": "PARTY_TO", "to": aid, "sources": src()})
            rels.append({"from": f"person-{org % n_people:07d}", "type": "SIGNED", "to": aid, "sources": src()})
        rels.append({"from": aid, "type": "SIGNED_AT", "to": f"event-{rnd.randrange(n_events):07d}", "sources": src()})
    for i in range(n_projects):
        ents.append({"id": f"project-{i:07d}", "kind": "Project", "name": {"ru": f"Проект {i}", "en": f"Project {i}"},
                     "type": rnd.choice(["film", "series"]), "status": "planned", "sources": src()})
        for org in rnd.sample(range(n_orgs), k=min(n_orgs, 2)):
            rels.append({"from": f"org-{org:07d}", "type": "PRODUCES", "to": f"project-{i:07d}", "sources": src()})
    # (from, type, to) must be unique
    seen, unique = set(), []
    for r in rels:
        key = (r["from"], r["type"], r["to"])
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return {"entities": ents, "relations": unique}


def write(directory: Path, n_entities: int, *, per_file: int = 4000, seed: int = 7) -> list[Path]:
    """Write the generated facts as several YAML files; returns their paths."""
    doc = generate(n_entities, seed)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    items = [("entities", e) for e in doc["entities"]] + [("relations", r) for r in doc["relations"]]
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for n, start in enumerate(range(0, len(items), per_file)):
        chunk = items[start:start + per_file]
        body = {"entities": [x for k, x in chunk if k == "entities"], "relations": [x for k, x in chunk if k == "relations"]}
        body = {k: v for k, v in body.items() if v}
        path = directory / f"synthetic-{n:04d}.yaml"
        with open(path, "w", encoding="utf-8") as f:
            yaml.dump(body, f, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1000)
        paths.append(path)
    return paths
