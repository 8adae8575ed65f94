"""RDF export against the real server: formats, named graphs, SHACL, round trip,
determinism, hostile strings, IRI minting, the ontology, the README's SPARQL, the CLI."""
from __future__ import annotations

import io
import re
import tracemalloc
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from helpers import wipe
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import OWL, RDF, RDFS

from graph.errors import ExportError
from graph.model.schema import load_model
from graph.rdf import DEFAULT_BASE, FORMATS, Mapping, check_base, encode_id, export, export_string, format_for
from graph.rdf.iris import url_term
from graph.rdf.shacl import shapes_graph, validate_export, validate_graph
from graph.rdf.writers import WRITERS
from graph.rdf.writers.common import REPLACEMENT, Lit, clean
from graph.store.load import load_paths

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
SEEDS = ROOT / "seeds"
RDF_DOC = ROOT / "docs" / "rdf.md"

RDFLIB = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml", "trig": "trig", "nq": "nquads"}
OXI = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
       "xml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}
DATASETS = ("trig", "nq")
CF = rdflib.Namespace("https://w3id.org/cisfilm/ontology#")
SCHEMA_ORG = rdflib.Namespace("https://schema.org/")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def B(path: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(base + path)


# -- helpers --------------------------------------------------------------------

def rdflib_triples(text: str, fmt: str) -> set:
    """The default graph of a document, as a set of rdflib triples."""
    if fmt in DATASETS:
        ds = rdflib.Dataset()
        ds.parse(data=text, format=RDFLIB[fmt])
        return set(ds.graph(DATASET_DEFAULT_GRAPH_ID))
    g = rdflib.Graph()
    g.parse(data=text, format=RDFLIB[fmt])
    return set(g)


def rdflib_named(text: str, fmt: str) -> dict[str, set]:
    ds = rdflib.Dataset()
    ds.parse(data=text, format=RDFLIB[fmt])
    return {str(g.identifier): set(g) for g in ds.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID}


def oxi_quads(text: str, fmt: str) -> set[tuple[str, str, str, str]]:
    """Every statement as parsed by pyoxigraph, in N-Triples term syntax ('' = default graph)."""
    out = set()
    for q in ox.parse(text.encode("utf-8"), format=OXI[fmt]):
        g = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        out.add((str(q.subject), str(q.predicate), str(q.object), g))
    return out


def graph_of(text: str, fmt: str) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in rdflib_triples(text, fmt):
        g.add(t)
    return g


def descriptions(triples: set) -> set:
    """The triples describing named graphs (subject <base>graph/...), the dataset and the
    ontology links: the default graph's own, in no named graph."""
    return {t for t in triples if str(t[0]).startswith(DEFAULT_BASE + "graph/")
            or t[0] == URIRef(DEFAULT_BASE + "dataset") or t[1] == RDFS.isDefinedBy}


@pytest.fixture(scope="module")
def model():
    return load_model(SCHEMA)


@pytest.fixture(scope="module")
def seeds_export(server, session_driver, model) -> dict[str, str]:
    """The seeds loaded once; every format exported twice (the second copy for determinism)."""
    wipe(session_driver)
    load_paths(session_driver, [SEEDS], SCHEMA)
    out = {}
    for fmt in FORMATS:
        out[fmt] = export_string(session_driver, model, format=fmt)
        out[fmt + "-again"] = export_string(session_driver, model, format=fmt)
    return out


@pytest.fixture
def seeded(driver):
    load_paths(driver, [SEEDS], SCHEMA)
    return driver


# -- formats ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_parses_in_rdflib_and_pyoxigraph(seeds_export, fmt):
    text = seeds_export[fmt]
    triples = rdflib_triples(text, fmt)
    assert len(triples) > 1000
    quads = oxi_quads(text, fmt)
    assert {q for q in quads if q[3] == ""} and len({q for q in quads if q[3] == ""}) == len(triples)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_carries_the_same_triples(seeds_export, fmt):
    reference = rdflib_triples(seeds_export["nt"], "nt")
    assert rdflib_triples(seeds_export[fmt], fmt) == reference
    oxi_reference = oxi_quads(seeds_export["nt"], "nt")
    assert {q for q in oxi_quads(seeds_export[fmt], fmt) if q[3] == ""} == oxi_reference


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic(seeds_export, fmt):
    assert seeds_export[fmt] == seeds_export[fmt + "-again"]


def test_same_bytes_after_reloading_into_a_fresh_graph(seeds_export, driver, model):
    load_paths(driver, [SEEDS], SCHEMA)
    for fmt in ("ttl", "nq"):
        assert export_string(driver, model, format=fmt) == seeds_export[fmt]


@pytest.mark.parametrize("fmt", DATASETS)
def test_named_graphs_hold_each_sources_facts(seeds_export, fmt):
    """Default graph = the triple formats' graph; named graph <base>graph/<src> = the
    facts citing <src> with their provenance for <src>; their union = the default
    graph without the triples describing the graphs."""
    text = seeds_export[fmt]
    default = rdflib_triples(text, fmt)
    named = rdflib_named(text, fmt)
    sources = {str(s) for s in graph_of(seeds_export["nt"], "nt").subjects(RDF.type, SCHEMA_ORG.NewsArticle)}
    assert set(named) == {s.replace("/id/", "/graph/") for s in sources}
    union = set().union(*named.values())
    assert union == default - descriptions(default)
    for g, triples in named.items():
        src = URIRef(g.replace("/graph/", "/id/"))
        assert (URIRef(g), DCT.source, src) in default
        assert all(o == src for s, p, o in triples if p == PROV.wasDerivedFrom), g
        assert all(o == src for s, p, o in triples if p == DCT.isReferencedBy), g
        assert all(o == src for s, p, o in triples if p == PROV.entity), g
    # Gazprom-Media Holding cites 000, 001 and 003: its name is in each of those graphs only
    name = (B("id/org-gazprom-media-holding"), SCHEMA_ORG.name, Literal("Gazprom-Media Holding", lang="en"))
    assert {g.rsplit("/", 1)[1] for g, t in named.items() if name in t} == {"src-000", "src-001", "src-003"}
    assert oxi_quads(text, fmt) == oxi_quads(seeds_export["nq"], "nq")


def test_relationship_properties_survive_as_statements(seeds_export):
    g = graph_of(seeds_export["ttl"], "ttl")
    prokopov, moskino_ceo = B("id/person-georgy-prokopov"), B("id/post-moskino-ceo")
    agreement = B("id/agreement-gazprom-media-moskino")
    st_ = B("fact/person-georgy-prokopov/signed/agreement-gazprom-media-moskino")
    assert (prokopov, CF.signed, agreement) in g
    assert (st_, RDF.type, RDF.Statement) in g
    assert (st_, RDF.subject, prokopov) in g and (st_, RDF.predicate, CF.signed) in g and (st_, RDF.object, agreement) in g
    assert (st_, CF.capacity, Literal("генеральный директор АНО «Москино»")) in g
    assert (st_, PROV.wasDerivedFrom, B("id/src-003")) in g
    quotes = {str(q) for d in g.objects(st_, PROV.qualifiedDerivation) for q in g.objects(d, CF.quote)}
    assert quotes and all(q for q in quotes)
    # W3C ORG: the post, its role and the n-ary membership
    m = B("membership/person-georgy-prokopov/post-moskino-ceo")
    assert (prokopov, ORG.holds, moskino_ceo) in g and (moskino_ceo, ORG.postIn, B("id/org-moskino")) in g
    assert (m, RDF.type, ORG.Membership) in g
    assert (m, ORG.member, prokopov) in g and (m, ORG.organization, B("id/org-moskino")) in g
    role = g.value(m, ORG.role)
    assert (role, RDF.type, ORG.Role) in g and Literal("генеральный директор", lang="ru") in set(g.objects(role, rdflib.SKOS.prefLabel))
    # a producer's role on PRODUCES
    roles = {str(o) for s in g.subjects(RDF.predicate, CF.produces) for o in g.objects(s, CF.role)}
    assert "producer" in roles


def test_literals_keep_languages_and_datatypes(seeds_export):
    g = graph_of(seeds_export["ttl"], "ttl")
    belarusfilm = B("id/org-belarusfilm")
    names = set(g.objects(belarusfilm, SCHEMA_ORG.name))
    assert {n.language for n in names} == {"ru", "en", "be"}
    aliases = set(g.objects(belarusfilm, rdflib.SKOS.altLabel))
    # the article is Russian: Cyrillic aliases are tagged ru, a Latin one is left untagged
    assert Literal("Беларусьфильм", lang="ru") in aliases and Literal("Belarusfilm") in aliases
    assert (belarusfilm, RDF.type, CF.FilmStudio) in g and (belarusfilm, RDF.type, SCHEMA_ORG.Organization) in g
    xsd = rdflib.XSD
    dates = {o.datatype for o in g.objects(None, DCT.date)} | {o.datatype for o in g.objects(None, SCHEMA_ORG.startDate)}
    assert xsd.date in dates
    for o in g.objects(None, SCHEMA_ORG.datePublished):
        assert o.datatype in (xsd.gYear, xsd.gYearMonth, xsd.date)
    assert (B("id/src-003"), RDF.type, SCHEMA_ORG.NewsArticle) in g
    assert (B("id/org-moskino"), DCT.isReferencedBy, B("id/src-003")) in g


# -- SHACL ----------------------------------------------------------------------

def test_shapes_have_one_node_shape_per_kind(model):
    g = shapes_graph(model)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    targets = {str(o) for o in g.objects(None, sh.targetClass)}
    for kind in model.kinds.values():
        assert model.expand(kind.rdf_class) in targets
    required = {str(o) for p in g.subjects(sh.minCount, Literal(1)) for o in g.objects(p, sh.path)}
    assert model.expand("schema:name") in required and model.expand("cf:organizationType") in required
    assert list(g.subjects(sh["in"], None))  # enums as sh:in


def test_shapes_pass_on_the_seeds(seeds_export, model):
    assert validate_graph(graph_of(seeds_export["nt"], "nt"), model) == []


def test_shapes_catch_broken_nodes(seeded, model):
    seeded.execute_query(
        "CREATE (:Entity:Organization {id: 'org-broken', kind: 'Organization', type: 'spaceship', "
        "sources: ['src-001'], quotes: ['']})")
    seeded.execute_query(  # a relationship to the wrong kind, and an event with a bad date
        "MATCH (p:Person {id: 'person-georgy-prokopov'}), (c:Place {id: 'place-ru-mow'}) "
        "CREATE (p)-[:SIGNED {sources: ['src-003'], quotes: ['']}]->(c)")
    seeded.execute_query("MATCH (e:Event) WITH e ORDER BY e.id LIMIT 1 SET e.start = '2025-13-45'")
    found = [str(v) for v in validate_export(seeded, model)]
    text = "\n".join(found)
    assert re.search(r"org-broken schema:name — Less than 1 values", text), text
    assert re.search(r"org-broken cf:organizationType — Value .*spaceship.* not in list", text), text
    assert re.search(r"person-georgy-prokopov cf:signed — .*cf:Agreement", text), text
    assert re.search(r"schema:startDate — .*", text), text


# -- round trip of a small hand-written fact set ----------------------------------

FACTS = """\
entities:
  - id: src-1
    kind: Source
    name: {en: "Test article"}
    file: "001.txt"
    date: "2025-08-26"
    url: "https://example.org/news/1"
    language: "ru"
  - id: org-a
    kind: Organization
    name: {ru: "Студия «А»", en: "Studio A"}
    aliases: ["А"]
    type: studio
    same_as: ["https://www.wikidata.org/wiki/Q1"]
    sources: [{source: src-1, quote: "студия «А»"}]
  - id: person-b
    kind: Person
    name: {ru: "Борис Б", en: "Boris B"}
    sources: [src-1]
  - id: post-b
    kind: Post
    name: {en: "Director of Studio A"}
    title: {ru: "директор", en: "Director"}
    start: "2018"
    sources: [src-1]
  - id: agreement-c
    kind: Agreement
    name: {en: "Memorandum C"}
    type: memorandum
    date: "2025-08"
    sources: [src-1]
relations:
  - {from: person-b, type: HOLDS, to: post-b, sources: [{source: src-1, quote: "директор Борис Б"}]}
  - {from: post-b, type: POST_IN, to: org-a, sources: [src-1]}
  - {from: org-a, type: PARTY_TO, to: agreement-c, role: "initiator", sources: [src-1]}
  - {from: person-b, type: SIGNED, to: agreement-c, capacity: "директор", sources: [src-1]}
"""

EXPECTED = """\
@base <https://example.org/cf/> .
@prefix cf: <https://w3id.org/cisfilm/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<id/src-1> a schema:NewsArticle ; dcterms:identifier "src-1" ; schema:name "Test article"@en ;
    cf:file "001.txt" ; schema:datePublished "2025-08-26"^^xsd:date ; schema:url <https://example.org/news/1> ;
    schema:inLanguage "ru" .
<graph/src-1> dcterms:source <id/src-1> ; prov:wasDerivedFrom <id/src-1> .

<id/org-a> a schema:Organization, cf:FilmStudio ; dcterms:identifier "org-a" ;
    schema:name "Студия «А»"@ru, "Studio A"@en ; skos:altLabel "А"@ru ; cf:organizationType "studio" ;
    owl:sameAs <https://www.wikidata.org/wiki/Q1> ;
    dcterms:isReferencedBy <id/src-1> ; cf:partyTo <id/agreement-c> .
<id/org-a/source/src-1> a schema:Quotation ; schema:about <id/org-a> ; schema:isPartOf <id/src-1> ;
    cf:quote "студия «А»"@ru .

<id/person-b> a schema:Person ; dcterms:identifier "person-b" ; schema:name "Борис Б"@ru, "Boris B"@en ;
    dcterms:isReferencedBy <id/src-1> ; org:holds <id/post-b> ; cf:signed <id/agreement-c> .

<id/post-b> a org:Post ; dcterms:identifier "post-b" ; schema:name "Director of Studio A"@en ;
    schema:roleName "директор"@ru, "Director"@en ; schema:startDate "2018"^^xsd:gYear ;
    org:role <role/post-b> ; dcterms:isReferencedBy <id/src-1> ; org:postIn <id/org-a> .
<role/post-b> a org:Role ; skos:prefLabel "директор"@ru, "Director"@en .

<id/agreement-c> a cf:Agreement, cf:Memorandum ; dcterms:identifier "agreement-c" ;
    schema:name "Memorandum C"@en ; cf:agreementType "memorandum" ; dcterms:date "2025-08"^^xsd:gYearMonth ;
    dcterms:isReferencedBy <id/src-1> .

<fact/person-b/holds/post-b> a rdf:Statement ; rdf:subject <id/person-b> ; rdf:predicate org:holds ;
    rdf:object <id/post-b> ; prov:wasDerivedFrom <id/src-1> ;
    prov:qualifiedDerivation <fact/person-b/holds/post-b/source/src-1> .
<fact/person-b/holds/post-b/source/src-1> a prov:Derivation ; prov:entity <id/src-1> ;
    cf:quote "директор Борис Б"@ru .
<membership/person-b/post-b> a org:Membership ; org:member <id/person-b> ; org:organization <id/org-a> ;
    org:role <role/post-b> ; schema:startDate "2018"^^xsd:gYear ;
    org:memberDuring <membership/person-b/post-b/during> ; dcterms:isReferencedBy <id/src-1> .
<membership/person-b/post-b/during> a time:ProperInterval ;
    time:hasBeginning <membership/person-b/post-b/start> .
<membership/person-b/post-b/start> a time:Instant ; time:inXSDgYear "2018"^^xsd:gYear .

<fact/post-b/post_in/org-a> a rdf:Statement ; rdf:subject <id/post-b> ; rdf:predicate org:postIn ;
    rdf:object <id/org-a> ; prov:wasDerivedFrom <id/src-1> .
<fact/org-a/party_to/agreement-c> a rdf:Statement ; rdf:subject <id/org-a> ; rdf:predicate cf:partyTo ;
    rdf:object <id/agreement-c> ; cf:role "initiator" ; prov:wasDerivedFrom <id/src-1> .
<fact/person-b/signed/agreement-c> a rdf:Statement ; rdf:subject <id/person-b> ; rdf:predicate cf:signed ;
    rdf:object <id/agreement-c> ; cf:capacity "директор" ; prov:wasDerivedFrom <id/src-1> .
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_of_a_small_fact_set_is_isomorphic_to_the_expected_graph(driver, model, tmp_path, fmt):
    (tmp_path / "facts.yaml").write_text(FACTS, encoding="utf-8")
    load_paths(driver, [tmp_path / "facts.yaml"], SCHEMA)
    base = "https://example.org/cf/"
    text = export_string(driver, model, format=fmt, base=base)
    got = graph_of(text, fmt)
    header = {t for t in got if t[0] == URIRef(base + "dataset") or t[1] == RDFS.isDefinedBy}
    assert header and all(str(t[0]).startswith(CF) for t in header if t[1] == RDFS.isDefinedBy)
    for t in header:  # the header (dataset, ontology links) is tested in tests/test_rdf_linked.py
        got.remove(t)
    expected = rdflib.Graph().parse(data=EXPECTED, format="turtle")
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        pytest.fail("export differs from the expected graph\nonly in export:\n"
                    + "\n".join(sorted(t.n3() for t in only_got)) + "\nonly expected:\n"
                    + "\n".join(sorted(t.n3() for t in only_expected)))
    if fmt in DATASETS:  # every fact cites src-1: its graph is everything but the graph description
        named = rdflib_named(text, fmt)
        assert set(named) == {base + "graph/src-1"}
        assert named[base + "graph/src-1"] == set(got) - {t for t in got if str(t[0]) == base + "graph/src-1"}


# -- hostile strings and IRIs -------------------------------------------------------

HOSTILE = ('He said "hi" <b>&amp; \'x\' \\ back\\slash \\u0000 \\n literal\nnew line\r\ncr\ttab '
           '\x00nul \x01soh \x7fdel \x85nel \u2028ls ]]> </schema:name> """ \'\'\' @en ^^xsd:string . } { '
           '# <http://x> _:b0 🎬 e\u0301 \ufeff')
