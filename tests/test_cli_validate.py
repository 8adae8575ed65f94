"""`cisfilm validate` and `cisfilm schema` end to end (no database needed)."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from graph.facts import validate_paths
from graph.model.jsonschema import render
from graph.model.schema import load_model

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SCHEMA = "tests/fixtures/schema"


@pytest.fixture(autouse=True)
def at_root(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)


def cisfilm(*args: str):
    return CliRunner().invoke(app, list(args))


def test_validate_good_file() -> None:
    r = cisfilm("validate", "tests/fixtures/facts/good.yaml", "--schema", FIXTURE_SCHEMA)
    assert (r.exit_code, r.stdout) == (0, "1 file(s), 6 entities, 3 relations: 0 error(s), 0 warning(s)\n")


def test_validate_reports_every_problem_and_exits_1() -> None:
    r = cisfilm("validate", "tests/bad/relation-enum-dates.yaml", "tests/bad/tab-indent.yaml", "nope.yaml",
                "--schema", FIXTURE_SCHEMA)
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        "nope.yaml:1:1 - — no such file or directory",
        "tests/bad/relation-enum-dates.yaml:22:11 relations[0].role — 'leader' is not allowed "
        "(one of: lead, partner) (did you mean 'lead'?)",
        "tests/bad/relation-enum-dates.yaml:24:10 relations[0].end — end 2023 is before start 2024-05-01",
        "tests/bad/tab-indent.yaml:9:1 - — tab character in indentation; indent with spaces",
        "2 file(s), 3 entities, 1 relations: 4 error(s), 0 warning(s)",
    ]


def test_warnings_pass_unless_strict() -> None:
    args = ("validate", "tests/bad/likely-duplicate.yaml", "--schema", FIXTURE_SCHEMA)
    line = ("tests/bad/likely-duplicate.yaml:14:16 entities[2].name.ru — {}likely duplicate of 'org-a' at "
            "tests/bad/likely-duplicate.yaml:9:16: 'Студия А' and 'студиЯ  «А»' differ only in case, ё/е, "
            "look-alike letters, quotes or spacing")
    r = cisfilm(*args)
    assert (r.exit_code, r.stdout.splitlines()) == (0, [
        line.format("warning: "), "1 file(s), 3 entities, 0 relations: 0 error(s), 1 warning(s)"])
    r = cisfilm(*args, "--strict")
    assert (r.exit_code, r.stdout.splitlines()) == (1, [
        line.format(""), "1 file(s), 3 entities, 0 relations: 1 error(s), 0 warning(s)"])


def test_validate_defaults_to_seeds() -> None:
    facts, _ = validate_paths(["seeds"], "schema")
    r = cisfilm("validate")
    assert (r.exit_code, r.stdout) == (
        0, f"{len(facts.files)} file(s), {len(facts.entities)} entities, {len(facts.relations)} relations: "
           "0 error(s), 0 warning(s)\n")


def test_broken_input_never_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"entities: [\xff\x00{{{\n")
    r = cisfilm("validate", str(bad), "--schema", FIXTURE_SCHEMA)
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit)
    assert r.stdout.splitlines()[0] == f"{bad}:1:12 - — not UTF-8: byte 0xFF at offset 11"
    r = cisfilm("validate", "--schema", str(tmp_path))
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit)
    assert "_prefixes.yaml: missing" in r.stderr


def test_schema_json_schema(tmp_path: Path) -> None:
    expected = render(load_model("schema"))
    r = cisfilm("schema", "--json-schema")
    assert (r.exit_code, r.stdout) == (0, expected)
    out = tmp_path / "facts.schema.json"
    r = cisfilm("schema", "--json-schema", "-o", str(out))
    assert (r.exit_code, r.stdout) == (0, f"Wrote {out}.\n")
    assert out.read_text(encoding="utf-8") == expected


def test_schema_overview() -> None:
    r = cisfilm("schema", "--schema", FIXTURE_SCHEMA)
    assert r.exit_code == 0
    assert r.stdout.splitlines()[:5] == [
        "5 kinds, 5 relationship types (* required)",
        "every kind: id*, kind*, name*, aliases, sources, quote, note, same_as",
        "Organization: type*, legal_form, motto, history, founded, dissolved, website, staff, budget, active, genres",
        "  -[LOCATED_IN]-> Place",
        "  -[PARTNER_OF]-> Organization",
    ]
