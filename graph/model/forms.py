"""Dictionary forms of names as running text declines them, and a Latin key.

«Беларусьфильма», «Газпром-Медиа Холдинга», «Лиги кинематографистов Казахстана»,
«Александру Александровичу Жарову» are the names «Беларусьфильм», «Газпром-Медиа
Холдинг», «Лига кинематографистов Казахстана», «Александр Александрович Жаров» in
other cases. A Russian name declines at its head: the leading words (adjectives and
the head noun, or a person's given name, patronymic and surname) change case, the
words after them (genitive attributes, quoted names) do not. So the forms tried are
"the first k words put into the nominative, the rest as written", for every k.

The morphology (pymorphy3 with its packaged OpenCorpora dictionary) is imported on
first use only: `cisfilm query` looks names up exactly first and never pays for it
when the exact look-up answers.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache
from typing import Any

from graph.model.names import fold

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_DECLINABLE = {"NOUN", "ADJF", "PRTF", "NUMR"}
MAX_FORMS = 32
MAX_WORDS = 8  # a name declines in its first words
MAX_CHARS = 300  # longer text is no name

_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})
# Latin spellings of one Russian name differ in y/i/j, doubled letters and kh/h:
# «Georgy», «Georgii», «Georgiy» all reduce to «georgi».
_LATIN_REDUCE = [(re.compile(p), r) for p, r in (
    (r"[yj]", "i"), (r"kh", "h"), (r"x", "ks"), (r"w", "v"), (r"(.)\1+", r"\1"), (r"[^a-z0-9 ]", ""))]


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3  # lazily: only when an exact look-up failed or a draft is made

    return pymorphy3.MorphAnalyzer(lang="ru")


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


@lru_cache(maxsize=20_000)
def nominatives(word: str) -> tuple[str, ...]:
    """The nominative forms a declined word may have (its own spelling first when it
    may already be nominative or does not decline); case follows the word's."""
    if not has_cyrillic(word):
        return (word,)
    out: list[str] = []
    for p in _morph().parse(word)[:4]:
        if p.tag.POS not in _DECLINABLE or p.score < 0.05:
            continue
        if p.tag.case == "nomn":
            form = word
        else:
            grams = {"nomn"} if p.tag.number != "plur" or "Sgtm" in p.tag or "Pltm" in p.tag else {"nomn", "plur"}
            inflected = p.inflect(grams)
            if inflected is None:
                continue
            form = _like(inflected.word, word)
        if form not in out:
            out.append(form)
    if word not in out:
        out.append(word)
    return tuple(out)


def _like(form: str, model: str) -> str:
    """`form` in the letter case of `model` (ALL CAPS, Capitalised, or as is); ё as the model writes it."""
    if model.isupper() and len(model) > 1:
        form = form.upper()
    elif model[:1].isupper():
        form = "-".join(w[:1].upper() + w[1:] for w in form.split("-")) if "-" in model else form[:1].upper() + form[1:]
    return form if "ё" in model.lower() else form.replace("ё", "е").replace("Ё", "Е")


def dictionary_forms(text: str) -> list[str]:
    """Readings of `text` with its leading words in the nominative (first k words, for each
    k), as written elsewhere; the text itself is not among them. Most likely first."""
    if len(text) > MAX_CHARS:
        return []
    words = list(_WORD.finditer(text))
    if not words or not has_cyrillic(text):
        return []
    out: list[str] = []
    seen = {text}
    for k in range(1, min(len(words), MAX_WORDS) + 1):
        choices = [nominatives(m.group()) for m in words[:k]]
        for combo in itertools.islice(itertools.product(*choices), 8):
            parts, last = [], 0
            for m, w in zip(words[:k], combo, strict=True):
                parts += [text[last:m.start()], w]
                last = m.end()
            form = "".join(parts) + text[last:]
            if form not in seen:
                seen.add(form)
                out.append(form)
            if len(out) >= MAX_FORMS:
                return out
    return out


def latin_key(text: str) -> str:
    """A key Latin and Cyrillic spellings of one name share: «Прокопов» and «Prokopov»,
    «Георгий» and «Georgy». Lossy; for look-ups only."""
    # transliterate before folding: `fold` maps Cyrillic look-alikes (р, в, н) onto Latin letters
    s = fold(unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLIT))
    for pattern, repl in _LATIN_REDUCE:
        s = pattern.sub(repl, s)
    return " ".join(s.split())


def lookup_keys(text: str) -> list[tuple[str, str]]:
    """(folded key, how) to look a name up by, in order: as written, then its dictionary forms."""
    keys = [(fold(text), "as written")]
    seen = {keys[0][0]}
    for form in dictionary_forms(text):
        key = fold(form)
        if key and key not in seen:
            seen.add(key)
            keys.append((key, f"dictionary form {form!r}"))
    return keys



def nominative(text: str, *, person: bool = False) -> str:
    """The most likely nominative of a name found declined in text: a person's every word
    (in the gender of the given name), otherwise the leading words up to and including the
    head noun, adjectives agreeing with it («Лиги кинематографистов Казахстана» → «Лига
    кинематографистов Казахстана», «Международного фестиваля «…»» → «Международный фестиваль «…»»)."""
    words = [m for m in _WORD.finditer(text)]
    if not words or not has_cyrillic(text) or len(text) > MAX_CHARS:
        return text
    morph = _morph()
    parses = [morph.parse(m.group()) if has_cyrillic(m.group()) else [] for m in words]
    if person:
        first = parses[0][0] if parses and parses[0] else None
        if first is not None and "Name" in first.tag and first.tag.case == "nomn":
            return text  # «Айдар Баталов»: the given name is nominative, so is the rest
        gender = next((p.tag.gender for ps in parses for p in ps[:2] if "Name" in p.tag and p.tag.gender), None)
        chosen = [_pick(ps, gender) for ps in parses]
        upto = len(words)
    else:
        upto, gender = len(words), None
        for i, ps in enumerate(parses):
            if ps and ps[0].tag.POS == "NOUN" and "Fixd" not in ps[0].tag:
                upto, gender = i + 1, ps[0].tag.gender
                break
        chosen = [_pick(ps, gender) for ps in parses]
    out, last = [], 0
    for m, p in zip(words[:upto], chosen[:upto], strict=True):
        word = m.group()
        form = word
        if p is not None and p.tag.case not in (None, "nomn") and p.tag.POS in _DECLINABLE:
            grams = {"nomn"}
            if p.tag.POS != "NOUN" and gender and p.tag.number == "sing":
                grams.add(gender)
            inflected = p.inflect(grams) or p.inflect({"nomn"})
            if inflected is not None:
                form = _like(inflected.word, word)
        out += [text[last:m.start()], form]
        last = m.end()
    return "".join(out) + text[last:]


def _pick(parses: list, gender: str | None) -> Any:
    """The best parse, in `gender` where one fits."""
    if not parses:
        return None
    if gender:
        for p in parses[:4]:
            if p.tag.gender == gender or (p.tag.POS != "NOUN" and p.tag.gender is None):
                return p
    return parses[0]
