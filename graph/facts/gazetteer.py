"""The reference gazetteer: the region's countries (ISO 3166-1) and their first-level
subdivisions (ISO 3166-2), from the `pycountry` package, written as a fact file sourced
from that dataset (`seeds/reference/iso3166.yaml`); and the matching of Cyrillic place
names to it.

Regenerate with `python -m graph.facts.gazetteer` (writes the fact file and the match
table in docs/gazetteer.md); the same pycountry gives the same bytes. Nothing beyond
ISO 3166 is added: names are ISO's (English, or the romanised local form for
subdivisions) and, where pycountry's Russian locale has one, the Russian form.
"""
from __future__ import annotations

import gettext
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graph.facts.translit import place_key

if TYPE_CHECKING:
    from graph.facts.reader import Entity

SOURCE_ID = "src-iso3166"
FACT_FILE = Path("reference") / "iso3166.yaml"  # under seeds/

# The 15 former Soviet states, and the countries the seed articles name besides them.
COUNTRIES = ("RU", "BY", "KZ", "KG", "TJ", "UZ", "AM", "AZ", "MD", "TM", "UA", "GE",
             "EE", "LV", "LT", "CN", "JP", "KR")
# Whose first-level subdivisions are listed: the CIS countries the seed articles involve
# (Russia, Uzbekistan and the Iskra memorandum's Belarus, Kazakhstan, Kyrgyzstan and
# Tajikistan). The rest are countries only: every entity costs each load of seeds/, and
# Azerbaijan's and Moldova's districts alone would add 107. Add a code and regenerate
# when an article needs one.
WITH_SUBDIVISIONS = ("RU", "BY", "KZ", "KG", "TJ", "UZ")
CITY_TYPES = frozenset({"City", "Autonomous city"})  # ISO 3166-2 types that are Place type city


def country_id(alpha_2: str) -> str:
    return f"place-{alpha_2.lower()}"


def subdivision_id(code: str) -> str:
    """'RU-SAK' → 'place-ru-sak' (ISO 3166-2 codes are letters, digits and one hyphen)."""
    return f"place-{code.lower()}"


@dataclass(frozen=True)
class Place:
    id: str
    code: str
    type: str  # country, region or city
    en: str
    ru: str | None
    aliases: tuple[str, ...]
    part_of: str | None  # the country's id, for a subdivision


def version() -> str:
    from importlib.metadata import version as dist_version

    return dist_version("pycountry")


def places() -> list[Place]:
    """The gazetteer's countries then subdivisions, in code order within each country."""
    import pycountry as pc

    ru1 = gettext.translation("iso3166-1", pc.LOCALES_DIR, languages=["ru"]).gettext
    ru2 = gettext.translation("iso3166-2", pc.LOCALES_DIR, languages=["ru"]).gettext
    out: list[Place] = []
    for a2 in COUNTRIES:
        c = pc.countries.get(alpha_2=a2)
        assert c is not None, a2  # a code in COUNTRIES that this pycountry lacks
        en = getattr(c, "common_name", None) or c.name
        names = [c.name, getattr(c, "official_name", None)]
        ru_names = [ru1(n) for n in names if n and ru1(n) != n]
        aliases = _unique([n for n in names if n and n != en] + ru_names[1:], (en, *ru_names[:1]))
        out.append(Place(country_id(a2), a2, "country", en, ru_names[0] if ru_names else None,
                         aliases, None))
    for a2 in WITH_SUBDIVISIONS:
        subs = [s for s in pc.subdivisions.get(country_code=a2) if not s.parent_code]
        for s in sorted(subs, key=lambda s: s.code):
            ru = ru2(s.name)
            out.append(Place(subdivision_id(s.code), s.code, "city" if s.type in CITY_TYPES else "region",
                             s.name, ru if ru != s.name else None, (), country_id(a2)))
    return out


def _unique(names: list[str], taken: tuple[str, ...]) -> tuple[str, ...]:
    seen = set(taken)
    out = []
    for n in names:
        if n not in seen:
            seen.add(n)
            out.append(n)
    return tuple(out)


def _q(text: str) -> str:
    # JSON strings are YAML double-quoted scalars
    return json.dumps(text, ensure_ascii=False)


