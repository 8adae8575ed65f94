"""The export as a linked-data consumer meets it: language tags from the schema, the
ontology linked (VoID, rdfs:isDefinedBy) and includable (--with-ontology), provenance on
descriptions rather than on people and places, source URLs, and parts of the graph
(--describe, --template) — against the real server."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from helpers import wipe
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from graph.errors import ExportError, SchemaError
from graph.model.schema import load_model
from graph.rdf import DEFAULT_BASE, FORMATS, export, export_string
from graph.rdf.shacl import validate_graph
from graph.rdf.subset import describe, template_selection
from graph.store.load import load_paths
from graph.templates import find_template, run_template

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
SEEDS = ROOT / "seeds"
QUERIES = ROOT / "queries"
ONTOLOGY = SCHEMA / "ontology.ttl"

RDFLIB = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml", "trig": "trig", "nq": "nquads"}
OXI = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
       "xml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}
CF = rdflib.Namespace("https://w3id.org/cisfilm/ontology#")
SDO = rdflib.Namespace("https://schema.org/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
ONTOLOGY_IRI = URIRef("https://w3id.org/cisfilm/ontology")
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def B(path: str) -> URIRef:
    return URIRef(DEFAULT_BASE + path)


def entity_iri(term) -> bool:
    """An entity's own IRI (<base>id/<id>), not a node minted under it."""
    return isinstance(term, URIRef) and str(term).startswith(DEFAULT_BASE + "id/") and \
        "/" not in str(term)[len(DEFAULT_BASE + "id/"):]


def parse(text: str, fmt: str) -> rdflib.Graph:
    """The default graph of a document, parsed by rdflib; also checks pyoxigraph reads the same
    number of default-graph triples."""
    if fmt in ("trig", "nq"):
        ds = rdflib.Dataset()
        ds.parse(data=text, format=RDFLIB[fmt])
        g = rdflib.Graph()
        for t in ds.graph(rdflib.graph.DATASET_DEFAULT_GRAPH_ID):
            g.add(t)
    else:
        g = rdflib.Graph().parse(data=text, format=RDFLIB[fmt])
    oxi = {q for q in ox.parse(text.encode("utf-8"), format=OXI[fmt]) if isinstance(q.graph_name, ox.DefaultGraph)}
    assert len(oxi) == len(g), fmt
    return g


@pytest.fixture(scope="module")
def model():
    return load_model(SCHEMA)


@pytest.fixture(scope="module")
def linked(server, session_driver, model) -> dict:
    """The seeds loaded once; every export the tests read, made up front (other modules' tests wipe the graph)."""
    wipe(session_driver)
    load_paths(session_driver, [SEEDS], SCHEMA)
    out: dict = {"nt": export_string(session_driver, model, format="nt")}
    for fmt in FORMATS:
        out["onto-" + fmt] = export_string(session_driver, model, format=fmt, ontology=ONTOLOGY)
        out["moskino-" + fmt] = export_string(session_driver, model, format=fmt, selection=describe("org-moskino"))
    out["onto-nt-again"] = export_string(session_driver, model, format="nt", ontology=ONTOLOGY)
    out["moskino-nt-again"] = export_string(session_driver, model, format="nt", selection=describe("org-moskino"))
    out["moskino-by-name"] = export_string(session_driver, model, format="nt", selection=describe("Москино"))
    template = find_template(QUERIES, "partners")
    out["partners-rows"] = run_template(session_driver, template, {"org": "Беларусьфильм"}, timeout=120).rows
    selection = template_selection(session_driver, template, {"org": "Беларусьфильм"})
    out["partners-nt"] = export_string(session_driver, model, format="nt", selection=selection)
    with pytest.raises(ExportError) as err:
        export_string(session_driver, model, selection=describe("no-such-entity"))
    out["unknown"] = str(err.value)
    return out


@pytest.fixture(scope="module")
def graph(linked) -> rdflib.Graph:
    return parse(linked["nt"], "nt")


# -- language tags --------------------------------------------------------------------

def test_seed_articles_say_they_are_russian(graph):
    articles = set(graph.subjects(RDF.type, SDO.NewsArticle))
    assert len(articles) >= 5
    langs = {a: {str(x) for x in graph.objects(a, SDO.inLanguage)} for a in articles}
    assert {frozenset(v) for v in langs.values() if v} == {frozenset({"ru"})}


