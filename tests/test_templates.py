"""Stored Cypher templates: headers, typed parameters, read-only execution, the answers on seeds/, the CLI.

Everything runs against the real managed Neo4j of the test session.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from graph.errors import QueryError
from graph.model.names import fold
from graph.templates import (
    Result,
    format_csv,
    format_json,
    format_table,
    load_template,
    load_templates,
    parse_assignments,
    run_template,
    to_plain,
)

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
HOSTILE = "Robby' WITH true AS x MATCH (s) DETACH DELETE s //"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.cypher"
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def entity(drv, id: str, kind: str, name: str, aliases=(), **props) -> None:
    """One node as the loader writes it (labels, name, name_keys), with parameters only."""
    keys = sorted({fold(n) for n in [name, *aliases]})
    drv.execute_query(f"CREATE (n:Entity:`{kind}`) SET n = $props",
                      props={"id": id, "kind": kind, "name": name, "aliases": list(aliases),
                             "name_keys": keys, "_loaded": True, "_hash": "h", **props})


def counts(drv) -> tuple[int, int]:
    rec = drv.execute_query("MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r")
    return rec.records[0]["n"], rec.records[0]["r"]


@pytest.fixture
def small(driver):
    """A few organisations and a person, with the names the look-up tests need."""
    entity(driver, "org-kinodanz", "Organization", "Kinodanz", type="production_company")
    entity(driver, "org-moskino", "Organization", "Moskino", ["АНО «Москино»", "Москино"])
    entity(driver, "site-moskino-park", "Site", "Moskino Film Park", ["Москино"])
    entity(driver, "person-semenov", "Person", "Дмитрий Семёнов")
    entity(driver, "org-robby", "Organization", HOSTILE)
    driver.execute_query("MATCH (a {id: 'person-semenov'}), (b {id: 'org-kinodanz'}) "
                         "CREATE (a)-[:ASSOCIATED_WITH {role: 'director', sources: ['src-1']}]->(b)")
    return driver


ECHO = """
// name: echo
// description: Echo the typed parameters back, and look one entity up.
// params:
//   who: {type: entity, required: true, description: Any entity.}
//   org: {type: entity, kind: Organization, description: An organisation.}
//   n: {type: int, default: 3, description: A count.}
//   x: {type: float, description: A number.}
//   flag: {type: bool, default: false, description: A switch.}
//   day: {type: date, description: A partial date.}
//   word: {type: string, values: [alpha, beta], description: One of two words.}
//   tags: {type: list<string>, description: Some words.}
//   text: {type: string, description: Free text.}
// example: {who: Kinodanz, n: 2}
MATCH (e:Entity {id: $who})
RETURN e.id AS id, e.name AS name, $org AS org, $n AS n, $x AS x, $flag AS flag, $day AS day,
       $word AS word, $tags AS tags, $text AS text, $as_of AS as_of
