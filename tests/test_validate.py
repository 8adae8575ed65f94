"""graph.facts + graph.validate: reading fact files and the rules over them.

One file per broken rule lives in tests/bad/ (test_bad_files.py); this module
covers what needs more than one file, the values read, and the helpers.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import InvalidData, SchemaError
from graph.facts import collect, fact_files, read_facts, validate_paths
from graph.model.dates import date_pairs, date_problem, ends_before
from graph.model.schema import load_model, suggest
from graph.strictyaml import Mark

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).parent
SCHEMA = HERE / "fixtures" / "schema"
GOOD = HERE / "fixtures" / "facts" / "good.yaml"
SOURCE = "entities:\n  - {id: src-001, kind: Source, name: {ru: Статья}, file: 001.txt}\n"


@pytest.fixture(scope="module")
def model():
    return load_model(SCHEMA)


def test_good_file_values(model) -> None:
    facts, warnings = read_facts([GOOD], model)
    assert warnings == []
    kd = facts.entities["org-kinodanz"]
    assert kd.kind == "Organization"
    assert kd.fields["name"] == {"ru": "Кинodanz", "en": "Kinodanz"}
    assert kd.fields["founded"] == "2018" and kd.fields["dissolved"] == "2025-08"
    assert (kd.fields["staff"], kd.fields["budget"], kd.fields["active"]) == (42, 1.5, True)
    assert kd.fields["genres"] == ["drama", "animation"]
    assert kd.fields["history"] == "Founded on Sakhalin.\nWorks with the cluster."
    assert (kd.sources, kd.quotes) == (["src-001"], ["студия Kinodanz"])  # top-level quote, one source
    assert kd.pos == Mark(str(GOOD), 9, 5)
    assert kd.field_pos["name.en"] == Mark(str(GOOD), 11, 30)
    assert "sources" not in kd.fields and "quote" not in kd.fields and "id" not in kd.fields
    moskino = facts.entities["org-moskino"]
    assert (moskino.sources, moskino.quotes) == (["src-001"], ["АНО «Москино»"])
    assert facts.entities["place-moscow"].quotes == [""]
    assert facts.entities["src-001"].sources == []
    partner = facts.relations[2]
    assert (partner.from_id, partner.type, partner.to_id) == ("org-kinodanz", "PARTNER_OF", "org-moskino")
    assert partner.props == {"role": "partner", "start": "2025-08", "end": "2025"}
    assert partner.field_pos["to"].line == 61


@pytest.mark.parametrize("value, problem", [
    ("2025", None), ("2025-08", None), ("2025-08-26", None), ("2024-02-29", None),
    ("2025-02-29", "impossible date 2025-02-29: February 2025 has 28 days"),
    ("2025-02-30", "impossible date 2025-02-30: February 2025 has 28 days"),
    ("2025-04-31", "impossible date 2025-04-31: April 2025 has 30 days"),
    ("2025-00", "impossible date 2025-00: there is no month 00"),
    ("2025-13-01", "impossible date 2025-13-01: there is no month 13"),
    ("2025-01-00", "impossible date 2025-01-00: January 2025 has 31 days"),
    ("0000", "impossible date 0000: there is no year 0000"),
    ("25-08-26", "bad date '25-08-26': expected YYYY, YYYY-MM or YYYY-MM-DD"),
    ("2025-8-26", "bad date '2025-8-26': expected YYYY, YYYY-MM or YYYY-MM-DD"),
    ("2025-08-26T10:00", "bad date '2025-08-26T10:00': expected YYYY, YYYY-MM or YYYY-MM-DD"),
])
def test_partial_dates(value: str, problem: str | None) -> None:
    assert date_problem(value) == problem


@pytest.mark.parametrize("start, end, before", [
    ("2025", "2025-08", False), ("2025-08", "2025", False), ("2025-08-25", "2025-08", False),
    ("2025-08", "2025-08-01", False), ("2025", "2025", False), ("2025-08-26", "2025-08-26", False),
    ("2025-09", "2025-08-31", True), ("2025", "2024-12", True), ("2025-08-26", "2025-08-25", True),
    ("2024-02", "2024", False), ("2025-03-01", "2025-02", True),
])
def test_end_before_start(start: str, end: str, before: bool) -> None:
    assert ends_before(start, end) is before


def test_date_pairs() -> None:
    assert date_pairs(["start", "end", "date"]) == [("start", "end")]
    assert sorted(date_pairs(["valid_from", "valid_to", "start_date", "end_date"])) == [
        ("start_date", "end_date"), ("valid_from", "valid_to")]
    assert date_pairs(["starter", "ender"]) == []


def test_did_you_mean() -> None:
    assert suggest("nmae", ["name", "aliases"]) == " (did you mean 'name'?)"
    assert suggest("ORGANIZATION", ["Organization", "Person"]) == " (did you mean 'Organization'?)"
    assert suggest("zzz", ["name"]) == ""


def test_duplicate_id_across_two_files(tmp_path: Path, model) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(SOURCE, encoding="utf-8")
    b.write_text(SOURCE.replace("Статья", "Другая"), encoding="utf-8")
    with pytest.raises(InvalidData) as e:
        read_facts([tmp_path], model)
    assert [str(p) for p in e.value.problems] == [
        f"{a}:2:10 entities[0].id — duplicate id 'src-001' (also at {b}:2:10)",
        f"{b}:2:10 entities[0].id — duplicate id 'src-001' (also at {a}:2:10)",
    ]


def test_every_problem_from_every_file(tmp_path: Path, model) -> None:
    for name in ("unknown-kind", "tab-indent", "relation-kinds"):
        shutil.copy(HERE / "bad" / f"{name}.yaml", tmp_path / f"{name}.yaml")
    with pytest.raises(InvalidData) as e:
        read_facts([tmp_path], model)
    files = {Path(p.file).name for p in e.value.problems}
    assert files == {"unknown-kind.yaml", "tab-indent.yaml", "relation-kinds.yaml"}
    # 1 + 1 + 2 rule problems, and src-001 and org-a each defined in the two readable files
    assert str(e.value) == "8 error(s) in fact files"


def test_references_across_files(tmp_path: Path, model) -> None:
    (tmp_path / "1.yaml").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "2.yaml").write_text(
        "entities:\n  - {id: place-x, kind: Place, name: {en: X}, type: city, sources: [src-001]}\n",
        encoding="utf-8")
    facts, warnings = read_facts([tmp_path / "2.yaml", tmp_path / "1.yaml"], model)
    assert set(facts.entities) == {"src-001", "place-x"} and warnings == []


def test_likely_duplicates_warn_then_fail_when_strict(model) -> None:
    path = HERE / "bad" / "likely-duplicate.yaml"
    facts, warnings = read_facts([path], model)
    assert [w.severity for w in warnings] == ["warning"]
    assert "org-a" in facts.entities and "org-b" in facts.entities
    with pytest.raises(InvalidData):
        read_facts([path], model, strict=True)


def test_fact_files_order_and_filter(tmp_path: Path) -> None:
    for rel in ("b.yaml", "a/z.yml", "a/b.yaml", "c.txt", ".hidden/x.yaml", "a/.x.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    files, problems = fact_files([tmp_path, tmp_path / "b.yaml", tmp_path / "nope"])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a/b.yaml", "a/z.yml", "b.yaml"]
    assert [(p.file, p.reason) for p in problems] == [(str(tmp_path / "nope"), "no such file or directory")]


def test_validate_paths_reports_schema_errors(tmp_path: Path) -> None:
    with pytest.raises(SchemaError):
        validate_paths([GOOD], tmp_path)


def test_seeds_are_clean() -> None:
    facts, problems = validate_paths([ROOT / "seeds"], ROOT / "schema")
    assert [str(p) for p in problems] == []
    assert len(facts.entities) > 20 and facts.relations


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    st.lists(st.sampled_from(["entities:", "relations:", "  - ", "id: ", "kind: ", "Organization", "src-001",
                              "{", "}", "[", "]", ",", ": ", "\n", "    ", "name: {ru: x}", "&a ", "*a", "!t ",
                              "sources: [src-001]", "type: studio", "---\n", "'", '"', "~", "2025-02-30"]),
             max_size=40).map("".join),
))
def test_no_input_raises_anything_but_problems(tmp_path_factory, model, data) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.yaml"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    facts, problems = collect([path], model)
    for p in problems:
        assert p.file == str(path) and p.line >= 1 and p.col >= 1 and p.reason
