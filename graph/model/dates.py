"""Partial dates — `YYYY`, `YYYY-MM`, `YYYY-MM-DD` — the one definition every layer uses.

Facts keep the precision an article gives ("2025-08" stays a month). Validation,
template parameters, the JSON Schema and the RDF datatypes all read this module.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

DATE_SYNTAX = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
DATE_RE = re.compile(DATE_SYNTAX)
# the same syntax for JSON Schema (ECMA regex, no capture groups needed)
JSON_PATTERN = "^" + re.sub(r"\((\\d\{\d\})\)", r"\1", DATE_SYNTAX).replace("(?:", "(") + "$"
EXPECTED = "a date YYYY, YYYY-MM or YYYY-MM-DD"
PRECISION = {4: "year", 7: "month", 10: "day"}


def date_problem(value: str) -> str | None:
    """Why a YYYY[-MM[-DD]] string is not a real date, or None."""
    m = DATE_RE.fullmatch(value)
    if not m:
        return f"bad date {value!r}: expected YYYY, YYYY-MM or YYYY-MM-DD"
    year, month, day = (int(g) if g else None for g in m.groups())
    if year == 0:
        return f"impossible date {value}: there is no year 0000"
    if month is not None and not 1 <= month <= 12:
        return f"impossible date {value}: there is no month {month:02d}"
    if month is not None and day is not None:
        last = calendar.monthrange(year or 1, month)[1]
        if not 1 <= day <= last:
            return f"impossible date {value}: {calendar.month_name[month]} {year} has {last} days"
    return None


def is_date(value: object) -> bool:
    """True for a string that is a real partial date."""
    return isinstance(value, str) and DATE_RE.fullmatch(value) is not None and date_problem(value) is None


def parse_date(raw: Any) -> str:
    """A partial date from a user (a string, a year as int, or a `datetime.date`),
    as stored in the graph; raises `ValueError` saying why not."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not DATE_RE.fullmatch(raw.strip()):
        raise ValueError(f"expected {EXPECTED}, got {raw!r}")
    text = raw.strip()
    reason = date_problem(text)
    if reason:
        raise ValueError(reason)
    return text


Day = tuple[int, int, int]


def date_bounds(value: str) -> tuple[Day, Day]:
    """The earliest and latest day a partial date may mean."""
    m = DATE_RE.fullmatch(value)
    if m is None:
        raise ValueError(f"expected {EXPECTED}, got {value!r}")
    y, mo, d = (int(g) if g else 0 for g in m.groups())
    if not mo:
        return (y, 1, 1), (y, 12, 31)
    if not d:
        return (y, mo, 1), (y, mo, calendar.monthrange(y, mo)[1])
    return (y, mo, d), (y, mo, d)


def ends_before(start: str, end: str) -> bool:
    """True when `end` is surely before `start` (2025-08 is not before 2025)."""
    return date_bounds(end)[1] < date_bounds(start)[0]


_PAIRS = (("start", "end"), ("from", "to"), ("from", "until"), ("since", "until"), ("begin", "end"))


def date_pairs(names) -> list[tuple[str, str]]:
    """(start field, end field) pairs among `names`: start/end, valid_from/valid_to, start_date/end_date..."""
    names = list(names)
    pairs = []
    for a in names:
        for lo, hi in _PAIRS:
            for b in names:
                if a != b and re.fullmatch(rf"(.*_)?{lo}(_.*)?", a):
                    if b == re.sub(rf"(^|_){lo}(_|$)", rf"\g<1>{hi}\g<2>", a, count=1):
                        pairs.append((a, b))
    return pairs
