"""The dataset's description: VoID and DCAT, as triples for any RDF format.

Addresses are public ones, under the base IRI (`<base>sparql`, `<base>dumps/…`): the
server is meant to answer at its base (directly, or behind a reverse proxy).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyoxigraph as ox

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = {"void": VOID, "dcat": DCAT, "dcterms": DCT, "foaf": FOAF, "xsd": XSD}
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"


@dataclass(frozen=True)
class About:
    """What the operator says about the dataset (`cisfilm serve` options)."""

    title: str = "cisfilm: the CIS film co-production knowledge graph"
    description: str = ("Studios, executives, agreements, film clusters, projects, events and incentives "
                        "of the CIS film co-production ecosystem, each fact with its sources and quotes.")
    license: str = "https://spdx.org/licenses/MIT"
    publisher: str = "cisfilm"
    version: str = ""


def dataset_iri(base: str) -> str:
    """The dataset's IRI: the one a whole export describes at its head (`<base>dataset`)."""
    return base + "dataset"


def void_triples(base: str, about: About, *, entities: int, triples: int, loaded_at: str | None,
                 generation: str | None, vocabularies: list[str], dumps: list[tuple[str, str]],
                 examples: list[str]) -> list[ox.Triple]:
    """`dumps`: (extension, media type) of each downloadable file `<base>dumps/cisfilm.<ext>`."""
    d = ox.NamedNode(dataset_iri(base))
    out: list[ox.Triple] = []

    def add(s, p: str, o) -> None:
        out.append(ox.Triple(s, ox.NamedNode(p), o))

    iri, lit = ox.NamedNode, ox.Literal
    add(d, RDF_TYPE, iri(VOID + "Dataset"))
    add(d, RDF_TYPE, iri(DCAT + "Dataset"))
    add(d, DCT + "title", lit(about.title, language="en"))
    add(d, DCT + "description", lit(about.description, language="en"))
    add(d, DCT + "license", iri(about.license))
    pub = ox.BlankNode("publisher")
    add(d, DCT + "publisher", pub)
    add(pub, RDF_TYPE, iri(FOAF + "Agent"))
    add(pub, FOAF + "name", lit(about.publisher))
    if loaded_at:
        try:
            when = dt.datetime.fromisoformat(loaded_at.replace("Z", "+00:00")).isoformat()
            add(d, DCT + "modified", lit(when, datatype=iri(XSD + "dateTime")))
        except ValueError:
            pass
    version = about.version + (f"+{generation}" if generation else "")
    if version:
        add(d, DCAT + "version", lit(version.lstrip("+")))
    add(d, VOID + "triples", lit(str(triples), datatype=iri(XSD + "integer")))
    add(d, VOID + "entities", lit(str(entities), datatype=iri(XSD + "integer")))
    add(d, VOID + "uriSpace", lit(base + "id/"))
    for ns in vocabularies:
        add(d, VOID + "vocabulary", iri(ns))
    endpoint = iri(base + "sparql")
    add(d, VOID + "sparqlEndpoint", endpoint)
    service = ox.BlankNode("sparql")
    add(d, DCAT + "accessService", service)
    add(service, RDF_TYPE, iri(DCAT + "DataService"))
    add(service, DCAT + "endpointURL", endpoint)
    add(service, DCT + "conformsTo", iri(SPARQL_PROTOCOL))
    add(service, DCAT + "servesDataset", d)
    for ext, media in dumps:
        url = iri(f"{base}dumps/cisfilm.{ext}")
        add(d, VOID + "dataDump", url)
        dist = ox.BlankNode(f"dump-{ext}")
        add(d, DCAT + "distribution", dist)
        add(dist, RDF_TYPE, iri(DCAT + "Distribution"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "mediaType", iri("https://www.iana.org/assignments/media-types/" + media))
    for e in examples:
        add(d, VOID + "exampleResource", iri(e))
    return out
