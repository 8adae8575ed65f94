"""The validation section: `read_facts` (strict YAML + every rule) vs plain `yaml.load`
with `CSafeLoader` of the same files; in one process and on every core; with the
content cache cold and warm (a reload with nothing changed)."""
from __future__ import annotations

import gc
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

import yaml

from graph.bench.common import Log, round_ratio, rounds
from graph.facts import read_facts
from graph.facts.parallel import cores
from graph.facts.reader import gc_paused


def bench_validation(paths: list[Path], warm: list[Path], model, runs: int, log: Log) -> tuple[dict, Any]:
    """The section's figures, and the facts read (the later sections load them)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    got: dict[str, Any] = {}
    cache = Path(tempfile.mkdtemp(prefix="cisfilm-bench-cache-"))

    def plain(files: list[Path]) -> int:
        n = 0
        for p in files:
            doc = yaml.load(p.read_bytes(), Loader=loader)
            n += len(doc.get("entities") or []) + len(doc.get("relations") or [])
        return n

    def plain_no_gc() -> None:
        with gc_paused():
            got["records"] = plain(paths)

    def strict(**kw) -> None:
        got["facts"], got["warnings"] = read_facts(paths, model, **kw)

    def fresh() -> None:
        # each measure starts on the same heap: nothing of the previous one alive
        got.pop("facts", None)
        gc.collect()

    def empty_cache() -> None:
        fresh()
        shutil.rmtree(cache, ignore_errors=True)

    try:
        read_facts(warm, model)  # warm-up
        read_facts(warm, model, workers=1)
        plain(warm)
        log(f"validation: {runs} × (read_facts on {cores()} cores, in 1 process, with the cache cold and warm; "
            f"yaml.load with and without GC) of {len(paths)} files")
        t = rounds(runs, {
            "read_facts": strict,
            "single": lambda: strict(workers=1),
            "yaml": lambda: got.__setitem__("records", plain(paths)),
            "yaml_no_gc": plain_no_gc,
            "cache_cold": lambda: strict(cache_dir=cache),
            "cache_warm": lambda: strict(cache_dir=cache),  # nothing changed since the cold one
        }, before={"read_facts": fresh, "single": fresh, "yaml": fresh, "yaml_no_gc": fresh,
                   "cache_cold": empty_cache, "cache_warm": fresh})
        entries_mb = sum(p.stat().st_size for p in cache.iterdir()) / 1e6
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    facts, records = got["facts"], got["records"]
    assert records == len(facts.entities) + len(facts.relations)
    med = {name: statistics.median(times) for name, times in t.items()}
    t_val, t_yaml = med["read_facts"], med["yaml"]
    report = {
        "files": len(paths), "bytes": sum(p.stat().st_size for p in paths), "records": records,
        "warnings": len(got["warnings"]), "cores": cores(),
        "seconds": t_val, "runs": t["read_facts"], "records_per_s": records / t_val,
        "baseline": {"what": "yaml.load(CSafeLoader), same files, one process", "seconds": t_yaml,
                     "runs": t["yaml"], "records_per_s": records / t_yaml},
        "ratio": round_ratio(t["yaml"], t["read_facts"]),
        "baseline_no_gc": {"what": "the same with Python's garbage collector paused (as read_facts does)",
                           "seconds": med["yaml_no_gc"], "runs": t["yaml_no_gc"],
                           "records_per_s": records / med["yaml_no_gc"],
                           "ratio": round_ratio(t["yaml_no_gc"], t["read_facts"])},
        "single": {"what": "read_facts in one process", "seconds": med["single"], "runs": t["single"],
                   "records_per_s": records / med["single"], "ratio": round_ratio(t["yaml"], t["single"]),
                   "parallel_speedup": round_ratio(t["single"], t["read_facts"])},
        "cache": {"cold_seconds": med["cache_cold"], "cold_runs": t["cache_cold"],
                  "warm_seconds": med["cache_warm"], "warm_runs": t["cache_warm"],
                  "entries_mb": entries_mb,
                  # a reload with nothing changed, as a share of a cold validation (no cache)
                  "warm_vs_cold": round_ratio(t["cache_warm"], t["read_facts"]),
                  "cold_vs_no_cache": round_ratio(t["cache_cold"], t["read_facts"])},
    }
    log(f"validation: {records} records in {t_val:.2f} s on {cores()} cores ({report['ratio']:.2f}× yaml.load "
        f"{t_yaml:.2f} s; {report['baseline_no_gc']['ratio']:.2f}× it without GC {med['yaml_no_gc']:.2f} s); "
        f"1 process {med['single']:.2f} s ({report['single']['parallel_speedup']:.2f}× slower); cache cold "
        f"{med['cache_cold']:.2f} s, warm {med['cache_warm']:.2f} s "
        f"({100 * report['cache']['warm_vs_cold']:.1f} % of cold)")
    return report, facts
