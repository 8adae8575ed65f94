"""`cisfilm serve` with real clients: urllib with every media type, rdflib's SPARQLStore on
the endpoint, pyoxigraph and rdflib parsing what it serves, headless Chromium following
links between entity pages; and a load followed by a request that shows the new fact.

One server for the module, over the seeds in the test session's Neo4j.
"""
from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from helpers import free_port, wipe

from graph.model.schema import load_model
from graph.rdf import DEFAULT_BASE, export_string
from graph.serve import Config, Limits, LinkedDataServer, is_loopback
from graph.serve.describe import exists
from graph.serve.errors import BadRequest, NotAcceptable
from graph.serve.examples import EXAMPLES
from graph.serve.negotiate import GRAPH_FORMATS, HTML, RDF_FORMATS, choose, parse_accept
from graph.store.load import load_paths

ROOT = Path(__file__).resolve().parent.parent
SCHEMA, SEEDS, DOCS = ROOT / "schema", ROOT / "seeds", ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
BASE = DEFAULT_BASE
SCHEMA_NAME = "https://schema.org/name"
OX = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
      "rdf": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, accept: str | None = None, follow: bool = True, method: str = "GET", data: bytes | None = None,
        headers: dict | None = None):
    """(status, headers, body) of one request; 4xx/5xx are answers, not exceptions."""
    h = dict(headers or {})
    if accept is not None:
        h["Accept"] = accept
    req = urllib.request.Request(url, headers=h, method=method, data=data)
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def model():
    return load_model(SCHEMA)


@pytest.fixture(scope="module")
def served(server, session_driver, model):
    """The seeds loaded, and a server over them (the store checks for loads every 0.2 s)."""
    wipe(session_driver)
    load_paths(session_driver, [SEEDS], SCHEMA)
    srv = LinkedDataServer(session_driver, model, Config(port=free_port(), poll=0.2), ontology=SCHEMA / "ontology.ttl",
                           log=lambda m: None)
    srv.start()
    yield srv
    srv.stop()


def triples_of(body: bytes, fmt: str) -> set:
    return {(q.subject, q.predicate, q.object) for q in ox.parse(body, format=OX[fmt])}


def names(triples: set, iri: str) -> set[tuple[str, str | None]]:
    return {(o.value, o.language) for s, p, o in triples
            if s == ox.NamedNode(iri) and p == ox.NamedNode(SCHEMA_NAME)}


# -- content negotiation ------------------------------------------------------------

def test_accept_parsing_prefers_quality_then_specificity():
    offered = (HTML, *GRAPH_FORMATS)
    assert choose("text/turtle", offered).name == "ttl"
    assert choose("application/ld+json;q=0.9, text/turtle;q=0.5", offered).name == "jsonld"
    assert choose("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", offered) is HTML
    assert choose("*/*", offered) is HTML  # ours first on a tie
    assert choose("text/*;q=0.5, text/turtle", offered).name == "ttl"
    assert choose("application/rdf+xml, */*;q=0", offered).name == "rdf"
    assert choose(None, offered) is HTML
    with pytest.raises(NotAcceptable):
        choose("image/png", offered)
    with pytest.raises(NotAcceptable):
        choose("text/turtle;q=0", offered)
    for bad in ("text", "text/turtle;q=2", "text/turtle;q=abc", "*/turtle", "a/b;=", "x" * 3000,
                ",".join(["text/plain"] * 50)):
        with pytest.raises(BadRequest):
            parse_accept(bad)


@pytest.mark.parametrize("media", [m for m in RDF_FORMATS if m in GRAPH_FORMATS], ids=lambda m: m.name)
def test_an_entity_iri_redirects_by_accept_to_rdf_that_parses(served, media):
    url = served.url + "id/org-moskino"
    status, headers, _ = get(url, media.type, follow=False)
    assert status == 303
    assert headers["Location"] == f"/data/id/org-moskino.{media.name}"
    assert headers["Vary"] == "Accept"
    assert 'rel="alternate"; type="text/html"' in headers["Link"]
    status, headers, body = get(url, media.type)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media.type
    got = triples_of(body, media.name)
    assert {("Moskino", "en"), ("АНО «Москино»", "ru")} <= names(got, BASE + "id/org-moskino")
    # its relationships' statements come with it, and what points at it
    assert any(s.value.startswith(BASE + "fact/org-moskino/") for s, _, _ in got)
    assert any(o == ox.NamedNode(BASE + "id/org-moskino") and s.value.startswith(BASE + "id/") for s, _, o in got)
    # ?format= overrides Accept
    status, headers, _ = get(url + f"?format={media.name}", "text/html", follow=False)
    assert headers["Location"] == f"/data/id/org-moskino.{media.name}"


