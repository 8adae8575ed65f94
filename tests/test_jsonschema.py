"""graph.jsonschema: the committed schema/facts.schema.json is current, and seeds validate against it."""
from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from graph import strictyaml as sy
from graph.model.jsonschema import build, render
from graph.model.schema import load_model

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).parent
SEEDS = sorted((ROOT / "seeds").rglob("*.yaml"))


@pytest.fixture(scope="module")
def validator():
    schema = build(load_model(ROOT / "schema"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_json_schema_is_current() -> None:
    committed = (ROOT / "schema" / "facts.schema.json").read_text(encoding="utf-8")
    assert committed == render(load_model(ROOT / "schema")), (
        "schema/facts.schema.json is stale: run `cisfilm schema --json-schema -o schema/facts.schema.json`")


def test_render_is_deterministic_json() -> None:
    model = load_model(ROOT / "schema")
    assert render(model) == render(load_model(ROOT / "schema"))
    assert json.loads(render(model))["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_file_validates(path: Path, validator) -> None:
    schema_ref = os.path.relpath(ROOT / "schema" / "facts.schema.json", path.parent)
    assert path.read_text(encoding="utf-8").splitlines()[0] == f"# yaml-language-server: $schema={schema_ref}"
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(sy.to_plain(sy.load(path)))]
    assert errors == []


def test_fixture_schema_and_mistakes() -> None:
    model = load_model(HERE / "fixtures" / "schema")
    v = jsonschema.Draft202012Validator(build(model))
    good = sy.to_plain(sy.load(HERE / "fixtures" / "facts" / "good.yaml"))
    assert list(v.iter_errors(good)) == []
    org = {"id": "org-a", "kind": "Organization", "name": {"ru": "А"}, "type": "studio", "sources": ["src-001"]}
    assert v.is_valid({"entities": [org]})
    for bad in ({**org, "nmae": "x"}, {**org, "type": "studoi"}, {**org, "name": {"eng": "A"}},
                {**org, "founded": "2025/08"}, {k: v for k, v in org.items() if k != "sources"},
                {**org, "kind": "Organisation"}, {**org, "id": "Org A"}):
        assert not v.is_valid({"entities": [bad]}), bad
    rel = {"from": "a", "type": "PARTNER_OF", "to": "b", "role": "lead", "sources": [{"source": "s", "quote": "q"}]}
    assert v.is_valid({"relations": [rel]})
    assert not v.is_valid({"relations": [{**rel, "type": "PARTNER"}]})
    assert not v.is_valid({"relations": [{**rel, "role": "leader"}]})


def test_descriptions_for_completion(validator) -> None:
    defs = validator.schema["$defs"]
    org = defs["entity.Organization"]
    assert org["properties"]["kind"] == {"const": "Organization", "description": org["description"]}
    assert org["properties"]["type"]["description"]
    assert defs["relation.HOLDS"]["properties"]["type"]["const"] == "HOLDS"
