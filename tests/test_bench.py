"""`cisfilm bench` end to end at a tiny scale: every section is there and every ratio is a
number. Correctness only: no timing is asserted (figures on a shared machine are noise)."""
from __future__ import annotations

import json
import numbers
from pathlib import Path

import pytest

from graph.rdf import FORMATS
from graph.templates import load_templates

ROOT = Path(__file__).resolve().parent.parent


def is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and x == x  # not NaN


@pytest.mark.slow
def test_bench_cli_reports_every_section(run_cli, driver, server, settings, tmp_path):
    out = tmp_path / "results"
    env = {"NEO4J_URI": settings.uri, "NEO4J_USERNAME": settings.user, "NEO4J_PASSWORD": settings.password}
    result = run_cli("bench", "--scale", "300", "--runs", "1", "--out", str(out),
                     "--import-dir", str(server.home / "import"), env=env)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "bench-300.json").read_text(encoding="utf-8"))
    assert {"machine", "setup", "generation", "validation", "load", "bulk", "templates", "rdf",
            "targets"} <= set(report)
    assert "NEO4J_URI" in report["bulk"]["skipped"]  # the bulk importer needs the benchmark's own server
    assert report["setup"]["entities"] == 300 and report["machine"]["nproc"] >= 1

    v = report["validation"]
    assert v["records"] > 300 and v["warnings"] == 0
    assert is_number(v["ratio"]) and is_number(v["records_per_s"])

    ld = report["load"]
    assert ld["nodes"] == 300 and ld["relationships"] > ld["relations"] > 300
    for key in ("first", "reload"):
        assert is_number(ld[key]["nodes_per_s"]) and is_number(ld[key]["relationships_per_s"])
    assert is_number(ld["reload_vs_first"])
    for key in ("per_row", "pure_python", "load_csv"):
        assert is_number(ld["baselines"][key]["ratio"]), key
    # the pure-Python child really ran without neo4j-rust-ext (and this process with it)
    assert ld["baselines"]["pure_python"]["rust_ext"] is False
    assert report["machine"]["rust_ext"] is True

    tp = report["templates"]
    assert set(tp["templates"]) == set(load_templates(ROOT / "queries"))
    assert is_number(tp["overhead_ms"]) and is_number(tp["return_1"]["p50_ms"])
    for name, t in tp["templates"].items():
        assert all(is_number(t[k]) for k in ("p50_ms", "p95_ms", "p99_ms", "ratio_p50")), name
        assert t["p50_ms"] <= t["p95_ms"] <= t["p99_ms"], name

    formats = report["rdf"]["formats"]
    assert set(formats) == set(FORMATS)
    for fmt, x in formats.items():
        assert x["statements"] > 0 and is_number(x["statements_per_s"]) and is_number(x["ratio"]), fmt
        assert is_number(x["memory"]["peak_rss_mb"]) and is_number(x["memory"]["traced_peak_mb"]), fmt

    names = {t["name"] for t in report["targets"]}
    assert any("LOAD CSV" in n for n in names) and any("rdflib" in n for n in names)
    assert all(t["ok"] in (True, False) for t in report["targets"])  # every target was measured here

    md = (out / "bench-300.md").read_text(encoding="utf-8")
    assert "| target | value | goal |" in md and "LOAD CSV" in md
    assert "Targets" in result.output
    # the benchmark leaves the database empty
    assert driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"] == 0


@pytest.mark.slow
def test_bench_bulk_section_on_its_own_server(run_cli, tmp_path):
    out = tmp_path / "results"
    result = run_cli("bench", "--scale", "300", "--runs", "1", "--only", "bulk,templates", "--out", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads((out / "bench-300.json").read_text(encoding="utf-8"))
    assert report["setup"]["uri"] == "managed" and report["setup"]["sections"] == ["bulk", "templates"]
    bk = report["bulk"]
    assert bk["nodes"] == 300 and bk["relationships"] > bk["relations"] > 300
    # every contender ran (each one's counts were checked against the others' in the run)
    for key in ("transactional", "batched"):
        assert bk[key]["error"] is None and is_number(bk[key]["rebuild_speedup"]), key
    rb = bk["rebuild"]
    assert is_number(rb["seconds"]) and is_number(rb["peak_rss_mb"]) and rb["peak_rss_mb"] > 10
    assert {"validate", "csv", "import", "indexes", "stop", "start"} <= set(rb["phases"])
    assert 0 < rb["downtime"] < rb["seconds"]
    assert is_number(bk["floor"]["seconds"]) and is_number(bk["import_vs_floor"])
    names = {t["name"] for t in report["targets"]}
    assert any("load --rebuild vs load, both end to end" in n for n in names)
    assert any("importer alone" in n for n in names)
    # the graph the last rebuild left was there for the templates section to ask
    assert report["templates"]["templates"]["organisations"]["rows"] > 0
    assert "load --rebuild phases" in (out / "bench-300.md").read_text(encoding="utf-8")


def test_bench_refuses_a_database_that_is_not_empty(run_cli, driver, settings, tmp_path):
    driver.execute_query("CREATE (:Keep {id: 'mine'})")
    env = {"NEO4J_URI": settings.uri, "NEO4J_USERNAME": settings.user, "NEO4J_PASSWORD": settings.password}
    result = run_cli("bench", "--scale", "100", "--runs", "1", "--out", str(tmp_path), env=env)
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert driver.execute_query("MATCH (n:Keep) RETURN count(n) AS c").records[0]["c"] == 1


def test_bench_rejects_a_bad_scale(run_cli, tmp_path):
    result = run_cli("bench", "--scale", "lots", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "bad --scale 'lots'" in result.output


@pytest.mark.slow
def test_bench_only_runs_the_sections_asked_for(run_cli, driver, server, settings, tmp_path):
    env = {"NEO4J_URI": settings.uri, "NEO4J_USERNAME": settings.user, "NEO4J_PASSWORD": settings.password}
    page = tmp_path / "performance.md"
    whole = "<!-- bench:120:start -->\nwhole run\n<!-- bench:120:end -->\n"
    page.write_text(f"# Performance\n\n{whole}\n<!-- bench:120:templates:start -->\nold\n"
                    "<!-- bench:120:templates:end -->\n\nAfter.\n")
    result = run_cli("bench", "--scale", "120", "--runs", "1", "--only", "templates", "--out", str(tmp_path),
                     "--docs", str(page), env=env)
    assert result.exit_code == 0, result.output
    # the section of the same scale and sections is replaced in place; a whole run's figures are kept
    written = page.read_text(encoding="utf-8")
    md = (tmp_path / "bench-120.md").read_text(encoding="utf-8").rstrip()
    assert written == (f"# Performance\n\n{whole}\n<!-- bench:120:templates:start -->\n{md}\n"
                       "<!-- bench:120:templates:end -->\n\nAfter.\n")
    report = json.loads((tmp_path / "bench-120.json").read_text(encoding="utf-8"))
    assert "templates" in report and not {"validation", "load", "rdf"} & set(report)
    assert report["setup"]["sections"] == ["templates"]
    assert "loading 120 entities (untimed" in result.output
    # the templates ran on the loaded synthetic graph: look-ups found their entity
    assert report["templates"]["templates"]["entity"]["rows"] > 0
    assert driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"] == 0


def test_bench_rejects_an_unknown_section(run_cli, tmp_path):
    result = run_cli("bench", "--only", "load,speed", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "bad --only 'load,speed'" in result.output and "validation, load, bulk, templates, rdf, serve" in result.output
