"""N-Triples and N-Quads: one statement per line, written as each block arrives."""
from __future__ import annotations

from .common import Block, Writer, nt_literal


class NTriplesWriter(Writer):
    extension = "nt"
    media_type = "application/n-triples"

    def write(self, block: Block) -> None:
        lines = []
        for s, p, o, _ in block:
            obj = "<" + o + ">" if isinstance(o, str) else nt_literal(o)
            lines.append(f"<{s}> <{p}> {obj} .\n")
        self.out.write("".join(lines))


class NQuadsWriter(Writer):
    """The default graph (every triple), then each triple again in its named graphs."""

    extension = "nq"
    media_type = "application/n-quads"
    datasets = True

    def write(self, block: Block) -> None:
        lines = []
        named: dict[str, list[str]] = {}
        for s, p, o, graphs in block:
            obj = "<" + o + ">" if isinstance(o, str) else nt_literal(o)
            triple = f"<{s}> <{p}> {obj}"
            lines.append(triple + " .\n")
            for g in graphs:
                named.setdefault(g, []).append(f"{triple} <{g}> .\n")
        for g in sorted(named):
            lines.extend(named[g])
        self.out.write("".join(lines))
