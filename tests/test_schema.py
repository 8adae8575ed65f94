"""graph.schema: the real schema loads; a broken one is reported with file:line."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.errors import SchemaError
from graph.model.schema import FIELD_TYPES, load_model

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "schema"


def test_real_schema_loads() -> None:
    model = load_model(ROOT / "schema")
    assert {"Organization", "Person", "Post", "Agreement", "Source", "Place"} <= set(model.kinds)
    assert "HOLDS" in model.relation_types
    org = model.kinds["Organization"]
    assert org.fields["type"].type == "enum" and org.fields["type"].required
    assert list(org.fields)[:3] == ["id", "kind", "name"]  # common fields first
    for kind in model.kinds.values():
        assert kind.rdf_class and model.expand(kind.rdf_class).startswith("http")
        for spec in kind.fields.values():
            assert spec.type in FIELD_TYPES


def test_fixture_model() -> None:
    model = load_model(FIXTURE)
    rel = model.relations["LOCATED_IN"]
    assert rel.from_kinds == {"Organization", "Place"}  # declared by two kinds, merged
    assert rel.allows("Organization", "Place") and not rel.allows("Person", "Place")
    assert list(model.relations["PARTNER_OF"].properties) == ["sources", "quote", "role", "start", "end"]
    assert model.kinds["Organization"].class_by.values == {"studio": "cf:FilmStudio"}
    assert model.expand("schema:name") == "https://schema.org/name"
    assert model.languages[:2] == ("ru", "en")


def test_model_is_immutable() -> None:
    model = load_model(FIXTURE)
    with pytest.raises(TypeError):
        model.kinds["Evil"] = model.kinds["Person"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        model.kinds = {}  # type: ignore[misc]


def test_allow_list() -> None:
    model = load_model(FIXTURE)
    assert model.check_label("Person") == "Person"
    assert model.check_rel_type("HOLDS") == "HOLDS"
    for bad in ("Persn", "Person`) DETACH DELETE (n", "person", "", None, "Entity"):
        with pytest.raises(SchemaError):
            model.check_label(bad)  # type: ignore[arg-type]
    for bad in ("HOLD", "HOLDS]->() DELETE r//", "holds"):
        with pytest.raises(SchemaError):
            model.check_rel_type(bad)
    with pytest.raises(SchemaError, match="did you mean 'Person'"):
        model.check_label("Persn")
    with pytest.raises(SchemaError):
        model.expand("nope:x")


@pytest.fixture
def schema_dir(tmp_path: Path) -> Path:
    d = tmp_path / "schema"
    shutil.copytree(FIXTURE, d)
    return d


def broken(schema_dir: Path, file: str, old: str, new: str) -> str:
    path = schema_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SchemaError) as e:
        load_model(schema_dir)
    return str(e.value)


def test_unknown_field_type(schema_dir: Path) -> None:
    msg = broken(schema_dir, "Person.yaml", "born: {type: date,", "born: {type: dat,")
    assert f"{schema_dir}/Person.yaml:6:16 fields.born.type — unknown field type 'dat' (did you mean 'date'?)" in msg


def test_relation_to_unknown_kind(schema_dir: Path) -> None:
    msg = broken(schema_dir, "Person.yaml", "to: [Post]", "to: [Posts]")
    assert f"{schema_dir}/Person.yaml:9:10 relations.HOLDS.to — relation to unknown kind 'Posts' (did you mean 'Post'?)" in msg


def test_file_name_must_match_kind(schema_dir: Path) -> None:
    (schema_dir / "Person.yaml").rename(schema_dir / "People.yaml")
    with pytest.raises(SchemaError, match=r"People.yaml:1:7 kind — kind 'Person' does not match the file name"):
        load_model(schema_dir)


def test_unknown_prefix(schema_dir: Path) -> None:
    msg = broken(schema_dir, "Person.yaml", "class: schema:Person", "class: shema:Person")
    assert "Person.yaml:4:10 rdf.class — unknown prefix 'shema' (did you mean 'schema'?)" in msg


def test_conflicting_relation(schema_dir: Path) -> None:
    msg = broken(schema_dir, "Place.yaml", "rdf: schema:location", "rdf: cf:location")
    assert "Place.yaml:12:3 relations.LOCATED_IN — LOCATED_IN is declared again with different rdf" in msg


def test_bad_label_and_rel_type(schema_dir: Path) -> None:
    msg = broken(schema_dir, "Person.yaml", "  HOLDS:", "  holds:")
    assert "relationship type 'holds' must match ^[A-Z][A-Z0-9_]*$" in msg
    (schema_dir / "Person.yaml").write_text("kind: person\n")
    (schema_dir / "person.yaml").write_text("kind: person\n")
    with pytest.raises(SchemaError, match=r"kind 'person' must match \^\[A-Z\]"):
        load_model(schema_dir)


def test_schema_files_are_read_strictly(schema_dir: Path) -> None:
    msg = broken(schema_dir, "Person.yaml", "kind: Person", "kind: Person\nkind: Person")
    assert "duplicate key 'kind'" in msg
    msg = broken(schema_dir, "Place.yaml", "required: true", "required: yes")
    assert "expected true or false" in msg


def test_every_problem_at_once(schema_dir: Path) -> None:
    (schema_dir / "Post.yaml").write_text(
        "kind: Post\nfields:\n  a: {type: strin}\n  b: {type: enum}\nrelations:\n  X: {to: [Nope]}\n  y: {to: [Post]}\n")
    with pytest.raises(SchemaError) as e:
        load_model(schema_dir)
    assert len(e.value.problems) >= 4  # type: ignore[attr-defined]


def test_missing_common_files(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="_prefixes.yaml: missing"):
        load_model(tmp_path)