HOSTILE_IDS = ["weird id/with?query#frag", "..", ".", "Кино-1", "a%2Fb", "x:y"]


def _create_hostile(driver) -> None:
    driver.execute_query(
        "CREATE (:Entity:Source {id: 'src-h', kind: 'Source', name: 'h', name_en: 'h', file: 'h.txt'}) "
        "CREATE (o:Entity:Organization {id: 'org-hostile', kind: 'Organization', name: $n, name_ru: $n, "
        "  name_en: $n2, aliases: [$n, $n2], type: 'studio', note: $n, legal_form: $n, "
        "  same_as: ['http://example.org/a b<c>\"d{e}|f^g`h\\\\i%zz#x#y', 'javascript:alert(1)', 'https://[::1]:80/ok'], "
        "  sources: ['src-h'], quotes: [$n]}) "
        "CREATE (a:Entity:Agreement {id: 'agreement-h', kind: 'Agreement', name: $n, name_en: $n, "
        "  type: 'agreement', sources: ['src-h'], quotes: ['']}) "
        "CREATE (o)-[:PARTY_TO {sources: ['src-h'], quotes: [$n], role: $n}]->(a) "
        "WITH o UNWIND $ids AS id "
        "CREATE (p:Entity:Person {id: id, kind: 'Person', name: id, name_en: id, sources: ['src-h'], quotes: ['']}) "
        "CREATE (p)-[:ASSOCIATED_WITH {sources: ['src-h'], quotes: [$n], role: $n}]->(o)",
        n=HOSTILE, n2=HOSTILE[::-1], ids=HOSTILE_IDS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_strings_survive_every_format(driver, model, fmt):
    _create_hostile(driver)
    text = export_string(driver, model, format=fmt)
    triples = rdflib_triples(text, fmt)
    reference = rdflib_triples(export_string(driver, model, format="nt"), "nt")
    assert triples == reference
    assert {q for q in oxi_quads(text, fmt) if q[3] == ""} == oxi_quads(export_string(driver, model, format="nt"), "nt")
    g = rdflib.Graph()
    for t in triples:
        g.add(t)
    org = B("id/org-hostile")
    cleaned = clean(HOSTILE)
    assert "\x00" not in cleaned and REPLACEMENT in cleaned and "\r\n" in cleaned and "\x85" in cleaned
    assert set(g.objects(org, SCHEMA_ORG.name)) == {Literal(cleaned, lang="ru"), Literal(clean(HOSTILE[::-1]), lang="en")}
    assert Literal(cleaned) in set(g.objects(org, rdflib.SKOS.altLabel))
    assert Literal(cleaned) in set(g.objects(org, CF.legalForm))
    quotes = {o for q in g.subjects(SCHEMA_ORG.about, org) for o in g.objects(q, CF.quote)}
    assert quotes == {Literal(cleaned)}
    assert (B("fact/org-hostile/party_to/agreement-h"), CF.role, Literal(cleaned)) in g
    same = set(g.objects(org, OWL.sameAs))
    assert URIRef("http://example.org/a%20b%3Cc%3E%22d%7Be%7D%7Cf%5Eg%60h%5Ci%25zz#x%23y") in same
    assert URIRef("https://[::1]:80/ok") in same
    assert Literal("javascript:alert(1)", datatype=rdflib.XSD.anyURI) in same
    for id_ in HOSTILE_IDS:  # ids mint one path segment each, and the identifier keeps the id
        iri = B("id/" + encode_id(id_))
        assert (iri, DCT.identifier, Literal(id_)) in g, id_
    assert B("id/%2E%2E") in set(g.subjects()) and B("id/weird%20id%2Fwith%3Fquery%23frag") in set(g.subjects())


def test_lone_surrogates_and_controls_become_replacement_characters(model):
    m = Mapping(model)
    name = "a\ud800b\udfffc\x00d\x0be\ufffef"
    block = m.block("org-x", "Organization", {"id": "org-x", "kind": "Organization", "type": "studio",
                                               "name_ru": name, "sources": ["src\ud800"], "quotes": [name]}, [])
    for fmt, writer in WRITERS.items():
        buf = io.StringIO()
        w = writer(buf, m.ns)
        w.start()
        w.write(block)
        w.close()
        data = buf.getvalue().encode("utf-8")  # encodes: no lone surrogate is left
        names = {str(o) for s, p, o in rdflib_triples(data.decode(), fmt) if p == SCHEMA_ORG.name}
        assert names == {"a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf"}, fmt
        ox_names = {q[2] for q in oxi_quads(data.decode(), fmt) if q[1] == "<https://schema.org/name>"}
        assert len(ox_names) == 1, fmt


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=40), alias=st.text(max_size=20), lang=st.sampled_from(["ru", "en", "kk"]),
       id_=st.text(min_size=1, max_size=12))
