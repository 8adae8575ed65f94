"""The whole benchmark run: synthetic data, the benchmark's own Neo4j (unless given a
URI), the sections asked for, and the report files."""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from graph import resources
from graph.bench import synthetic
from graph.bench.bulk import bench_bulk
from graph.bench.common import BenchServer, Log, count, free_port, machine, wipe
from graph.bench.load import bench_load
from graph.bench.rdf import bench_rdf
from graph.bench.report import markdown, targets
from graph.bench.serve import bench_serve
from graph.bench.templates import bench_templates
from graph.bench.validation import bench_validation
from graph.errors import CisfilmError
from graph.facts import read_facts
from graph.model.schema import load_model
from graph.store.connection import Settings, open_driver
from graph.store.constraints import ensure_schema
from graph.store.load import BATCH, load_facts
from graph.store.server import NEO4J_VERSION

SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
SECTIONS = ("validation", "load", "bulk", "templates", "rdf", "serve")
DEFAULT_SECTIONS = ("validation", "load", "bulk", "templates", "rdf")  # `--only` by default
HEAP, PAGECACHE = "1g", "512m"
WARMUP_ENTITIES = 2000  # at most; a fifth of the scale below 10k


def parse_scale(text: str) -> int:
    """`10k`, `100k`, `1m` or a number of entities."""
    t = text.strip().lower()
    if t in SCALES:
        return SCALES[t]
    m = re.fullmatch(r"(\d+)([km]?)", t)
    if not m or int(m.group(1)) < 50:
        raise CisfilmError(f"bad --scale {text!r}: use 10k, 100k, 1m or a number of entities ≥ 50")
    return int(m.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[m.group(2)]


def parse_sections(text: str) -> tuple[str, ...]:
    """`validation,load` → the sections to run, in the benchmark's order."""
    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    bad = [t for t in names if t not in SECTIONS]
    if bad or not names:
        raise CisfilmError(f"bad --only {text!r}: give one or more of {', '.join(SECTIONS)}, comma-separated")
    return tuple(x for x in SECTIONS if x in names)


def scale_label(n: int) -> str:
    return next((k for k, v in SCALES.items() if v == n), str(n))


def run(*, scale: int, out: Path, runs: int = 3, settings: Settings | None = None, cache: Path | None = None,
        import_dir: Path | None = None, heap: str = HEAP, pagecache: str = PAGECACHE,
        schema_dir: Path | None = None, queries_dir: Path | None = None,
        sections: Iterable[str] = SECTIONS, log: Log = print) -> dict:
    """Run the benchmark; writes `bench-<scale>.json` and `.md` to `out` and returns the report.

    Without `settings` it starts its own Neo4j from `cache` in a temporary home, with
    `heap` and `pagecache` and no transaction timeout, and removes it afterwards.
    `schema_dir` and `queries_dir` default to the project's own folders."""
    if runs < 1:
        raise CisfilmError("--runs must be at least 1")
    schema_dir = schema_dir or resources.schema_dir()
    queries_dir = queries_dir or resources.queries_dir()
    sections = tuple(sections)
    report: dict[str, Any] = {"machine": machine()}
    model = load_model(schema_dir)
    work = Path(tempfile.mkdtemp(prefix="cisfilm-bench-"))
    server: BenchServer | None = None
    driver = None
    try:
        log(f"generating {scale} entities")
        t0 = time.perf_counter()
        paths = synthetic.write(work / "facts", scale)
        gen_s = time.perf_counter() - t0
        warm_paths = synthetic.write(work / "warm", max(100, min(WARMUP_ENTITIES, scale // 5)), seed=11)
        report["generation"] = {"entities": scale, "files": len(paths), "seconds": gen_s,
                                "entities_per_s": scale / gen_s}
        if "validation" in sections:
            report["validation"], facts = bench_validation(paths, warm_paths, model, runs, log)
        else:
            log(f"reading {len(paths)} fact files")
            facts, _ = read_facts(paths, model)
        warm_facts, _ = read_facts(warm_paths, model)
        if settings is None:
            if cache is None:
                raise CisfilmError("no Neo4j: give a URI, or a jar cache for the benchmark's own server")
            server = BenchServer(work / "neo4j", cache, heap=heap, pagecache=pagecache)
            log(f"starting the benchmark's Neo4j (heap {heap}, page cache {pagecache})")
            status, _ = server.start(bolt_port=free_port(), http_port=free_port(), log=log)
            if not status.uri:  # it answered on Bolt, then stopped before its status was read
                raise CisfilmError("the benchmark's Neo4j stopped right after it started")
            settings = Settings(uri=status.uri, user=status.user, password=server.password())
            import_dir = server.home / "import"
            memory = f"heap {heap}, page cache {pagecache}, no transaction timeout"
        else:
            memory = "server given by URI; its own settings"
        database = settings.database
        driver = open_driver(settings)
        if count(driver, database)[0]:
            raise CisfilmError(f"the database at {settings.uri} is not empty; the benchmark wipes it between "
                               "runs, so point it at an empty database (or let it start its own server)")
        report["setup"] = {"scale": scale_label(scale), "entities": scale, "runs": runs, "neo4j": NEO4J_VERSION,
                           "memory": memory, "batch": BATCH, "sections": list(sections),
                           "uri": settings.uri if server is None else "managed"}
        if "load" in sections:
            report["load"] = bench_load(driver, model, facts, warm_facts, runs, database=database, settings=settings,
                                        paths=paths, warm_paths=warm_paths, import_dir=import_dir,
                                        schema_dir=schema_dir, log=log)
        loaded = "load" in sections and not report["load"].get("error")
        if "bulk" in sections:
            report["bulk"] = bench_bulk(server, settings, model, facts, paths, runs, schema_dir=schema_dir,
                                        work=work, log=log)
            driver.close()  # its rebuilds restarted the server: a new pool
            driver = open_driver(settings)
            loaded = loaded or "skipped" not in report["bulk"]  # the last rebuild left the graph loaded
        if not loaded and "load" not in sections and any(s in sections for s in ("templates", "rdf", "serve")):
            log(f"loading {scale} entities (untimed: the load section was not asked for)")
            ensure_schema(driver, model, database=database)
            load_facts(driver, model, facts, database=database)
            loaded = True
        del facts, warm_facts
        if not loaded:
            sections = tuple(x for x in sections if x not in ("templates", "rdf", "serve"))  # no graph to ask
        if "templates" in sections:
            report["templates"] = bench_templates(driver, queries_dir, runs, database, log)
        if "rdf" in sections:
            report["rdf"] = bench_rdf(driver, model, runs, settings, database, log, schema_dir)
        if "serve" in sections:
            report["serve"] = bench_serve(driver, model, runs, database, log, schema_dir)
        wipe(driver, database)
    finally:
        if driver is not None:
            driver.close()
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    report["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    report["targets"] = [t.as_dict() for t in targets(report)]
    out.mkdir(parents=True, exist_ok=True)
    stem = f"bench-{scale_label(scale)}"
    (out / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / f"{stem}.md").write_text(markdown(report), encoding="utf-8")
    return report
