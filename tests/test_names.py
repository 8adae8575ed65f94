"""graph.names: the folding that look-ups and likely-duplicate warnings rely on."""
from __future__ import annotations

import pytest

from graph.model.names import display_name, fold


@pytest.mark.parametrize("a, b", [
    ("Kinodanz", "Kin\u043edanz"),           # the seeds' Cyrillic «о»
    ("KINODANZ", "kinodanz"),
    ("Ёлки", "елки"),
    ("Королёв", "КОРОЛЕВ"),
    ("«Москино»", "Москино"),
    ("“Искра”", "Искра"),
    ("„Искра“", "'Искра'"),
    ("Газпром  \t Медиа", " Газпром Медиа "),
    ("Газпром–Медиа", "Газпром-Медиа"),
    ("ＡＢＣ", "abc"),                          # NFKC
    ("Straße", "STRASSE"),                     # casefold, not lower
    ("Сахалин", "Caxaлин"),                    # Latin C, a, x typed into a Cyrillic word
])
def test_fold_equal(a: str, b: str) -> None:
    assert fold(a) == fold(b)


@pytest.mark.parametrize("a, b", [
    ("Москино", "Мосфильм"),
    ("Искра", "Искры"),
    ("1-2-3 Production", "123 Production"),
])
def test_fold_different(a: str, b: str) -> None:
    assert fold(a) != fold(b)


def test_fold_is_idempotent_and_trimmed() -> None:
    for s in ("  «Kinоdanz»  ", "АНО «Москино»", "Ёж"):
        assert fold(fold(s)) == fold(s)
        assert fold(s) == fold(s).strip()


def test_display_name() -> None:
    assert display_name({"ru": "Москино", "en": "Moskino"}) == "Moskino"
    assert display_name({"kk": "Қазақфильм", "ru": "Казахфильм"}) == "Казахфильм"
    assert display_name({"kk": "Қазақфильм", "ky": "x"}) == "Қазақфильм"
    assert display_name({}) == ""
