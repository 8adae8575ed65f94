"""IRIs of the export: the base, ids as path segments, every minted IRI, URL values.

IRIs are minted from ids (`<base>id/<id>`, NFC, percent-encoded), never from names.
"""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import quote

from graph.errors import ExportError
from graph.model.schema import ID_RE
from graph.model.types import XSD
from graph.rdf.writers.common import Lit, Term, clean

DEFAULT_BASE = "https://w3id.org/cisfilm/"


def check_base(base: str) -> str:
    """The base IRI, ending in '/'; `ExportError` if it cannot prefix minted IRIs safely."""
    if not isinstance(base, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s<>\"{}|\\^`?#]+", base):
        raise ExportError(f"bad base IRI {base!r}: expected an absolute http(s)-like IRI "
                          "without spaces, query or fragment, e.g. https://w3id.org/cisfilm/")
    if not base.endswith("/"):
        base += "/"
    if re.search(r"/\.\.?/", base.split("://", 1)[1]):
        raise ExportError(f"bad base IRI {base!r}: it contains '.' or '..' segments")
    return base


def encode_id(value: object) -> str:
    """An id as one IRI path segment: NFC, then percent-encoded (only A-Z a-z 0-9 - . _ ~ kept)."""
    s = value if isinstance(value, str) else str(value)
    if ID_RE.fullmatch(s):
        return s
    enc = quote(unicodedata.normalize("NFC", clean(s)), safe="")
    if enc in (".", ".."):  # dot segments would be resolved away
        enc = enc.replace(".", "%2E")
    return enc


class Minter:
    """Mints every IRI of the export under one base."""

    def __init__(self, base: str):
        self.base = base
        self.id_base = base + "id/"

    def entity(self, id_: object) -> str:
        return self.id_base + encode_id(id_)

    def graph(self, source_id: object) -> str:
        return self.base + "graph/" + encode_id(source_id)

    def fact(self, a: object, rel_type: str, b: object) -> str:
        return f"{self.base}fact/{encode_id(a)}/{rel_type.lower()}/{encode_id(b)}"

    def membership(self, person: object, post: object) -> str:
        return f"{self.base}membership/{encode_id(person)}/{encode_id(post)}"

    def role(self, post: object) -> str:
        return self.base + "role/" + encode_id(post)

    def dataset(self) -> str:
        """The dataset itself (its VoID description is at the head of a whole export)."""
        return self.base + "dataset"

    @staticmethod
    def derivation(subject: str, source_id: object) -> str:
        return subject + "/source/" + encode_id(source_id)


# What an IRI may hold as is (RFC 3987: ASCII but for space <>"[\\]^`{|}, and `ucschar`);
# anything else, Unicode whitespace (rdflib's N-Triples parser refuses it) and a '%'
# that starts no escape are percent-encoded.
_UCSCHAR = ("\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
            + "".join(f"{chr(p * 0x10000)}-{chr(p * 0x10000 + 0xFFFD)}" for p in range(1, 14))
            + "\U000e1000-\U000efffd")
_IRI_BAD = re.compile(f"[^!#-;=?-Z_a-z~{_UCSCHAR}]|\\s|%(?![0-9A-Fa-f]{{2}})")
_AUTHORITY = re.compile(r"(?:([^@/?#]*)@)?(\[[0-9A-Fa-f:.]+\]|[^:@/?#\[\]]+)(?::([0-9]*))?")


def _pct(s: str) -> str:
    return _IRI_BAD.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), s)


def url_term(value: str) -> Term:
    """An http(s) URL as an IRI (characters an IRI cannot hold percent-encoded);
    anything else as an `xsd:anyURI` literal, which the SHACL shapes report."""
    v = clean(value)
    m = re.match(r"(?i)(https?)://([^/?#]*)", v)
    a = _AUTHORITY.fullmatch(m.group(2)) if m else None
    if m is None or a is None:
        return Lit(v, "", XSD + "anyURI")
    userinfo, host, port = a.groups()
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return Lit(v, "", XSD + "anyURI")
    authority = (_pct(userinfo) + "@" if userinfo is not None else "") + (host if host.startswith("[") else _pct(host))
    if port is not None:
        authority += ":" + port
    rest = v[m.end():]
    if "#" in rest:  # one fragment delimiter; later '#' are data
        head, frag = rest.split("#", 1)
        rest = head + "#" + frag.replace("#", "%23")
    return f"{m.group(1)}://{authority}{_pct(rest)}"