"""


@pytest.fixture
def echo(tmp_path):
    return load_template(write(tmp_path, "echo", ECHO))


# -- headers -------------------------------------------------------------------

def test_header_is_parsed(echo):
    assert echo.name == "echo"
    assert echo.description == "Echo the typed parameters back, and look one entity up."
    assert list(echo.params) == ["who", "org", "n", "x", "flag", "day", "word", "tags", "text"]
    assert echo.params["who"].required and echo.params["who"].type == "entity"
    assert echo.params["org"].kinds == ("Organization",)
    assert echo.params["n"].default == 3
    assert echo.params["tags"].is_list and echo.params["tags"].item_type == "string"
    assert echo.params["word"].values == ("alpha", "beta")
    assert echo.example == {"who": "Kinodanz", "n": 2}
    assert echo.uses_as_of
    assert echo.params["org"].signature() == "org: entity (Organization)"
    assert echo.params["word"].signature() == "word: string, one of alpha|beta"
    assert echo.params["n"].signature() == "n: int = 3"


@pytest.mark.parametrize("text, where, reason", [
    ("MATCH (n) RETURN n", ":1:", "no header"),
    ("// name: bad\n// description: [unclosed\nRETURN 1", ":2:", "header is not valid YAML"),
    ("// name: bad\n// description: d\n// description: e\nRETURN 1", ":3:",
     "header is not valid YAML: duplicate key 'description' (first at line 2)"),
    ("// name: other\n// description: d\nRETURN 1", ":1:", "header name 'other' must equal the file name 'bad'"),
    ("// name: bad\n// description: d\n// colour: red\nRETURN 1", ":3:", "unknown header key 'colour'"),
    ("// name: bad\nRETURN 1", ":1:", "description: one line of text is required"),
    ("// name: bad\n// description: d\n// params:\n//   a: {type: money, description: x}\nRETURN $a", ":4:",
     "type 'money' is not one of string, int, float, bool, date, entity or list<...> of these"),
    ("// name: bad\n// description: d\n// params:\n//   a: {type: int}\nRETURN $a", ":4:",
     "parameter 'a': description is required"),
    ("// name: bad\n// description: d\n// params:\n//   a: {type: int, required: true, default: 1, description: x}\n"
     "RETURN $a", ":4:", "a required parameter has no default"),
    ("// name: bad\n// description: d\n// params:\n//   a: {type: int, default: many, description: x}\nRETURN $a",
     ":4:", "parameter 'a': default: expected an integer, got 'many'"),
    ("// name: bad\n// description: d\n// params:\n//   a: {type: int, colour: red, description: x}\nRETURN $a",
     ":4:", "parameter 'a': unknown key 'colour'"),
    ("// name: bad\n// description: d\n// params:\n//   as_of: {type: date, description: x}\nRETURN $as_of",
     ":4:", "parameter name 'as_of' is reserved"),
    ("// name: bad\n// description: d\nRETURN $who", ":3:", "the query uses $who, which the header does not declare"),
    ("// name: bad\n// description: d\n// params:\n//   a: {type: int, description: x}\nRETURN 1", ":4:",
     "parameter 'a' is declared but the query never uses $a"),
    ("// name: bad\n// description: d\n// params:\n//   a: {type: int, description: x}\n// example: {a: lots}\n"
     "RETURN $a", ":5:", "example does not bind: template 'bad': parameter 'a' (int): expected an integer"),
    ("// name: bad\n// description: d\n", ":3:", "no Cypher after the header"),
])
def test_broken_header_names_file_and_line(tmp_path, text, where, reason):
    path = write(tmp_path, "bad", text)
    with pytest.raises(QueryError) as e:
        load_template(path)
    assert str(e.value).startswith(f"{path}{where} ")
    assert reason in str(e.value)


def test_load_templates_reports_every_broken_file(tmp_path):
    write(tmp_path, "one", "// name: one\n// description: d\nRETURN $x")
    write(tmp_path, "two", "MATCH (n) RETURN n")
    write(tmp_path, "ok", "// name: ok\n// description: d\nRETURN 1 AS one")
    with pytest.raises(QueryError) as e:
        load_templates(tmp_path)
    lines = str(e.value).splitlines()
    assert lines[0] == "2 broken template(s):"
    assert lines[1].startswith(f"{tmp_path / 'one.cypher'}:3: the query uses $x")
    assert lines[2].startswith(f"{tmp_path / 'two.cypher'}:1: no header")


def test_missing_directory_is_a_query_error(tmp_path):
    with pytest.raises(QueryError, match="no template directory"):
        load_templates(tmp_path / "nope")


# -- typed parameters (no database needed) ----------------------------------------

def test_bind_converts_cli_strings(echo):
    bound = echo.bind({"who": " Kinodanz ", "n": "7", "x": "2.5", "flag": "true", "day": "2025-08",
                       "word": "beta", "tags": "a, b,c", "text": HOSTILE})
    assert bound == {"who": "Kinodanz", "org": None, "n": 7, "x": 2.5, "flag": True, "day": "2025-08",
                     "word": "beta", "tags": ["a", "b", "c"], "text": HOSTILE}


def test_bind_fills_defaults_and_accepts_native_values(echo):
    assert echo.bind({"who": "x", "n": 4, "flag": False, "tags": ["p", "q"]}) == {
        "who": "x", "org": None, "n": 4, "x": None, "flag": False, "day": None, "word": None,
        "tags": ["p", "q"], "text": None}


def test_repeated_keys_make_a_list():
    assert parse_assignments(["tags=a", "who=Kinodanz", "tags=b,c", "text=x=y"]) == {
        "tags": ["a", "b,c"], "who": "Kinodanz", "text": "x=y"}
    with pytest.raises(QueryError, match=r"-p 'oops': expected key=value"):
        parse_assignments(["oops"])


def test_list_parameter_from_repeated_keys(echo):
    assert echo.bind({"who": "x", "tags": ["a", "b,c"]})["tags"] == ["a", "b", "c"]


def test_missing_parameter(echo):
    with pytest.raises(QueryError) as e:
        echo.bind({})
    assert str(e.value) == "template 'echo': missing required parameter 'who' (who: entity, required)"


def test_unknown_parameter_suggests_the_closest(echo):
    with pytest.raises(QueryError) as e:
        echo.bind({"who": "x", "wrod": "alpha"})
    assert str(e.value) == ("template 'echo': unknown parameter 'wrod' (did you mean 'word'?); "
                            "echo takes: who, org, n, x, flag, day, word, tags, text")


def test_as_of_is_not_a_parameter(echo):
    with pytest.raises(QueryError, match="parameter 'as_of' is not set with -p: it is passed by --as-of"):
        echo.bind({"who": "x", "as_of": "2025"})


@pytest.mark.parametrize("key, value, reason", [
    ("n", "seven", "parameter 'n' (int): expected an integer, got 'seven'"),
    ("n", "1.5", "parameter 'n' (int): expected an integer, got '1.5'"),
    ("x", "abc", "parameter 'x' (float): expected a number, got 'abc'"),
    ("x", "nan", "parameter 'x' (float): expected a finite number, got 'nan'"),
    ("flag", "maybe", "parameter 'flag' (bool): expected true or false, got 'maybe'"),
    ("day", "2025-13", "parameter 'day' (date): impossible date 2025-13: there is no month 13"),
    ("day", "2025-02-30", "parameter 'day' (date): impossible date 2025-02-30: February 2025 has 28 days"),
    ("day", "25.08.2025", "parameter 'day' (date): expected a date YYYY, YYYY-MM or YYYY-MM-DD, got '25.08.2025'"),
    ("word", "gamma", "parameter 'word' (string): gamma is not one of alpha, beta"),
    ("text", "   ", "parameter 'text' (string): is empty"),
    ("n", ["1", "2"], "parameter 'n' (int) takes one value, got 2"),
])
def test_ill_typed_parameter(echo, key, value, reason):
    with pytest.raises(QueryError) as e:
        echo.bind({"who": "x", key: value})
    assert str(e.value) == f"template 'echo': {reason}"


def test_every_problem_is_reported_at_once(echo):
    with pytest.raises(QueryError) as e:
        echo.bind({"n": "x", "colour": "red"})
    assert str(e.value) == ("template 'echo': unknown parameter 'colour'; echo takes: who, org, n, x, flag, day, "
                            "word, tags, text; missing required parameter 'who' (who: entity, required); "
                            "parameter 'n' (int): expected an integer, got 'x'")


# -- running, entity look-up -----------------------------------------------------

def test_run_returns_typed_values_in_return_order(small, echo):
    r = run_template(small, echo, {"who": "Kinodanz", "org": "Moskino", "x": "1e3", "flag": "yes",
                                   "day": "2025", "tags": "a,b"}, as_of="2025-08-25")
    assert r.columns == ["id", "name", "org", "n", "x", "flag", "day", "word", "tags", "text", "as_of"]
    assert r.rows == [{"id": "org-kinodanz", "name": "Kinodanz", "org": "org-moskino", "n": 3, "x": 1000.0,
                       "flag": True, "day": "2025", "word": None, "tags": ["a", "b"], "text": None,
                       "as_of": "2025-08-25"}]
    assert r.params["who"] == "org-kinodanz" and r.params["as_of"] == "2025-08-25"


@pytest.mark.parametrize("name, expected", [
    ("org-kinodanz", "org-kinodanz"),          # the id
    ("Kinodanz", "org-kinodanz"),              # the name
    ("KINODANZ", "org-kinodanz"),              # case
    ("Kinоdanz", "org-kinodanz"),              # a Cyrillic «о» inside a Latin name
    ("  kinodanz ", "org-kinodanz"),           # whitespace
    ("АНО «Москино»", "org-moskino"),           # an alias with guillemets
    ("ано \"москино\"", "org-moskino"),          # other quotes, other case
    ("Дмитрий Семенов", "person-semenov"),      # е for ё
    ("дмитрий  семёнов", "person-semenov"),
])
def test_entity_accepts_id_name_or_alias_folded(small, echo, name, expected):
    assert run_template(small, echo, {"who": name}).rows[0]["id"] == expected


def test_ambiguous_entity_lists_the_candidates(small, echo):
    with pytest.raises(QueryError) as e:
        run_template(small, echo, {"who": "москино"})
    assert str(e.value) == ("template 'echo': parameter 'who': 'москино' is ambiguous, it names 2 entities: "
                            "org-moskino (Organization, Moskino), site-moskino-park (Site, Moskino Film Park); "
                            "give an id instead")


def test_entity_kind_narrows_an_ambiguous_name(small, echo):
    assert run_template(small, echo, {"who": "org-kinodanz", "org": "Москино"}).rows[0]["org"] == "org-moskino"


def test_entity_of_the_wrong_kind(small, echo):
    with pytest.raises(QueryError) as e:
        run_template(small, echo, {"who": "Kinodanz", "org": "Дмитрий Семёнов"})
    assert str(e.value) == ("template 'echo': parameter 'org': 'Дмитрий Семёнов' names person-semenov "
                            "(Person, Дмитрий Семёнов), but org must be of kind Organization")


def test_every_unresolved_entity_is_reported_at_once(small, echo):
    with pytest.raises(QueryError) as e:
        run_template(small, echo, {"who": "Nobody", "org": "Дмитрий Семёнов"})
    assert str(e.value) == ("template 'echo': parameter 'who': no entity has the id, name or alias 'Nobody'; "
                            "parameter 'org': 'Дмитрий Семёнов' names person-semenov (Person, Дмитрий Семёнов), "
                            "but org must be of kind Organization")


def test_unknown_entity_says_so_and_suggests(small, echo):
    with pytest.raises(QueryError) as e:
        run_template(small, echo, {"who": "Nobody"})
    assert str(e.value) == "template 'echo': parameter 'who': no entity has the id, name or alias 'Nobody'"
    with pytest.raises(QueryError) as e:
        run_template(small, echo, {"who": "kinodan"})
    assert str(e.value) == ("template 'echo': parameter 'who': no entity has the id, name or alias 'kinodan'; "
                            "did you mean org-kinodanz (Organization, Kinodanz)?")


def test_hostile_value_is_data_not_cypher(small, echo):
    before = counts(small)
    assert before == (5, 1)
    r = run_template(small, echo, {"who": HOSTILE, "text": HOSTILE, "tags": HOSTILE})
    assert r.rows[0]["id"] == "org-robby" and r.rows[0]["name"] == HOSTILE and r.rows[0]["text"] == HOSTILE
    with pytest.raises(QueryError, match="no entity has the id, name or alias"):
        run_template(small, echo, {"who": "Kinodanz' WITH 1 AS x MATCH (s) DETACH DELETE s //"})
    assert counts(small) == before


def test_as_of_is_checked(small, echo, tmp_path):
    with pytest.raises(QueryError, match=r"--as-of: expected a date YYYY, YYYY-MM or YYYY-MM-DD, got 'soon'"):
        run_template(small, echo, {"who": "Kinodanz"}, as_of="soon")
    plain = load_template(write(tmp_path, "plain", "// name: plain\n// description: d\nRETURN 1 AS one"))
    with pytest.raises(QueryError, match="template 'plain' does not take --as-of"):
        run_template(small, plain, as_of="2025")
    assert run_template(small, echo, {"who": "Kinodanz"}).rows[0]["as_of"] is None


def test_limit_truncates_and_says_so(driver, tmp_path):
    t = load_template(write(tmp_path, "nums", "// name: nums\n// description: d\nUNWIND range(1, 5) AS i RETURN i"))
    r = run_template(driver, t, limit=2)
    assert r.rows == [{"i": 1}, {"i": 2}] and r.truncated
    r = run_template(driver, t, limit=5)
    assert len(r.rows) == 5 and not r.truncated
    with pytest.raises(QueryError, match="limit must be a whole number"):
        run_template(driver, t, limit=-1)


def test_neo4j_values_become_plain_json(small, tmp_path):
    t = load_template(write(tmp_path, "values", """