def test_an_entity_page_shows_names_facts_sources_and_links(served):
    status, headers, body = get(served.url + "id/org-moskino", "text/html,*/*;q=0.8")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert "<h1>Moskino</h1>" in page and "АНО «Москино»" in page
    assert 'href="/id/src-003"' in page  # a source, linked
    assert re.search(r"<blockquote>[^<]*Москино", page)  # a quote with its source
    assert 'href="/data/id/org-moskino.ttl"' in page and 'href="/data/id/org-moskino.jsonld"' in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_every_minted_iri_dereferences(served):
    q = ("SELECT ?st ?d ?g WHERE { ?st a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> ; "
         "<http://www.w3.org/ns/prov#qualifiedDerivation> ?d ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?src . "
         "?g <http://purl.org/dc/terms/source> ?src } LIMIT 1")
    status, _, body = get(served.url + "sparql?query=" + urllib.parse.quote(q), "application/sparql-results+json")
    assert status == 200, body
    row = json.loads(body)["results"]["bindings"][0]
    for key in ("st", "d", "g"):
        iri = row[key]["value"]
        assert iri.startswith(BASE)
        status, headers, body = get(served.url + iri[len(BASE):], "application/n-triples")
        assert status == 200, (iri, body)
        assert any(s == ox.NamedNode(iri) for s, _, _ in triples_of(body, "nt")), iri
    # a named graph's document holds what the graph holds
    status, _, body = get(served.url + row["g"]["value"][len(BASE):], "text/turtle")
    assert len(triples_of(body, "ttl")) > 10


def test_unknown_and_hostile_requests_get_4xx_never_a_traceback(served):
    u = served.url
    cases = [
        (u + "id/no-such-entity", {}, "GET", None, 404),
        (u + "id/%ff%fe", {}, "GET", None, 400),
        (u + "id/a%00b", {}, "GET", None, 400),
        (u + "id/..%2f..%2fetc%2fpasswd", {}, "GET", None, 404),
        (u + "nothing/here", {}, "GET", None, 404),
        (u + "data/id/org-moskino.exe", {}, "GET", None, 404),
        (u + "id/" + "a" * 3000, {}, "GET", None, 414),
        (u + "id/org-moskino", {"Accept": "image/png"}, "GET", None, 406),
        (u + "id/org-moskino", {"Accept": "text/html;q=7"}, "GET", None, 400),
        (u + "id/org-moskino", {"Accept": "text/turtle"}, "GET", None, 303),
        (u + "id/org-moskino?format=exe", {}, "GET", None, 400),
        (u + "id/org-moskino", {}, "POST", b"x", 405),
        (u + "id/org-moskino", {}, "DELETE", None, 405),
        (u + "sparql", {"Content-Type": "application/sparql-update"}, "POST", b"DROP ALL", 403),
        (u + "sparql", {"Content-Type": "application/x-www-form-urlencoded"}, "POST", b"update=DROP%20ALL", 403),
        (u + "sparql?update=DROP%20ALL", {}, "GET", None, 403),
        (u + "sparql", {"Content-Type": "text/plain"}, "POST", b"SELECT * {}", 415),
        (u + "sparql", {"Content-Type": "application/sparql-query"}, "POST", b"x" * (70 << 10), 413),
        (u + "sparql?query=INSERT%20DATA%20%7B%3Ca%3E%20%3Cb%3E%20%3Cc%3E%7D", {}, "GET", None, 400),
        (u + "sparql?query=SELECT%20*%20WHERE%20%7B", {}, "GET", None, 400),
        (u + "sparql?query=" + urllib.parse.quote("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"),
         {}, "GET", None, 400),
        (u + "sparql?query=SELECT%20*%20%7B%7D&default-graph-uri=javascript:alert(1)", {}, "GET", None, 400),
        (u + "sparql", {"Accept": "application/sparql-results+json"}, "GET", None, 400),
    ]
    for url, headers, method, data, want in cases:
        status, h, body = get(url, follow=False, method=method, data=data, headers=headers)
        assert status == want, (url[:120], method, status, body[:200])
        assert b"Traceback" not in body and b'File "' not in body
    # a SERVICE word in a string, an IRI or a variable is no SERVICE clause
    q = 'SELECT ?service WHERE { BIND("SERVICE <x>" AS ?service) }'
    status, _, body = get(u + "sparql?query=" + urllib.parse.quote(q), "application/sparql-results+json")
    assert status == 200, body


