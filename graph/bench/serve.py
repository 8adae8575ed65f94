"""The serve section: `cisfilm serve` over the loaded graph. The store's refresh (export +
pyoxigraph load) against the Turtle export of the same graph, in interleaved rounds;
`GET /id/<id>` and a two-hop SPARQL SELECT over HTTP on random entities (p50, p95); the
memory the store takes (resident set before and after it is built, in this process)."""
from __future__ import annotations

import gc
import http.client
import random
import statistics
import time
import urllib.parse
from pathlib import Path

from graph.bench.common import Log, rounds
from graph.bench.rdf import _Sink
from graph.rdf import export
from graph.serve import Config, LinkedDataServer

REQUESTS = 300  # per measure
SCHEMA_NAME = "https://schema.org/name"
IDENTIFIER = "http://purl.org/dc/terms/identifier"


def _rss_mb() -> float:
    """This process's resident set now (Linux), in MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _timed_gets(port: int, paths: list[str], accept: str) -> list[float]:
    out = []
    for p in paths:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.perf_counter()
        conn.request("GET", p, headers={"Accept": accept})
        r = conn.getresponse()
        body = r.read()
        out.append(time.perf_counter() - t0)
        conn.close()
        if r.status not in (200, 303):
            raise RuntimeError(f"GET {p[:100]} answered {r.status}: {body[:200]!r}")
    return out


def bench_serve(driver, model, runs: int, database: str | None, log: Log, schema_dir: Path) -> dict:
    gc.collect()
    rss0 = _rss_mb()
    log("serve: building the SPARQL store")
    server = LinkedDataServer(driver, model, Config(port=0, poll=3600), database=database,
                              ontology=schema_dir / "ontology.ttl", log=log).start()
    try:
        snap = server.live.current
        rss1 = _rss_mb()
        out: dict = {"entities": snap.entities, "triples": snap.triples, "quads": snap.quads,
                     "first_build_s": snap.seconds, "rss_before_mb": rss0, "rss_with_store_mb": rss1,
                     "store_mb": rss1 - rss0}
        log(f"serve: refresh vs export ttl, {runs} rounds")
        parse: list[float] = []

        def refresh() -> None:
            server.live.refresh(force=True)
            parse.append(server.live.current.parse_seconds)

        times = rounds(runs, {
            "refresh": refresh,
            "export_ttl": lambda: export(driver, model, _Sink(), format="ttl", database=database),
        })
        gc.collect()
        out["rss_after_refreshes_mb"] = _rss_mb()
        out["refresh_s"] = statistics.median(times["refresh"])
        out["refresh_parse_s"] = statistics.median(parse)  # the store's share, overlapping the export
        out["export_ttl_s"] = statistics.median(times["export_ttl"])
        out["refresh_vs_export"] = out["refresh_s"] / out["export_ttl_s"]
        store = server.live.current.store
        import pyoxigraph as ox

        ids = [q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(IDENTIFIER), None,
                                                                ox.DefaultGraph())
               if isinstance(q.subject, ox.NamedNode)]
        rng = random.Random(7)
        sample = [rng.choice(ids) for _ in range(REQUESTS)]
        base = server.config.base
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        log(f"serve: {REQUESTS} GET /id/<id> (303) and the documents")
        redirects = _timed_gets(port, ["/" + i[len(base):] for i in sample], "text/turtle")
        docs = _timed_gets(port, ["/data/" + i[len(base):] + ".ttl" for i in sample], "text/turtle")
        pages = _timed_gets(port, ["/page/" + i[len(base):] for i in sample], "text/html")
        log(f"serve: {REQUESTS} two-hop SPARQL SELECTs")
        queries = [f"SELECT ?p ?x ?name WHERE {{ <{i}> ?p ?x . ?x <{SCHEMA_NAME}> ?name }}" for i in sample]
        sparql = _timed_gets(port, ["/sparql?query=" + urllib.parse.quote(q) for q in queries],
                             "application/sparql-results+json")
        for name, xs in (("get_id_303", redirects), ("get_data_ttl", docs), ("get_page_html", pages),
                         ("sparql_two_hop", sparql)):
            out[name] = {"p50_ms": _quantile(xs, 0.5) * 1000, "p95_ms": _quantile(xs, 0.95) * 1000}
        return out
    finally:
        server.stop()
