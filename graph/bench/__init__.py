"""The benchmark behind `cisfilm bench`: figures, each a ratio against a baseline
run in the same process on the same data, marked against the targets.

Absolute numbers on a shared 2-core machine are noisy, and the noise drifts over
minutes. So every measure has a warm-up (a small synthetic set of the same shape:
Neo4j's query plans and JIT, Python's imports; for the load also one full-size
load, since the first one into a fresh store grows its files), and runs in
interleaved rounds with its baselines: each round times the measure and each
baseline once, side by side. Times are medians over the rounds; a ratio is the
median of the rounds' ratios.

Sections, on `synthetic.write(n)` files:

- validation: `read_facts` (strict YAML + every rule) vs plain `yaml.load` with
  `CSafeLoader` of the same files;
- load: `load_facts` on an empty graph (first load) and again (reload), vs on
  the same rows: one query per row in one transaction (≤ 10k entities only), the
  same loader with the pure-Python driver (a child process in which
  `sys.modules["neo4j._rust"] = None` makes the driver's `import neo4j._rust`
  fail, so it falls back to its pure-Python PackStream — the child reports
  which one it used), and `LOAD CSV ... CALL { } IN TRANSACTIONS` with the same
  bodies (the server-side floor: no client, no single transaction); on an empty
  graph every fact is new, so all of them CREATE as the loader does; and
  the peak heap of the load's one transaction (polled from `SHOW TRANSACTIONS`);
- templates: p50/p95/p99 of every stored template run through `run_template`,
  each call alternating with a bare `RETURN 1` round trip; and the overhead of
  `run_template` itself (a stored `RETURN 1` vs the bare one);
- rdf: `export` throughput per format into a counting sink, vs rdflib's
  `serialize` of the first `RDFLIB_CAP` statements of the same export; the
  export's peak memory per format in a child process (peak RSS, and
  tracemalloc's peak of Python allocations).

Unless given a URI, the benchmark starts its own managed Neo4j in a temporary
home with fixed memory settings (heap 1g, page cache 512m by default) and no
transaction timeout, and removes it afterwards.
"""
from __future__ import annotations

import csv
import io
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import neo4j
import yaml

from graph.bench import synthetic
from graph.store.connection import Settings, open_driver
from graph.errors import CisfilmError
from graph.facts import read_facts
from graph.errors import LoadError
from graph.store.constraints import ensure_schema
from graph.store.load import BATCH, LOAD_TIMEOUT, _lock, entity_rows, load_facts, relation_rows
from graph.model.schema import SOURCE_KIND, load_model
from graph.store.server import NEO4J_VERSION, ManagedServer
from graph.store.layout import PROVENANCE

ROOT = Path(__file__).resolve().parent.parent
SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
HEAP, PAGECACHE = "1g", "512m"
WARMUP_ENTITIES = 2000  # at most; a fifth of the scale below 10k
PER_ROW_MAX = 10_000  # one-query-per-row baseline only up to this many entities
PURE_PYTHON_MAX = 100_000  # above, the child's second copy of the facts would not fit in RAM
RDFLIB_CAP = 50_000  # triples given to rdflib's serializers (its Turtle/TriG writers manage ~2k/s)
TEMPLATE_BUDGET = 2.0  # seconds per template and per --runs, after at least TEMPLATE_MIN calls
TEMPLATE_MIN = 10
TEMPLATE_MAX = 300
SEP = "\x1f"  # list separator in the LOAD CSV files

# How each stored template is run: its class (targets apply to look-ups and 2-hop ones)
# and the kind of synthetic entity each entity parameter takes. Unknown templates run
# with an entity of their parameter's first kind (class "2-hop"), or with defaults ("scan").
TEMPLATE_CLASS = {
    "entity": "look-up", "agreement": "look-up", "source": "look-up", "search": "full-text",
    "partners": "2-hop", "people": "2-hop", "posts": "2-hop", "projects": "2-hop", "signatures": "2-hop",
    "cluster": "2-hop", "events": "2-hop", "incentives": "2-hop",
    "single_source": "scan", "organisations": "scan", "agreements": "scan", "country_matrix": "scan", "most_connected": "scan",
    "path": "path",
}
TEMPLATE_PARAMS = {  # parameter → kind of the entity to pass (else the parameter's first kind)
    ("path", "from"): "Organization", ("path", "to"): "Agreement",
    ("entity", "entity"): "Organization", ("signatures", "who"): "Person",
}
SEARCH_TEXT = "Северный мост"

Log = Callable[[str], None]


