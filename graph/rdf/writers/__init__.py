"""One small writer per RDF format family; `WRITERS` maps a format name to its class."""
from __future__ import annotations

from .common import Block, Lit, Namespaces, Writer
from .jsonld import JsonLdWriter
from .ntriples import NQuadsWriter, NTriplesWriter
from .rdfxml import RdfXmlWriter
from .turtle import TriGWriter, TurtleWriter

WRITERS: dict[str, type[Writer]] = {
    "ttl": TurtleWriter,
    "nt": NTriplesWriter,
    "jsonld": JsonLdWriter,
    "xml": RdfXmlWriter,
    "trig": TriGWriter,
    "nq": NQuadsWriter,
}

__all__ = ["WRITERS", "Block", "Lit", "Namespaces", "Writer"]
