"""The reference gazetteer (ISO 3166 from pycountry, seeds/reference/iso3166.yaml): it is
what the generator gives, it is sourced from a dataset, article places link to it by id,
the questions and the RDF see countries, and the per-article statistics leave it out."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from graph.facts import gazetteer as gz
from graph.facts import read_facts
from graph.facts.reference import merge
from graph.facts.translit import place_key, romanise
from graph.model.schema import load_model
from graph.store.load import load_paths
from graph.store.stats import graph_stats

ROOT = Path(__file__).resolve().parent.parent
SCHEMA, SEEDS = ROOT / "schema", ROOT / "seeds"
REFERENCE = SEEDS / gz.FACT_FILE


@pytest.fixture(scope="module")
def facts():
    return read_facts([SEEDS], load_model(SCHEMA))[0]


@pytest.fixture(scope="module")
def gazetteer():
    return gz.Gazetteer()


def test_the_committed_file_is_what_pycountry_gives():
    assert REFERENCE.read_text(encoding="utf-8") == gz.fact_file(), (
        "seeds/reference/iso3166.yaml is stale: run `python -m graph.facts.gazetteer`")
    assert f"pycountry package {gz.version()} " in REFERENCE.read_text(encoding="utf-8")


def test_the_match_table_in_the_docs_is_current(facts, gazetteer):
    doc = (ROOT / "docs" / "gazetteer.md").read_text(encoding="utf-8")
    assert gz.match_table(facts.entities.values(), gazetteer) in doc, (
        "docs/gazetteer.md's table is stale: run `python -m graph.facts.gazetteer`")


def test_its_source_is_a_dataset_and_ids_come_from_codes(facts):
    src = facts.entities[gz.SOURCE_ID]
    assert src.kind == "Source" and src.fields["source_type"] == "dataset"
    places = [e for e in facts.entities.values() if gz.SOURCE_ID in e.sources]
    assert 100 <= len(places) <= 300  # a few hundred at most: every test that loads seeds/ pays for them
    for e in places:
        assert e.kind == "Place" and e.id == f"place-{e.fields['iso_code'].lower()}"


def test_romanisation_follows_iso_3166_2_for_russia():
    assert romanise("Сахалинская область") == "Sakhalinskaya oblast'"
    assert romanise("Еврейская автономная область") == "Yevreyskaya avtonomnaya oblast'"
    assert romanise("Карачаево-Черкесская Республика") == "Karachayevo-Cherkesskaya Respublika"
    assert romanise("Хабаровский край") == "Khabarovskiy kray"
    assert place_key("Республика Татарстан") == place_key("Tatarstan, Respublika") == ("tatarstan",)


def test_cyrillic_names_match_iso_places_or_stay_unmatched(gazetteer):
    assert gazetteer.match("Сахалинская область") == "place-ru-sak"
    assert gazetteer.match("Калининградская область") == "place-ru-kgd"
    assert gazetteer.match("Ульяновская область") == "place-ru-uly"
    assert gazetteer.match("Москва") == "place-ru-mow"  # pycountry's Russian name
    assert gazetteer.match("Минск") == "place-by-hm"  # "Horad Minsk"
    assert gazetteer.match("Казахстан") == "place-kz"
    # not surely one place: left unmatched
    assert gazetteer.match("Сахалин") is None  # the island, not the oblast
    assert gazetteer.match("Минская область") is None  # ISO: Belarusian Latin "Minskaja voblasć"
    assert gazetteer.match("Московская область", within="place-by") is None


def test_article_places_are_the_gazetteer_places_with_their_articles(facts, gazetteer):
    sak = facts.entities["place-ru-sak"]
    assert sak.sources == ["src-002", gz.SOURCE_ID]
    assert sak.quotes[0] == "новый подъем культуры Сахалинской области"
    assert sak.fields["name"]["ru"] == "Сахалинская область"
    assert "Sakhalinskaya oblast'" in sak.fields["aliases"] and sak.fields["iso_code"] == "RU-SAK"
    ru = facts.entities["place-ru"]
    assert ru.fields["name"] == {"ru": "Россия", "en": "Russia"} and "Российская Федерация" in ru.fields["aliases"]
    # every article Place that ISO 3166 covers is declared under the gazetteer's id
    for e in facts.entities.values():
        if e.kind == "Place" and gz.SOURCE_ID not in e.sources:
            assert gazetteer.match(e.fields["name"]["ru"]) is None, e.id


def test_an_article_may_not_contradict_the_reference(facts):
    ref = facts.entities["place-ru-mow"]
    art = type(ref)("place-ru-mow", "Place", {**ref.fields, "type": "region"}, ["src-001"], [""], ref.pos,
                    ref.field_pos, "entities[0]")
    refd = type(ref)("place-ru-mow", "Place", {"name": {"en": "Moskva"}, "type": "city"}, [gz.SOURCE_ID], [""],
                     ref.pos, {}, "entities[1]")
    src = facts.entities[gz.SOURCE_ID]
    merged, problems = merge([src, refd, art])
    assert len(merged) == 2 and [p.field for p in problems] == ["entities[0].type"]


def test_places_are_in_their_countries_and_counted_apart_after_load(driver, run_cli, gazetteer):
    result = run_cli("load", str(SEEDS))
    assert result.exit_code == 0, result.output
    minsk = gazetteer.match("Минск")
    for place, country in (("place-ru-mow", "place-ru"), ("place-ru-sak", "place-ru"),
                           ("place-ru-kgd", "place-ru"), (minsk, "place-by")):
        rows = driver.execute_query(
            "MATCH (:Place {id: $p})-[:PART_OF]->(c:Place {type: 'country'}) RETURN c.id AS c", p=place).records
        assert [r["c"] for r in rows] == [country], place

    # stats: the gazetteer is counted apart, not as an article's facts
    st = graph_stats(driver)
    assert gz.SOURCE_ID not in st.facts_per_source and set(st.facts_per_source) == {
        "src-000", "src-001", "src-002", "src-003", "src-004"}
    reference = gazetteer.places
    seeded = {"place-ru", "place-by", "place-kz", "place-uz", "place-jp", "place-kr", "place-cn",
              "place-ru-mow", "place-ru-sak", "place-ru-kgd"}
    assert st.reference_nodes == len(reference) - len(seeded)
    assert st.reference_relations == sum(1 for p in reference if p.part_of)
    assert st.reference_sources == {gz.SOURCE_ID: len(reference) + st.reference_relations}
    assert "Reference data, not in the per-source counts" in run_cli("stats", "--brief").output


def test_questions_and_the_rdf_see_the_countries(driver, run_cli, tmp_path):
    load_paths(driver, [SEEDS], SCHEMA)
    # the co-production matrix now knows the countries the articles and ISO 3166 give
    matrix = json.loads(run_cli("query", "country_matrix", "--format", "json", "--timeout", "120").output)
    countries = {c for row in matrix for c in (row["country_a"], row["country_b"]) if c}
    assert {"Russia", "Kazakhstan"} <= countries, matrix
    path = json.loads(run_cli("query", "path", "-p", "from=org-moscow-government",
                              "-p", "to=Россия", "--format", "json", "--timeout", "120").output)
    assert [p["id"] for p in path] == ["org-moscow-government", "place-ru-mow", "place-ru"]
    # a dataset does not corroborate an article: Sakhalin Oblast still rests on one article
    rows = json.loads(run_cli("query", "single_source", "-p", "source=src-002", "--format", "json",
                              "--timeout", "120").output)
    assert {"place-ru-sak", "place-ru-kgd"} <= {r["subject_id"] for r in rows if r["kind"] == "Place"}
    assert all(r["source"] != gz.SOURCE_ID for r in json.loads(
        run_cli("query", "single_source", "--format", "json", "--timeout", "120").output))

    # the RDF export names the countries and their parts, and says where the gazetteer's facts come from
    out = run_cli("export", "--format", "nq", "-o", str(tmp_path / "g.nq"))
    assert out.exit_code == 0, out.output
    g = Dataset()
    g.parse(tmp_path / "g.nq", format="nquads")

    def there(s, p, o):
        return any(True for _ in g.quads((s, p, o, None)))

    schema = "https://schema.org/"
    russia = next(s for s, _, _, _ in g.quads((None, URIRef(schema + "name"), Literal("Russia", lang="en"), None)))
    assert there(russia, RDF.type, URIRef(schema + "Country"))
    assert "Российская Федерация" in {str(o) for _, _, o, _ in g.quads((russia, None, None, None))}  # ISO's name
    sak = next(s for s, _, _, _ in g.quads((None, URIRef(schema + "name"), Literal("Сахалинская область", lang="ru"),
                                            None)))
    assert there(sak, URIRef(schema + "containedInPlace"), russia)
    dataset = next(s for s, _, _, _ in g.quads((None, RDF.type, URIRef(schema + "Dataset"), None)))
    assert there(sak, URIRef("http://purl.org/dc/terms/isReferencedBy"), dataset)  # and by its article:
    assert {o for _, _, o, _ in g.quads((sak, URIRef("http://purl.org/dc/terms/isReferencedBy"), None, None))} == {
        dataset, next(s for s, _, _, _ in g.quads((None, URIRef(schema + "headline"), None, None))
                      if s.endswith("src-002"))}
