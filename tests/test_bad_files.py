"""Every file in tests/bad/ breaks one rule; its `# expect:` lines say how it is reported.

Header lines (before the YAML):
  # expect: LINE:COL FIELD.PATH — REASON SUBSTRING   (one per expected problem)
  # limits: MAX_BYTES=300                             (lower a strictyaml limit)
  # strict                                            (validate with strict=True)
A file's problems must match its expect lines one to one: nothing more, nothing less.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph import strictyaml
from graph.facts import collect
from graph.model.schema import load_model

HERE = Path(__file__).parent
BAD = sorted((HERE / "bad").glob("*.yaml"))
SCHEMA = HERE / "fixtures" / "schema"
EXPECT = re.compile(r"# expect: (\d+):(\d+) (.+?) — (.+)")
LOADERS = [strictyaml.PURE_LOADER] + ([strictyaml.C_LOADER] if strictyaml.C_LOADER else [])


def header(path: Path) -> tuple[list[tuple[str, str]], dict[str, int], bool]:
    expects, limits, strict = [], {}, False
    for raw in path.read_bytes().splitlines():
        line = raw.decode("utf-8", errors="replace")
        if not line.startswith("#"):
            break
        if m := EXPECT.fullmatch(line):
            expects.append((f"{m[1]}:{m[2]} {m[3]} — ", m[4]))
        elif m := re.fullmatch(r"# limits: (\w+)=(\d+)", line):
            limits[m[1]] = int(m[2])
        elif line == "# strict":
            strict = True
    return expects, limits, strict


def shown(p) -> str:
    tag = "warning: " if p.severity == "warning" else ""
    return f"{p.line}:{p.col} {p.field or '-'} — {tag}{p.reason}"


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_file(path: Path, loader, monkeypatch) -> None:
    expects, limits, strict = header(path)
    assert expects, f"{path.name} has no '# expect:' line"
    model = load_model(SCHEMA)  # before any limit is lowered
    monkeypatch.setattr(strictyaml, "LOADER", loader)
    for name, value in limits.items():
        monkeypatch.setattr(strictyaml, name, value)
    _, problems = collect([path], model, strict=strict)
    got = [shown(p) for p in problems]
    unmatched = list(got)
    for where, reason in expects:
        hits = [g for g in unmatched if g.startswith(where) and reason in g]
        assert hits, f"{path.name}: expected {where}…{reason}…; got:\n" + "\n".join(got)
        unmatched.remove(hits[0])
    assert not unmatched, f"{path.name}: unexpected problems:\n" + "\n".join(unmatched)


def test_every_rule_has_a_bad_file() -> None:
    names = {p.stem for p in BAD}
    for rule in ("duplicate-key", "anchor-alias", "tag", "python-tag", "multiple-documents", "merge-key",
                 "tab-indent", "non-utf8", "too-large", "too-deep", "control-char", "lone-surrogate",
                 "bidi", "int-too-big", "unquoted-bool", "sexagesimal", "impossible-date",
                 "missing-required", "unknown-field", "wrong-type", "blank-value", "end-before-start",
                 "unknown-reference", "source-not-source", "duplicate-id", "unknown-kind",
                 "unknown-relation-type", "relation-kinds", "duplicate-relation", "enum-value",
                 "language-code", "likely-duplicate",
                 # reliability and security (issue 9; SECURITY.md): escapes, boundaries, hostile keys
                 "nul-escape", "nul-hex-escape", "lone-surrogate-lowercase", "surrogate-pair-escape",
                 "bidi-in-comment", "bidi-isolate-raw", "line-separator", "line-separator-escape",
                 "noncharacter", "noncharacter-escape", "int-below-min", "int-two-to-the-63", "float-overflow",
                 "alias-bomb", "duplicate-key-quoted", "duplicate-key-nested", "duplicate-top-key",
                 "unquoted-yes", "unquoted-on", "sexagesimal-hms", "sexagesimal-float", "newline-in-name",
                 "block-scalar-name", "hostile-id", "hostile-kind", "hostile-relation-type",
                 "hostile-field-name", "hostile-language", "tag-directive", "likely-duplicate-invisible"):
        assert rule in names