def test_quotes_aliases_and_notes_carry_language_tags(graph):
    quotes = list(graph.objects(None, CF.quote))
    assert len(quotes) > 50
    assert {q.language for q in quotes} == {"ru"}  # every quote is from a Russian article
    notes = list(graph.objects(None, SKOS.note))
    assert len(notes) > 10 and {n.language for n in notes} == {"en"}  # the editors write notes in English
    # an alias takes the language of the entity's articles when it is written in their alphabet:
    # "CIS" is not Russian, and no other language is guessed; an entity known only from a
    # source that states no language (the ISO 3166 gazetteer) keeps its aliases untagged
    russian = {a for a in graph.subjects(SDO.inLanguage, Literal("ru"))}
    cyrillic, latin, unknown = [], [], []
    for entity, alias in graph.subject_objects(SKOS.altLabel):
        if not set(graph.objects(entity, DCT.isReferencedBy)) & russian:
            unknown.append(alias)
        else:
            (cyrillic if CYRILLIC.search(str(alias)) else latin).append(alias)
    assert len(cyrillic) > 10 and latin
    assert {a.language for a in cyrillic} == {"ru"}
    assert {a.language for a in latin} == {None}, latin
    assert {a.language for a in unknown} <= {None}
    assert Literal("СНГ", lang="ru") in set(graph.objects(B("id/place-cis"), SKOS.altLabel))
    assert Literal("CIS") in set(graph.objects(B("id/place-cis"), SKOS.altLabel))


def test_shapes_check_the_declared_languages(graph, model):
    assert validate_graph(graph, model) == []
    bad = rdflib.Graph()
    for t in graph:
        bad.add(t)
    bad.add((B("id/org-moskino"), SKOS.note, Literal("заметка", lang="ru")))  # notes are declared `en`
    bad.add((B("id/place-cis"), SKOS.altLabel, Literal("SNG", lang="fr")))  # not a language of the schema
    found = "\n".join(str(v) for v in validate_graph(bad, model))
    assert re.search(r"id/org-moskino skos:note — .*language", found), found
    assert re.search(r"id/place-cis skos:altLabel — ", found), found


