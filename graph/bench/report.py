"""The report: targets marked against the figures, rendered as tables for the
terminal (rich) and as Markdown for `bench-<scale>.md`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


@dataclass
class Target:
    name: str
    value: float | None
    goal: str
    ok: bool | None  # None: not measured

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "goal": self.goal, "ok": self.ok}


def targets(r: dict) -> list[Target]:
    """The targets of the sections that ran, each marked against its goal."""
    out: list[Target] = []

    def add(name: str, value: float | None, goal: str, test: Callable[[float], bool]) -> None:
        out.append(Target(name, value, goal, None if value is None else bool(test(value))))

    v = r.get("validation")
    if v and "cache" in v:
        add(f"validation vs yaml.load CSafeLoader, {v['cores']} cores (×)", v["ratio"], "≥ 1.8", lambda x: x >= 1.8)
        add("validation with nothing changed (warm cache) vs cold (%)", 100 * v["cache"]["warm_vs_cold"], "≤ 10",
            lambda x: x <= 10)
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
    bk = r.get("bulk")
    if bk and "skipped" not in bk:
        rb = bk["rebuild"]
        add("load --rebuild vs load, both end to end (×)", bk["transactional"]["rebuild_speedup"],
            "≥ 2.5", lambda v: v >= 2.5)
        goal = {100_000: 90.0, 1_000_000: 900.0}.get(r["setup"]["entities"])
        if goal:
            add(f"load --rebuild end to end at {r['setup']['scale']} (s)", rb["seconds"], f"≤ {goal:g}",
                lambda v: v <= goal)
        add("load --rebuild Python peak RSS (MB)", rb["peak_rss_mb"], "≤ 4096", lambda v: v <= 4096)
        add("import step vs the importer alone (×)", bk["import_vs_floor"], "≥ 0.8", lambda v: v >= 0.8)
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
    sv = r.get("serve")
    if sv:
        add("serve: GET /id/<id> p50 (ms)", sv["get_id_303"]["p50_ms"], "≤ 20", lambda v: v <= 20)
        add("serve: two-hop SPARQL SELECT p50 (ms)", sv["sparql_two_hop"]["p50_ms"], "≤ 50", lambda v: v <= 50)
        add("serve: store refresh vs ttl export of the same graph (×)", sv["refresh_vs_export"], "≤ 1",
            lambda v: v <= 1)
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
        if "cache" in v:
            rows.append(["validation", "records/s", _fmt(v["records_per_s"]), "yaml.load CSafeLoader, GC paused",
                         _fmt(v["baseline_no_gc"]["records_per_s"]), _fmt(v["baseline_no_gc"]["ratio"])])
            rows.append([f"validation, {v['cores']} cores", "seconds", _fmt(v["seconds"]), "in one process",
                         _fmt(v["single"]["seconds"]), _fmt(v["single"]["parallel_speedup"])])
            c = v["cache"]
            rows.append(["validation, nothing changed (warm cache)", "seconds", _fmt(c["warm_seconds"]),
                         "cold (no cache)", _fmt(v["seconds"]), _fmt(_ratio(v["seconds"], c["warm_seconds"]))])
            rows.append(["validation, cold, filling the cache", "seconds", _fmt(c["cold_seconds"]),
                         "cold (no cache)", _fmt(v["seconds"]), _fmt(_ratio(v["seconds"], c["cold_seconds"]))])
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
    bk = r.get("bulk")
    if bk and "skipped" in bk:
        rows.append(["bulk", "skipped", bk["skipped"], "", "", ""])
    elif bk:
        rb, n_el = bk["rebuild"], bk["nodes"] + bk["relationships"]
        for key, label in (("transactional", "load (one transaction), end to end"),
                           ("batched", f"load --batch-size {bk['batch_size']}, end to end")):
            x = bk[key]
            if x["error"]:
                rows.append([label, "failed", x["error"][:160], "", "", ""])
            else:
                rows.append(["load --rebuild, end to end", "elements/s", _fmt(rb["elements_per_s"]), label,
                             _fmt(x["elements_per_s"]), _fmt(x["rebuild_speedup"])])
        rows.append(["load --rebuild: import step", "seconds", _fmt(rb["phases"].get("import")),
                     "importer alone (floor)", _fmt(bk["floor"]["seconds"]), _fmt(bk["import_vs_floor"])])
        rows.append(["load --rebuild: graph unavailable", "seconds", _fmt(rb["downtime"]), "end to end",
                     _fmt(rb["seconds"]), "–"])
        rows.append(["load --rebuild: Python peak RSS", "MB", _fmt(rb["peak_rss_mb"]), "", "", ""])
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
    if bk and "skipped" not in bk:
        out.append(("load --rebuild phases (s, median; the graph is unavailable from stop to start)",
                    ["phase", "seconds"], [[k, _fmt(v)] for k, v in bk["rebuild"]["phases"].items()]))
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
    """The report as Markdown (`bench-<scale>.md`)."""
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


def write_into(page: Path, r: dict) -> Path:
    """Put the report's Markdown into a docs page, between `<!-- bench:<scale>:start -->`
    and `<!-- bench:<scale>:end -->` (appended at the end when the page has no such
    section), so measurements in docs/ are written by the tool that measures them. A run of
    some sections only (`--only`) has a section of its own (`<scale>:<sections>`), so it never
    replaces the figures of a whole run."""
    from graph.bench.runner import DEFAULT_SECTIONS

    scale = r["setup"]["scale"]
    sections = r["setup"].get("sections", list(DEFAULT_SECTIONS))
    if set(sections) != set(DEFAULT_SECTIONS):
        scale = f"{scale}:{'+'.join(sections)}"
    start, end = f"<!-- bench:{scale}:start -->", f"<!-- bench:{scale}:end -->"
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    section = f"{start}\n{markdown(r).rstrip()}\n{end}"
    if start in text and end in text.split(start, 1)[1]:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
    page.write_text(text, encoding="utf-8")
    return page


def print_report(r: dict, console=None) -> None:
    """The report as rich tables on `console` (default: stdout)."""
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
