"""The templates section: p50/p95/p99 of every stored template run through `run_template`,
each call alternating with a bare `RETURN 1` round trip; and the overhead of
`run_template` itself (a stored `RETURN 1` vs the bare one)."""
from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neo4j

from graph.bench.common import Log
from graph.templates import Template, load_template, load_templates, run_template

TEMPLATE_BUDGET = 2.0  # seconds per template and per --runs, after at least TEMPLATE_MIN calls
TEMPLATE_MIN = 10
TEMPLATE_MAX = 300

# How each stored template is run: its class (targets apply to look-ups and 2-hop ones)
# and the kind of synthetic entity each entity parameter takes. Unknown templates run
# with an entity of their parameter's first kind (class "2-hop"), or with defaults ("scan").
TEMPLATE_CLASS = {
    "entity": "look-up", "agreement": "look-up", "source": "look-up", "search": "full-text",
    "partners": "2-hop", "people": "2-hop", "posts": "2-hop", "projects": "2-hop", "signatures": "2-hop",
    "cluster": "2-hop", "events": "2-hop", "incentives": "2-hop",
    "single_source": "scan", "organisations": "scan", "agreements": "scan", "country_matrix": "scan",
    "most_connected": "scan",
    "path": "path",
}
TEMPLATE_PARAMS = {  # parameter → kind of the entity to pass (else the parameter's first kind)
    ("path", "from"): "Organization", ("path", "to"): "Agreement",
    ("entity", "entity"): "Organization", ("signatures", "who"): "Person",
}
SEARCH_TEXT = "Северный мост"

PING = """// name: ping
// description: RETURN 1, as a stored template (the benchmark's measure of run_template's own cost).
// params: {}

RETURN 1 AS one
"""


def _pct(values: list[float], q: float) -> float:
    """The q-quantile of `values`, interpolated linearly between neighbours."""
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _sample_ids(driver, database: str | None) -> dict[str, str]:
    """For each kind, the entity in the middle of the id order (deterministic, typical)."""
    rows = driver.execute_query(
        "MATCH (n:Entity) WITH n.kind AS kind, n.id AS id ORDER BY id "
        "WITH kind, collect(id) AS ids RETURN kind, ids[size(ids) / 2] AS id", database_=database).records
    return {r["kind"]: r["id"] for r in rows}


def template_params(t, ids: dict[str, str]) -> dict:
    """The parameters the benchmark passes to template `t`, given a sample entity id per kind."""
    params: dict[str, Any] = {}
    for name, p in t.params.items():
        if p.item_type == "entity":
            kind = TEMPLATE_PARAMS.get((t.name, name)) or (p.kinds[0] if p.kinds else "Organization")
            if kind in ids:
                params[name] = [ids[kind]] if p.is_list else ids[kind]
        elif p.required and p.item_type == "string":
            params[name] = SEARCH_TEXT
    return params


def bench_templates(driver, queries_dir: Path, runs: int, database: str | None, log: Log) -> dict:
    """Latency of every stored template through `run_template`, each call alternating
    with a bare `RETURN 1` round trip, so every template has a baseline measured
    under the same conditions (the machine's load drifts)."""
    templates = load_templates(queries_dir)
    ids = _sample_ids(driver, database)
    budget = TEMPLATE_BUDGET * runs

    def bare() -> None:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as s:
            s.execute_read(lambda tx: list(tx.run("RETURN 1 AS one")))

    def timed(fn) -> tuple[list[float], list[float]]:
        for _ in range(2):  # warm-up: plan cache, the EXPLAIN check, the connection pool
            fn()
            bare()
        xs: list[float] = []
        base: list[float] = []
        t_start = time.perf_counter()
        while len(xs) < TEMPLATE_MAX and (len(xs) < TEMPLATE_MIN or time.perf_counter() - t_start < budget):
            t0 = time.perf_counter()
            bare()
            t1 = time.perf_counter()
            fn()
            t2 = time.perf_counter()
            base.append(t1 - t0)
            xs.append(t2 - t1)
        return xs, base

    def stats(xs: list[float]) -> dict:
        return {"runs": len(xs), "p50_ms": _pct(xs, .5) * 1e3, "p95_ms": _pct(xs, .95) * 1e3,
                "p99_ms": _pct(xs, .99) * 1e3}

    def counted_call(t: Template, params: dict[str, Any], rows: list[int]) -> Callable[[], None]:
        """One run of template `t`, its row count kept in rows[0]."""
        def call() -> None:
            rows[0] = len(run_template(driver, t, params, database=database, timeout=600).rows)
        return call

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "ping.cypher").write_text(PING, encoding="utf-8")
        ping = load_template(Path(d) / "ping.cypher")
    log("templates: a stored RETURN 1 vs the bare one")
    xs, base = timed(lambda: run_template(driver, ping, {}, database=database, timeout=600))
    stored, bare_all = stats(xs), stats(base)
    out: dict[str, Any] = {"return_1": bare_all, "stored_return_1": stored,
                           "overhead_ms": stored["p50_ms"] - bare_all["p50_ms"], "templates": {}}
    for name, t in templates.items():
        params = template_params(t, ids)
        cls = TEMPLATE_CLASS.get(name) or ("2-hop" if any(p.item_type == "entity" and p.required
                                                         for p in t.params.values()) else "scan")
        log(f"templates: {name} {params}")
        rows = [0]
        xs, base = timed(counted_call(t, params, rows))
        st = stats(xs)
        b50 = _pct(base, .5) * 1e3
        st.update({"class": cls, "params": params, "rows": rows[0], "return_1_p50_ms": b50,
                   "ratio_p50": st["p50_ms"] / b50})
        out["templates"][name] = st
    return out
