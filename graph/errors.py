"""The one exception tree of cisfilm.

`cli.py` catches `CisfilmError` once and prints its message; nothing else in the
project raises bare exceptions for expected failures (bad input, server down).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass


class CisfilmError(Exception):
    """Base of every error cisfilm reports to a user."""


class SchemaError(CisfilmError):
    """The schema in `schema/` is itself broken; `problems` locates each fault when known."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem, located in a file."""

    file: str
    line: int
    col: int
    field: str
    reason: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        tag = "" if self.severity == "error" else "warning: "
        return f"{where} {self.field or '-'} — {tag}{self.reason}"


class InvalidData(CisfilmError):
    """Fact files failed validation; carries every problem at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in fact files")


class ServerError(CisfilmError):
    """The managed Neo4j could not be fetched, started or stopped."""


class ConnectionFailed(CisfilmError):
    """Neo4j is unreachable or refused the credentials."""


class QueryError(CisfilmError):
    """A stored template is broken, refused, or was called with bad parameters."""


class ExportError(CisfilmError):
    """The RDF export failed (IRI collision, unknown format, invalid shapes)."""


class LoadError(CisfilmError):
    """The load did not complete; the graph is as it was before it."""


def first_line(e: BaseException | str) -> str:
    """The first line of an error or message: what a one-line report shows."""
    text = (e if isinstance(e, str) else str(e)).strip()
    if not text:
        text = "error" if isinstance(e, str) else type(e).__name__
    return text.splitlines()[0]


def suggest(word: object, choices) -> str:
    """' (did you mean X?)' for the closest choice, or ''."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean {close[0]!r}?)" if close else ""
