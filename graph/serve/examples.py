"""The example SPARQL queries of the home page (docs/rdf.md has more, with their answers explained)."""
from __future__ import annotations

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX cf: <https://w3id.org/cisfilm/ontology#>
"""

EXAMPLES = (
    ("Who signed which agreement, on behalf of which party, in what capacity", PREFIXES + """\
SELECT ?signatory ?party ?agreement ?capacity WHERE {
  ?person cf:signed ?a ; schema:name ?signatory .
  ?a schema:name ?agreement .
  ?membership org:member ?person ; org:organization ?org .
  ?org cf:partyTo ?a ; schema:name ?party .
  OPTIONAL { ?st rdf:subject ?person ; rdf:predicate cf:signed ; rdf:object ?a ; cf:capacity ?capacity }
  FILTER(lang(?signatory) = "en" && lang(?party) = "en" && lang(?agreement) = "en")
} ORDER BY ?agreement ?signatory"""),
    ("Agreements, when they were signed, and their parties", PREFIXES + """\
SELECT ?agreement ?date (GROUP_CONCAT(DISTINCT ?party; separator=", ") AS ?parties) WHERE {
  ?a a cf:Agreement ; schema:name ?agreement .
  ?org cf:partyTo ?a ; schema:name ?party .
  OPTIONAL { ?a dcterms:date ?date }
  FILTER(lang(?agreement) = "en" && lang(?party) = "en")
} GROUP BY ?agreement ?date ORDER BY ?agreement"""),
    ("Co-production partners by country", PREFIXES + """\
SELECT ?country (GROUP_CONCAT(DISTINCT ?partner; separator=", ") AS ?partners) WHERE {
  ?org cf:partyTo|cf:produces ?work ;
       schema:name ?partner ;
       (schema:location|cf:hasProjectsIn|cf:focusesOn|cf:jurisdiction)/schema:containedInPlace* ?place .
  ?place a schema:Country ; schema:name ?country .
  FILTER(lang(?partner) = "en" && lang(?country) = "en")
} GROUP BY ?country ORDER BY ?country"""),
)
