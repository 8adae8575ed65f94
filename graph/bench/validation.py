"""The validation section: `read_facts` (strict YAML + every rule) vs plain `yaml.load`
with `CSafeLoader` of the same files."""
from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import yaml

from graph.bench.common import Log, round_ratio, rounds
from graph.facts import read_facts


def bench_validation(paths: list[Path], warm: list[Path], model, runs: int, log: Log) -> tuple[dict, Any]:
    """The section's figures, and the facts read (the later sections load them)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    got: dict[str, Any] = {}

    def plain(files: list[Path]) -> int:
        n = 0
        for p in files:
            doc = yaml.load(p.read_bytes(), Loader=loader)
            n += len(doc.get("entities") or []) + len(doc.get("relations") or [])
        return n

    def strict() -> None:
        got["facts"], got["warnings"] = read_facts(paths, model)

    read_facts(warm, model)  # warm-up
    plain(warm)
    log(f"validation: {runs} × (read_facts, yaml.load) of {len(paths)} files")
    t = rounds(runs, {"read_facts": strict, "yaml": lambda: got.__setitem__("records", plain(paths))})
    facts, records = got["facts"], got["records"]
    assert records == len(facts.entities) + len(facts.relations)
    t_val, t_yaml = statistics.median(t["read_facts"]), statistics.median(t["yaml"])
    return {
        "files": len(paths), "bytes": sum(p.stat().st_size for p in paths), "records": records,
        "warnings": len(got["warnings"]),
        "seconds": t_val, "runs": t["read_facts"], "records_per_s": records / t_val,
        "baseline": {"what": "yaml.load(CSafeLoader), same files", "seconds": t_yaml, "runs": t["yaml"],
                     "records_per_s": records / t_yaml},
        "ratio": round_ratio(t["yaml"], t["read_facts"]),
    }, facts