// name: values
// description: Nodes, relationships, paths, temporal values, maps.
MATCH p = (a:Person)-[r]->(b)
RETURN a AS node, r AS rel, p AS path, date('2025-08-25') AS day, datetime('2025-08-25T10:00:00Z') AS at,
       duration('P1D') AS span, {k: [1, 2.5, null]} AS map, labels(b) AS labels
"""))
    row = run_template(small, t).rows[0]
    assert row["node"] == {"aliases": [], "id": "person-semenov", "kind": "Person", "name": "Дмитрий Семёнов"}
    assert row["rel"] == {"type": "ASSOCIATED_WITH", "from": "person-semenov", "to": "org-kinodanz",
                          "role": "director", "sources": ["src-1"]}
    assert [n["id"] for n in row["path"]["nodes"]] == ["person-semenov", "org-kinodanz"]
    assert row["path"]["relationships"][0]["type"] == "ASSOCIATED_WITH"
    assert row["day"] == "2025-08-25"
    assert row["at"].startswith("2025-08-25T10:00:00")
    assert row["span"] == "P1D"
    assert row["map"] == {"k": [1, 2.5, None]}
    assert row["labels"] == ["Entity", "Organization"]
    json.dumps(row)  # JSON-able as it is
    assert to_plain(float("inf")) == "inf"


def test_formats():
    r = Result(columns=["name", "ids", "n", "meta"],
               rows=[{"name": "Москино, АНО", "ids": ["a", "b"], "n": 2, "meta": {"k": True}},
                     {"name": None, "ids": [], "n": 0, "meta": None}])
    assert format_csv(r) == 'name,ids,n,meta\n"Москино, АНО",a; b,2,"{""k"": true}"\n,,0,\n'
    assert list(csv.reader(io.StringIO(format_csv(r))))[1] == ["Москино, АНО", "a; b", "2", '{"k": true}']
    assert json.loads(format_json(r)) == [{"name": "Москино, АНО", "ids": ["a", "b"], "n": 2, "meta": {"k": True}},
                                          {"name": None, "ids": [], "n": 0, "meta": None}]
    table = format_table(r, width=100)
    assert "Москино, АНО" in table and "a; b" in table and '{"k": true}' in table
    assert re.search(r"name\s+┃\s+ids", table)


# -- read-only ------------------------------------------------------------------

@pytest.mark.parametrize("cypher, reason", [
    ("WITH 1 AS one CREATE (n:Entity {id: 'x'}) RETURN n.id AS id", "it reads and writes"),
    ("MATCH (n) DETACH DELETE n", "it writes"),
    ("MATCH (n:Entity) SET n.name = 'x' RETURN count(n) AS c", "it reads and writes"),
    ("OPTIONAL MATCH (m:Nothing) MERGE (n:Entity {id: 'x'}) RETURN n.id AS id", "it reads and writes"),
    ("MATCH (n:Entity) REMOVE n:Entity RETURN count(n) AS c", "it reads and writes"),
    ("CALL { CREATE (n:Entity {id: 'y'}) } RETURN 1 AS one", "it reads and writes"),
])
def test_writing_template_is_refused(small, tmp_path, cypher, reason):
    t = load_template(write(tmp_path, "evil", f"// name: evil\n// description: Tries to write.\n{cypher}"))
    before = counts(small)
    with pytest.raises(QueryError) as e:
        run_template(small, t)
    assert str(e.value) == f"template 'evil' refused: {reason}; stored templates may only read"
    assert counts(small) == before
    assert small.execute_query("MATCH (n:Entity {name: 'x'}) RETURN count(n) AS c").records[0]["c"] == 0


@pytest.mark.parametrize("cypher, reason", [
    ("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line", "LOAD CSV reads outside the graph"),
    ("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10 ROWS RETURN 1 AS one",
     "CALL { ... } IN TRANSACTIONS commits on its own"),
    ("CALL dbms.components() YIELD name RETURN name", "procedure dbms.components is not allowed"),
    ("MATCH (n) CALL apoc.create.node(['X'], {}) YIELD node RETURN node", "procedure apoc.create.node is not allowed"),
    ("USE system SHOW USERS", "USE switches the database"),
    ("SHOW TRANSACTIONS", "a template is one read query starting with"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "a template is one read query starting with"),
    ("CREATE INDEX x FOR (n:Entity) ON (n.x)", "a template is one read query starting with"),
])
def test_dangerous_text_is_refused_at_load(tmp_path, cypher, reason):
    path = write(tmp_path, "evil", f"// name: evil\n// description: Tries something.\n{cypher}")
    with pytest.raises(QueryError) as e:
        load_template(path)
    assert str(e.value).startswith(f"{path}:3: refused: {reason}")


def test_refusal_ignores_comments_and_strings_but_not_code(small, tmp_path):
    t = load_template(write(tmp_path, "quoted", """
// name: quoted
// description: Mentions LOAD CSV and CALL dbms.x() only inside strings and comments.
MATCH (n:Entity) // LOAD CSV here is a comment
WHERE n.name <> 'LOAD CSV FROM x; CALL dbms.killAll()'  /* CALL db.clear() IN TRANSACTIONS */
RETURN count(n) AS n
"""))
    assert run_template(small, t).rows == [{"n": 5}]


def test_allowed_procedure_runs(small, tmp_path):
    t = load_template(write(tmp_path, "labels", """
// name: labels
// description: Labels in use.
CALL db.labels() YIELD label RETURN label ORDER BY label
"""))
    labels = [r["label"] for r in run_template(small, t).rows]
    # Labels other tests created may linger in the token store (with their constraints).
    assert {"Entity", "Organization", "Person", "Site"} <= set(labels) and labels == sorted(labels)


def test_timeout_is_a_clear_error(driver, tmp_path):
    t = load_template(write(tmp_path, "slow", """
// name: slow
// description: Counts to a billion.
UNWIND range(1, 1000000000) AS i WITH i WHERE i % 7 = 100 RETURN count(i) AS n
"""))
    with pytest.raises(QueryError) as e:
        run_template(driver, t, timeout=0.5)
    assert str(e.value) == "template 'slow' timed out after 0.5 s (raise it with --timeout)"


def test_cypher_error_is_a_query_error(driver, tmp_path):
    t = load_template(write(tmp_path, "broken", "// name: broken\n// description: d\nRETURN 1 / 0 AS x"))
    with pytest.raises(QueryError, match=r"template 'broken' failed: / by zero"):
        run_template(driver, t)


def test_read_only_check_is_remembered_per_server(small, echo, settings):
    """EXPLAIN's verdict is kept per server: the same text through another server address is checked again."""
    from dataclasses import replace

    from graph.store.connection import open_driver
    from graph.templates import safety

    other_uri = settings.uri.replace("127.0.0.1", "localhost")  # the same Neo4j, reached at a second address
    assert other_uri != settings.uri
    other = open_driver(replace(settings, uri=other_uri))
    try:
        here, there = safety.server_of(small), safety.server_of(other)
        assert here != there
        run_template(small, echo, {"who": "Kinodanz"})
        assert (here, None, echo.text) in safety._checked
        assert (there, None, echo.text) not in safety._checked
        assert run_template(other, echo, {"who": "Kinodanz"}).rows[0]["id"] == "org-kinodanz"
        assert (there, None, echo.text) in safety._checked
    finally:
        other.close()


