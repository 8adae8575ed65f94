"""The rdf section: `export` throughput per format into a counting sink, vs rdflib's
`serialize` of the first `RDFLIB_CAP` statements of the same export; and the export's
peak memory per format in a child process (peak RSS, and tracemalloc's peak)."""
from __future__ import annotations

import functools
import io
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.bench.child import run_child, settings_dict
from graph.bench.common import Log, rounds
from graph.rdf import FORMATS, export
from graph.store.connection import Settings

RDFLIB_CAP = 50_000  # triples given to rdflib's serializers (its Turtle/TriG writers manage ~2k/s)
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml", "trig": "trig", "nq": "nquads"}
DATASET_FORMATS = ("trig", "nq")


class _Sink(io.StringIO):
    """A text stream that only counts what is written (export throughput without disk I/O).
    A `StringIO` only to be a `TextIO` for `export`: `write` never reaches its buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0

    def write(self, s: str) -> int:
        self.chars += len(s)
        return len(s)


class _Enough(Exception):
    """Raised by `_Head` once it holds its lines: ends an export early."""


class _Head(io.StringIO):
    """Keeps the first `n` lines written to it, then stops the writer (a `TextIO` for
    `export`, like `_Sink`: `write` never reaches the `StringIO` buffer)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.lines = n, 0
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        self.lines += s.count("\n")
        if self.lines >= self.n:
            raise _Enough
        return len(s)

    def text(self) -> str:
        return "".join("".join(self.parts).splitlines(keepends=True)[:self.n])


def bench_rdf(driver, model, runs: int, settings: Settings, database: str | None, log: Log,
              schema_dir: Path) -> dict:
    """Per format: our export into a counting sink and rdflib's serializer on the first
    RDFLIB_CAP statements of the same export, in interleaved rounds; then the export's
    peak memory in a child process."""
    import rdflib  # here, not at the top: the export's memory child imports this module

    out: dict[str, Any] = {"formats": {}, "rdflib_cap": RDFLIB_CAP}
    samples = {}

    def export_measure(fmt: str, got: dict[str, Any]) -> Callable[[], None]:
        """One export in `fmt` into a counting sink, its result kept in got["result"]."""
        def ours() -> None:
            got["result"] = export(driver, model, _Sink(), format=fmt, database=database)
        return ours

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
        ours = export_measure(fmt, got)
        ours()  # warm-up
        log(f"rdf: {fmt}: {runs} × (export, rdflib {name})")
        measures: dict[str, Callable[[], Any]] = {"ours": ours}
        if graph is not None:
            measures["rdflib"] = functools.partial(graph.serialize, format=name)
        t = rounds(runs, measures)
        res = got["result"]
        statements = res.triples + res.quads
        base = None
        ratio = None
        if graph is not None:
            tb = statistics.median(t["rdflib"])
            base = {"what": f"rdflib {rdflib.__version__} {type(graph).__name__}.serialize(format={name!r}) of the "
                            f"first {n_base} statements of the same export",
                    "statements": n_base, "seconds": tb, "runs": t["rdflib"], "statements_per_s": n_base / tb}
            ratio = statistics.median((statements / a) / (n_base / b)
                                      for a, b in zip(t["ours"], t["rdflib"], strict=True))
        log(f"rdf: {fmt}: peak memory (child process)")
        mem = run_child({"job": "export", "format": fmt, "settings": settings_dict(settings),
                         "schema": str(schema_dir)})
        to = statistics.median(t["ours"])
        out["formats"][fmt] = {"statements": statements, "seconds": to, "runs": t["ours"],
                               "statements_per_s": statements / to, "memory": mem, "baseline": base, "ratio": ratio}
    return out


def export_memory(driver, model, fmt: str, database: str | None) -> dict:
    """Peak memory of one export, run in the child: the peak RSS of this process during
    it (VmHWM, reset just before through /proc/self/clear_refs) and the peak of Python
    allocations (tracemalloc, in a second export)."""
    import tracemalloc

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
