"""Property-based tests (Hypothesis) of the whole pipeline: YAML → Neo4j → RDF → facts.

1. Random valid fact sets load into the real Neo4j exactly as written, and every RDF
   format, parsed back by rdflib and by pyoxigraph, gives back the same facts
   (ids, kinds, every field, names per language, aliases, sources and quotes,
   relations with their properties and sources).
2. Any string at all (controls, lone surrogates, bidi overrides, separators) as a
   name: validation either accepts it — exactly when the rules say it should, and
   then reads it back unchanged — or refuses it with problems located in the file.
3. The same strings through load and export: accepted ones come back identical
   from Neo4j and from every RDF format; refused ones never reach the database.

Examples that hit the server are few (max_examples 15–25, deadline=None); the
validation-only property runs many more.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from helpers import wipe
from helpers.roundtrip import (
    as_neo4j,
    dump,
    expected,
    normalised,
    parse_oxigraph,
    parse_rdflib,
    quote,
    read_graph,
    recover,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from graph.errors import InvalidData
from graph.facts import collect
from graph.model.schema import load_model
from graph.rdf import FORMATS, export_string
from graph.rdf.writers.common import clean
from graph.store.load import load_paths

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
MODEL = load_model(SCHEMA)
BASE = "https://example.org/prop/"
SERVER = settings(max_examples=20, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                         HealthCheck.data_too_large])

# -- what the rules accept -------------------------------------------------------------------

BAD_CHARS = ["\x00", "\x07", "\x1b", "\r", "\x7f", "\x85", "\x9b", "\ud800", "\udfff", "\u202a", "\u202e",
             "\u2066", "\u2069", "\u2028", "\u2029", "\ufffe", "\uffff"]
ODD_CHARS = ["\t", "\n", " ", "\xa0", "\u200b", "\u200f", "\u061c", "\ufeff", "\U000e0041", "\ue000",
             "\U0010fffd", "\U0001f3ac", "\u0301", "«", "'", '"', "\\", "[", "]", "{", "}", "#", ":", "&", "*",
             "!", "|", ">", "%", "@", "`", "<", "/"]


def acceptable_char(ch: str) -> bool:
    """docs/DESIGN.md and SECURITY.md, written out independently of graph/strictyaml.py:
    no C0 control but tab and newline, no DEL or C1 control, no surrogate, no bidi
    override or isolate, no line/paragraph separator, not U+FFFE/U+FFFF."""
    o = ord(ch)
    return not ((o < 0x20 and ch not in "\t\n") or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF
                or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069 or o in (0x2028, 0x2029, 0xFFFE, 0xFFFF))


def one_line_ok(s: str) -> bool:
    """What docs/DESIGN.md asks of a one-line string field (a name): no refused
    character, one line, not blank, no spaces around."""
    return all(map(acceptable_char, s)) and "\n" not in s and s.strip() != "" and s == s.strip()


# pieces, so that refused and odd characters turn up often (a plain st.text rarely draws them)
any_text = st.lists(st.one_of(st.text(max_size=4), st.sampled_from(ODD_CHARS), st.sampled_from(BAD_CHARS)),
                    max_size=8).map("".join)
good_char = st.one_of(st.characters(exclude_categories=("Cs", "Cc")), st.sampled_from(ODD_CHARS)).filter(
    lambda ch: acceptable_char(ch) and ch != "\n")
HOSTILE = ["Robby' WITH true AS x MATCH (s) DETACH DELETE s //", "<script>alert(1)</script>", "a > b",
           "[/] [link=https://x.example]y[/link]", '"; DROP --', "1:20:30", "yes", "On", "NO", "~", "null"]
one_line = st.one_of(st.text(good_char, min_size=1, max_size=16).map(str.strip).filter(bool), st.sampled_from(HOSTILE))
multi_line = st.text(st.one_of(good_char, st.just("\n")), min_size=1, max_size=30).filter(lambda s: s.strip())


# -- random valid fact sets -------------------------------------------------------------------

def enum(kind: str, field: str) -> st.SearchStrategy:
    return st.sampled_from(MODEL.kinds[kind].fields[field].values)


@st.composite
def names(draw) -> dict:
    langs = draw(st.lists(st.sampled_from(MODEL.languages), min_size=1, max_size=3, unique=True))
    return {lang: draw(one_line) for lang in langs}


@st.composite
def cited(draw, source_ids: list[str]) -> list:
    chosen = draw(st.lists(st.sampled_from(source_ids), min_size=1, max_size=len(source_ids), unique=True))
    return [draw(st.one_of(st.just(s), st.builds(lambda q, s=s: {"source": s, "quote": q}, multi_line)))
            for s in chosen]


@st.composite
def fact_sets(draw) -> dict:
    ents: list[dict] = []
    n_sources = draw(st.integers(1, 2))
    sources = [f"src-{i}" for i in range(n_sources)]
    for sid in sources:
        e = {"id": sid, "kind": "Source", "name": draw(names()), "file": draw(one_line)}
        if draw(st.booleans()):
            e["date"] = draw(st.sampled_from(["2025", "2025-08", "2025-08-26", "1917-11-07"]))
        ents.append(e)

    def common(e: dict) -> dict:
        if draw(st.booleans()):
            e["aliases"] = draw(st.lists(one_line, min_size=1, max_size=2, unique=True))
        if draw(st.booleans()):
            e["note"] = draw(multi_line)
        e["sources"] = draw(cited(sources))
        return e

    orgs = [f"org-{i}" for i in range(draw(st.integers(1, 3)))]
    for oid in orgs:
        e = {"id": oid, "kind": "Organization", "name": draw(names()), "type": draw(enum("Organization", "type"))}
        if draw(st.booleans()):
            e["legal_form"] = draw(one_line)
        ents.append(common(e))
    people = [f"person-{i}" for i in range(draw(st.integers(0, 2)))]
    for pid in people:
        ents.append(common({"id": pid, "kind": "Person", "name": draw(names())}))
    places = [f"place-{i}" for i in range(draw(st.integers(0, 2)))]
    for pid in places:
        ents.append(common({"id": pid, "kind": "Place", "name": draw(names()), "type": draw(enum("Place", "type"))}))
    agreements = [f"agreement-{i}" for i in range(draw(st.integers(0, 1)))]
    for aid in agreements:
        e = {"id": aid, "kind": "Agreement", "name": draw(names()), "type": draw(enum("Agreement", "type"))}
        if draw(st.booleans()):
            e["date"] = draw(st.sampled_from(["2024", "2025-08", "2025-08-25"]))
        ents.append(common(e))

    candidates = ([(o, "LOCATED_IN", p, None) for o in orgs for p in places]
                  + [(p, "ASSOCIATED_WITH", o, "role") for p in people for o in orgs]
                  + [(o, "PARTY_TO", a, "role") for o in orgs for a in agreements]
                  + [(p, "SIGNED", a, "capacity") for p in people for a in agreements])
    rels = []
    if candidates:
        for a, t, b, prop in draw(st.lists(st.sampled_from(candidates), max_size=6, unique=True)):
            r = {"from": a, "type": t, "to": b}
            if prop and draw(st.booleans()):
                r[prop] = draw(one_line)
            r["sources"] = draw(cited(sources))
            rels.append(r)
    return {"entities": ents, "relations": rels}


def write(doc: dict, directory: Path) -> Path:
    path = directory / "facts.yaml"
    path.write_text(dump(doc), encoding="ascii")
    return path


@SERVER
@given(doc=fact_sets())
@pytest.mark.slow
def test_random_fact_sets_round_trip_through_neo4j_and_every_rdf_format(driver, doc):
    wipe(driver)
    ents, rels = expected(doc, MODEL)
    with tempfile.TemporaryDirectory() as tmp:
        result = load_paths(driver, [write(doc, Path(tmp))], SCHEMA)
    assert result.diff.totals()["created"] == len(ents) + len(rels)
    assert read_graph(driver) == as_neo4j(ents, rels, MODEL)
    want = normalised(ents, rels)
    for fmt in FORMATS:
        text = export_string(driver, MODEL, format=fmt, base=BASE)
        assert normalised(*recover(parse_rdflib(text, fmt), MODEL, BASE)) == want, fmt
        assert normalised(*recover(parse_oxigraph(text, fmt), MODEL, BASE)) == want, fmt


# -- any string at all -----------------------------------------------------------------------------

ORG = ("entities:\n  - id: src-1\n    kind: Source\n    name: {{en: Source}}\n    file: a.txt\n"
       "  - id: org-x\n    kind: Organization\n    type: studio\n    sources: [src-1]\n    name:\n      ru: {}\n")
NAME_LINE = 11


def raw_double_quoted(s: str) -> str:
    """`s` between double quotes with only `"` and `\\` escaped: every other character as is."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _with_examples(f):
    for ch in BAD_CHARS + ODD_CHARS:  # each special character at least once, whatever Hypothesis draws
        f = example(s=f"Студия{ch}А")(f)
    return f


