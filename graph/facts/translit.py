"""Russian Cyrillic → the romanisation ISO 3166-2 uses for Russian subdivision names
(BGN/PCGN-like: «Сахалинская область» → "Sakhalinskaya oblast'"), and the key two
spellings of a place name share once romanised (`place_key`).

Used to match the Cyrillic names of articles to the gazetteer's romanised ISO names
(`graph.facts.gazetteer`); a name that does not match exactly stays unmatched.
"""
from __future__ import annotations

import re
import unicodedata

_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": '"', "ы": "y", "ь": "'", "э": "e", "ю": "yu", "я": "ya",
}
# «е» (and «ё») is "ye" at the start of a word and after a vowel, «ъ» or «ь»
# ("Yevreyskaya", "Karachayevo-Cherkesskaya"), "e" elsewhere.
_YE_AFTER = set("аеёиоуыэюяъь")

# Words that say what kind of unit a name is, in the romanisations ISO 3166-2 uses
# for the region's countries: left out of `place_key`, so that «Минск» meets "Horad Minsk"
# and «Республика Татарстан» meets "Tatarstan, Respublika".
GENERIC = frozenset({
    "oblast", "voblasts", "voblasc", "oblysy", "oblasty", "viloyati", "viloyat", "wilayaty", "marz", "mkhare",
    "kray", "okrug", "avtonomnyy", "avtonomnaya", "respublika", "respublikasi", "republic",
    "horad", "gorod", "shahri", "shaary", "qalasy", "sheher",
})
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def romanise(text: str) -> str:
    """`text` with its Russian Cyrillic letters romanised as ISO 3166-2 does for
    Russia; other characters are kept (case follows the Cyrillic letter's)."""
    out = []
    prev = ""
    for ch in text:
        low = ch.lower()
        lat = _LETTERS.get(low)
        if lat is None:
            out.append(ch)
        else:
            if low in "её" and (not prev or not prev.isalpha() or prev in _YE_AFTER):
                lat = "ye"
            if ch != low:
                lat = lat[:1].upper() + lat[1:]
            out.append(lat)
        prev = low
    return "".join(out)


def place_key(name: str) -> tuple[str, ...]:
    """The sorted words of `name` romanised, lower-cased and stripped of diacritics,
    apostrophes and the words in `GENERIC`: «Республика Татарстан» and
    "Tatarstan, Respublika" both give ('tatarstan',)."""
    latin = romanise(name).replace("'", "").replace('"', "").replace("ʼ", "").replace("’", "")
    plain = "".join(c for c in unicodedata.normalize("NFKD", latin.casefold())
                    if not unicodedata.combining(c))
    return tuple(sorted(w for w in _WORD.findall(plain) if w not in GENERIC))