def test_any_string_round_trips_through_every_writer(model, name, alias, lang, id_):
    """Hypothesis: whatever the text, every format parses back to the same (cleaned) literals."""
    m = Mapping(model)
    props = {"id": id_, "kind": "Person", f"name_{lang}": name, "aliases": [alias], "note": name,
             "sources": ["src-1"], "quotes": [alias]}
    block = m.block(id_, "Person", props, [])
    expected = None
    for fmt, writer in WRITERS.items():
        buf = io.StringIO()
        w = writer(buf, m.ns)
        w.start()
        w.write(block)
        w.close()
        triples = rdflib_triples(buf.getvalue(), fmt)
        oxi = {q for q in oxi_quads(buf.getvalue(), fmt) if q[3] == ""}
        if expected is None:
            expected, expected_oxi = triples, oxi
            subject = URIRef(m.mint.entity(id_))
            if name:
                assert (subject, SCHEMA_ORG.name, Literal(clean(name), lang=lang)) in triples
            assert (subject, DCT.identifier, Literal(clean(id_))) in triples
        assert triples == expected, fmt
        assert oxi == expected_oxi, fmt


@hsettings(max_examples=300, deadline=None)
@given(url=st.one_of(st.text(max_size=30), st.builds(lambda s, t: s + t, st.sampled_from(
    ["http://", "https://", "HTTP://", "https://user@", "http://[", "https://[::1]", "http://x.org:"]),
    st.text(max_size=30))))