@settings(max_examples=400, deadline=None)
@given(s=any_text)
@_with_examples
def test_any_string_as_a_name_is_accepted_exactly_when_the_rules_say_or_refused_in_place(s):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.yaml"
        path.write_text(ORG.format(quote(s)), encoding="ascii")  # escapes: the file is ASCII
        facts, problems = collect([path], MODEL)
        errors = [p for p in problems if p.severity == "error"]
        if one_line_ok(s):
            assert errors == []
            assert facts.entities["org-x"].fields["name"] == {"ru": s}
            assert clean(s) == s  # what validation accepts, every RDF syntax can carry unchanged
        else:
            assert errors
            for p in errors:
                assert (p.file, p.line, p.field) == (str(path), NAME_LINE, "entities[1].name.ru"), p
                assert p.col == 11

        # the same string written raw (UTF-8; lone surrogates become bytes that are not UTF-8)
        path.write_bytes(ORG.format(raw_double_quoted(s)).encode("utf-8", errors="surrogatepass"))
        lines = path.read_bytes().count(b"\n")
        facts, problems = collect([path], MODEL)
        for p in problems:
            assert p.file == str(path) and 1 <= p.line <= lines + 1 and p.col >= 1, p
        if not [p for p in problems if p.severity == "error"]:
            name = facts.entities["org-x"].fields["name"]["ru"]
            assert one_line_ok(name) and clean(name) == name


