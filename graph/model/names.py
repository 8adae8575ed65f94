"""Name folding: the key two spellings of one name share.

Used for look-ups by name (`name_keys` in Neo4j) and for reporting likely
duplicates. Folding is deliberately lossy: it maps Cyrillic letters that look
like Latin ones onto Latin, so «Kinоdanz» typed with a Cyrillic «о» and
«Kinodanz» fold alike.
"""
from __future__ import annotations

import re
import unicodedata

# Cyrillic letters (after casefolding) that look like a Latin letter.
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "ѕ": "s", "т": "t",
    "у": "y", "х": "x", "һ": "h", "ԁ": "d", "ӏ": "l", "ԛ": "q", "ԝ": "w",
})
_QUOTES = str.maketrans("", "", "«»“”„‟\"'‘’‚‛‹›`´")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})
_SPACE = re.compile(r"\s+")


def _visible(s: str) -> str:
    # Invisible format characters (zero-width space/joiners, LRM/RLM, soft hyphen, BOM,
    # tag characters: Unicode category Cf) would let «Моск\u200bино» pass for a new name.
    if s.isascii():
        return s
    return "".join(ch for ch in s if unicodedata.category(ch) != "Cf")


def fold(s: str) -> str:
    """The comparison key of a name: NFKC, casefold, invisible format characters
    dropped, ё→е, look-alikes → Latin, typographic quotes dropped, dashes unified,
    whitespace collapsed."""
    s = _visible(unicodedata.normalize("NFKC", s).casefold())
    s = s.translate(_LOOKALIKES).translate(_QUOTES).translate(_DASHES)
    return _SPACE.sub(" ", s).strip()


def display_name(name_map: dict[str, str]) -> str:
    """The one name to show: English, else Russian, else the first given ('' if none)."""
    for lang in ("en", "ru"):
        if name_map.get(lang):
            return name_map[lang]
    return next(iter(name_map.values()), "")