# -- SPARQL ----------------------------------------------------------------------------

def doc_queries() -> list[str]:
    text = (DOCS / "rdf.md").read_text(encoding="utf-8")
    return re.findall(r"```sparql\n(.*?)```", text, re.S)


def rows(result) -> set:
    """Rows as comparable tuples; a GROUP_CONCAT's order is the engine's, so its parts are sorted."""
    def norm(v) -> str | None:
        return None if v is None else ", ".join(sorted(str(v).split(", ")))

    return {tuple(norm(v) for v in row) for row in result}


def test_rdflib_sparqlstore_runs_the_documented_examples(served, session_driver, model):
    """rdflib's SPARQLStore against /sparql gives what rdflib itself finds in the export."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    queries = doc_queries() + [q for _, q in EXAMPLES]
    assert len(queries) >= 6
    local = rdflib.Graph().parse(data=export_string(session_driver, model, format="nt"), format="nt")
    remote = rdflib.Graph(store=SPARQLStore(served.url + "sparql", returnFormat="json"))
    for q in queries:
        got = rows(remote.query(q))
        assert got, q
        assert got == rows(local.query(q)), q


@pytest.mark.parametrize("accept,ctype,check", [
    ("application/sparql-results+json", "application/sparql-results+json",
     lambda b: json.loads(b)["results"]["bindings"][0]["n"]["value"]),
    ("application/sparql-results+xml", "application/sparql-results+xml", lambda b: b"<sparql" in b),
    ("text/csv", "text/csv", lambda b: b.decode().splitlines()[0] == "n"),
    ("text/tab-separated-values", "text/tab-separated-values", lambda b: b.decode().splitlines()[0] == "?n"),
    ("text/html", "text/html", lambda b: b"<table>" in b),
])
def test_select_results_in_every_format(served, accept, ctype, check):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for method in ("GET", "POST-form", "POST-query"):
        if method == "GET":
            status, headers, body = get(served.url + "sparql?query=" + urllib.parse.quote(q), accept)
        elif method == "POST-form":
            status, headers, body = get(served.url + "sparql", accept, method="POST",
                                        data=urllib.parse.urlencode({"query": q}).encode(),
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        else:
            status, headers, body = get(served.url + "sparql", accept, method="POST", data=q.encode(),
                                        headers={"Content-Type": "application/sparql-query"})
        assert status == 200, (method, body)
        assert headers["Content-Type"].split(";")[0] == ctype
        assert check(body)


def test_ask_construct_and_describe(served):
    u = served.url + "sparql?query="
    status, _, body = get(u + urllib.parse.quote(f"ASK {{ <{BASE}id/org-moskino> ?p ?o }}"),
                          "application/sparql-results+json")
    assert status == 200 and json.loads(body)["boolean"] is True
    q = f"CONSTRUCT {{ ?s <{SCHEMA_NAME}> ?n }} WHERE {{ ?s <{SCHEMA_NAME}> ?n }}"
    status, headers, body = get(u + urllib.parse.quote(q), "text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert ("Moskino", "en") in names(triples_of(body, "ttl"), BASE + "id/org-moskino")
    status, headers, body = get(u + urllib.parse.quote(f"DESCRIBE <{BASE}id/org-moskino>"), "application/ld+json")
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    assert ("Moskino", "en") in names(triples_of(body, "jsonld"), BASE + "id/org-moskino")
    status, _, body = get(u + urllib.parse.quote(q), "application/sparql-results+json")
    assert status == 406


def test_query_time_and_result_size_are_limited(served, session_driver, model):
    tight = LinkedDataServer(session_driver, model, Config(port=free_port(), limits=Limits(timeout=0.5,
                             max_bytes=20_000, max_queries=1)), log=lambda m: None).start()
    try:
        status, _, body = get(tight.url + "sparql?query=" + urllib.parse.quote("SELECT * { ?s ?p ?o }"))
        assert status == 413 and b"larger than 20000 bytes" in body
        slow = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } LIMIT 100000000"
        t0 = time.monotonic()
        status, headers, body = get(tight.url + "sparql?query=" + urllib.parse.quote(slow) + "&format=csv")
        assert status in (503, 413), body  # whichever limit comes first stops it
        assert time.monotonic() - t0 < 5
        assert b"time limit" in body or b"larger than" in body
    finally:
        tight.stop()


# -- VoID, ontology, dumps ----------------------------------------------------------------

def test_void_describes_the_dataset_and_names_the_endpoint(served, session_driver, model):
    status, headers, body = get(served.url + "void", "text/turtle")
    assert status == 200 and headers["Vary"] == "Accept"
    g = rdflib.Graph().parse(data=body, format="turtle")
    void, dcat, dct = (rdflib.Namespace(n) for n in ("http://rdfs.org/ns/void#", "http://www.w3.org/ns/dcat#",
                                                      "http://purl.org/dc/terms/"))
    d = rdflib.URIRef(BASE + "dataset")
    assert g.value(d, void.sparqlEndpoint) == rdflib.URIRef(BASE + "sparql")
    snap = served.live.current
    assert int(g.value(d, void.triples)) == snap.triples > 1000
    assert int(g.value(d, void.entities)) == snap.entities == 75 or snap.entities > 50
    assert g.value(d, dct.license) is not None and g.value(d, dct.title) is not None
    assert g.value(d, dct.modified) is not None and g.value(g.value(d, dct.publisher), rdflib.FOAF.name)
    dumps = set(g.objects(d, void.dataDump))
    assert len(dumps) == 6
    assert rdflib.URIRef("https://schema.org/") in set(g.objects(d, void.vocabulary))
    assert len(set(g.objects(d, void.exampleResource))) >= 3
    service = g.value(d, dcat.accessService)
    assert g.value(service, dcat.endpointURL) == rdflib.URIRef(BASE + "sparql")
    # JSON-LD too
    status, _, body = get(served.url + "void?format=jsonld")
    assert status == 200 and triples_of(body, "jsonld")


def test_dumps_hold_the_export_and_the_ontology_is_served(served, session_driver, model):
    export = {(q.subject, q.predicate, q.object, q.graph_name)
              for q in ox.parse(export_string(session_driver, model, format="nq"), format=ox.RdfFormat.N_QUADS)}
    default = {(s, p, o) for s, p, o, g in export if g == ox.DefaultGraph()}
    for m in RDF_FORMATS:
        status, headers, body = get(served.url + f"dumps/cisfilm.{m.name}")
        assert status == 200 and headers["Content-Type"].split(";")[0] == m.type
        quads = {(q.subject, q.predicate, q.object, q.graph_name) for q in ox.parse(body, format=OX[m.name])}
        if m.name in ("trig", "nq"):
            assert quads == export, m.name
        else:
            assert {(s, p, o) for s, p, o, _ in quads} == default, m.name
    status, _, body = get(served.url + "ontology", "text/turtle")
    assert status == 200
    assert (ox.NamedNode("https://w3id.org/cisfilm/ontology#Agreement"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/2002/07/owl#Class")) in triples_of(body, "ttl")
    status, _, body = get(served.url, "text/html")
    assert status == 200 and b"Example SPARQL queries" in body


def test_loopback_is_the_default_and_bad_options_are_clean_errors(run_cli):
    assert Config().host == "127.0.0.1"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    result = run_cli("serve", "--base", "not an iri", "--port", "0")
    assert result.exit_code == 1
    assert "bad base IRI" in result.output and "Traceback" not in result.output
    assert "Warning" not in result.output
    result = run_cli("serve", "--host", "0.0.0.0", "--base", "not an iri")
    assert result.exit_code == 1 and "Warning: serving on 0.0.0.0, reachable from other machines" in result.output


# -- a real web browser ----------------------------------------------------------------

def test_chromium_opens_an_entity_page_and_follows_a_link(served):
    from playwright.sync_api import expect, sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: ./run test installs it (apt-get install chromium)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.set_default_timeout(30_000)
            page.goto(served.url + "id/org-moskino")
            assert page.url.endswith("/page/id/org-moskino")  # the 303 to the HTML document
            expect(page.locator("h1")).to_have_text("Moskino")
            expect(page.get_by_text("АНО «Москино»").first).to_be_visible()
            page.screenshot(path=str(DOCS / "serve-entity-page.png"), full_page=False)
            page.locator('a[href="/id/src-003"]').first.click()
            page.wait_for_url(re.compile(r"/page/id/src-003$"))
            expect(page.locator("h1")).not_to_have_text("Moskino")
            expect(page.get_by_text("Referenced by")).to_be_visible()
        finally:
            browser.close()


# -- following the graph --------------------------------------------------------------------

PROBE = """\
entities:
  - id: org-serve-probe
    kind: Organization
    name: {en: "Serve probe <script>alert(1)</script> & Co"}
    type: studio
    sources: [src-003]
