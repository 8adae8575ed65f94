"""Turtle and TriG, written by hand: deterministic, streamed block by block.

Vocabulary IRIs are written as prefixed names (the prefixes of
schema/_prefixes.yaml), minted IRIs relative to `@base`, literals always in the
quoted form with their language tag or datatype.
"""
from __future__ import annotations

from itertools import groupby

from .common import RDF_TYPE, Block, Lit, Term, Writer, nt_literal


class TurtleWriter(Writer):
    extension = "ttl"
    media_type = "text/turtle"

    def start(self) -> None:
        head = [f"@base <{self.ns.base}> .\n"]
        head += [f"@prefix {p}: <{ns}> .\n" for p, ns in self.ns.prefixes.items()]
        self.out.write("".join(head) + "\n")

    def iri(self, iri: str) -> str:
        curie = self.ns.curie(iri)
        if curie:
            return curie
        rel = self.ns.relative(iri)
        return f"<{rel}>" if rel is not None else f"<{iri}>"

    def term(self, t: Term) -> str:
        if isinstance(t, str):
            return self.iri(t)
        if t[2] and not t[1]:
            dt = self.ns.curie(t[2])
            if dt:
                return nt_literal(Lit(t[0])) + "^^" + dt
        return nt_literal(t)

    def triples(self, rows) -> str:
        """Turtle for (s, p, o) rows already sorted by subject and predicate."""
        out = []
        for s, by_s in groupby(rows, key=lambda r: r[0]):
            preds = []
            for p, by_p in groupby(by_s, key=lambda r: r[1]):
                objs = ", ".join(self.term(r[2]) for r in by_p)
                preds.append(("a" if p == RDF_TYPE else self.iri(p)) + " " + objs)
            out.append(self.iri(s) + "\n    " + " ;\n    ".join(preds) + " .\n")
        return "".join(out)

    def write(self, block: Block) -> None:
        self.out.write(self.triples(block) + "\n")


class TriGWriter(TurtleWriter):
    """The default graph as plain Turtle, then `<graph> { ... }` for each named graph of the block.

    A named graph spans many blocks; TriG merges graph statements with the same name.
    """

    extension = "trig"
    media_type = "application/trig"
    datasets = True

    def write(self, block: Block) -> None:
        parts = [self.triples(block)]
        named: dict[str, list] = {}
        for row in block:
            for g in row[3]:
                named.setdefault(g, []).append(row)
        for g in sorted(named):
            parts.append(self.iri(g) + " {\n" + self.triples(named[g]) + "}\n")
        self.out.write("".join(parts) + "\n")