# -- the stored questions, answered on seeds/ ---------------------------------------

SEEDS = ROOT / "seeds"
SCHEMA = ROOT / "schema"
_FINGERPRINT = "MATCH (n:Entity) WITH n ORDER BY n.id RETURN collect([n.id, n._hash]) AS f"
_seeded: dict = {}


@pytest.fixture
def seeded(server, session_driver):
    """The graph loaded from seeds/; loaded again only when a test since has changed it.

    Templates only read, so consecutive tests on the seeds share one load."""
    from helpers import wipe

    from graph.store.load import load_paths

    if server.pid() is None:
        server.start()
    now = session_driver.execute_query(_FINGERPRINT).records[0]["f"]
    if not _seeded or now != _seeded["fingerprint"]:
        wipe(session_driver)
        load_paths(session_driver, [SEEDS], SCHEMA)
        _seeded["fingerprint"] = session_driver.execute_query(_FINGERPRINT).records[0]["f"]
    return session_driver


@pytest.fixture(scope="module")
def templates():
    return load_templates(QUERIES)


def ask(drv, templates, name, *, cols, as_of=None, **params) -> list[tuple]:
    """Run a stored template on the seeds; the chosen columns of each row, in order."""
    result = run_template(drv, templates[name], params, as_of=as_of)
    assert set(cols) <= set(result.columns), result.columns
    return [tuple(row[c] for c in cols) for row in result.rows]


def test_there_are_enough_templates_each_documented_and_typed(templates):
    assert len(templates) >= 15
    for t in templates.values():
        assert t.description and "\n" not in t.description
        for p in t.params.values():
            assert p.description and p.type
        assert t.path.name == f"{t.name}.cypher"


def test_every_template_runs_read_only_on_its_example(seeded, templates):
    for t in templates.values():
        result = run_template(seeded, t, t.example)
        assert result.rows, f"{t.name} {t.example} answered nothing"
        json.dumps(result.as_json())


def test_entity_everything_known_with_sources(seeded, templates):
    rows = ask(seeded, templates, "entity", entity="Москино", cols=["fact", "id", "value", "sources"])
    props = {fact: (value, sources) for fact, id_, value, sources in rows if id_ is None}
    assert props["type"] == ("non_profit", ["src-003", "src-004"])
    assert props["legal_form"] == ("АНО", ["src-003", "src-004"])
    assert props["name_ru"] == ("АНО «Москино»", ["src-003", "src-004"])
    assert props["aliases"] == (["Москино"], ["src-003", "src-004"])
    assert [r for r in rows if r[1] is not None] == [
        ("OPERATES →", "site-moskino-kinopark", "Moskino Film Park", ["src-003"]),
        ("OPERATES →", "site-moskino-kinozavod", "Moskino Film Factory", ["src-003"]),
        ("PARTY_TO →", "agreement-gazprom-media-moskino",
         "Cooperation agreement between Gazprom-Media Holding and Moskino", ["src-003"]),
        ("← POST_IN", "post-moskino-ceo", "General Director of Moskino", ["src-003", "src-004"]),
    ]


def test_entity_by_a_name_spelt_with_a_cyrillic_o(seeded, templates):
    rows = ask(seeded, templates, "entity", entity="Kinоdanz", cols=["fact", "id"])  # Cyrillic «о»
    assert ("PARTY_TO →", "agreement-sakhalin-film-cluster") in rows
    assert ("PRODUCES →", "project-zabytye-bogi") in rows


def test_agreement_parties_and_signatories(seeded, templates):
    rows = ask(seeded, templates, "agreement", agreement="agreement-iskra-memorandum",
               cols=["role", "name", "detail", "signed_for", "signed_at"])
    session = "Session on film co-production in the CIS"
    assert rows == [
        ("party", "1-2-3 Production", None, None, session),
        ("party", "Belarusfilm National Film Studio", None, None, session),
        ("party", "Kyrgyzfilm National Film Studio named after Tolomush Okeev", None, None, session),
        ("party", "League of Filmmakers of Kazakhstan", None, None, session),
        ("party", "Tajikfilm", None, None, session),
        ("signatory", "Aidar Batalov", "председатель Лиги кинематографистов Казахстана",
         "League of Filmmakers of Kazakhstan", session),
        ("signatory", "Dmitry Semyonov", "генеральный директор УП «Национальная киностудия Беларусьфильм»",
         "Belarusfilm National Film Studio", session),
        ("signatory", "Makhmadsaid Shokhiyon", "директор Государственного учреждения «Таджикфильм»",
         "Tajikfilm", session),
        ("signatory", "Maksat Zhumaev",
         "директор государственного учреждения «Национальная киностудия «Кыргызфильм» имени Толомуша Океева»",
         "Kyrgyzfilm National Film Studio named after Tolomush Okeev", session),
    ]
    rows = ask(seeded, templates, "agreement",
               agreement="Соглашение о сотрудничестве «Газпром-Медиа Холдинга» и АНО «Москино»",
               cols=["role", "id", "signed_for", "date", "signed_at", "sources"])
    week = "2nd Moscow International Film Week"
    assert rows == [
        ("party", "org-gazprom-media-holding", None, "2025-08-25", week, ["src-003"]),
        ("party", "org-moskino", None, "2025-08-25", week, ["src-003"]),
        ("signatory", "person-boris-khanchalyan", "Gazprom-Media Holding", "2025-08-25", week, ["src-003"]),
        ("signatory", "person-georgy-prokopov", "Moskino", "2025-08-25", week, ["src-003"]),
    ]


def test_agreement_refuses_an_entity_of_another_kind(seeded, templates):
    with pytest.raises(QueryError) as e:
        run_template(seeded, templates["agreement"], {"agreement": "Москино"})
    assert str(e.value) == ("template 'agreement': parameter 'agreement': 'Москино' names org-moskino "
                            "(Organization, Moskino), but agreement must be of kind Agreement")


def test_signatures_who_signed_what(seeded, templates):
    assert ask(seeded, templates, "signatures", cols=["person", "signed_for", "agreement_id", "date"]) == [
        ("Boris Khanchalyan", ["Gazprom-Media Holding"], "agreement-gazprom-media-moskino", "2025-08-25"),
        ("Georgy Prokopov", ["Moskino"], "agreement-gazprom-media-moskino", "2025-08-25"),
        ("Aidar Batalov", ["League of Filmmakers of Kazakhstan"], "agreement-iskra-memorandum", None),
        ("Dmitry Semyonov", ["Belarusfilm National Film Studio"], "agreement-iskra-memorandum", None),
        ("Makhmadsaid Shokhiyon", ["Tajikfilm"], "agreement-iskra-memorandum", None),
        ("Maksat Zhumaev", ["Kyrgyzfilm National Film Studio named after Tolomush Okeev"],
         "agreement-iskra-memorandum", None),
    ]
    assert ask(seeded, templates, "signatures", who="Борис Ханчалян",
               cols=["capacity", "agreement_id", "signed_at", "sources"]) == [
        ("заместитель генерального директора «Газпром-Медиа Холдинга»", "agreement-gazprom-media-moskino",
         "2nd Moscow International Film Week", ["src-003"])]
    # For an organisation: the people who signed for it.
    assert ask(seeded, templates, "signatures", who="Таджикфильм", cols=["person", "agreement_id"]) == [
        ("Makhmadsaid Shokhiyon", "agreement-iskra-memorandum")]


