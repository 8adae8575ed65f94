"""The LOAD CSV baseline: the loader's rows as CSV files in the server's import
directory, and `LOAD CSV ... CALL { } IN TRANSACTIONS` with the loader's CREATE bodies."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from graph.store.layout import PROVENANCE
from graph.store.load import BATCH, RelRow, entity_rows, relation_rows

SEP = "\x1f"  # list separator in the CSV files


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

    call = f"IN TRANSACTIONS OF {BATCH} ROWS"
    by_kind: dict[str, list[dict]] = {}
    for node in nodes:
        by_kind.setdefault(node.kind, []).append(node.props)
    for kind, node_rows in sorted(by_kind.items()):
        label = model.check_label(kind)
        cols = columns_of(node_rows)
        name = f"{prefix}nodes-{label}.csv"
        write(name, node_rows, cols)
        jobs.append((name, f"LOAD CSV WITH HEADERS FROM $url AS row CALL (row) {{ "
                           f"CREATE (n:Entity:`{label}`) SET n = {_csv_map(cols)} }} {call}"))
    prov = [{"id": r.id, "source": s, "quote": q} for r in nodes for s, q in zip(r.sources, r.quotes, strict=True)]
    write(f"{prefix}provenance.csv", prov, {"id": str, "source": str, "quote": str})
    jobs.append((f"{prefix}provenance.csv",
                 f"LOAD CSV WITH HEADERS FROM $url AS row CALL (row) {{ MATCH (n:Entity {{id: row.id}}) "
                 f"MATCH (s:Source {{id: row.source}}) CREATE (n)-[e:{PROVENANCE}]->(s) "
                 f"SET e.quote = coalesce(row.quote, '') }} {call}"))
    by_type: dict[str, list[RelRow]] = {}
    for rel in rels:
        by_type.setdefault(rel.type, []).append(rel)
    for rtype, rel_rows in sorted(by_type.items()):
        t = model.check_rel_type(rtype)
        cols = columns_of([r.props for r in rel_rows])
        name = f"{prefix}rels-{t}.csv"
        write(name, [{"_start": r.start, "_end": r.end, **r.props} for r in rel_rows],
              {"_start": str, "_end": str, **cols})
        jobs.append((name, f"LOAD CSV WITH HEADERS FROM $url AS row CALL (row) {{ "
                           f"MATCH (a:Entity {{id: row._start}}) MATCH (b:Entity {{id: row._end}}) "
                           f"CREATE (a)-[r:`{t}`]->(b) SET r = {_csv_map(cols)} }} {call}"))
    return jobs


def load_csv(driver, jobs: list[tuple[str, str]], database: str | None = None) -> None:
    """Run the statements of `write_csvs` (auto-commit: `IN TRANSACTIONS` needs it)."""
    with driver.session(database=database, notifications_min_severity="OFF") as s:
        for name, cypher in jobs:
            s.run(cypher, url=f"file:///{name}", sep=SEP).consume()