def test_any_url_becomes_a_valid_iri_or_an_anyuri_literal(url):
    term = url_term(url)
    if isinstance(term, Lit):
        assert term.datatype.endswith("#anyURI")
    else:
        ox.NamedNode(term)  # raises on an invalid IRI
        assert rdflib.Graph().parse(data=f"<http://s> <http://p> <{term}> .", format="nt")


def test_iri_collision_is_an_error_and_writes_no_file(driver, model, tmp_path):
    driver.execute_query(
        "UNWIND $ids AS id CREATE (:Entity:Person {id: id, kind: 'Person', name: 'x', name_en: 'x'})",
        ids=["caf\u00e9", "cafe\u0301", "org-fine"])
    target = tmp_path / "out.ttl"
    with pytest.raises(ExportError, match=r"IRI collision: 'cafe\\u0301' and 'caf\\xe9' both mint "
                                          r"<https://w3id.org/cisfilm/id/caf%C3%A9>"):
        export(driver, model, target)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_iri_collision_between_a_plain_and_an_odd_id(driver, model):
    driver.execute_query("UNWIND $ids AS id CREATE (:Entity:Person {id: id, kind: 'Person', name: 'x'})",
                         ids=["\u212a9", "K9"])  # KELVIN SIGN normalises (NFC) to K
    with pytest.raises(ExportError, match="IRI collision"):
        export_string(driver, model)