def test_posts_over_time_and_as_of(seeded, templates):
    assert ask(seeded, templates, "posts", cols=["person", "title", "organisation", "jurisdiction",
                                                   "first_seen", "last_seen"]) == [
        ("Aidar Batalov", "Chairman", "League of Filmmakers of Kazakhstan", None, None, None),
        ("Alexey Fursin", "Head of the Department of Culture", "Moscow Department of Culture", None,
         "2025-11-07", "2025-11-07"),
        ("Alexey Fursin", "Minister of the Moscow Government", "Moscow Government", None, "2025-11-07", "2025-11-07"),
        ("Boris Khanchalyan", "Deputy General Director", "Gazprom-Media Holding", None, "2025-08-26", "2025-11-02"),
        ("Dmitry Semyonov", "General Director", "Belarusfilm National Film Studio", None, None, None),
        ("Evgeny Melentyev", "Director", "Kinodanz", None, "2018-05-29", "2018-05-29"),
        ("Georgy Prokopov", "General Director", "Moskino", None, "2025-08-26", "2025-11-07"),
        ("Makhmadsaid Shokhiyon", "Director", "Tajikfilm", None, None, None),
        ("Maksat Zhumaev", "Director", "Kyrgyzfilm National Film Studio named after Tolomush Okeev", None, None, None),
        ("Oleg Kozhemyako", "Governor", None, "Sakhalin Oblast", "2018-05-29", "2018-05-29"),
    ]
    # As of 2020 only the 2018 article attests a post; partial dates compare at their precision.
    assert ask(seeded, templates, "posts", as_of="2020", cols=["person", "title"]) == [
        ("Evgeny Melentyev", "Director"), ("Oleg Kozhemyako", "Governor")]
    assert ask(seeded, templates, "posts", person="Георгий Прокопов", as_of="2025-08", cols=["title"]) == [
        ("General Director",)]
    assert ask(seeded, templates, "posts", person="Георгий Прокопов", as_of="2025-07", cols=["title"]) == []


def test_organisations_by_country_and_place(seeded, templates):
    rows = ask(seeded, templates, "organisations", cols=["place", "id"])
    assert rows[0] == ("Kazakhstan", "org-league-of-filmmakers-of-kazakhstan")
    # Moscow and Sakhalin Oblast lie in Russia by ISO 3166 (the gazetteer)
    assert sorted(rows[1:4]) == [("Russia", "org-moscow-department-of-culture"), ("Russia", "org-moscow-government"),
                                 ("Russia", "org-sakhalin-oblast-government")]
    # The articles name no place for the others: listed last, with none.
    assert sorted(r[1] for r in rows[4:]) == [
        "org-1-2-3-production", "org-asi", "org-belarusfilm", "org-gazprom-media-holding", "org-kinodanz",
        "org-kyrgyzfilm", "org-moskino", "org-rbc", "org-tajikfilm"]
    assert {r[0] for r in rows[4:]} == {None}
    assert ask(seeded, templates, "organisations", place="Казахстан", cols=["place", "organisation", "sources"]) == [
        ("Kazakhstan", "League of Filmmakers of Kazakhstan", ["src-001"])]
    assert ask(seeded, templates, "organisations", place="Москва", cols=["organisation", "type", "sources"]) == [
        ("Moscow Department of Culture", "government_body", ["src-004"]),
        ("Moscow Government", "government_body", ["src-004"])]
    assert ask(seeded, templates, "organisations", place="Москва", type="studio", cols=["id"]) == []


def test_partners_through_agreements_and_projects(seeded, templates):
    assert ask(seeded, templates, "partners", org="1-2-3 Production",
               cols=["partner", "links", "since", "sources"]) == [
        ("Belarusfilm National Film Studio", ["agreement", "agreement on its project project-iskra"],
         "2025-10-31", ["src-000", "src-001"]),
        ("Kyrgyzfilm National Film Studio named after Tolomush Okeev",
         ["agreement", "agreement on its project project-iskra"], "2025-10-31", ["src-000", "src-001"]),
        ("League of Filmmakers of Kazakhstan", ["agreement", "agreement on its project project-iskra"],
         "2025-10-31", ["src-000", "src-001"]),
        ("Tajikfilm", ["agreement", "agreement on its project project-iskra"], "2025-10-31", ["src-000", "src-001"]),
    ]
    # The studios reach 1-2-3 Production as the producer of the project their memorandum is about.
    assert ask(seeded, templates, "partners", org="Беларусьфильм", cols=["partner", "links"]) == [
        ("1-2-3 Production", ["agreement", "producer of project-iskra"]),
        ("Kyrgyzfilm National Film Studio named after Tolomush Okeev", ["agreement"]),
        ("League of Filmmakers of Kazakhstan", ["agreement"]),
        ("Tajikfilm", ["agreement"]),
    ]
    assert ask(seeded, templates, "partners", org="Газпром-Медиа", cols=["partner", "via", "since"]) == [
        ("Moskino", "Cooperation agreement between Gazprom-Media Holding and Moskino", "2025-08-25")]
    assert ask(seeded, templates, "partners", org="Газпром-Медиа", as_of="2025-08-24", cols=["partner"]) == []
    assert ask(seeded, templates, "partners", org="Kinodanz", as_of="2018", cols=["partner", "since"]) == [
        ("Agency for Strategic Initiatives", "2018-05-29"), ("Government of Sakhalin Oblast", "2018-05-29")]


def test_projects_of_an_organisation(seeded, templates):
    assert ask(seeded, templates, "projects", org="Kinodanz",
               cols=["project", "type", "status", "roles", "directed_by", "filmed_in"]) == [
        ("Forgotten Gods", "feature_film", "planned", ["producer"], ["Alexander Boguslavsky"], ["Sakhalin Oblast"])]
    assert ask(seeded, templates, "projects", cols=["org_id", "project_id", "roles"]) == [
        ("org-1-2-3-production", "project-iskra", ["announced", "party to agreement-iskra-memorandum", "producer"]),
        ("org-belarusfilm", "project-iskra", ["party to agreement-iskra-memorandum"]),
        ("org-kinodanz", "project-zabytye-bogi", ["producer"]),
        ("org-kyrgyzfilm", "project-iskra", ["party to agreement-iskra-memorandum"]),
        ("org-league-of-filmmakers-of-kazakhstan", "project-iskra", ["party to agreement-iskra-memorandum"]),
        ("org-tajikfilm", "project-iskra", ["party to agreement-iskra-memorandum"]),
    ]


def test_cluster_sites_operators_location_partners(seeded, templates):
    assert ask(seeded, templates, "cluster", cluster="Московский кинокластер", cols=["relation", "id", "detail"]) == [
        ("site", "site-moskino-kinozavod", None),
        ("site", "site-moskino-kinopark", None),
        ("located in", "place-ru-mow", None),
        ("operator", "org-moskino", "Moskino Film Factory"),
        ("operator", "org-moskino", "Moskino Film Park"),
        ("focuses on", "place-cis", None),
        ("agreement", "agreement-gazprom-media-moskino", "Moskino Film Factory; Moskino Film Park"),
        ("partner", "org-gazprom-media-holding", "Cooperation agreement between Gazprom-Media Holding and Moskino"),
        ("partner", "org-moskino", "Cooperation agreement between Gazprom-Media Holding and Moskino"),
        ("event held there", "event-kultura-media-tsifra-2025", "Moskino Film Factory"),
    ]
    assert ask(seeded, templates, "cluster", cluster="Сахалинский кинокластер", cols=["relation", "name"]) == [
        ("located in", "Sakhalin Oblast"),
        ("developer", "Agency for Strategic Initiatives"),
        ("developer", "Government of Sakhalin Oblast"),
        ("developer", "Kinodanz"),
        ("focuses on", "China"),
        ("focuses on", "Japan"),
        ("focuses on", "Russia"),
        ("focuses on", "South Korea"),
        ("agreement", "Agreement on creating a film production cluster on Sakhalin"),
        ("partner", "Agency for Strategic Initiatives"),
        ("partner", "Government of Sakhalin Oblast"),
        ("partner", "Kinodanz"),
        ("project filmed there", "Forgotten Gods"),
    ]
    clusters = {r[0] for r in ask(seeded, templates, "cluster", cols=["cluster_id"])}
    assert clusters == {"cluster-kaliningrad-cg", "cluster-moscow-international-film", "cluster-sakhalin-film",
                        "cluster-skolkovo-games-animation"}


