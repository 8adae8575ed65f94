"""JSON-LD (1.0/1.1 compatible), written by hand: one node object per subject in `@graph`.

The context holds only the prefixes of schema/_prefixes.yaml; predicates and
classes are written as compact IRIs, node IRIs in full, so a processor needs no
remote context and the expansion is unambiguous.
"""
from __future__ import annotations

import json
from itertools import groupby

from .common import RDF_TYPE, Block, Term, Writer


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


class JsonLdWriter(Writer):
    extension = "jsonld"
    media_type = "application/ld+json"

    def start(self) -> None:
        context = ",\n".join(f"    {_dump(p)}: {_dump(ns)}" for p, ns in self.ns.prefixes.items())
        self.out.write('{\n  "@context": {\n' + context + '\n  },\n  "@graph": [')
        self.first = True

    def key(self, iri: str) -> str:
        return self.ns.curie(iri) or iri

    def value(self, t: Term):
        if isinstance(t, str):
            return {"@id": t}
        if t[1]:
            return {"@value": t[0], "@language": t[1]}
        if t[2]:
            return {"@value": t[0], "@type": self.key(t[2])}
        return t[0]

    def write(self, block: Block) -> None:
        parts = []
        for s, rows in groupby(block, key=lambda r: r[0]):
            node: dict = {"@id": s}
            for p, by_p in groupby(rows, key=lambda r: r[1]):
                objs = [r[2] for r in by_p]
                iris = [o for o in objs if isinstance(o, str)]
                if p == RDF_TYPE and len(iris) == len(objs):
                    node["@type"] = [self.key(o) for o in iris]
                else:
                    node[self.key(p)] = [self.value(o) for o in objs]
            parts.append(("\n    " if self.first else ",\n    ") + _dump(node))
            self.first = False
        self.out.write("".join(parts))

    def close(self) -> None:
        self.out.write("\n  ]\n}\n")
