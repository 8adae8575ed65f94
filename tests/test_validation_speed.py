"""Validation at speed (issue 15): files read in worker processes and a content cache,
neither of which may change what validation says.

Each test compares against the plain way (one process, no cache): same problems in
the same order, same facts with the same positions.
"""
from __future__ import annotations

import marshal
import os
import shutil
from pathlib import Path

import pytest
from helpers import read_counter

from graph.errors import InvalidData
from graph.facts import collect, read_facts
from graph.facts import parallel as par
from graph.facts.cache import MAGIC, FactCache, _digest
from graph.model.schema import load_model
from graph.strictyaml import Mark

HERE = Path(__file__).parent
ROOT = HERE.parent
FIXTURE_SCHEMA = HERE / "fixtures" / "schema"
BAD = sorted((HERE / "bad").glob("*.yaml"))
SOURCE = "entities:\n  - {id: src-001, kind: Source, name: {ru: Статья}, file: 001.txt}\n"
PLACE = "entities:\n  - {id: place-x, kind: Place, name: {en: X}, type: city, sources: [src-001]}\n"


@pytest.fixture(scope="module")
def fixture_model():
    return load_model(FIXTURE_SCHEMA)


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT / "schema")


def shown(facts, problems) -> tuple:
    """Everything a read gives, in its order, as plain data (positions included)."""
    def fact(f) -> tuple:
        return (f.pos, {k: f.field_pos[k] for k in f.field_pos}, f.path)
    return ([(str(p), p.severity) for p in problems],
            [(e, fact(e)) for e in facts.entities.values()],
            [(r, fact(r)) for r in facts.relations],
            facts.files)


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("paths", [BAD, [HERE / "fixtures" / "facts"]], ids=["bad", "good"])
def test_workers_and_cache_say_the_same(tmp_path: Path, fixture_model, paths, strict: bool) -> None:
    plain = shown(*collect(paths, fixture_model, strict=strict, workers=1))
    assert shown(*collect(paths, fixture_model, strict=strict, workers=2)) == plain
    cache = tmp_path / "cache"
    assert shown(*collect(paths, fixture_model, strict=strict, workers=2, cache_dir=cache)) == plain  # cold
    assert any(cache.iterdir())
    assert shown(*collect(paths, fixture_model, strict=strict, workers=2, cache_dir=cache)) == plain  # warm
    assert shown(*collect(paths, fixture_model, strict=not strict, cache_dir=cache)) == shown(
        *collect(paths, fixture_model, strict=not strict, workers=1))  # the set-wide rules follow --strict


def test_seeds_the_same_every_way(tmp_path: Path, model) -> None:
    seeds = [ROOT / "seeds"]
    plain = shown(*read_facts(seeds, model, workers=1))
    for _ in range(2):
        assert shown(*read_facts(seeds, model, workers=2, cache_dir=tmp_path)) == plain


def test_every_bad_file_alone_through_a_worker_and_the_cache(tmp_path: Path, fixture_model) -> None:
    """A file alone is read in this process; with a second (empty) file beside it, in workers."""
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    for path in BAD:
        plain = shown(*collect([path, empty], fixture_model, workers=1))
        assert shown(*collect([path, empty], fixture_model, workers=2, cache_dir=tmp_path / "c")) == plain
        assert shown(*collect([path, empty], fixture_model, workers=1, cache_dir=tmp_path / "c")) == plain


def test_warm_cache_reads_nothing_again(tmp_path: Path, model, monkeypatch) -> None:
    (tmp_path / "1.yaml").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "2.yaml").write_text(PLACE, encoding="utf-8")
    cache = tmp_path / ".cache"
    cold = shown(*read_facts([tmp_path], model, cache_dir=cache))
    seen = read_counter(monkeypatch)
    warm = shown(*read_facts([tmp_path], model, cache_dir=cache))
    assert (warm, seen) == (cold, [])


def test_an_edited_file_is_read_again(tmp_path: Path, model, monkeypatch) -> None:
    one, two = tmp_path / "1.yaml", tmp_path / "2.yaml"
    one.write_text(SOURCE, encoding="utf-8")
    two.write_text(PLACE, encoding="utf-8")
    cache = tmp_path / ".cache"
    read_facts([tmp_path], model, cache_dir=cache)
    seen = read_counter(monkeypatch)
    two.write_text(PLACE.replace("{en: X}", "{en: Z}").replace("src-001", "src-002"), encoding="utf-8")
    with pytest.raises(InvalidData) as e:
        read_facts([tmp_path], model, cache_dir=cache)
    assert seen == [str(two)]
    assert [str(p) for p in e.value.problems] == [
        f"{two}:2:69 entities[0].sources[0] — unknown source 'src-002' (did you mean 'src-001'?)"]
    two.write_text(PLACE, encoding="utf-8")  # back as it was: its entry, and the set's, are still there
    facts, _ = read_facts([tmp_path], model, cache_dir=cache)
    assert seen == [str(two)] and facts.entities["place-x"].fields["name"] == {"en": "X"}


