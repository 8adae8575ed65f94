"""The project ontology (`schema/ontology.ttl`) as export terms, for `export --with-ontology`."""
from __future__ import annotations

from pathlib import Path

from graph.errors import ExportError
from graph.rdf.writers.common import Lit, Term, clean

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def ontology_triples(path: str | Path) -> list[tuple[str, str, Term]]:
    """The triples of the Turtle file `path`, sorted, as the writers' terms. Blank nodes are
    refused: they cannot be written the same way in every format, nor merged across files."""
    import rdflib

    path = Path(path)
    g = rdflib.Graph()
    try:
        g.parse(path, format="turtle")
    except OSError as e:
        raise ExportError(f"cannot read the ontology {path}: {e.strerror or e}") from e
    except (SyntaxError, ValueError) as e:  # rdflib's Turtle parser raises BadSyntax, a SyntaxError
        raise ExportError(f"the ontology {path} is not valid Turtle: {e}") from e

    def term(t) -> Term:
        if isinstance(t, rdflib.URIRef):
            return str(t)
        if isinstance(t, rdflib.Literal):
            dt = str(t.datatype) if t.datatype and str(t.datatype) != XSD_STRING else ""
            return Lit(clean(str(t)), t.language or "", dt)
        raise ExportError(f"the ontology {path} has a blank node ({t.n3()}); give it an IRI")

    return [(str(term(s)), str(term(p)), term(o)) for s, p, o in sorted(g)]