@SERVER
@given(s=any_text, lang=st.sampled_from(MODEL.languages))
def test_any_string_loads_and_exports_unchanged_or_never_reaches_the_database(driver, s, lang):
    wipe(driver)
    doc = {"entities": [{"id": "src-1", "kind": "Source", "name": {"en": "Source"}, "file": "a.txt"},
                        {"id": "org-x", "kind": "Organization", "name": {lang: s}, "type": "studio",
                         "aliases": [s], "sources": [{"source": "src-1", "quote": s}]}]}
    with tempfile.TemporaryDirectory() as tmp:
        path = write(doc, Path(tmp))
        if not one_line_ok(s):
            with pytest.raises(InvalidData) as e:
                load_paths(driver, [path], SCHEMA)
            assert all(p.line >= 1 and p.col >= 1 for p in e.value.problems)
            assert driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"] == 0
            return
        load_paths(driver, [path], SCHEMA)
    node = driver.execute_query("MATCH (n {id: 'org-x'}) RETURN n AS n").records[0]["n"]
    assert node[f"name_{lang}"] == s and node["aliases"] == [s] and node["quotes"] == [s]
    want = normalised(*expected(doc, MODEL))
    for fmt in FORMATS:
        text = export_string(driver, MODEL, format=fmt, base=BASE)
        assert normalised(*recover(parse_rdflib(text, fmt), MODEL, BASE)) == want, fmt
        assert normalised(*recover(parse_oxigraph(text, fmt), MODEL, BASE)) == want, fmt
