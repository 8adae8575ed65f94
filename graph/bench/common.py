"""What every benchmark section shares: interleaved timing rounds, emptying and counting
the graph, the machine the figures come from, and the benchmark's own Neo4j."""
from __future__ import annotations

import os
import platform
import re
import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neo4j

from graph.store.server import ManagedServer

Log = Callable[[str], None]


def rounds(runs: int, measures: dict[str, Callable[[], Any]],
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


def round_ratio(slow: list[float], fast: list[float]) -> float:
    """The median over rounds of slow ÷ fast (each round's pair measured side by side)."""
    return statistics.median(a / b for a, b in zip(slow, fast, strict=True))


def wipe(driver: neo4j.Driver, database: str | None = None) -> None:
    """Delete every node and relationship (constraints and indexes stay)."""
    # IN TRANSACTIONS needs an implicit transaction
    with driver.session(database=database, notifications_min_severity="OFF") as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def count(driver: neo4j.Driver, database: str | None) -> tuple[int, int]:
    """(nodes, relationships) in the graph."""
    rec = driver.execute_query("CALL () { MATCH (n) RETURN count(n) AS n } "
                               "CALL () { MATCH ()-[r]->() RETURN count(r) AS r } RETURN n, r",
                               database_=database).records[0]
    return rec["n"], rec["r"]


def rust_ext() -> bool:
    """Whether the driver packs with neo4j-rust-ext (else its pure-Python PackStream)."""
    from neo4j._codec.packstream import v1

    return v1._rust_pack is not None


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
    return {"nproc": os.cpu_count(), "ram_gib": ram, "cpu": cpu or platform.processor(),
            "os": platform.platform(), "python": platform.python_version(),
            "neo4j_driver": neo4j.__version__, "rust_ext": rust_ext(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()]}


class BenchServer(ManagedServer):
    """The managed server with no transaction timeout: a large single-transaction load,
    or the one-query-per-row baseline, may take longer than the usual 60 s."""

    def _write_conf(self, bolt: int, http: int) -> None:
        super()._write_conf(bolt, http)
        conf = self.conf_dir / "neo4j.conf"
        text = re.sub(r"^((?:dbms|db)\.transaction\.timeout)=.*$", r"\1=0", conf.read_text(), flags=re.M)
        conf.write_text(text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