def test_schema_language_key_is_checked(tmp_path):
    schema = tmp_path / "schema"
    shutil.copytree(SCHEMA, schema)
    common = schema / "_common.yaml"
    text = common.read_text(encoding="utf-8")
    common.write_text(text.replace("    language: en  #", "    language: xx  #", 1)
                          .replace("    rdf: dcterms:identifier\n", "    rdf: dcterms:identifier\n    language: ru\n", 1)
                          .replace("    rdf: owl:sameAs\n", "    rdf: owl:sameAs\n    language: ru\n", 1),
                      encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        load_model(schema)
    text = str(err.value)
    assert "note.language — unknown language code 'xx'" in text
    assert "fields.same_as.language — `language` is only for string, text or list-of-string fields" in text
    assert "fields.id.language" not in text  # a string field may have a language
    spec = load_model(SCHEMA).common_fields
    assert (spec["quote"].language, spec["aliases"].language, spec["note"].language) == ("source", "source", "en")


# -- provenance on descriptions, not on things ---------------------------------------------

def test_no_real_world_entity_is_derived_from_an_article(graph, model):
    kinds = {URIRef(model.expand(k.rdf_class)) for k in model.kinds.values()} - {SDO.NewsArticle}
    things = {s for c in kinds for s in graph.subjects(RDF.type, c)}
    assert len(things) > 50
    derived = set(graph.subjects(PROV.wasDerivedFrom, None)) | set(graph.subjects(PROV.qualifiedDerivation, None))
    assert not derived & things
    memberships = set(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/org#Membership")))
    assert memberships and not derived & memberships
    # what is derived: the statements (descriptions of relationships) and the named graphs
    statements = set(graph.subjects(RDF.type, RDF.Statement))
    graphs = {s for s in derived if str(s).startswith(DEFAULT_BASE + "graph/")}
    assert derived == statements | graphs and graphs
    # things are referred to by their articles, with the quote on a schema:Quotation
    for thing in things:
        assert set(graph.objects(thing, DCT.isReferencedBy)) <= set(graph.subjects(RDF.type, SDO.NewsArticle))
        assert set(graph.objects(thing, DCT.isReferencedBy)), thing
    moskino = B("id/org-moskino")
    quotations = set(graph.subjects(SDO.about, moskino))
    assert {graph.value(q, SDO.isPartOf) for q in quotations} <= set(graph.objects(moskino, DCT.isReferencedBy))
    assert all((q, RDF.type, SDO.Quotation) in graph and graph.value(q, CF.quote) for q in quotations)


# -- the dataset description and the ontology ------------------------------------------------

def test_the_export_describes_the_dataset_and_links_the_ontology(graph):
    dataset = B("dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert (dataset, VOID.uriSpace, Literal(DEFAULT_BASE + "id/")) in graph
    vocabularies = {str(v) for v in graph.objects(dataset, VOID.vocabulary)}
    assert {str(SDO), str(CF), str(PROV), str(DCT), "http://www.w3.org/ns/org#", str(SKOS)} <= vocabularies
    # every project term the export uses (class or predicate) is defined by the ontology
    used = {p for p in graph.predicates() if str(p).startswith(str(CF))} | \
        {o for o in graph.objects(None, RDF.type) if str(o).startswith(str(CF))}
    assert len(used) > 10
    defined = set(graph.subjects(RDFS.isDefinedBy, ONTOLOGY_IRI))
    assert used <= defined
    assert all(str(t).startswith(str(CF)) for t in defined)
    assert not set(graph.subjects(RDF.type, OWL.Class))  # the ontology itself only when asked


def test_with_ontology_adds_the_ontology(linked, graph):
    onto = rdflib.Graph().parse(ONTOLOGY, format="turtle")
    got = parse(linked["onto-nt"], "nt")
    assert set(onto) <= set(got)
    assert (CF.Agreement, RDF.type, OWL.Class) in got and (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in got
    assert set(got) - set(onto) == set(graph)  # the ontology and nothing else is added
    declared = {s for s in onto.subjects(RDF.type, None) if str(s).startswith(str(CF))}
    assert declared <= set(got.subjects(RDFS.isDefinedBy, ONTOLOGY_IRI))
    assert linked["onto-nt"] == linked["onto-nt-again"]
    for fmt in FORMATS:
        assert set(parse(linked["onto-" + fmt], fmt)) == set(got), fmt


# -- parts of the graph -------------------------------------------------------------------------

def full_entities(g: rdflib.Graph) -> set[str]:
    """Entities exported whole (labels-only neighbours have no dcterms:identifier)."""
    return {str(o) for s, o in g.subject_objects(DCT.identifier) if entity_iri(s)}


def test_describe_gives_one_entity_with_its_facts(linked, graph):
    got = parse(linked["moskino-nt"], "nt")
    moskino = B("id/org-moskino")
    assert full_entities(got) == {"org-moskino"}
    # its own triples, quotations and statements, as in the whole export
    own = {t for t in graph if t[0] == moskino or (t[0], SDO.about, moskino) in graph}
    assert own and own <= set(got)
    outgoing = {t for t in graph if (t[0], RDF.subject, moskino) in graph}
    incoming = {t for t in graph if (t[0], RDF.object, moskino) in graph}
    assert outgoing and incoming and outgoing | incoming <= set(got)
    assert (B("id/post-moskino-ceo"), URIRef("http://www.w3.org/ns/org#postIn"), moskino) in got
    # every entity it points to, or that points to it, is labelled
    pointed = {o for o in got.objects() if entity_iri(o)} | {s for s in got.subjects() if entity_iri(s)}
    assert len(pointed) > 3
    for e in pointed:
        assert set(got.objects(e, SDO.name)) and set(got.objects(e, RDF.type)), e
    # nothing else: no statement between two other entities, no other entity's fields
    for st in got.subjects(RDF.type, RDF.Statement):
        assert moskino in (got.value(st, RDF.subject), got.value(st, RDF.object)), st
    assert not set(got.subjects(RDF.type, VOID.Dataset))
    assert linked["moskino-nt"] == linked["moskino-nt-again"] == linked["moskino-by-name"]
    for fmt in FORMATS:
        assert set(parse(linked["moskino-" + fmt], fmt)) == set(got), fmt


def test_describe_names_an_unknown_entity(linked):
    assert linked["unknown"].startswith("--describe: no entity has the id, name or alias 'no-such-entity'")


def test_template_exports_the_subgraph_a_question_returns(linked):
    rows = linked["partners-rows"]
    partners = {r["partner_id"] for r in rows}
    sources = {s for r in rows for s in r["sources"]}
    assert "org-1-2-3-production" in partners and sources
    got = parse(linked["partners-nt"], "nt")
    assert full_entities(got) == partners | sources | {"org-belarusfilm"}
    chosen = {B("id/" + x) for x in full_entities(got)}
    statements = set(got.subjects(RDF.type, RDF.Statement))
    for st in statements:  # only the facts among them
        assert got.value(st, RDF.subject) in chosen and got.value(st, RDF.object) in chosen, st


# -- source URL and publisher ---------------------------------------------------------------

FACTS = """\
entities:
  - id: src-u
    kind: Source
    name: {ru: "Статья"}
    file: "u.txt"
    language: "ru"
    url: "https://example.org/news/u"
  - id: org-pub
    kind: Organization
    name: {ru: "Издание", en: "Outlet"}
    aliases: ["Издание У", "Outlet U"]
    type: media_outlet
    note: "An outlet."
    sources: [{source: src-u, quote: "издание «У»"}]
relations:
  - {from: src-u, type: PUBLISHED_BY, to: org-pub, sources: [{source: src-u, quote: "пишет издание"}]}
"""


def test_source_url_publisher_and_tags_from_a_small_fact_set(driver, model, tmp_path):
    (tmp_path / "facts.yaml").write_text(FACTS, encoding="utf-8")
    load_paths(driver, [tmp_path / "facts.yaml"], SCHEMA)
    g = parse(export_string(driver, model, format="ttl"), "ttl")
    src, pub = B("id/src-u"), B("id/org-pub")
    assert (src, SDO.url, URIRef("https://example.org/news/u")) in g
    assert (src, SDO.publisher, pub) in g
    assert set(g.objects(pub, SKOS.altLabel)) == {Literal("Издание У", lang="ru"), Literal("Outlet U")}
    assert set(g.objects(pub, SKOS.note)) == {Literal("An outlet.", lang="en")}
    st = B("fact/src-u/published_by/org-pub")
    quotes = {g.value(d, CF.quote) for d in g.objects(st, PROV.qualifiedDerivation)}
    assert quotes == {Literal("пишет издание", lang="ru")}
    assert validate_graph(g, model) == []


# -- the command line ------------------------------------------------------------------------

def test_cli_export_options(driver, model, run_cli, tmp_path):
    load_paths(driver, [SEEDS], SCHEMA)
    r = run_cli("export", "--describe", "org-moskino", "-f", "nt")
    assert r.exit_code == 0, r.output
    assert r.stdout == export_string(driver, model, format="nt", selection=describe("org-moskino"))
    assert re.fullmatch(r"Exported \d+ triples about 1 entities \(entity org-moskino and its neighbours' labels\) "
                        r"as nt to stdout in [\d.]+ s\.\n", r.stderr), r.stderr
    r = run_cli("export", "--template", "partners", "-p", "org=Беларусьфильм", "-f", "nt")
    assert r.exit_code == 0, r.output
    selection = template_selection(driver, find_template(QUERIES, "partners"), {"org": "Беларусьфильм"}, timeout=120)
    assert r.stdout == export_string(driver, model, format="nt", selection=selection)
    r = run_cli("export", "--with-ontology", "-o", str(tmp_path / "o.nt"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o.nt").read_text(encoding="utf-8") == export_string(driver, model, format="nt",
                                                                             ontology=ONTOLOGY)
    r = run_cli("export", "--describe", "no-such-entity")
    assert r.exit_code == 1 and "no-such-entity" in r.stderr and r.stdout == ""
    r = run_cli("export", "--template", "partners")  # a required parameter, checked before connecting
    assert r.exit_code == 1 and "org" in r.stderr
    r = run_cli("export", "--describe", "org-moskino", "--template", "partners")
    assert r.exit_code == 1 and "not both" in r.stderr
    r = run_cli("export", "-p", "org=x")
    assert r.exit_code == 1 and "-p/--param is for --template" in r.stderr
    r = run_cli("export", "--describe", "org-moskino", "--validate")
    assert r.exit_code == 1 and "--validate checks the whole export" in r.stderr


def test_export_to_a_file_with_a_selection_is_atomic(driver, model, tmp_path):
    load_paths(driver, [SEEDS], SCHEMA)
    target = tmp_path / "x.ttl"
    with pytest.raises(ExportError, match="no-such"):
        export(driver, model, target, selection=describe("no-such"))
    assert not target.exists() and list(tmp_path.iterdir()) == []