def test_nodes_without_id_or_kind_are_refused(driver, model):
    driver.execute_query("CREATE (:Entity {name: 'nameless'})")
    with pytest.raises(ExportError, match="have no id"):
        export_string(driver, model)
    wipe(driver)
    driver.execute_query("CREATE (:Entity {id: 'x-1', kind: 'Spaceship'})")
    with pytest.raises(ExportError, match="no kind of the schema"):
        export_string(driver, model)
    wipe(driver)
    driver.execute_query("CREATE (:Entity:Place {id: 'place-x', name_en: 'X', type: 'city', sources: []})")
    assert "<id/place-x>\n    a schema:City, schema:Place ;" in export_string(driver, model)  # kind from the label


def test_iri_helpers():
    assert encode_id("org-moskino") == "org-moskino"
    assert encode_id("a b/c?d#e") == "a%20b%2Fc%3Fd%23e"
    assert encode_id("..") == "%2E%2E" and encode_id(".") == "%2E"
    assert encode_id("cafe\u0301") == encode_id("caf\u00e9") == "caf%C3%A9"
    assert url_term("https://example.org/x y") == "https://example.org/x%20y"
    assert url_term("https://ru.wikipedia.org/wiki/Москино") == "https://ru.wikipedia.org/wiki/Москино"
    assert url_term("ftp://example.org/") == Lit("ftp://example.org/", "", "http://www.w3.org/2001/XMLSchema#anyURI")
    assert isinstance(url_term("http://exa mple.org:80x/"), Lit)
    assert check_base("https://example.org/kb") == "https://example.org/kb/"
    for bad in ("example.org/", "https://x.org/a b/", "https://x.org/?q", "https://x.org/a/../b/"):
        with pytest.raises(ExportError):
            check_base(bad)
    assert format_for("x.ttl") == "ttl" and format_for("x.JSONLD") == "jsonld" and format_for("x.rdf") == "xml"
    assert format_for("x.nq") == "nq" and format_for("x.trig") == "trig" and format_for("x.txt") == "ttl"
    assert format_for(None) == "ttl" and format_for("x.nt", "trig") == "trig"
    with pytest.raises(ExportError, match="unknown RDF format 'n3'"):
        format_for(None, "n3")