def test_events_and_what_was_signed_or_announced_there(seeded, templates):
    session = "Session on film co-production in the CIS"
    closing = "Closing event of the festival “Peoples of Russia and the CIS”"
    assert ask(seeded, templates, "events", event="Народы России и СНГ",
               cols=["start", "end", "held_in", "at", "what", "id"]) == [
        ("2025-10-31", "2025-11-05", ["Moscow"], None, "partner (стратегический партнер)", "org-gazprom-media-holding"),
        ("2025-10-31", "2025-11-05", ["Moscow"], closing, "part of",
         "event-cis-security-council-secretaries-meeting-2025"),
        ("2025-10-31", "2025-11-05", ["Moscow"], session, "signed", "agreement-iskra-memorandum"),
        ("2025-10-31", "2025-11-05", ["Moscow"], session, "announced by Elena Torchinskaya", "project-iskra"),
        ("2025-10-31", "2025-11-05", ["Moscow"], session, "speaker", "person-artem-mikhalkov"),
        ("2025-10-31", "2025-11-05", ["Moscow"], session, "speaker", "person-boris-khanchalyan"),
        ("2025-10-31", "2025-11-05", ["Moscow"], session, "speaker", "person-elena-torchinskaya"),
    ]
    rows = ask(seeded, templates, "events", cols=["event_id", "what", "id"])
    assert [r for r in rows if r[0] != "event-narody-rossii-i-sng-festival-2025"] == [
        ("event-kultura-media-tsifra-2025", "discussed", "incentive-moscow-coproduction-rebates"),
        ("event-kultura-media-tsifra-2025", "speaker", "person-alexey-fursin"),
        ("event-moscow-international-film-week-2025", "signed", "agreement-gazprom-media-moskino"),
        ("event-cis-security-council-secretaries-meeting-2025", "part of", "event-narody-rossii-i-sng-festival-2025"),
    ]


def test_incentives_by_place(seeded, templates):
    assert ask(seeded, templates, "incentives", place="Москва",
               cols=["relation", "incentive", "type", "approved_by", "discussed_at"]) == [
        ("offered by", "Grants for co-productions with other countries (Moscow)", "grant", [], []),
        ("offered by", "Rebates for international co-productions (Moscow)", "rebate", ["Sergey Sobyanin"],
         ["Culture. Media. Digital"]),
        ("offered by", "Subsidies for co-productions with other countries (Moscow)", "subsidy", [], []),
    ]
    assert ask(seeded, templates, "incentives", place="Узбекистан", cols=["place", "relation", "id"]) == [
        ("Uzbekistan", "discussed with", "incentive-moscow-coproduction-rebates")]
    assert ask(seeded, templates, "incentives", type="grant", cols=["place", "id"]) == [
        ("Moscow", "incentive-moscow-coproduction-grants")]


def test_shortest_path_between_two_entities(seeded, templates):
    assert ask(seeded, templates, "path", **{"from": "Таджикфильм", "to": "Москино"},
               cols=["step", "via", "id"]) == [
        (0, None, "org-tajikfilm"),
        (1, "PARTY_TO →", "agreement-iskra-memorandum"),
        (2, "SIGNED_AT →", "event-coproduction-session-2025"),
        (3, "← SPOKE_AT", "person-boris-khanchalyan"),
        (4, "COMMENTED_ON →", "agreement-gazprom-media-moskino"),
        (5, "← PARTY_TO", "org-moskino"),
    ]
    assert ask(seeded, templates, "path", **{"from": "Таджикфильм", "to": "Москино", "max_hops": 4},
               cols=["id"]) == []
    assert ask(seeded, templates, "path", **{"from": "Kinodanz", "to": "Kinodanz"}, cols=["step", "id"]) == [
        (0, "org-kinodanz")]
    # The 2018 Sakhalin story shares no article fact with the Moscow ones: only ISO 3166 links them,
    # Moscow lying in the Russia the Sakhalin cluster focuses on.
    assert ask(seeded, templates, "path", **{"from": "Kinodanz", "to": "Москино"}, cols=["id", "sources"]) == [
        ("org-kinodanz", None), ("cluster-sakhalin-film", ["src-002"]), ("place-ru", ["src-002"]),
        ("place-ru-mow", ["src-iso3166"]), ("agreement-gazprom-media-moskino", ["src-003"]),
        ("org-moskino", ["src-003"])]


def test_what_one_source_states(seeded, templates):
    rows = ask(seeded, templates, "source", source="src-003", cols=["kind", "subject_id", "relation", "object_id"])
    assert [r[1] for r in rows if r[0] != "relation"] == [
        "agreement-gazprom-media-moskino", "cluster-moscow-international-film",
        "event-moscow-international-film-week-2025", "org-gazprom-media-holding", "org-moskino",
        "person-boris-khanchalyan", "person-georgy-prokopov", "place-ru-mow",
        "post-gazprom-media-deputy-ceo-khanchalyan", "post-moskino-ceo", "site-moskino-kinopark",
        "site-moskino-kinozavod"]
    relations = [r[1:] for r in rows if r[0] == "relation"]
    assert ("person-boris-khanchalyan", "SIGNED", "agreement-gazprom-media-moskino") in relations
    assert ("person-georgy-prokopov", "SIGNED", "agreement-gazprom-media-moskino") in relations
    assert ("org-moskino", "OPERATES", "site-moskino-kinopark") in relations
    assert len(relations) == 19
    quotes = {(r[1], r[2], r[3]): r[4] for r in ask(
        seeded, templates, "source", source="src-003", cols=["kind", "subject_id", "relation", "object_id", "quote"])}
    assert quotes[("person-georgy-prokopov", "SIGNED", "agreement-gazprom-media-moskino")] == \
        "и генеральный директор АНО «Москино» Георгий Прокопов"
    # By title, too.
    assert ask(seeded, templates, "source", source="На Сахалине запустят кинокластер", cols=["subject_id"])


def test_facts_with_a_single_source(seeded, templates):
    rows = ask(seeded, templates, "single_source", source="src-004", cols=["kind", "subject_id", "relation", "object_id"])
    assert [r[1] for r in rows if r[0] != "relation"] == [
        "cluster-skolkovo-games-animation", "event-kultura-media-tsifra-2025", "incentive-moscow-coproduction-grants",
        "incentive-moscow-coproduction-rebates", "incentive-moscow-coproduction-subsidies",
        "org-moscow-department-of-culture", "org-moscow-government", "person-alexey-fursin",
        "person-sergey-sobyanin", "post-moscow-department-of-culture-head", "post-moscow-government-minister-fursin",
        "site-skolkovo"]
    assert ("relation", "incentive-moscow-coproduction-rebates", "DISCUSSED_WITH", "place-uz") in rows
    # Facts several articles state are not listed.
    everything = ask(seeded, templates, "single_source", cols=["subject_id", "relation"])
    assert ("org-moskino", None) not in everything and ("place-ru-mow", None) not in everything
    assert ("org-kinodanz", None) in everything


