"""The synthetic generator: valid, warning-free, deterministic, files under the 1 MiB cap."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from graph.bench import synthetic
from graph.facts import collect
from graph.model.schema import load_model
from graph.strictyaml import MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent


def test_files_are_valid_without_warnings_and_small(tmp_path):
    paths = synthetic.write(tmp_path, 3000, per_file=1000)
    facts, problems = collect(paths, load_model(ROOT / "schema"), strict=True)
    assert problems == []
    assert len(facts.entities) == 3000
    assert 1.5 * 3000 < len(facts.relations) < 3 * 3000
    assert all(p.stat().st_size < MAX_BYTES for p in paths)
    kinds = Counter(e.kind for e in facts.entities.values())
    assert set(kinds) == set(load_model(ROOT / "schema").kinds)  # every kind of the schema
    assert all(e.sources for e in facts.entities.values() if e.kind != "Source")  # every fact sourced
    assert all(r.sources for r in facts.relations)
    langs = Counter(lang for e in facts.entities.values() for lang in e.fields["name"])
    assert {"ru", "en"} <= set(langs) and len(langs) >= 5
    parties = Counter(r.to_id for r in facts.relations if r.type == "PARTY_TO")
    assert min(parties.values()) >= 2 and max(parties.values()) <= 6


def test_deterministic_and_generate_matches_write(tmp_path):
    a = synthetic.write(tmp_path / "a", 500)
    b = synthetic.write(tmp_path / "b", 500)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    doc = synthetic.generate(500)
    facts, problems = collect(a, load_model(ROOT / "schema"))
    assert not problems
    assert [e["id"] for e in doc["entities"]] == list(facts.entities)
    assert len(doc["relations"]) == len(facts.relations)


def test_large_files_roll_over_before_the_cap(tmp_path):
    paths = synthetic.write(tmp_path, 20000, per_file=10**9)  # only the byte cap splits
    assert len(paths) > 1
    assert all(p.stat().st_size <= synthetic.MAX_FILE_BYTES for p in paths)