def test_streams_one_block_per_entity(seeded, model):
    """N-Triples / N-Quads are written entity by entity as Neo4j streams them, never as one graph."""
    class Counting(io.StringIO):
        writes = 0

        def write(self, s):
            Counting.writes += 1
            return super().write(s)

    entities = seeded.execute_query("MATCH (n:Entity) RETURN count(n) AS c").records[0]["c"]
    for fmt in ("nt", "nq"):
        Counting.writes = 0
        result = export(seeded, model, Counting(), format=fmt)
        assert result.entities == entities and Counting.writes >= entities


@pytest.mark.slow
def test_line_formats_stream_in_small_memory(driver, model, tmp_path):
    """N-Triples / N-Quads of a synthetic graph: peak Python memory stays a small
    fraction of the output (nothing accumulates the graph)."""
    from graph.bench import synthetic

    load_paths(driver, synthetic.write(tmp_path / "synthetic", 2000), SCHEMA)

    class Sink:
        size = 0

        def write(self, s):
            self.size += len(s)

    for fmt in ("nt", "nq"):
        sink = Sink()
        tracemalloc.start()
        try:
            export(driver, model, sink, format=fmt)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert sink.size > 5_000_000
        assert peak < sink.size / 20, (fmt, peak, sink.size)


# -- the ontology ------------------------------------------------------------------