def test_a_moved_file_keeps_its_entry_under_its_new_name(tmp_path: Path, model, monkeypatch) -> None:
    a = tmp_path / "a" / "1.yaml"
    a.parent.mkdir()
    a.write_text(SOURCE + PLACE.removeprefix("entities:\n"), encoding="utf-8")
    cache = tmp_path / ".cache"
    read_facts([a], model, cache_dir=cache)
    b = tmp_path / "b.yaml"
    shutil.move(a, b)
    seen = read_counter(monkeypatch)
    facts, _ = read_facts([b], model, cache_dir=cache)
    assert seen == []
    place = facts.entities["place-x"]
    assert place.pos == Mark(str(b), 3, 5) and place.field_pos["sources[0]"] == Mark(str(b), 3, 69)


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if not p.name.startswith("set-"))


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage", "foreign", "wrong-shape", "bad-marshal"])
def test_a_damaged_or_foreign_entry_is_ignored(tmp_path: Path, fixture_model, monkeypatch, damage: str) -> None:
    paths = [HERE / "bad" / "relation-kinds.yaml", HERE / "fixtures" / "facts" / "good.yaml"]
    cache = tmp_path / "cache"
    plain = shown(*collect(paths, fixture_model, workers=1))
    collect(paths, fixture_model, cache_dir=cache)
    first, second = entries(cache)
    raw = first.read_bytes()
    head = MAGIC + first.stem.encode() + b"\n"
    if damage == "flip":
        raw = raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:]
    elif damage == "truncate":
        raw = raw[:len(raw) // 2]
    elif damage == "empty":
        raw = b""
    elif damage == "garbage":
        raw = b"\x00\xff" * 100
    elif damage == "foreign":  # another file's entry, under this name
        raw = second.read_bytes()
    elif damage == "wrong-shape":  # well made, but not a record
        body = marshal.dumps(([], [], [("id", "Kind")], []))
        raw = head + _digest(body) + body
    else:
        body = b"\xff not marshal"
        raw = head + _digest(body) + body
    first.write_bytes(raw)
    for p in cache.glob("set-*"):  # make the set-wide rules run again too
        p.write_bytes(b"")
    seen = read_counter(monkeypatch)
    assert shown(*collect(paths, fixture_model, workers=1, cache_dir=cache)) == plain
    assert len(seen) == 1  # that file was read again, the other came from the cache
    assert first.read_bytes() != raw  # and its entry written anew
    assert shown(*collect(paths, fixture_model, workers=1, cache_dir=cache)) == plain


def test_a_schema_change_misses(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(FIXTURE_SCHEMA, schema)
    before = FactCache(tmp_path, load_model(schema)).context
    assert FactCache(tmp_path, load_model(schema)).context == before  # the same schema, the same key
    org = schema / "Organization.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace("non_profit", "guild"), encoding="utf-8")
    assert FactCache(tmp_path, load_model(schema)).context != before


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path, fixture_model) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    paths = [HERE / "fixtures" / "facts"]
    assert shown(*collect(paths, fixture_model, cache_dir=blocked / "cache")) == shown(
        *collect(paths, fixture_model, workers=1))


def test_small_inputs_stay_in_process(tmp_path: Path, model, monkeypatch) -> None:
    """Below PARALLEL_MIN_BYTES no pool is started; a given number of workers is used as given."""
    (tmp_path / "1.yaml").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "2.yaml").write_text(PLACE, encoding="utf-8")
    files = sorted(tmp_path.glob("*.yaml"))
    assert par._pool_size(None, files) == 1
    assert par._pool_size(4, files) == 2
    assert par._pool_size(4, files[:1]) == 1
    seen = read_counter(monkeypatch)
    read_facts([tmp_path], model)
    assert seen == [str(f) for f in files]


def test_a_worker_that_dies_costs_nothing_but_time(tmp_path: Path, fixture_model, monkeypatch, caplog) -> None:
    """A worker killed mid-read (out of memory, say): the files it did not finish are read here."""
    paths = [HERE / "bad" / "relation-kinds.yaml", HERE / "fixtures" / "facts" / "good.yaml"]
    plain = shown(*collect(paths, fixture_model, workers=1))
    real = par._work

    def dying(job):
        if job[0].endswith("good.yaml"):
            os._exit(1)
        return real(job)

    dying.__module__, dying.__qualname__ = par.__name__, "_work"  # sent by name; the forked workers have it
    monkeypatch.setattr(par, "_work", dying)
    assert shown(*collect(paths, fixture_model, workers=2, cache_dir=tmp_path)) == plain
    assert "reading the rest in this process" in caplog.text