def test_agreements_in_a_date_range(seeded, templates):
    cols = ["id", "date", "date_basis", "parties"]
    assert ask(seeded, templates, "agreements", cols=cols) == [
        ("agreement-sakhalin-film-cluster", "2018-05-29", "reported",
         ["Agency for Strategic Initiatives", "Government of Sakhalin Oblast", "Kinodanz"]),
        ("agreement-gazprom-media-moskino", "2025-08-25", "signed", ["Gazprom-Media Holding", "Moskino"]),
        ("agreement-iskra-memorandum", "2025-10-31", "event",
         ["1-2-3 Production", "Belarusfilm National Film Studio",
          "Kyrgyzfilm National Film Studio named after Tolomush Okeev", "League of Filmmakers of Kazakhstan",
          "Tajikfilm"]),
    ]
    assert [r[0] for r in ask(seeded, templates, "agreements", **{"from": "2025", "to": "2025"}, cols=cols)] == [
        "agreement-gazprom-media-moskino", "agreement-iskra-memorandum"]
    assert [r[0] for r in ask(seeded, templates, "agreements", **{"from": "2025-09"}, cols=cols)] == [
        "agreement-iskra-memorandum"]
    assert [r[0] for r in ask(seeded, templates, "agreements", to="2020", cols=cols)] == [
        "agreement-sakhalin-film-cluster"]
    assert ask(seeded, templates, "agreements", **{"from": "2025-08-26", "to": "2025-10-30"}, cols=cols) == []


def test_most_connected_organisations_and_people(seeded, templates):
    assert ask(seeded, templates, "most_connected", cols=["id", "links", "neighbours", "sources"]) == [
        ("org-1-2-3-production", 9, 8, 2),
        ("org-kinodanz", 8, 8, 1),
        ("person-alexey-fursin", 6, 5, 1),
        ("person-boris-khanchalyan", 5, 4, 3),
        ("org-gazprom-media-holding", 4, 4, 3),
        ("org-moskino", 4, 4, 2),
        ("person-elena-torchinskaya", 4, 3, 1),
        ("person-georgy-prokopov", 4, 3, 2),
        ("org-sakhalin-oblast-government", 3, 3, 1),
        ("org-league-of-filmmakers-of-kazakhstan", 3, 3, 1),
    ]
    assert ask(seeded, templates, "most_connected", kind="Person", top="2", cols=["name"]) == [
        ("Alexey Fursin",), ("Boris Khanchalyan",)]


def test_country_matrix(seeded, templates):
    assert ask(seeded, templates, "country_matrix", cols=["country_a", "country_b", "links", "via"]) == [
        ("Kazakhstan", None, 4, ["agreement-iskra-memorandum"]),
        # the Government of Sakhalin Oblast: its oblast lies in Russia (ISO 3166, the gazetteer)
        ("Russia", None, 2, ["agreement-sakhalin-film-cluster"]),
        (None, None, 8, ["agreement-gazprom-media-moskino", "agreement-iskra-memorandum",
                         "agreement-sakhalin-film-cluster"]),
    ]
    assert ask(seeded, templates, "country_matrix", known_only="true", cols=["country_a"]) == []


def test_people_of_an_organisation(seeded, templates):
    assert ask(seeded, templates, "people", org="Газпром-Медиа", cols=["person", "relation", "detail", "since"]) == [
        ("Alexander Zharov", "affiliated", None, None),
        ("Boris Khanchalyan", "post", "Deputy General Director", "2025-08-26"),
        ("Boris Khanchalyan", "signed agreement-gazprom-media-moskino",
         "Cooperation agreement between Gazprom-Media Holding and Moskino", "2025-08-25"),
    ]
    assert ask(seeded, templates, "people", org="1-2-3 Production", cols=["person", "detail"]) == [
        ("Artem Mikhalkov", "producer"), ("Elena Torchinskaya", None)]
    assert ask(seeded, templates, "people", org="Газпром-Медиа", as_of="2025-08-25", cols=["relation"]) == [
        ("signed agreement-gazprom-media-moskino",)]


def test_search_by_words(seeded, templates):
    ids = [r[0] for r in ask(seeded, templates, "search", text="москино", cols=["id"])]
    assert ids[0] == "org-moskino"
    assert set(ids[1:3]) == {"site-moskino-kinopark", "site-moskino-kinozavod"}
    assert ask(seeded, templates, "search", text="Kinоdanz", kind="Organization", cols=["id"]) == [("org-kinodanz",)]
    assert ask(seeded, templates, "search", text="Кинодонз", cols=["id"]) == []
    # Lucene syntax and quotes are plain characters, never an error or an injection.
    for text in (HOSTILE, 'a:b OR (c* AND "d', "\\", "+-&&||!(){}[]^~*?:/"):
        run_template(seeded, templates["search"], {"text": text})


def test_hostile_values_on_the_seeds_change_nothing(seeded, templates):
    before = seeded.execute_query(_FINGERPRINT).records[0]["f"]
    before_counts = counts(seeded)
    for name, key in (("entity", "entity"), ("partners", "org"), ("search", "text"), ("posts", "person")):
        try:
            run_template(seeded, templates[name], {key: HOSTILE})
        except QueryError as e:
            assert "no " in str(e) and "entity has the id, name or alias" in str(e)
    assert seeded.execute_query(_FINGERPRINT).records[0]["f"] == before
    assert counts(seeded) == before_counts


# -- the command line -----------------------------------------------------------------

def test_cli_queries_json_lists_every_template(run_cli, templates):
    result = run_cli("queries", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert listed == [t.as_dict() for t in templates.values()]
    assert [q["name"] for q in listed] == sorted(templates)
    partners = next(q for q in listed if q["name"] == "partners")
    assert partners["params"] == {"org": {"type": "entity", "required": True, "kind": ["Organization"],
                                          "description": "The organisation: an id, a name or an alias."}}
    assert partners["example"] == {"org": "1-2-3 Production"} and partners["uses_as_of"] is True


def test_cli_queries_table(run_cli, templates):
    result = run_cli("queries")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{len(templates)} stored queries (cisfilm query NAME -p key=value ...)")
    for name in templates:
        assert f"│ {name} " in result.stdout
    assert "e.g. -p org=Газпром-Медиа" in result.stdout


def test_cli_query_csv(run_cli, seeded):
    result = run_cli("query", "agreement", "-p", "agreement=agreement-gazprom-media-moskino", "--format", "csv")
    assert result.exit_code == 0, result.output
    week = "2nd Moscow International Film Week"
    assert result.stdout == (
        "role,id,name,detail,signed_for,date,signed_at,sources\n"
        f"party,org-gazprom-media-holding,Gazprom-Media Holding,,,2025-08-25,{week},src-003\n"
        f"party,org-moskino,Moskino,,,2025-08-25,{week},src-003\n"
        "signatory,person-boris-khanchalyan,Boris Khanchalyan,"
        f"заместитель генерального директора «Газпром-Медиа Холдинга»,Gazprom-Media Holding,2025-08-25,{week},src-003\n"
        "signatory,person-georgy-prokopov,Georgy Prokopov,"
        f"генеральный директор АНО «Москино»,Moskino,2025-08-25,{week},src-003\n")
    assert result.stderr == ""


def test_cli_query_json_with_as_of(run_cli, seeded):
    result = run_cli("query", "posts", "--as-of", "2020", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"person_id": "person-evgeny-melentyev", "person": "Evgeny Melentyev", "title": "Director",
         "organisation": "Kinodanz", "jurisdiction": None, "start": None, "end": None,
         "first_seen": "2018-05-29", "last_seen": "2018-05-29", "sources": ["src-002"]},
        {"person_id": "person-oleg-kozhemyako", "person": "Oleg Kozhemyako", "title": "Governor",
         "organisation": None, "jurisdiction": "Sakhalin Oblast", "start": None, "end": None,
         "first_seen": "2018-05-29", "last_seen": "2018-05-29", "sources": ["src-002"]}]