def parse_scale(text: str) -> int:
    """`10k`, `100k`, `1m` or a number of entities."""
    t = text.strip().lower()
    if t in SCALES:
        return SCALES[t]
    m = re.fullmatch(r"(\d+)([km]?)", t)
    if not m or int(m.group(1)) < 50:
        raise CisfilmError(f"bad --scale {text!r}: use 10k, 100k, 1m or a number of entities ≥ 50")
    return int(m.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[m.group(2)]


SECTIONS = ("validation", "load", "templates", "rdf")


def parse_sections(text: str) -> tuple[str, ...]:
    """`validation,load` → the sections to run, in the benchmark's order."""
    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    bad = [t for t in names if t not in SECTIONS]
    if bad or not names:
        raise CisfilmError(f"bad --only {text!r}: give one or more of {', '.join(SECTIONS)}, comma-separated")
    return tuple(x for x in SECTIONS if x in names)


def scale_label(n: int) -> str:
    return next((k for k, v in SCALES.items() if v == n), str(n))


# -- small helpers ----------------------------------------------------------------

def _rounds(runs: int, measures: dict[str, Callable[[], Any]],
            before: dict[str, Callable[[], Any]] | None = None) -> dict[str, list[float]]:
    """Interleaved timing: `runs` rounds, each timing every measure once, in order.
    The machine's load drifts over minutes; a baseline timed right next to its
    measure is what makes their ratio meaningful. `before[name]` runs untimed first."""
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, fn in measures.items():
            if before and name in before:
                before[name]()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def _round_ratio(slow: list[float], fast: list[float]) -> float:
    """The median over rounds of slow ÷ fast (each round's pair measured side by side)."""
    return statistics.median(a / b for a, b in zip(slow, fast))


def _pct(values: list[float], q: float) -> float:
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def wipe(driver: neo4j.Driver, database: str | None = None) -> None:
    """Delete every node and relationship (constraints and indexes stay)."""
    with driver.session(database=database, notifications_min_severity="OFF") as s:  # IN TRANSACTIONS needs an implicit transaction
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def _count(driver: neo4j.Driver, database: str | None) -> tuple[int, int]:
    rec = driver.execute_query("CALL () { MATCH (n) RETURN count(n) AS n } "
                               "CALL () { MATCH ()-[r]->() RETURN count(r) AS r } RETURN n, r",
                               database_=database).records[0]
    return rec["n"], rec["r"]


class _Sink(io.TextIOBase):
    """A text stream that only counts what is written (export throughput without disk I/O)."""

    def __init__(self) -> None:
        self.chars = 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.chars += len(s)
        return len(s)


class _Enough(Exception):
    """Raised by `_Head` once it holds its lines: ends an export early."""


class _Head(io.TextIOBase):
    """Keeps the first `n` lines written to it, then stops the writer."""

    def __init__(self, n: int) -> None:
        self.n, self.parts, self.lines = n, [], 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.parts.append(s)
        self.lines += s.count("\n")
        if self.lines >= self.n:
            raise _Enough
        return len(s)

    def text(self) -> str:
        return "".join("".join(self.parts).splitlines(keepends=True)[:self.n])


def machine() -> dict:
    """nproc, RAM, CPU model, OS, Python, driver: where the figures come from."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    from neo4j._codec.packstream import v1

    return {"nproc": os.cpu_count(), "ram_gib": ram, "cpu": cpu or platform.processor(),
            "os": platform.platform(), "python": platform.python_version(),
            "neo4j_driver": neo4j.__version__, "rust_ext": v1._rust_pack is not None,
            "loadavg_start": [round(x, 2) for x in os.getloadavg()]}


# -- the managed server of the benchmark ---------------------------------------------

class BenchServer(ManagedServer):
    """The managed server with no transaction timeout: a large single-transaction load,
    or the one-query-per-row baseline, may take longer than the usual 60 s."""

    def _write_conf(self, bolt: int, http: int) -> None:
        super()._write_conf(bolt, http)
        conf = self.conf_dir / "neo4j.conf"
        text = re.sub(r"^((?:dbms|db)\.transaction\.timeout)=.*$", r"\1=0", conf.read_text(), flags=re.M)
        conf.write_text(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- validation -------------------------------------------------------------------

def bench_validation(paths: list[Path], warm: list[Path], model, runs: int, log: Log) -> tuple[dict, Any]:
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
    t = _rounds(runs, {"read_facts": strict, "yaml": lambda: got.__setitem__("records", plain(paths))})
    facts, records = got["facts"], got["records"]
    assert records == len(facts.entities) + len(facts.relations)
    t_val, t_yaml = statistics.median(t["read_facts"]), statistics.median(t["yaml"])
    return {
        "files": len(paths), "bytes": sum(p.stat().st_size for p in paths), "records": records,
        "warnings": len(got["warnings"]),
        "seconds": t_val, "runs": t["read_facts"], "records_per_s": records / t_val,
        "baseline": {"what": "yaml.load(CSafeLoader), same files", "seconds": t_yaml, "runs": t["yaml"],
                     "records_per_s": records / t_yaml},
        "ratio": _round_ratio(t["yaml"], t["read_facts"]),
    }, facts


# -- load ----------------------------------------------------------------------------

def _sizes(model, facts) -> dict:
    prov = sum(len(e.sources) for e in facts.entities.values() if e.kind != SOURCE_KIND)
    return {"nodes": len(facts.entities), "relations": len(facts.relations), "provenance": prov,
            "relationships": len(facts.relations) + prov}


class TxMemory:
    """Polls `SHOW TRANSACTIONS` from another session while a load runs: the peak heap
    the server estimates for one transaction (the single-transaction load's cost)."""

    def __init__(self, driver, database: str | None, every: float = 0.2):
        self.driver, self.database, self.every = driver, database, every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                recs = self.driver.execute_query(
                    "SHOW TRANSACTIONS YIELD estimatedUsedHeapMemory AS heap, currentQuery AS q "
                    "WHERE NOT q STARTS WITH 'SHOW' RETURN max(heap) AS heap", database_=self.database).records
                self.peak = max(self.peak, recs[0]["heap"] or 0)
            except neo4j.exceptions.Neo4jError:
                pass
            self._stop.wait(self.every)

    def __enter__(self) -> "TxMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _loader_round(driver, model, facts, database: str | None) -> dict:
    """One first load on an empty graph, then a reload of the same facts: their seconds,
    and the peak transaction heap of the first."""
    wipe(driver, database)
    t0 = time.perf_counter()
    with TxMemory(driver, database, every=0.1) as mem:
        try:
            first = load_facts(driver, model, facts, database=database)
        except LoadError as e:
            e.tx_heap_peak = mem.peak  # type: ignore[attr-defined]
            raise
    t1 = time.perf_counter()
    again = load_facts(driver, model, facts, database=database)
    t2 = time.perf_counter()
    if again.diff.changes:
        raise CisfilmError(f"the reload changed {again.diff.changes} facts; it should change none")
    return {"first": t1 - t0, "reload": t2 - t1, "tx_heap_peak": mem.peak,
            "created": first.diff.totals()["created"]}


def _tx_limit(driver, database: str | None) -> float | None:
    """The server's cap on the heap all transactions may use (dbms.memory.transaction.total.max), MB."""
    try:
        recs = driver.execute_query("CALL dbms.listConfig('dbms.memory.transaction.total.max') YIELD value RETURN value",
                                    database_=database).records
    except neo4j.exceptions.Neo4jError:
        return None
    m = re.fullmatch(r"([\d.]+)\s*([KMG]i?B|B)", recs[0]["value"].strip()) if recs else None
    if not m:
        return None
    unit = {"B": 1, "KiB": 2**10, "KB": 2**10, "MiB": 2**20, "MB": 2**20, "GiB": 2**30, "GB": 2**30}[m.group(2)]
    return float(m.group(1)) * unit / 2**20 or None


def per_row_load(driver, model, facts, database: str | None = None) -> None:
    """The loader's Cypher, one row per query, in one write transaction (the naive way)."""
    nodes, rels = entity_rows(model, facts), relation_rows(model, facts)

    def work(tx) -> None:
        _lock(tx)
        for r in nodes:
            label = model.check_label(r.kind)
            tx.run(f"CREATE (n:Entity:`{label}`) SET n = $props", props=r.props).consume()
        for r in nodes:
            tx.run(f"MATCH (n:Entity {{id: $id}}) UNWIND range(0, size($sources) - 1) AS i "
                   f"MATCH (s:Source {{id: $sources[i]}}) CREATE (n)-[e:{PROVENANCE}]->(s) SET e.quote = $quotes[i]",
                   id=r.id, sources=r.sources, quotes=r.quotes).consume()
        for r in rels:
            t = model.check_rel_type(r.type)
            tx.run(f"MATCH (a:Entity {{id: $start}}) MATCH (b:Entity {{id: $end}}) "
                   f"CREATE (a)-[r:`{t}`]->(b) SET r = $props", start=r.start, end=r.end, props=r.props).consume()

    with driver.session(database=database, notifications_min_severity="OFF") as s:
        s.execute_write(neo4j.unit_of_work(timeout=LOAD_TIMEOUT)(work))


def _csv_value(v: Any) -> str:
    if isinstance(v, list):
        return SEP.join([str(len(v)), *map(str, v)])  # the length first: [] and [""] differ
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _csv_map(columns: dict[str, type]) -> str:
    parts = []
    for c, t in columns.items():
        col = f"row.`{c}`"
        if t is list:
            expr = f"CASE {col} WHEN '0' THEN [] ELSE split({col}, $sep)[1..] END"
        elif t is bool:
            expr = f"toBoolean({col})"
        elif t is int:
            expr = f"toInteger({col})"
        elif t is float:
            expr = f"toFloat({col})"
        else:
            expr = col
        parts.append(f"`{c}`: {expr}")
    return "{" + ", ".join(parts) + "}"


def write_csvs(model, facts, directory: Path, prefix: str = "bench-") -> list[tuple[str, str]]:
    """CSV files of the loader's rows in `directory` (the server's import dir) and the
    LOAD CSV statement for each: (file name, Cypher), in the loader's order."""
    directory.mkdir(parents=True, exist_ok=True)
    nodes, rels = entity_rows(model, facts), relation_rows(model, facts)
    jobs: list[tuple[str, str]] = []

    def write(name: str, rows: list[dict], columns: dict[str, type]) -> None:
        with open(directory / name, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(list(columns))
            for row in rows:
                w.writerow(["" if row.get(c) is None else _csv_value(row[c]) for c in columns])

    def columns_of(rows: list[dict]) -> dict[str, type]:
        cols: dict[str, type] = {}
        for row in rows:
            for k, v in row.items():
                if v is not None and k not in cols:
                    cols[k] = type(v)
        return cols

    call = "IN TRANSACTIONS OF %d ROWS" % BATCH
    by_kind: dict[str, list[dict]] = {}
    for r in nodes:
        by_kind.setdefault(r.kind, []).append(r.props)
    for kind, rows in sorted(by_kind.items()):
        label = model.check_label(kind)
        cols = columns_of(rows)
        name = f"{prefix}nodes-{label}.csv"
        write(name, rows, cols)
        jobs.append((name, f"LOAD CSV WITH HEADERS FROM $url AS row CALL (row) {{ "
                           f"CREATE (n:Entity:`{label}`) SET n = {_csv_map(cols)} }} {call}"))
    prov = [{"id": r.id, "source": s, "quote": q} for r in nodes for s, q in zip(r.sources, r.quotes)]
    write(f"{prefix}provenance.csv", prov, {"id": str, "source": str, "quote": str})
    jobs.append((f"{prefix}provenance.csv",
                 f"LOAD CSV WITH HEADERS FROM $url AS row CALL (row) {{ MATCH (n:Entity {{id: row.id}}) "
                 f"MATCH (s:Source {{id: row.source}}) CREATE (n)-[e:{PROVENANCE}]->(s) "
                 f"SET e.quote = coalesce(row.quote, '') }} {call}"))
    by_type: dict[str, list] = {}
    for r in rels:
        by_type.setdefault(r.type, []).append(r)
    for rtype, rows in sorted(by_type.items()):
        t = model.check_rel_type(rtype)
        cols = columns_of([r.props for r in rows])
        name = f"{prefix}rels-{t}.csv"
        write(name, [{"_start": r.start, "_end": r.end, **r.props} for r in rows],
              {"_start": str, "_end": str, **cols})
        jobs.append((name, f"LOAD CSV WITH HEADERS FROM $url AS row CALL (row) {{ "
                           f"MATCH (a:Entity {{id: row._start}}) MATCH (b:Entity {{id: row._end}}) "
                           f"CREATE (a)-[r:`{t}`]->(b) SET r = {_csv_map(cols)} }} {call}"))
    return jobs


def load_csv(driver, jobs: list[tuple[str, str]], database: str | None = None) -> None:
    with driver.session(database=database, notifications_min_severity="OFF") as s:
        for name, cypher in jobs:
            s.run(cypher, url=f"file:///{name}", sep=SEP).consume()


def bench_load(driver, model, facts, warm_facts, runs: int, *, database: str | None, settings: Settings,
               paths: list[Path], warm_paths: list[Path], import_dir: Path | None, schema_dir: Path,
               log: Log) -> dict:
    """The loader (first load and reload) and its baselines, in interleaved rounds."""
    sizes = _sizes(model, facts)
    total = sizes["nodes"] + sizes["relationships"]
    ensure_schema(driver, model, database=database)
    limit = _tx_limit(driver, database)
    # warm-up: the same query shapes on a small set, for every contender
    try:
        _loader_round(driver, model, warm_facts, database)
        # and one untimed full-size load: the first one into a fresh store also grows its files
        log(f"load: warm-up load of {sizes['nodes']} nodes and {sizes['relationships']} relationships")
        warm_full = _loader_round(driver, model, facts, database)
    except LoadError as e:  # e.g. the transaction outgrew the heap: report it, with how far it got
        log(f"load: failed: {e}")
        wipe(driver, database)
        return {**sizes, "error": str(e), "first": None, "reload": None, "reload_vs_first": None,
                "transaction_heap_peak_mb": getattr(e, "tx_heap_peak", 0) / 2**20,
                "transaction_heap_limit_mb": limit, "baselines": {}}
    expected = _count(driver, database)
    per_row = sizes["nodes"] <= PER_ROW_MAX
    pure = sizes["nodes"] <= PURE_PYTHON_MAX
    csv_jobs = None
    if import_dir is not None:
        load_csv_warm = write_csvs(model, warm_facts, import_dir, prefix="bench-warm-")
        wipe(driver, database)
        load_csv(driver, load_csv_warm, database)
        csv_jobs = write_csvs(model, facts, import_dir)
    if per_row:
        wipe(driver, database)
        per_row_load(driver, model, warm_facts, database)
    child = _Child({"job": "load", "settings": _settings_dict(settings), "paths": [str(p) for p in paths],
                    "warm": [str(p) for p in warm_paths], "schema": str(schema_dir)}) if pure else None
    times: dict[str, list[float]] = {"load_csv": [], "per_row": [], "pure_python": [], "pure_python_reload": []}
    own: list[dict] = []
    try:
        if child:
            child.start()
        for i in range(runs):
            log(f"load: round {i + 1}/{runs}: loader" + (", LOAD CSV" if csv_jobs else "")
                + (", one query per row" if per_row else "") + (", pure-Python driver" if child else ""))
            own.append(_loader_round(driver, model, facts, database))
            if csv_jobs:
                wipe(driver, database)
                t0 = time.perf_counter()
                load_csv(driver, csv_jobs, database)
                times["load_csv"].append(time.perf_counter() - t0)
                got = _count(driver, database)
                if got[0] != expected[0] - 1 or got[1] != expected[1]:  # the loader also keeps :CisfilmMeta
                    raise CisfilmError(f"LOAD CSV made {got} nodes/relationships, the loader {expected}")
            if per_row:
                wipe(driver, database)
                t0 = time.perf_counter()
                per_row_load(driver, model, facts, database)
                times["per_row"].append(time.perf_counter() - t0)
            if child:
                r = child.ask("run")
                times["pure_python"].append(r["first"])
                times["pure_python_reload"].append(r["reload"])
        rust_ext = child.ask("info")["rust_ext"] if child else None
    finally:
        if child:
            child.close()
        if import_dir is not None:
            for f in import_dir.glob("bench-*.csv"):
                f.unlink()
    firsts, reloads = [r["first"] for r in own], [r["reload"] for r in own]
    t_first, t_reload = statistics.median(firsts), statistics.median(reloads)

    def baseline(key: str, what: str, skipped: str | None, **extra) -> dict:
        xs = times[key]
        if skipped or not xs:
            return {"what": f"skipped: {skipped}", "seconds": None, "runs": [], "elements_per_s": None,
                    "ratio": None, **{k: None for k in extra}}
        t = statistics.median(xs)
        return {"what": what, "seconds": t, "runs": xs, "elements_per_s": total / t,
                "nodes_per_s": sizes["nodes"] / t, "relationships_per_s": sizes["relationships"] / t,
                "ratio": _round_ratio(xs, firsts), **extra}

    out: dict[str, Any] = {
        **sizes,
        "first": {"seconds": t_first, "runs": firsts, "nodes_per_s": sizes["nodes"] / t_first,
                  "relationships_per_s": sizes["relationships"] / t_first},
        "reload": {"seconds": t_reload, "runs": reloads, "nodes_per_s": sizes["nodes"] / t_reload,
                   "relationships_per_s": sizes["relationships"] / t_reload},
        "reload_vs_first": _round_ratio(firsts, reloads),
        "transaction_heap_peak_mb": max(r["tx_heap_peak"] for r in [warm_full, *own]) / 2**20,
        "transaction_heap_limit_mb": limit,
        "baselines": {
            "load_csv": baseline("load_csv", f"LOAD CSV ... CALL {{ same CREATE }} IN TRANSACTIONS OF {BATCH} ROWS",
                                 None if csv_jobs else "the server's import directory is unknown (give --import-dir)"),
            "per_row": baseline("per_row", "the loader's Cypher, one query per row, one transaction",
                                None if per_row else f"only run up to {PER_ROW_MAX} entities"),
            "pure_python": baseline("pure_python", "the same loader, neo4j driver without neo4j-rust-ext "
                                    "(a child process)", None if pure else
                                    f"above {PURE_PYTHON_MAX} entities (the child would hold a second copy "
                                    "of the facts)", rust_ext=rust_ext,
                                    reload_seconds=statistics.median(times["pure_python_reload"])
                                    if times["pure_python_reload"] else None),
        },
    }
    # leave the graph loaded for the next sections
    wipe(driver, database)
    load_facts(driver, model, facts, database=database)
    return out


def _settings_dict(s: Settings) -> dict:
    return {"uri": s.uri, "user": s.user, "password": s.password, "database": s.database}


# -- child processes ----------------------------------------------------------------
# A child gets its job (with the credentials) as the first line on stdin, never in argv,
# then answers one JSON line per request line.

_CHILD_PURE = ("import sys; sys.modules['neo4j._rust'] = None; "  # the driver's `import neo4j._rust` now fails
               "from graph.bench import _child_main; _child_main()")
_CHILD = "from graph.bench import _child_main; _child_main()"


class _Child:
    """A child process serving one job: `ask("run")` → its JSON answer."""

    def __init__(self, job: dict):
        self.job = job
        self.proc: subprocess.Popen | None = None

    def start(self) -> dict:
        code = _CHILD_PURE if self.job["job"] == "load" else _CHILD
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self._send(json.dumps(self.job))
        return self._answer()

    def ask(self, request: str) -> dict:
        self._send(request)
        return self._answer()

    def _send(self, line: str) -> None:
        assert self.proc and self.proc.stdin
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            self._failed()

    def _answer(self) -> dict:
        assert self.proc and self.proc.stdout
        line = self.proc.stdout.readline()
        if not line:
            self._failed()
        return json.loads(line)

    def _failed(self):
        assert self.proc
        self.proc.kill()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        self.proc.wait()
        tail = "\n".join(err.strip().splitlines()[-8:])
        raise CisfilmError(f"benchmark child process ({self.job['job']}) failed:\n{tail}")

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self._send("quit")
                self.proc.wait(timeout=60)
            except (CisfilmError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def _child_run(job: dict) -> dict:
    child = _Child(job)
    try:
        return child.start()
    finally:
        child.close()


def _child_main() -> None:
    job = json.loads(sys.stdin.readline())
    st = Settings(**job["settings"])
    model = load_model(job["schema"])
    driver = open_driver(st)

    def answer(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    try:
        if job["job"] == "export":
            answer(_export_memory(driver, model, job["format"], st.database))
            return
        from neo4j._codec.packstream import v1

        warm, _ = read_facts(job["warm"], model)
        facts, _ = read_facts(job["paths"], model)
        _loader_round(driver, model, warm, st.database)
        answer({"ready": True})
        for line in sys.stdin:
            request = line.strip()
            if request == "run":
                answer(_loader_round(driver, model, facts, st.database))
            elif request == "info":
                answer({"rust_ext": v1._rust_pack is not None})
            else:
                break
    finally:
        driver.close()


def _export_memory(driver, model, fmt: str, database: str | None) -> dict:
    """Peak memory of one export: the peak RSS of this process during it (VmHWM, reset
    just before through /proc/self/clear_refs) and the peak of Python allocations
    (tracemalloc, in a second export)."""
    import tracemalloc

    from graph.rdf import export

    export(driver, model, _Sink(), format=fmt, database=database)  # warm-up (and imports)
    before = _status("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        reset = True
    except OSError:
        reset = False
    res = export(driver, model, _Sink(), format=fmt, database=database)
    peak = _status("VmHWM")
    tracemalloc.start()
    export(driver, model, _Sink(), format=fmt, database=database)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"statements": res.triples + res.quads, "peak_rss_mb": peak, "rss_before_mb": before,
            "peak_reset": reset, "traced_peak_mb": traced / 2**20}


def _status(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# -- templates ------------------------------------------------------------------------

PING = """// name: ping
// description: RETURN 1, as a stored template (the benchmark's measure of run_template's own cost).
// params: {}

RETURN 1 AS one
"""


def _sample_ids(driver, database: str | None) -> dict[str, str]:
    """For each kind, the entity in the middle of the id order (deterministic, typical)."""
    rows = driver.execute_query(
        "MATCH (n:Entity) WITH n.kind AS kind, n.id AS id ORDER BY id "
        "WITH kind, collect(id) AS ids RETURN kind, ids[size(ids) / 2] AS id", database_=database).records
    return {r["kind"]: r["id"] for r in rows}


def template_params(t, ids: dict[str, str]) -> dict:
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
    from graph.templates import load_template, load_templates, run_template

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

        def call() -> None:
            rows[0] = len(run_template(driver, t, params, database=database, timeout=600).rows)

        xs, base = timed(call)
        st = stats(xs)
        b50 = _pct(base, .5) * 1e3
        st.update({"class": cls, "params": params, "rows": rows[0], "return_1_p50_ms": b50,
                   "ratio_p50": st["p50_ms"] / b50})
        out["templates"][name] = st
    return out


# -- RDF --------------------------------------------------------------------------------

RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml", "trig": "trig", "nq": "nquads"}
DATASET_FORMATS = ("trig", "nq")


def bench_rdf(driver, model, runs: int, settings: Settings, database: str | None, log: Log,
              schema_dir: Path) -> dict:
    """Per format: our export into a counting sink and rdflib's serializer on the first
    RDFLIB_CAP statements of the same export, in interleaved rounds; then the export's
    peak memory in a child process."""
    import rdflib

    from graph.rdf import FORMATS, export

    out: dict[str, Any] = {"formats": {}, "rdflib_cap": RDFLIB_CAP}
    samples = {}
    for fmt in ("nt", "nq"):
        head = _Head(RDFLIB_CAP)
        try:
            export(driver, model, head, format=fmt, database=database)
        except _Enough:
            pass
        samples[fmt] = head.text()
    for fmt in FORMATS:
        name = RDFLIB_FORMATS.get(fmt)
        graph: Any = None
        if name:
            if fmt in DATASET_FORMATS:
                graph = rdflib.Dataset()
                graph.parse(data=samples["nq"], format="nquads")
                n_base = sum(1 for _ in graph.quads((None, None, None, None)))
            else:
                graph = rdflib.Graph()
                graph.parse(data=samples["nt"], format="nt")
                n_base = len(graph)
            graph.serialize(format=name)  # warm-up
        got: dict[str, Any] = {}

        def ours() -> None:
            got["result"] = export(driver, model, _Sink(), format=fmt, database=database)

        ours()  # warm-up
        log(f"rdf: {fmt}: {runs} × (export, rdflib {name})")
        measures: dict[str, Callable[[], Any]] = {"ours": ours}
        if graph is not None:
            measures["rdflib"] = lambda: graph.serialize(format=name)
        t = _rounds(runs, measures)
        res = got["result"]
        statements = res.triples + res.quads
        base = None
        ratio = None
        if graph is not None:
            tb = statistics.median(t["rdflib"])
            base = {"what": f"rdflib {rdflib.__version__} {type(graph).__name__}.serialize(format={name!r}) of the "
                            f"first {n_base} statements of the same export",
                    "statements": n_base, "seconds": tb, "runs": t["rdflib"], "statements_per_s": n_base / tb}
            ratio = statistics.median((statements / a) / (n_base / b) for a, b in zip(t["ours"], t["rdflib"]))
        log(f"rdf: {fmt}: peak memory (child process)")
        mem = _child_run({"job": "export", "format": fmt, "settings": _settings_dict(settings),
                          "schema": str(schema_dir)})
        to = statistics.median(t["ours"])
        out["formats"][fmt] = {"statements": statements, "seconds": to, "runs": t["ours"],
                               "statements_per_s": statements / to, "memory": mem, "baseline": base, "ratio": ratio}
    return out


# -- targets and report ---------------------------------------------------------------------

@dataclass
class Target:
    name: str
    value: float | None
    goal: str
    ok: bool | None  # None: not measured

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "goal": self.goal, "ok": self.ok}


def targets(r: dict) -> list[Target]:
    out: list[Target] = []

    def add(name: str, value: float | None, goal: str, test: Callable[[float], bool]) -> None:
        out.append(Target(name, value, goal, None if value is None else bool(test(value))))

    ld = r.get("load")
    if ld and ld.get("error"):
        out.append(Target("the load completes (one transaction)", None, "yes", False))
    elif ld:
        b = ld["baselines"]
        add("load vs LOAD CSV floor (×)", b["load_csv"]["ratio"], "≥ 0.7", lambda v: v >= 0.7)
        add("load vs one query per row (×)", b["per_row"]["ratio"], "≥ 50", lambda v: v >= 50)
        add("load nodes/s", ld["first"]["nodes_per_s"], "≥ 30000", lambda v: v >= 30_000)
        add("load relationships/s", ld["first"]["relationships_per_s"], "≥ 20000", lambda v: v >= 20_000)
        add("reload vs first load (×)", ld["reload_vs_first"], "≥ 1", lambda v: v >= 1)
    tp = r.get("templates")
    if tp:
        fast = {n: t for n, t in tp["templates"].items() if t["class"] in ("look-up", "2-hop")}
        worst = max(fast.items(), key=lambda kv: kv[1]["p50_ms"], default=None)
        add(f"template p50, slowest look-up/2-hop ({worst[0] if worst else '-'}) ms",
            worst[1]["p50_ms"] if worst else None, "≤ 5", lambda v: v <= 5)
        add("run_template overhead over RETURN 1 (ms)", tp["overhead_ms"], "≤ 0.5", lambda v: v <= 0.5)
    rdf = r.get("rdf")
    if rdf:
        f = rdf["formats"]
        if "nt" in f:
            add("N-Triples export statements/s", f["nt"]["statements_per_s"], "≥ 200000", lambda v: v >= 200_000)
            add(f"N-Triples export peak RSS MB ({f['nt']['statements']} statements)",
                f["nt"]["memory"]["peak_rss_mb"], "≤ 150", lambda v: v <= 150)
        for fmt in ("ttl", "jsonld"):
            if fmt in f:
                add(f"{fmt} export vs rdflib (×)", f[fmt]["ratio"], "≥ 5", lambda v: v >= 5)
    return out


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:.{digits}g}"
    return str(v)


def _mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✓" if ok else "✗")


def tables(r: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report as (title, header, rows) tables."""
    out = []
    rows = []
    v = r.get("validation")
    if v:
        rows.append(["validation", "records/s", _fmt(v["records_per_s"]), "yaml.load CSafeLoader",
                     _fmt(v["baseline"]["records_per_s"]), _fmt(v["ratio"])])
    ld = r.get("load")
    if ld and ld.get("error"):
        rows.append(["first load", "failed", ld["error"][:160], "transaction heap peak MB / limit",
                     f"{_fmt(ld['transaction_heap_peak_mb'])} / {_fmt(ld['transaction_heap_limit_mb'])}", "–"])
    elif ld:
        n_el = ld["nodes"] + ld["relationships"]
        for key, label in (("first", "first load"), ("reload", "reload")):
            x = ld[key]
            rows.append([label, "nodes/s · rels/s", f"{_fmt(x['nodes_per_s'])} · {_fmt(x['relationships_per_s'])}",
                         "", "", ""])
        for key, label in (("load_csv", "LOAD CSV … IN TRANSACTIONS"), ("per_row", "one query per row"),
                           ("pure_python", "pure-Python driver")):
            b = ld["baselines"][key]
            rows.append(["first load", "elements/s", _fmt(n_el / ld["first"]["seconds"]), label,
                         _fmt(b["elements_per_s"]), _fmt(b["ratio"])])
        f = ld["baselines"]["load_csv"]
        if f.get("nodes_per_s"):
            rows.append(["LOAD CSV floor itself", "nodes/s · rels/s",
                         f"{_fmt(f['nodes_per_s'])} · {_fmt(f['relationships_per_s'])}", "", "", ""])
        rows.append(["reload", "seconds", _fmt(ld["reload"]["seconds"]), "first load",
                     _fmt(ld["first"]["seconds"]), _fmt(ld["reload_vs_first"])])
        rows.append(["first load: its transaction", "heap MB (peak)", _fmt(ld["transaction_heap_peak_mb"]),
                     "dbms.memory.transaction.total.max", _fmt(ld["transaction_heap_limit_mb"]),
                     _fmt(_ratio(ld["transaction_heap_peak_mb"], ld["transaction_heap_limit_mb"]))])
    tp = r.get("templates")
    if tp:
        rows.append(["run_template(RETURN 1)", "p50 ms", _fmt(tp["stored_return_1"]["p50_ms"]), "bare RETURN 1",
                     _fmt(tp["return_1"]["p50_ms"]), f"+{_fmt(tp['overhead_ms'])} ms"])
    rdf = r.get("rdf")
    if rdf:
        for fmt, x in rdf["formats"].items():
            b = x["baseline"]
            rows.append([f"export {fmt}", "statements/s", _fmt(x["statements_per_s"]),
                         "rdflib serialize" if b else "", _fmt(b["statements_per_s"]) if b else "–", _fmt(x["ratio"])])
    out.append(("Figures (ratio: higher is better for cisfilm)",
                ["measure", "unit", "cisfilm", "baseline", "baseline value", "ratio"], rows))
    if tp:
        trow = [[n, t["class"], str(t["runs"]), str(t["rows"]), _fmt(t["p50_ms"]), _fmt(t["p95_ms"]),
                 _fmt(t["p99_ms"]), _fmt(t["return_1_p50_ms"]), _fmt(t["ratio_p50"])]
                for n, t in tp["templates"].items()]
        out.append(("Stored templates (ms; each call alternates with a bare RETURN 1; ratio: p50 ÷ its p50)",
                    ["template", "class", "runs", "rows", "p50", "p95", "p99", "RETURN 1 p50", "ratio"], trow))
    if rdf:
        mrow = [[fmt, _fmt(x["statements"]), _fmt(x["memory"]["peak_rss_mb"]), _fmt(x["memory"]["rss_before_mb"]),
                 _fmt(x["memory"]["traced_peak_mb"])] for fmt, x in rdf["formats"].items()]
        out.append(("RDF export memory (child process, MB)",
                    ["format", "statements", "peak RSS", "RSS before export", "tracemalloc peak"], mrow))
    out.append(("Targets", ["target", "value", "goal", ""],
                [[t["name"], _fmt(t["value"]), t["goal"], _mark(t["ok"])] for t in r["targets"]]))
    return out


def markdown(r: dict) -> str:
    m, s = r["machine"], r["setup"]
    lines = [f"### cisfilm bench — {s['scale']} ({s['entities']} entities, {s['runs']} runs, median)", "",
             f"Machine: {m['nproc']} cores, {m['ram_gib']} GiB RAM, {m['cpu']}; Python {m['python']}, "
             f"neo4j driver {m['neo4j_driver']} (rust ext: {'yes' if m['rust_ext'] else 'no'}); "
             f"Neo4j {s['neo4j']} ({s['memory']}); load average {m['loadavg_start']} → {m.get('loadavg_end')}.", ""]
    for title, header, rows in tables(r):
        lines += [f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def print_report(r: dict, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    m, s = r["machine"], r["setup"]
    console.print(f"cisfilm bench — {s['scale']}: {s['entities']} entities, median of {s['runs']} run(s); "
                  f"{m['nproc']} cores, {m['ram_gib']} GiB, {m['cpu']}; Neo4j {s['neo4j']} ({s['memory']}); "
                  f"load average {m['loadavg_start']} → {m.get('loadavg_end')}", soft_wrap=True)
    for title, header, rows in tables(r):
        table = Table(title=title, title_justify="left")
        for i, h in enumerate(header):
            table.add_column(h, justify="left" if i == 0 else "right", overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)


# -- the whole run ----------------------------------------------------------------------------

def run(*, scale: int, out: Path, runs: int = 3, settings: Settings | None = None, cache: Path | None = None,
        import_dir: Path | None = None, heap: str = HEAP, pagecache: str = PAGECACHE,
        schema_dir: Path = ROOT / "schema", queries_dir: Path = ROOT / "queries",
        sections: Iterable[str] = ("validation", "load", "templates", "rdf"), log: Log = print) -> dict:
    """Run the benchmark; writes `bench-<scale>.json` and `.md` to `out` and returns the report."""
    if runs < 1:
        raise CisfilmError("--runs must be at least 1")
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
            status, _ = server.start(bolt_port=_free_port(), http_port=_free_port(), log=log)
            settings = Settings(uri=status.uri, user=status.user, password=server.password())
            import_dir = server.home / "import"
            memory = f"heap {heap}, page cache {pagecache}, no transaction timeout"
        else:
            memory = "server given by URI; its own settings"
        database = settings.database
        driver = open_driver(settings)
        if _count(driver, database)[0]:
            raise CisfilmError(f"the database at {settings.uri} is not empty; the benchmark wipes it between "
                               "runs, so point it at an empty database (or let it start its own server)")
        report["setup"] = {"scale": scale_label(scale), "entities": scale, "runs": runs, "neo4j": NEO4J_VERSION,
                           "memory": memory, "batch": BATCH, "sections": list(sections),
                           "uri": settings.uri if server is None else "managed"}
        if "load" in sections:
            report["load"] = bench_load(driver, model, facts, warm_facts, runs, database=database, settings=settings,
                                        paths=paths, warm_paths=warm_paths, import_dir=import_dir,
                                        schema_dir=schema_dir, log=log)
        elif any(s in sections for s in ("templates", "rdf")):
            log(f"loading {scale} entities (untimed: the load section was not asked for)")
            ensure_schema(driver, model, database=database)
            load_facts(driver, model, facts, database=database)
        del facts, warm_facts
        if report.get("load", {}).get("error"):
            sections = tuple(x for x in sections if x not in ("templates", "rdf"))  # no graph to ask
        if "templates" in sections:
            report["templates"] = bench_templates(driver, queries_dir, runs, database, log)
        if "rdf" in sections:
            report["rdf"] = bench_rdf(driver, model, runs, settings, database, log, schema_dir)
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
