"""RDF: the live graph exported for linked-data consumers.

- `iris`: the base IRI and every IRI minted from ids
- `mapping`: the schema → RDF mapping (classes, predicates, statements, memberships)
- `export`: reading Neo4j in one transaction and streaming blocks to a writer
- `subset`: a part of the graph instead of all of it (`describe`, `template_selection`)
- `ontology`: schema/ontology.ttl as export terms (`export(..., ontology=path)`)
- `writers`: one small writer per format (Turtle/TriG, N-Triples/N-Quads, JSON-LD, RDF/XML)
- `shacl`: shapes from the schema, validation with pyshacl
"""
from graph.rdf.export import EXTENSIONS, FORMATS, ExportResult, export, export_string, format_for
from graph.rdf.iris import DEFAULT_BASE, check_base, encode_id
from graph.rdf.mapping import Mapping
from graph.rdf.ontology import ontology_triples
from graph.rdf.subset import Selection, describe, template_selection

__all__ = ["DEFAULT_BASE", "EXTENSIONS", "FORMATS", "ExportResult", "Mapping", "Selection", "check_base", "describe",
           "encode_id", "export", "export_string", "format_for", "ontology_triples", "template_selection"]