def test_ontology_declares_every_cf_term(model, seeds_export):
    onto = rdflib.Graph().parse(SCHEMA / "ontology.ttl", format="turtle")
    used: set[str] = set()
    for kind in model.kinds.values():
        used.add(kind.rdf_class)
        if kind.class_by:
            used.update(kind.class_by.values.values())
        used.update(f.rdf for f in kind.fields.values() if f.rdf)
    for rel in model.relations.values():
        used.add(rel.rdf)
        used.update(p.rdf for p in rel.properties.values() if p.rdf)
    cf_terms = {model.expand(c) for c in used if c and c.startswith("cf:")}
    exported = {str(t) for triple in rdflib_triples(seeds_export["nt"], "nt") for t in triple
                if str(t).startswith(model.prefixes["cf"]) and not str(t).endswith("Shape")
                and str(t) != model.prefixes["cf"]}  # the namespace itself: the dataset's void:vocabulary
    assert exported <= cf_terms
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    for term in sorted(cf_terms):
        iri = URIRef(term)
        assert set(onto.objects(iri, RDF.type)) & kinds, f"{term} is not declared in schema/ontology.ttl"
        langs = {label.language for label in onto.objects(iri, RDFS.label)}
        assert {"en", "ru"} <= langs, f"{term} needs rdfs:label in en and ru"
        assert onto.value(iri, RDFS.comment), f"{term} needs an rdfs:comment"
        if OWL.Class in set(onto.objects(iri, RDF.type)):
            assert onto.value(iri, RDFS.subClassOf) or onto.value(iri, OWL.equivalentClass), term
    assert ox.parse((SCHEMA / "ontology.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)


# -- the SPARQL examples of docs/rdf.md ---------------------------------------------------

def readme_queries() -> list[str]:
    text = RDF_DOC.read_text(encoding="utf-8")
    return re.findall(r"```sparql\n(.*?)```", text, flags=re.S)


def test_readme_sparql_examples_answer_over_the_seeds(seeds_export):
    queries = readme_queries()
    assert len(queries) == 3
    g = graph_of(seeds_export["ttl"], "ttl")
    rows = [[tuple(str(x) if x is not None else None for x in r) for r in g.query(q)] for q in queries]
    # 1. who signed what on behalf of whom
    signed = {(r[0], r[1]) for r in rows[0]}
    assert {("Dmitry Semyonov", "Belarusfilm National Film Studio"),
            ("Aidar Batalov", "League of Filmmakers of Kazakhstan"),
            ("Makhmadsaid Shokhiyon", "Tajikfilm"),
            ("Georgy Prokopov", "Moskino"), ("Boris Khanchalyan", "Gazprom-Media Holding")} <= signed
    assert all("Iskra" in r[2] or "Moskino" in r[2] for r in rows[0] if r[1] != "Gazprom-Media Holding")
    # 2. agreements and their sources
    by_agreement = {(r[0], r[2]) for r in rows[1]}
    assert ("Cooperation agreement between Gazprom-Media Holding and Moskino", "003_774deae4e0b0676e.txt") in by_agreement
    assert ("Memorandum of cooperation on the co-production of the war drama Iskra", "001_1c5b7360c25d9cd1.txt") in by_agreement
    assert any(r[3] == "2025-08-26" and r[4] for r in rows[1])
    # 3. co-production partners by country
    by_country = {r[0]: set(r[1].split(", ")) for r in rows[2]}
    assert {"1-2-3 Production", "League of Filmmakers of Kazakhstan"} <= by_country["Kazakhstan"]
    assert "1-2-3 Production" in by_country["Belarus"]


# -- the command line ---------------------------------------------------------------

def test_cli_export(seeded, run_cli, tmp_path, seeds_export):
    r = run_cli("export")
    assert r.exit_code == 0, r.output
    assert r.stdout == seeds_export["ttl"]
    assert re.fullmatch(r"Exported \d+ triples about \d+ entities as ttl to stdout in [\d.]+ s\.\n", r.stderr)
    target = tmp_path / "graph.nq"
    r = run_cli("export", "-o", str(target))
    assert r.exit_code == 0, r.output
    assert target.read_text(encoding="utf-8") == seeds_export["nq"]
    assert re.fullmatch(rf"Exported \d+ triples \(\+\d+ in named graphs\) about \d+ entities as nq to {re.escape(str(target))} in [\d.]+ s\.\n", r.stderr)
    r = run_cli("export", "--format", "jsonld", "-o", str(tmp_path / "x.ttl"), "--base", "https://example.org/kb")
    assert r.exit_code == 0 and '"@id": "https://example.org/kb/id/org-moskino"' in (tmp_path / "x.ttl").read_text()
    r = run_cli("export", "-o", str(tmp_path / "ok.trig"), "--validate")
    assert r.exit_code == 0, r.output
    assert r.stderr.endswith("SHACL: the export conforms to the shapes derived from schema/.\n")
    r = run_cli("export", "--format", "n3")  # refused when the command line is read, before connecting
    assert r.exit_code == 2 and "'n3' is not one of" in r.stderr


def test_cli_export_validate_reports_violations(seeded, run_cli, tmp_path):
    seeded.execute_query("CREATE (:Entity:Person {id: 'person-nameless', kind: 'Person', sources: ['src-001']})")
    r = run_cli("export", "-o", str(tmp_path / "x.nt"), "--validate")
    assert r.exit_code == 1
    assert "person-nameless schema:name — Less than 1 values" in r.stderr
    assert r.stderr.rstrip().endswith("Error: 1 SHACL violation(s) in the export")
