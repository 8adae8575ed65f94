"""What several test modules share: free ports, wiping and snapshotting the graph,
counting the fact files read.
Fixtures live in tests/conftest.py; test modules import helpers from here, never
from each other or from conftest."""
from __future__ import annotations

import os
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wipe(drv) -> None:
    with drv.session() as session:  # CALL { } IN TRANSACTIONS needs an implicit transaction
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def snapshot(driver) -> tuple[list, list]:
    """Everything in the graph, as comparable data."""
    nodes = driver.execute_query(
        "MATCH (n) RETURN labels(n) AS l, properties(n) AS p ORDER BY n.id").records
    rels = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS p "
        "ORDER BY a, t, b").records

    def strip(p: dict) -> dict:
        return {k: v for k, v in p.items() if k not in ("loaded_at", "lock", "generation")}

    return ([(sorted(r["l"]), strip(r["p"])) for r in nodes],
            [(r["a"], r["t"], r["b"], r["p"]) for r in rels])


def read_counter(monkeypatch) -> list[str]:
    """The labels of the fact files read (parsed, not taken from the cache) in this
    process from now on."""
    from graph.facts import parallel

    seen: list[str] = []
    real = parallel.read_file

    def counting(data, label, model):
        seen.append(label)
        return real(data, label, model)

    monkeypatch.setattr(parallel, "read_file", counting)
    return seen


# The five seed articles are not in the repository (only the facts' short quotes are):
# they sit in the workplace's `shared/seeds/`, beside the checkout, or above a clone made
# elsewhere on this machine (CI clones main afresh).
_WORKPLACE_ARTICLES = Path("/work/shared/seeds")


def seed_articles() -> Path:
    """The folder of the five seed articles: $CISFILM_ARTICLES, else `shared/seeds` beside
    the checkout or any folder above it, else the workplace's. Fails (never skips) when
    none has them: the draft's tests need the real articles."""
    here = Path(__file__).resolve().parents[2]
    candidates = [Path(os.environ["CISFILM_ARTICLES"])] if os.environ.get("CISFILM_ARTICLES") else []
    candidates += [p / "shared" / "seeds" for p in (here, *here.parents)] + [_WORKPLACE_ARTICLES]
    for c in candidates:
        if len(list(c.glob("*.txt"))) >= 5:
            return c
    raise FileNotFoundError("the five seed articles were not found; set CISFILM_ARTICLES to their folder "
                            f"(looked in {', '.join(map(str, candidates))})")
