"""The bulk section: the same synthetic set loaded four ways on the benchmark's own
server, same memory settings, in interleaved rounds:

- `load --rebuild` end to end (validate the files, write the importer's CSV, import,
  index, switch), in a child process so that its peak memory is its own;
- `load` (one transaction) and `load --batch-size`, end to end as well: validating the
  same files (no cache, as the rebuild) and loading them;
- Neo4j's bulk importer alone on the CSV a rebuild writes, no validation: the floor.
"""
from __future__ import annotations

import resource
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from graph.bench.child import run_child, settings_dict
from graph.bench.common import Log, count, wipe
from graph.bench.load import _sizes
from graph.errors import LoadError
from graph.store import bulkcsv
from graph.store.connection import Settings, open_driver
from graph.store.load import load_paths
from graph.store.server import ManagedServer

BATCH_SIZE = 10_000  # the batched contender's --batch-size


def rebuild_job(job: dict) -> dict:
    """In the child: `rebuild_paths` on the benchmark's server; its phases and the peak RSS
    of this process (validation, CSV and the importer's driver side: all of a rebuild's Python)."""
    from graph.bench.common import BenchServer
    from graph.store.rebuild import rebuild_paths

    server = BenchServer(Path(job["home"]), Path(job["cache"]), heap=job["heap"], pagecache=job["pagecache"])
    t0 = time.perf_counter()
    result = rebuild_paths(server, job["paths"], job["schema"], log=lambda m: None)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "phases": result.phases, "downtime": result.downtime,
            "nodes": result.nodes, "relationships": result.relationships,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _importer_alone(server: ManagedServer, inp: bulkcsv.ImportInput, work: Path) -> float:
    """Seconds of `neo4j-admin database import full` on `inp` into a fresh store (its home
    made first, untimed)."""
    home = work / "floor-home"
    shutil.rmtree(home, ignore_errors=True)
    floor = ManagedServer(home, server.cache, heap=server.heap, pagecache=server.pagecache)
    floor.initialize(log=lambda m: None)
    t0 = time.perf_counter()
    proc = floor.import_full(home / "data", inp.args(), cwd=inp.directory)
    seconds = time.perf_counter() - t0
    shutil.rmtree(home, ignore_errors=True)
    if proc.returncode != 0:
        raise LoadError(f"the importer alone failed (exit {proc.returncode}): {(proc.stderr or '')[-400:]}")
    return seconds


def bench_bulk(server: ManagedServer | None, settings: Settings, model, facts, paths: list[Path], runs: int, *,
               schema_dir: Path, work: Path, log: Log) -> dict:
    """The four ways, `runs` rounds; leaves the graph loaded (by the last rebuild)."""
    if server is None:
        return {"skipped": "needs the benchmark's own server (no NEO4J_URI): the bulk importer writes the "
                           "store's files"}
    sizes = _sizes(model, facts)
    log("bulk: writing the importer's CSV for the importer-alone floor")
    inp = bulkcsv.write(model, facts, work / "floor-csv")
    times: dict[str, list[float]] = {"transactional": [], "batched": [], "floor": []}
    rebuilds: list[dict] = []
    errors: dict[str, str] = {}
    job = {"job": "rebuild", "settings": settings_dict(settings), "schema": str(schema_dir),
           "paths": [str(p) for p in paths], "home": str(server.home), "cache": str(server.cache),
           "heap": server.heap, "pagecache": server.pagecache}
    expected: tuple[int, int] | None = None
    for i in range(runs):
        log(f"bulk: round {i + 1}/{runs}: importer alone, transactional load, batched load, rebuild")
        times["floor"].append(_importer_alone(server, inp, work))
        driver = open_driver(settings)  # a new one each round: the rebuild restarts the server
        try:
            for name, batch in (("transactional", None), ("batched", BATCH_SIZE)):
                if name in errors:
                    continue
                wipe(driver, settings.database)
                t0 = time.perf_counter()
                try:  # end to end, as the rebuild: the files validated (cold), then loaded
                    load_paths(driver, paths, schema_dir, database=settings.database, batch_size=batch)
                except LoadError as e:  # e.g. one transaction outgrowing the heap: say so, go on
                    errors[name] = str(e)
                    continue
                times[name].append(time.perf_counter() - t0)
                got = count(driver, settings.database)
                if expected is not None and got != expected:
                    raise LoadError(f"bulk: the {name} load made {got} nodes/relationships, expected {expected}")
                expected = got
        finally:
            driver.close()
        r = run_child(job)
        rebuilds.append(r)
        if expected is not None and (r["nodes"], r["relationships"]) != expected:
            raise LoadError(f"bulk: the rebuild made {r['nodes']} nodes and {r['relationships']} relationships, "
                            f"the loader {expected}")
    shutil.rmtree(work / "floor-csv", ignore_errors=True)

    def med(xs: list[float]) -> float | None:
        return statistics.median(xs) if xs else None

    def ratio(slow: float | None, fast: float | None) -> float | None:
        return slow / fast if slow and fast else None

    total = sizes["nodes"] + sizes["relationships"]
    rebuild_s = statistics.median(r["seconds"] for r in rebuilds)
    phases = {k: statistics.median(r["phases"].get(k, 0.0) for r in rebuilds) for k in rebuilds[0]["phases"]}
    out: dict[str, Any] = {
        **sizes, "batch_size": BATCH_SIZE,
        "rebuild": {"seconds": rebuild_s, "runs": [r["seconds"] for r in rebuilds], "phases": phases,
                    "downtime": statistics.median(r["downtime"] for r in rebuilds),
                    "peak_rss_mb": max(r["peak_rss_mb"] for r in rebuilds), "elements_per_s": total / rebuild_s},
        "floor": {"seconds": med(times["floor"]), "runs": times["floor"],
                  "elements_per_s": total / statistics.median(times["floor"])},
        "import_vs_floor": ratio(med(times["floor"]), phases.get("import")),
        "errors": errors,
    }
    for name in ("transactional", "batched"):
        t = med(times[name])
        out[name] = {"seconds": t, "runs": times[name], "elements_per_s": total / t if t else None,
                     "rebuild_speedup": ratio(t, rebuild_s), "error": errors.get(name)}
    return out
