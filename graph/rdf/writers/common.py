"""What every RDF writer shares: terms, blocks, namespaces, escaping, the `Writer` base.

The exporter (`graph.rdf`) turns the live graph into a stream of *blocks*: all the
triples about one entity (its fields, its outgoing relationships and their
reified statements, its provenance), sorted, each with the named graphs
(`<base>graph/<source-id>`) it also belongs to. No subject appears in two
blocks, so every writer can stream block by block and stay deterministic.

Terms are plain values: an IRI is a `str`, a literal is a `Lit`. Strings are
cleaned once (`clean`) before they become terms, so no writer has to cope with
characters some syntax cannot carry.
"""
from __future__ import annotations

import re
from typing import NamedTuple, TextIO


class Lit(NamedTuple):
    """A literal: `lang` for language-tagged strings, else `datatype` ("" = xsd:string)."""

    value: str
    lang: str = ""
    datatype: str = ""


Term = str | Lit  # str = IRI
Triple = tuple[str, str, Term]
# One sorted block: (subject, predicate, object, named graphs it is also in)
Block = list[tuple[str, str, Term, tuple[str, ...]]]

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF_NS + "type"

# Characters no RDF syntax can carry everywhere: lone surrogates cannot be
# encoded in UTF-8, and RDF/XML (XML 1.0) has no way at all to write C0 controls
# other than tab/LF/CR, U+FFFE or U+FFFF. They become U+FFFD in every format, so
# all formats carry the same triples.
_UNWRITABLE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT = "\ufffd"


def clean(s: str) -> str:
    """`s` with characters no RDF syntax can carry replaced by U+FFFD."""
    return _UNWRITABLE.sub(REPLACEMENT, s) if _UNWRITABLE.search(s) else s


def pkey(p: str) -> str:
    """Sort key of a predicate: rdf:type first, then by IRI."""
    return "" if p == RDF_TYPE else p


def okey(o: Term) -> tuple:
    """Sort key of an object: IRIs before literals."""
    return (0, o, "", "") if isinstance(o, str) else (1, o[0], o[1], o[2])


def sort_block(acc: dict[Triple, tuple[str, ...]], first: str = "") -> Block:
    """Triples (with their graphs) sorted by subject (`first` before the others),
    predicate (rdf:type first), object."""
    items = sorted(acc.items(), key=lambda kv: (kv[0][0] != first, kv[0][0], pkey(kv[0][1]), okey(kv[0][2])))
    return [(s, p, o, g) for (s, p, o), g in items]


# -- namespaces -----------------------------------------------------------------

_PN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_DOT_SEGMENT = re.compile(r"(?:^|/)\.\.?(?:/|$)")


class Namespaces:
    """The prefixes of `schema/_prefixes.yaml` (defined there once) and the export base."""

    def __init__(self, prefixes: dict[str, str], base: str):
        self.prefixes = dict(sorted(prefixes.items()))
        self.base = base
        # longest namespace first, so nested namespaces pick the most specific
        self._by_ns = sorted(((ns, p) for p, ns in self.prefixes.items()), key=lambda x: -len(x[0]))
        self._split: dict[str, tuple[str, str] | None] = {}

    def split(self, iri: str) -> tuple[str, str] | None:
        """(prefix, local) if `iri` is in a declared namespace with a simple local name."""
        try:
            return self._split[iri]
        except KeyError:
            pass
        found = None
        for ns, prefix in self._by_ns:
            if iri.startswith(ns):
                local = iri[len(ns):]
                if _PN_LOCAL.fullmatch(local) and _NCNAME.fullmatch(local):
                    found = (prefix, local)
                break
        if len(self._split) < 10000:  # vocabulary terms only, in practice
            self._split[iri] = found
        return found

    def curie(self, iri: str) -> str | None:
        pl = self.split(iri)
        return f"{pl[0]}:{pl[1]}" if pl else None

    def relative(self, iri: str) -> str | None:
        """`iri` relative to the base when that is safe to resolve back (minted IRIs)."""
        if not iri.startswith(self.base):
            return None
        rest = iri[len(self.base):]
        head = rest.split("/", 1)[0]
        if not head.isalpha() or "/" not in rest or _DOT_SEGMENT.search(rest):
            return None
        return rest


# -- writers --------------------------------------------------------------------

class Writer:
    """An RDF serialiser writing blocks to a text stream: `write(block)` for each, then `close()`.

    `close()` ends the document (closing brackets); it does not close `out`.
    """

    extension = ""
    media_type = ""
    datasets = False  # True: named graphs are written too

    def __init__(self, out: TextIO, ns: Namespaces):
        self.out = out
        self.ns = ns
        self.started = False

    def start(self) -> None:
        """Write the document header (called once, before the first block)."""

    def write(self, block: Block) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Write the document footer."""


# N-Triples / Turtle string escaping: the canonical N-Triples set (\\ \" \n \r);
# everything else is written as itself (UTF-8).
NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt_literal(o: Lit) -> str:
    text = '"' + o[0].translate(NT_ESCAPES) + '"'
    if o[1]:
        return text + "@" + o[1]
    if o[2]:
        return text + "^^<" + o[2] + ">"
    return text

