"""A news article as saved from the web: its date line, headline, byline and body,
with the site's furniture (menus, breadcrumbs, «Читайте также», lists of related
headlines, photo credits) kept out of the body.

Everything is kept as positions into the original text, so quotes are cut from it
as written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from graph.model.dates import parse_date

MONTHS = {"января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
          "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12}
_DATE_LINE = re.compile(r"\s*date (\d{4}-\d{2}-\d{2})\b\s*(?:top banner\b)?")
_BANNER = re.compile(r"\s*top banner\b")
_RU_DATE = re.compile(r"(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})(?: года| г\.)?")
_BYLINE = re.compile(r"(?:Автор|Текст)\s*:\s*(.+)")
_CREDIT = re.compile(r"Фото\s*:\s*(.+)")
# Headings that start the page's furniture: everything after them is not the article.
FURNITURE_HEADINGS = ("самое читаемое", "новости по теме", "читайте также", "читайте нас", "похожие новости",
                      "другие новости", "последние новости", "популярное", "материалы по теме", "смотрите также",
                      "подписывайтесь", "поделиться", "комментарии")
MORE = "подробнее"  # the link under each related headline
_SENTENCE_END = re.compile(r"[.!?…»\"”]\s*$")


@dataclass
class Article:
    text: str
    date: str | None = None  # YYYY-MM-DD from the date line, else from a Russian date line
    headline: tuple[int, int] | None = None
    subtitle: tuple[int, int] | None = None
    author: str | None = None
    photo_credit: str | None = None
    body: list[tuple[int, int]] = field(default_factory=list)  # paragraphs: [start, end) in `text`

    def slice(self, span: tuple[int, int] | None) -> str | None:
        return None if span is None else self.text[span[0]:span[1]]


def _lines(text: str) -> list[tuple[int, int]]:
    """Each line's [start, end) without its line break or surrounding blanks."""
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        start = pos + (len(body) - len(body.lstrip()))
        end = pos + len(body.rstrip())
        out.append((start, end))
        pos += len(raw)
    return out


def ru_date(text: str) -> str | None:
    """«29 мая 2018» → '2018-05-29' (None if it is no valid date)."""
    m = _RU_DATE.fullmatch(text.strip())
    if not m:
        return None
    value = f"{int(m.group(3)):04d}-{MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}"
    try:
        parse_date(value)
    except ValueError:
        return None
    return value


def read_article(text: str) -> Article:
    """Split `text` into its header fields and body paragraphs (positions into `text`)."""
    art = Article(text)
    lines = [(s, e) for s, e in _lines(text)]
    # the date line the saver put first (" date 2025-11-02 top banner ..."): its date, and
    # whatever follows it on the line is the start of the page
    if lines:
        s, e = lines[0]
        m = _DATE_LINE.match(text, s, e) or _BANNER.match(text, s, e)
        if m:
            if m.re is _DATE_LINE:
                art.date = m.group(1)
            rest = m.end() + (len(text[m.end():e]) - len(text[m.end():e].lstrip()))
            lines[0] = (rest, e)
    lines = [(s, e) for s, e in lines if e > s]
    # where the furniture starts: a heading, or the first related headline (a line followed by «Подробнее»)
    stop = len(lines)
    for i, (s, e) in enumerate(lines):
        low = text[s:e].strip().lower().rstrip(":")
        nxt = text[lines[i + 1][0]:lines[i + 1][1]].strip().lower() if i + 1 < len(lines) else ""
        if low in FURNITURE_HEADINGS or low == MORE or nxt == MORE:
            stop = i
            break
    # a menu line just before the furniture («Новости Рецензии Кино TV online»): short, no sentence in it
    while stop > 0 and _menu_like(text[lines[stop - 1][0]:lines[stop - 1][1]]):
        stop -= 1
    header_end = _header(art, lines[:stop])
    for s, e in lines[header_end:stop]:
        line = text[s:e]
        credit = _CREDIT.match(line)
        if credit:
            art.photo_credit = art.photo_credit or credit.group(1).strip()
            continue
        art.body.append((s, e))
    return art


def _menu_like(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 6 and len(line) < 60 and not re.search(r"[.,:;!?«»\"]", line)


def _header(art: Article, lines: list[tuple[int, int]]) -> int:
    """Read the headline, byline, date and standfirst at the top; the index where the body starts.

    A headline is recognised only where a byline or a date line follows it closely: an
    article saved without its header starts with body text."""
    text = art.text
    meta = None  # index of the last byline / date line in the header
    for i, (s, e) in enumerate(lines[:12]):
        line = text[s:e]
        by = _BYLINE.fullmatch(line)
        if by:
            art.author = by.group(1).strip()
            meta = i
        elif ru_date(line):
            art.date = art.date or ru_date(line)
            meta = i
        elif meta is not None:
            break
    if meta is None:
        return 0
    first_meta = next(i for i in range(meta + 1) if _BYLINE.fullmatch(text[lines[i][0]:lines[i][1]])
                      or ru_date(text[lines[i][0]:lines[i][1]]))
    # the headline: the last line before the byline that is no breadcrumb («• Главная»)
    for s, e in reversed(lines[:first_meta]):
        line = text[s:e]
        if line.startswith(("•", "/", "·")) or len(line) < 8:
            continue
        art.headline = (s, e)
        break
    start = meta + 1
    if start < len(lines):
        s, e = lines[start]
        line = text[s:e]
        if len(line) < 250 and not _SENTENCE_END.search(line) and start + 1 < len(lines):
            art.subtitle = (s, e)  # a standfirst: one line that is no full sentence
    return start
