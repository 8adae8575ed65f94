"""RDF/XML, written by hand: one `rdf:Description` per subject, properties as elements.

Every predicate comes from a namespace of schema/_prefixes.yaml, so the root
element declares them all up front and the document can stream.
"""
from __future__ import annotations

from itertools import groupby

from graph.errors import ExportError

from .common import Block, Writer

# Text content: & < > escaped; CR as a character reference (XML parsers turn a raw CR into LF).
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# Attribute values: also quotes and the whitespace an XML parser would normalise to spaces.
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                       "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


class RdfXmlWriter(Writer):
    extension = "rdf"
    media_type = "application/rdf+xml"

    def start(self) -> None:
        if "rdf" not in self.ns.prefixes:
            raise ExportError("RDF/XML needs the rdf: prefix in schema/_prefixes.yaml")
        decls = "".join(f'\n    xmlns:{p}="{ns.translate(_ATTR)}"' for p, ns in self.ns.prefixes.items())
        self.out.write(f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{decls}>\n')
        self._qnames: dict[str, str] = {}

    def qname(self, p: str) -> str:
        q = self._qnames.get(p)
        if q is None:
            pl = self.ns.split(p)
            if pl is None:
                raise ExportError(f"RDF/XML cannot write the predicate <{p}>: it is not in a namespace "
                                  f"of schema/_prefixes.yaml with an XML-name local part")
            q = self._qnames[p] = f"{pl[0]}:{pl[1]}"
        return q

    def write(self, block: Block) -> None:
        out = []
        for s, rows in groupby(block, key=lambda r: r[0]):
            out.append(f'  <rdf:Description rdf:about="{s.translate(_ATTR)}">\n')
            for _, p, o, _g in rows:
                q = self.qname(p)
                if isinstance(o, str):
                    out.append(f'    <{q} rdf:resource="{o.translate(_ATTR)}"/>\n')
                elif o[1]:
                    out.append(f'    <{q} xml:lang="{o[1]}">{o[0].translate(_TEXT)}</{q}>\n')
                elif o[2]:
                    out.append(f'    <{q} rdf:datatype="{o[2].translate(_ATTR)}">{o[0].translate(_TEXT)}</{q}>\n')
                else:
                    out.append(f"    <{q}>{o[0].translate(_TEXT)}</{q}>\n")
            out.append("  </rdf:Description>\n")
        self.out.write("".join(out))

    def close(self) -> None:
        self.out.write("</rdf:RDF>\n")
