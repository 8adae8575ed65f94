"""The load section: `load_facts` on an empty graph (first load) and again (reload), vs
the same rows loaded one query per row, by the same loader with the pure-Python driver
(in a child process) and by LOAD CSV; and the peak heap of the load's one transaction."""
from __future__ import annotations

import re
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import neo4j

from graph.bench.child import Child, settings_dict
from graph.bench.common import Log, count, round_ratio, wipe
from graph.bench.loadcsv import load_csv, write_csvs
from graph.errors import CisfilmError, LoadError
from graph.model.schema import SOURCE_KIND
from graph.store.connection import Settings
from graph.store.constraints import ensure_schema
from graph.store.layout import PROVENANCE
from graph.store.load import BATCH, LOAD_TIMEOUT, entity_rows, load_facts, lock_graph, relation_rows

PER_ROW_MAX = 10_000  # one-query-per-row baseline only up to this many entities
PURE_PYTHON_MAX = 100_000  # above, the child's second copy of the facts would not fit in RAM


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

    def __enter__(self) -> TxMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def loader_round(driver, model, facts, database: str | None) -> dict:
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
        recs = driver.execute_query("CALL dbms.listConfig('dbms.memory.transaction.total.max') "
                                    "YIELD value RETURN value", database_=database).records
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
        lock_graph(tx)
        for node in nodes:
            label = model.check_label(node.kind)
            tx.run(f"CREATE (n:Entity:`{label}`) SET n = $props", props=node.props).consume()
        for node in nodes:
            tx.run(f"MATCH (n:Entity {{id: $id}}) UNWIND range(0, size($sources) - 1) AS i "
                   f"MATCH (s:Source {{id: $sources[i]}}) CREATE (n)-[e:{PROVENANCE}]->(s) SET e.quote = $quotes[i]",
                   id=node.id, sources=node.sources, quotes=node.quotes).consume()
        for rel in rels:
            t = model.check_rel_type(rel.type)
            tx.run(f"MATCH (a:Entity {{id: $start}}) MATCH (b:Entity {{id: $end}}) "
                   f"CREATE (a)-[r:`{t}`]->(b) SET r = $props", start=rel.start, end=rel.end, props=rel.props).consume()

    with driver.session(database=database, notifications_min_severity="OFF") as s:
        s.execute_write(neo4j.unit_of_work(timeout=LOAD_TIMEOUT)(work))


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
        loader_round(driver, model, warm_facts, database)
        # and one untimed full-size load: the first one into a fresh store also grows its files
        log(f"load: warm-up load of {sizes['nodes']} nodes and {sizes['relationships']} relationships")
        warm_full = loader_round(driver, model, facts, database)
    except LoadError as e:  # e.g. the transaction outgrew the heap: report it, with how far it got
        log(f"load: failed: {e}")
        wipe(driver, database)
        return {**sizes, "error": str(e), "first": None, "reload": None, "reload_vs_first": None,
                "transaction_heap_peak_mb": getattr(e, "tx_heap_peak", 0) / 2**20,
                "transaction_heap_limit_mb": limit, "baselines": {}}
    expected = count(driver, database)
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
    child = Child({"job": "load", "settings": settings_dict(settings), "paths": [str(p) for p in paths],
                   "warm": [str(p) for p in warm_paths], "schema": str(schema_dir)}) if pure else None
    times: dict[str, list[float]] = {"load_csv": [], "per_row": [], "pure_python": [], "pure_python_reload": []}
    own: list[dict] = []
    try:
        if child:
            child.start()
        for i in range(runs):
            log(f"load: round {i + 1}/{runs}: loader" + (", LOAD CSV" if csv_jobs else "")
                + (", one query per row" if per_row else "") + (", pure-Python driver" if child else ""))
            own.append(loader_round(driver, model, facts, database))
            if csv_jobs:
                wipe(driver, database)
                t0 = time.perf_counter()
                load_csv(driver, csv_jobs, database)
                times["load_csv"].append(time.perf_counter() - t0)
                got = count(driver, database)
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
                "ratio": round_ratio(xs, firsts), **extra}

    out: dict[str, Any] = {
        **sizes,
        "first": {"seconds": t_first, "runs": firsts, "nodes_per_s": sizes["nodes"] / t_first,
                  "relationships_per_s": sizes["relationships"] / t_first},
        "reload": {"seconds": t_reload, "runs": reloads, "nodes_per_s": sizes["nodes"] / t_reload,
                   "relationships_per_s": sizes["relationships"] / t_reload},
        "reload_vs_first": round_ratio(firsts, reloads),
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