def fact_file() -> str:
    """The text of seeds/reference/iso3166.yaml."""
    v = version()
    ps = places()
    lines = [
        "# yaml-language-server: $schema=../../schema/facts.schema.json",
        "#",
        f"# GENERATED from ISO 3166 as the pycountry package {v} ships it: do not edit.",
        "# Regenerate with `python -m graph.facts.gazetteer` (graph/facts/gazetteer.py);",
        "# tests/test_gazetteer.py checks that this file is what it gives. Article files",
        "# link to these places by id; see docs/gazetteer.md.",
        "entities:",
        f"  - id: {SOURCE_ID}",
        "    kind: Source",
        f"    name: {{en: {_q(f'ISO 3166 countries and subdivisions (pycountry {v})')}}}",
        "    source_type: dataset",
        f"    file: {_q(f'pycountry {v}: databases/iso3166-1.json, iso3166-2.json, locales/ru')}",
        f"    url: https://pypi.org/project/pycountry/{v}/",
    ]
    for p in ps:
        name = f"en: {_q(p.en)}" + (f", ru: {_q(p.ru)}" if p.ru else "")
        lines += [f"  - id: {p.id}", "    kind: Place", f"    name: {{{name}}}"]
        if p.aliases:
            lines.append(f"    aliases: [{', '.join(_q(a) for a in p.aliases)}]")
        lines += [f"    type: {p.type}", f"    iso_code: {_q(p.code)}", f"    sources: [{SOURCE_ID}]"]
    lines.append("relations:")
    for p in ps:
        if p.part_of:
            lines += [f"  - from: {p.id}", "    type: PART_OF", f"    to: {p.part_of}",
                      f"    sources: [{SOURCE_ID}]"]
    return "\n".join(lines) + "\n"


class Gazetteer:
    """Cyrillic (or Latin) place names → the gazetteer's places."""

    def __init__(self, entries: list[Place] | None = None):
        self.places = entries if entries is not None else places()
        self._by_key: dict[tuple[str, ...], set[str]] = {}
        for p in self.places:
            for n in (p.en, p.ru, *p.aliases):
                if n:
                    self._by_key.setdefault(place_key(n), set()).add(p.id)

    def match(self, name: str, *, within: str | None = None) -> str | None:
        """The id of the one place whose name (romanised, generic words left out) is
        `name`'s, or None when none or several are (`within`: a country's id)."""
        key = place_key(name)
        ids = {i for i in self._by_key.get(key, ()) if within is None or i == within
               or self._part_of(i) == within} if key else set()
        return next(iter(ids)) if len(ids) == 1 else None

    def _part_of(self, pid: str) -> str | None:
        return next((p.part_of for p in self.places if p.id == pid), None)


def match_table(entities: Iterable[Entity], gazetteer: Gazetteer) -> str:
    """docs/gazetteer.md's tables: each article Place and the ISO place its Russian name
    matches (or not), then per country how many subdivisions have a Russian name."""
    rows = ["| article place | Russian name | ISO 3166 place |", "|---|---|---|"]
    by_id = {p.id: p for p in gazetteer.places}
    for e in sorted(entities, key=lambda e: e.id):
        if e.kind != "Place" or all(s == SOURCE_ID for s in e.sources):
            continue
        ru = (e.fields.get("name") or {}).get("ru", "")
        found = gazetteer.match(ru) if ru else None
        iso = by_id.get(e.id)
        if iso is None:
            how = "none: stays unlinked" + (f" (the name matches {by_id[found].code})" if found else "")
        elif found == e.id:
            how = f"{iso.code}, matched by name"
        else:  # an editor's link: the article's name is not one ISO gives
            how = f"{iso.code}, linked by id (ISO: {iso.ru or iso.en})"
        rows.append(f"| `{e.id}` | {ru} | {how} |")
    rows += ["", "| country | subdivisions | with a Russian name in pycountry |", "|---|---:|---:|"]
    for a2 in WITH_SUBDIVISIONS:
        subs = [p for p in gazetteer.places if p.part_of == country_id(a2)]
        rows.append(f"| {a2} | {len(subs)} | {sum(1 for p in subs if p.ru)} |")
    return "\n".join(rows) + "\n"


def write(seeds_dir: Path, doc: Path | None = None) -> list[Path]:
    """Write the fact file under `seeds_dir` and, with `doc`, the tables between its
    markers (after reading the facts again); returns the paths written."""
    path = seeds_dir / FACT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fact_file(), encoding="utf-8")
    if doc is None:
        return [path]
    from graph.facts.reader import read_facts
    from graph.model.schema import load_model
    from graph.resources import schema_dir

    facts, _ = read_facts([seeds_dir], load_model(schema_dir()))
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    table = match_table(facts.entities.values(), Gazetteer())
    doc.write_text(f"{head}{TABLE_START}\n{table}{TABLE_END}{tail}", encoding="utf-8")
    return [path, doc]


TABLE_START = "<!-- generated by python -m graph.facts.gazetteer -->"
TABLE_END = "<!-- end generated -->"


if __name__ == "__main__":
    from graph.resources import checkout, seeds_dir

    root = checkout()
    for written in write(Path(seeds_dir()), root / "docs" / "gazetteer.md" if root else None):
        print(written)