def test_cli_query_table_and_limit(run_cli, seeded):
    result = run_cli("query", "partners", "-p", "org=Kinоdanz", "--limit", "1")  # a Cyrillic «о»
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 5  # piped: one line per row, however wide
    assert [c.strip() for c in lines[1].split("┃")[1:-1]] == [
        "partner_id", "partner", "type", "via", "links", "since", "sources"]
    assert [c.strip() for c in lines[3].split("│")[1:-1]] == [
        "org-asi", "Agency for Strategic Initiatives", "agency",
        "Agreement on creating a film production cluster on Sakhalin", "agreement", "2018-05-29", "src-002"]
    assert result.stderr == "1 row(s) (more with a higher --limit)\n"
    result = run_cli("query", "partners", "-p", "org=Kinodanz", "--format", "csv", "--limit", "5")
    assert result.stdout.count("\n") == 3 and result.stderr == ""


def test_cli_list_parameter_and_repeated_keys(run_cli, seeded):
    result = run_cli("query", "agreements", "-p", "from=2025", "-p", "to=2025", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert [line.split(",")[0] for line in result.stdout.splitlines()] == [
        "id", "agreement-gazprom-media-moskino", "agreement-iskra-memorandum"]


@pytest.mark.parametrize("args, message", [
    (["query", "nope"], "Error: no template 'nope'; `cisfilm queries` lists them\n"),
    (["query", "partner"], "Error: no template 'partner' (did you mean partners?); `cisfilm queries` lists them\n"),
    (["query", "partners"],
     "Error: template 'partners': missing required parameter 'org' (org: entity (Organization), required)\n"),
    (["query", "partners", "-p", "org=Moskino", "-p", "orgg=x"],
     "Error: template 'partners': unknown parameter 'orgg' (did you mean 'org'?); partners takes: org\n"),
    (["query", "partners", "-p", "org"], "Error: -p 'org': expected key=value\n"),
    (["query", "most_connected", "-p", "top=many"],
     "Error: template 'most_connected': parameter 'top' (int): expected an integer, got 'many'\n"),
    (["query", "most_connected", "-p", "top=0"],
     "Error: template 'most_connected': parameter 'top' (int): 0 is below the minimum 1\n"),
    (["query", "agreements", "-p", "from=2025-13"],
     "Error: template 'agreements': parameter 'from' (date): impossible date 2025-13: there is no month 13\n"),
    (["query", "posts", "--as-of", "yesterday"],
     "Error: --as-of: expected a date YYYY, YYYY-MM or YYYY-MM-DD, got 'yesterday'\n"),
    (["query", "agreements", "--as-of", "2025"], "Error: template 'agreements' does not take --as-of\n"),
])
def test_cli_bad_parameters_are_refused_before_connecting(run_cli, args, message):
    # A Neo4j that is not there: every one of these fails before any connection is tried.
    result = run_cli(*args, env={"NEO4J_URI": "bolt://127.0.0.1:9"})
    assert result.exit_code == 1
    assert result.stderr == message
    assert result.stdout == ""


@pytest.mark.parametrize("args, message", [
    (["query", "agreements", "--format", "xml"], "'xml' is not one of: table, json, csv"),
    (["queries", "--format", "csv"], "'csv' is not one of: table, json"),
    (["export", "--format", "csv"], "'csv' is not one of: ttl, nt, jsonld, xml, trig, nq"),
])
def test_cli_bad_formats_are_refused_when_the_command_line_is_read(run_cli, args, message):
    result = run_cli(*args, env={"NEO4J_URI": "bolt://127.0.0.1:9"})
    assert result.exit_code == 2  # a usage error, before any connection is tried
    text = " ".join(re.sub("[│╭╮╰╯─]", " ", result.stderr).split())  # rich draws a box around it
    assert "Invalid value for '--format'" in text and message in text
    assert result.stdout == ""


def test_cli_entity_errors(run_cli, seeded):
    result = run_cli("query", "partners", "-p", "org=Moskinо")  # a Cyrillic «о» still finds it
    assert result.exit_code == 0, result.output
    result = run_cli("query", "entity", "-p", "entity=Москино Кинопарк")
    assert result.exit_code == 1
    assert result.stderr == ("Error: template 'entity': parameter 'entity': no entity has the id, name or alias "
                             "'Москино Кинопарк'\n")
    result = run_cli("query", "partners", "-p", "org=Георгий Прокопов")
    assert result.exit_code == 1
    assert result.stderr == ("Error: template 'partners': parameter 'org': 'Георгий Прокопов' names "
                             "person-georgy-prokopov (Person, Georgy Prokopov), but org must be of kind Organization\n")


def test_cli_ambiguous_entity_lists_candidates(run_cli, driver):
    entity(driver, "org-moskino", "Organization", "Moskino", ["Москино"])
    entity(driver, "site-moskino-kinopark", "Site", "Moskino Film Park", ["Москино"])
    result = run_cli("query", "entity", "-p", "entity=москино", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == ("Error: template 'entity': parameter 'entity': 'москино' is ambiguous, it names "
                             "2 entities: org-moskino (Organization, Moskino), site-moskino-kinopark "
                             "(Site, Moskino Film Park); give an id instead\n")
    result = run_cli("query", "entity", "-p", "entity=site-moskino-kinopark", "--format", "csv")
    assert result.exit_code == 0 and "kind,,Site," in result.stdout


def test_cli_hostile_value_changes_nothing(run_cli, seeded):
    before = seeded.execute_query(_FINGERPRINT).records[0]["f"]
    result = run_cli("query", "partners", "-p", f"org={HOSTILE}")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: template 'partners': parameter 'org': no Organization entity has the id, "
                             f"name or alias {HOSTILE!r}\n")
    result = run_cli("query", "search", "-p", f"text={HOSTILE}", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert seeded.execute_query(_FINGERPRINT).records[0]["f"] == before


def test_cli_refuses_a_writing_template_and_times_out(run_cli, driver, tmp_path):
    write(tmp_path, "wipe", "// name: wipe\n// description: Deletes everything.\nMATCH (n) DETACH DELETE n")
    write(tmp_path, "slow", "// name: slow\n// description: Counts far.\n"
                            "UNWIND range(1, 1000000000) AS i WITH i WHERE i % 7 = 100 RETURN count(i) AS n")
    entity(driver, "org-x", "Organization", "X")
    result = run_cli("query", "wipe", "--templates", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == "Error: template 'wipe' refused: it writes; stored templates may only read\n"
    assert counts(driver) == (1, 0)
    result = run_cli("query", "slow", "--templates", str(tmp_path), "--timeout", "0.5")
    assert result.exit_code == 1
    assert result.stderr == "Error: template 'slow' timed out after 0.5 s (raise it with --timeout)\n"


def test_cli_broken_template_directory(run_cli, tmp_path):
    write(tmp_path, "bad", "// name: bad\n// description: d\nLOAD CSV FROM 'file:///etc/passwd' AS l RETURN l")
    result = run_cli("queries", "--templates", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: 1 broken template(s):\n{tmp_path / 'bad.cypher'}:3: refused: "
                             "LOAD CSV reads outside the graph\n")


def test_shell_completion_of_template_names(run_cli):
    from typer.testing import CliRunner

    from cli import app

    def complete(line: str) -> str:
        env = {"_CISFILM_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(line.split()) - 1)}
        return CliRunner().invoke(app, [], prog_name="cisfilm", env=env).output

    assert complete("cisfilm query par") == "partners\n"
    assert complete("cisfilm query p").split() == ["partners", "path", "people", "posts", "projects"]


# -- docs kept true ----------------------------------------------------------------------

def test_docs_list_every_template_with_its_description(templates):
    from graph.templates import markdown_table

    doc = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    start, end = "<!-- templates:start -->\n", "<!-- templates:end -->"
    assert start in doc and end in doc, "docs/queries.md needs the templates markers"
    section = doc.split(start, 1)[1].split(end, 1)[0]
    assert section == markdown_table(templates), "docs/queries.md's stored questions are stale: regenerate the table"
    for t in templates.values():
        assert f"| `{t.name}` |" in section and t.description in section
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "cisfilm query " in readme and "cisfilm queries" in readme and "(docs/queries.md)" in readme