relations:
  - from: org-serve-probe
    type: LOCATED_IN
    to: place-kz
    sources: [src-003]
"""


def test_a_load_is_served_without_a_restart(served, run_cli, tmp_path):
    facts = tmp_path / "facts"
    shutil.copytree(SEEDS, facts)
    (facts / "zz-probe.yaml").write_text(PROBE, encoding="utf-8")
    url = served.url + "id/org-serve-probe"
    assert get(url, "text/turtle", follow=False)[0] == 404
    before = served.live.current
    result = run_cli("load", str(facts))
    assert result.exit_code == 0, result.output
    deadline = time.monotonic() + 30
    while get(url, "text/turtle", follow=False)[0] != 303:
        assert time.monotonic() < deadline, "the server did not follow the load"
        time.sleep(0.2)
    after = served.live.current
    assert after.generation != before.generation and after.entities == before.entities + 1
    # the new store was built aside and swapped in: a request holding the old one still sees the old graph whole
    assert after.store is not before.store
    assert not exists(before.store, BASE + "id/org-serve-probe") and exists(after.store, BASE + "id/org-serve-probe")
    status, _, body = get(url, "application/n-triples")
    got = triples_of(body, "nt")
    assert ("Serve probe <script>alert(1)</script> & Co", "en") in names(got, BASE + "id/org-serve-probe")
    assert (ox.NamedNode(BASE + "id/org-serve-probe"), ox.NamedNode("https://schema.org/location"),
            ox.NamedNode(BASE + "id/place-kz")) in got
    q = f"ASK {{ <{BASE}id/org-serve-probe> ?p ?o }}"
    assert json.loads(get(served.url + "sparql?query=" + urllib.parse.quote(q), "application/json")[2])["boolean"]
    page = get(url, "text/html")[2].decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    # and back: a pruning load takes it away again
    assert run_cli("load", "--prune", str(SEEDS)).exit_code == 0
    deadline = time.monotonic() + 30
    while get(url, "text/turtle", follow=False)[0] != 404:
        assert time.monotonic() < deadline, "the server did not follow the pruning load"
        time.sleep(0.2)


# -- the benchmark's serve section ----------------------------------------------------------

def test_bench_serve_section_measures_the_server(run_cli, driver, settings, tmp_path):
    env = {"NEO4J_URI": settings.uri, "NEO4J_USERNAME": settings.user, "NEO4J_PASSWORD": settings.password}
    result = run_cli("bench", "--scale", "200", "--runs", "1", "--only", "serve", "--out", str(tmp_path), env=env)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "bench-200.json").read_text(encoding="utf-8"))
    sv = report["serve"]
    assert sv["entities"] == 200 and sv["triples"] > 200 * 10
    assert 0 < sv["get_id_303"]["p50_ms"] <= sv["get_id_303"]["p95_ms"]
    assert sv["sparql_two_hop"]["p50_ms"] > 0 and sv["refresh_s"] > sv["refresh_parse_s"] > 0
    names = [t["name"] for t in report["targets"]]
    assert "serve: GET /id/<id> p50 (ms)" in names and "serve: two-hop SPARQL SELECT p50 (ms)" in names
