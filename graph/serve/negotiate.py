"""Content negotiation: the media types the server speaks, and a strict `Accept` parser.

A hostile or malformed header is a `BadRequest` (answered 400), never a traceback;
an acceptable header that names nothing we offer is `NotAcceptable` (406).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from graph.serve.errors import BadRequest, NotAcceptable

MAX_ACCEPT = 2048  # characters
MAX_RANGES = 40  # media ranges in one header


@dataclass(frozen=True)
class Media:
    name: str  # the `?format=` value and the file extension of its documents
    type: str  # the media type sent in Content-Type
    aliases: tuple[str, ...] = ()  # other media types (and `?format=` words) meaning the same

    @property
    def content_type(self) -> str:
        text = self.type.startswith("text/") or self.type.endswith(("+json", "+xml", "/json", "/xml"))
        return self.type + ("; charset=utf-8" if text or self.name in ("nt", "nq", "trig") else "")


HTML = Media("html", "text/html", ("application/xhtml+xml",))
# RDF: the names are the export's format names (`cisfilm export --format`); `rdf` is the RDF/XML extension
TTL = Media("ttl", "text/turtle", ("application/x-turtle", "turtle"))
NT = Media("nt", "application/n-triples", ("ntriples", "n-triples"))
JSONLD = Media("jsonld", "application/ld+json", ("json-ld",))
RDFXML = Media("rdf", "application/rdf+xml", ("xml", "rdfxml"))
TRIG = Media("trig", "application/trig")
NQ = Media("nq", "application/n-quads", ("nquads", "n-quads"))
GRAPH_FORMATS = (TTL, JSONLD, NT, RDFXML)
DATASET_FORMATS = (TRIG, NQ)
RDF_FORMATS = GRAPH_FORMATS + DATASET_FORMATS
# SPARQL results
SRJ = Media("json", "application/sparql-results+json", ("application/json", "srj"))
SRX = Media("xml", "application/sparql-results+xml", ("srx",))
CSV = Media("csv", "text/csv")
TSV = Media("tsv", "text/tab-separated-values", ("text/tsv",))
RESULT_FORMATS = (SRJ, SRX, CSV, TSV)
PLAIN = Media("text", "text/plain")

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_RANGE = re.compile(rf"\s*({_TOKEN})/({_TOKEN})\s*")
_PARAM = re.compile(rf"\s*({_TOKEN})\s*=\s*({_TOKEN}|\"[^\"\\]*\")\s*")
_Q = re.compile(r"(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)")


@dataclass(frozen=True)
class Range:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """How specifically this range names `media_type`: 2 exactly, 1 `type/*`, 0 `*/*`, -1 not."""
        t, s = media_type.split("/", 1)
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type == t and self.subtype == "*":
            return 1
        return 2 if (self.type, self.subtype) == (t, s) else -1


def parse_accept(header: str | None) -> list[Range]:
    """The media ranges of an `Accept` header (RFC 9110 §12.5.1); none → `*/*`."""
    if header is None or not header.strip():
        return [Range("*", "*", 1.0, 0)]
    if len(header) > MAX_ACCEPT:
        raise BadRequest(f"the Accept header is longer than {MAX_ACCEPT} characters")
    parts = header.split(",")
    if len(parts) > MAX_RANGES:
        raise BadRequest(f"the Accept header names more than {MAX_RANGES} media ranges")
    out = []
    for i, part in enumerate(parts):
        if not part.strip():
            continue  # "a/b, , c/d" is allowed by the list syntax
        head, *params = part.split(";")
        m = _RANGE.fullmatch(head)
        if not m or (m.group(1) == "*" and m.group(2) != "*"):
            raise BadRequest(f"malformed media range in the Accept header: {part.strip()[:80]!r}")
        q = 1.0
        for p in params:
            pm = _PARAM.fullmatch(p)
            if not pm:
                raise BadRequest(f"malformed parameter in the Accept header: {p.strip()[:80]!r}")
            if pm.group(1).lower() == "q":
                if not _Q.fullmatch(pm.group(2)):
                    raise BadRequest(f"bad quality value in the Accept header: {pm.group(2)[:20]!r}")
                q = float(pm.group(2))
        out.append(Range(m.group(1).lower(), m.group(2).lower(), q, i))
    return out or [Range("*", "*", 1.0, 0)]


def choose(header: str | None, offered: tuple[Media, ...]) -> Media:
    """The offered media type the client prefers: highest quality from the most specific
    range naming it; ties go to the client's order, then to ours (`offered` is in our
    order of preference). `NotAcceptable` when every offer has quality 0."""
    ranges = parse_accept(header)
    best: tuple | None = None
    for pos, media in enumerate(offered):
        for name in (media.type, *[a for a in media.aliases if "/" in a]):
            hits = [(r.matches(name), r) for r in ranges]
            hits = [(spec, r) for spec, r in hits if spec >= 0]
            if not hits:
                continue
            spec, r = max(hits, key=lambda h: (h[0], -h[1].order))
            if r.q <= 0:
                continue
            key = (r.q, spec, -r.order, -pos)
            if best is None or key > best[0]:
                best = (key, media)
    if best is None:
        raise NotAcceptable("none of the media types asked for is served here; available: "
                            + ", ".join(m.type for m in offered))
    return best[1]


def by_name(name: str, offered: tuple[Media, ...]) -> Media:
    """The offered format a `?format=` value (a name, alias or media type) names; `BadRequest` if none."""
    n = name.strip().lower()
    for m in offered:
        if n in (m.name, m.type, *m.aliases):
            return m
    raise BadRequest(f"unknown format {name[:40]!r}: use one of {', '.join(m.name for m in offered)}")


def negotiate(accept: str | None, format: str | None, offered: tuple[Media, ...]) -> Media:
    """`?format=` when given, else the `Accept` header."""
    return by_name(format, offered) if format is not None else choose(accept, offered)
