"""graph.strictyaml: positions, plain vs quoted, and every rejection (tests/bad/ has one file each)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from graph import strictyaml as sy
from graph.errors import InvalidData

LOADERS = [sy.PURE_LOADER] + ([sy.C_LOADER] if sy.C_LOADER else [])


@pytest.fixture(params=LOADERS, ids=lambda loader: loader.__name__)
def parse(request):
    def run(text: str | bytes, **kw):
        data = text.encode() if isinstance(text, str) else text
        return sy.parse(data, "f.yaml", loader=request.param, **kw)

    return run


def test_positions_and_plainness(parse) -> None:
    root, problems = parse('a: x\nb:\n  - "y"\n  - {ru: «Кино», en: z}\n')
    assert problems == []
    assert root.key_mark("a") == sy.Mark("f.yaml", 1, 1)
    a = root.get("a")
    assert (a.value, a.plain, a.mark.line, a.mark.col) == ("x", True, 1, 4)
    y, names = root.get("b").items
    assert (y.value, y.plain, y.mark.line, y.mark.col) == ("y", False, 3, 5)
    # columns count characters, not UTF-8 bytes
    assert names.get("en").mark.col == 22
    assert names.get("ru").value == "«Кино»"


def test_scalars_stay_strings(parse) -> None:
    root, _ = parse("a: NO\nb: 2025-08-26\nc: 1:20\nd: ~\ne: 0x1F\nf: '1'\n")
    assert {k: (v.value, v.plain) for k, v in root.items()} == {
        "a": ("NO", True), "b": ("2025-08-26", True), "c": ("1:20", True),
        "d": ("~", True), "e": ("0x1F", True), "f": ("1", False)}


@pytest.mark.parametrize("text, kind", [
    ("NO", "boolean"), ("yes", "boolean"), ("on", "boolean"), ("Off", "boolean"), ("y", "boolean"),
    ("~", "null"), ("null", "null"), ("", "null"),
    ("1:20", "sexagesimal number"), ("190:20:30", "sexagesimal number"),
    ("42", "integer"), ("0x1F", "integer"), ("0o17", "integer"), ("1_000", "integer"),
    ("1.5", "float"), ("1e3", "float"), (".inf", "float"), (".NaN", "float"),
    ("2025-08-26", "date"), ("2001-12-14t21:59:43.10-05:00", "date"),
    ("Kinodanz", None), ("no way", None), ("1-2-3 Production", None), ("2025-08", None), ("src-003", None),
])
def test_implicit_type(text: str, kind: str | None) -> None:
    assert sy.implicit_type(sy.Scalar(text, True, sy.Mark("f", 1, 1))) == kind
    assert sy.implicit_type(sy.Scalar(text, False, sy.Mark("f", 1, 1))) is None


def test_to_plain_is_yaml_1_2_core() -> None:
    root = sy.loads("a: no\nb: 2025-08-26\nc: 2025\nd: true\ne: null\nf: '2025'\ng: [1.5]\n")
    assert sy.to_plain(root) == {"a": "no", "b": "2025-08-26", "c": 2025, "d": True, "e": None,
                                 "f": "2025", "g": [1.5]}


def test_python_object_apply_never_runs(tmp_path, parse) -> None:
    marker = tmp_path / "pwned"
    for text in (f'a: !!python/object/apply:os.system ["touch {marker}"]\n',
                 f'!!python/object/apply:pathlib.Path.touch [{marker}]\n',
                 f'a: !!python/object/new:os.system ["touch {marker}"]\n'):
        root, problems = parse(text)
        assert root is None
        assert "explicit tag" in problems[0].reason
    assert not marker.exists()


def test_python_tag_in_a_fact_file_never_runs(tmp_path) -> None:
    from graph.facts import read_facts
    from graph.model.schema import load_model
    marker = tmp_path / "pwned"
    facts = tmp_path / "f.yaml"
    facts.write_text(f'entities:\n  - !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(InvalidData) as e:
        read_facts([facts], load_model(Path(__file__).parent / "fixtures" / "schema"))
    assert "explicit tag" in e.value.problems[0].reason
    assert not marker.exists()


def test_alias_bomb_is_rejected_without_expanding(parse) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    t0 = time.monotonic()
    root, problems = parse("\n".join(lines) + "\n")
    assert root is None
    assert time.monotonic() - t0 < 5
    assert any("anchors (&a0)" in p.reason for p in problems)
    assert any("aliases (*a0)" in p.reason for p in problems)


def test_size_cap(parse) -> None:
    assert parse("a: " + "x" * 100 + "\n", max_bytes=50)[1][0].reason == "file is 104 bytes, over the 50-byte limit"
    assert parse("a: " + "x" * 100 + "\n")[1] == []


def test_depth_cap(parse) -> None:
    assert parse("a: " + "[" * 5 + "]" * 5 + "\n", max_depth=6)[1] == []
    (problem,) = parse("a: " + "[" * 6 + "]" * 6 + "\n", max_depth=6)[1]
    assert (problem.line, problem.col, problem.reason) == (1, 9, "nesting deeper than 6 levels")


def test_non_utf8_position(parse) -> None:
    (problem,) = parse(b"a: 1\nb: \xd0\x9a\xff\n")[1]
    assert (problem.line, problem.col) == (2, 5)
    assert problem.reason == "not UTF-8: byte 0xFF at offset 10"


@pytest.mark.parametrize("text, reason", [
    ('a: "x\\0"\n', "control character U+0000"),
    ('a: "x\\e"\n', "control character U+001B"),
    ('a: "x\\u0085"\n', "control character U+0085"),
    ('a: "\\uDFFF"\n', "lone surrogate U+DFFF"),
    ('a: "\\u202A"\n', "bidirectional override character U+202A"),
    ('a: "\\u2069"\n', "bidirectional override character U+2069"),
])
def test_escaped_bad_characters(parse, text: str, reason: str) -> None:
    (problem,) = parse(text)[1]
    assert (problem.line, problem.col, problem.field) == (1, 4, "a")
    assert reason in problem.reason


def test_tabs_and_newlines_in_values_are_fine(parse) -> None:
    root, problems = parse('a: "x\\ty"\nb: |\n  one\n  two\n')
    assert problems == []
    assert root.get("a").value == "x\ty"
    assert root.get("b").value == "one\ntwo\n"


def test_bom_and_crlf(parse) -> None:
    root, problems = parse("\ufeffa: 1\r\nb: 2\r\n".encode())
    assert problems == []
    assert root.get("b").mark == sy.Mark("f.yaml", 2, 4)


def test_every_problem_in_a_file_at_once(parse) -> None:
    _, problems = parse("a: 1\na: 2\nb: !x 3\nc: &k 4\n")
    assert [(p.line, p.reason.split(" ")[0]) for p in problems] == [(2, "duplicate"), (3, "explicit"), (4, "anchors")]


def test_empty_file_is_empty(parse) -> None:
    assert parse("") == (None, [])
    assert parse("# only a comment\n") == (None, [])


def test_load_and_loads_raise_invalid_data(tmp_path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\na: 2\n")
    with pytest.raises(InvalidData) as e:
        sy.load(path)
    assert str(e.value.problems[0]) == f"{path}:2:1 a — duplicate key 'a' (first at line 1)"
    with pytest.raises(InvalidData):
        sy.loads("[")
    with pytest.raises(InvalidData) as e:
        sy.load(tmp_path / "missing.yaml")
    assert "cannot read file" in e.value.problems[0].reason
