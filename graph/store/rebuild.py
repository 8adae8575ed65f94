"""`cisfilm load --rebuild`: the whole graph rebuilt from the fact files by Neo4j's bulk
importer into a store beside the live one, then switched in (the managed server only).

1. validate the facts (nothing is touched when they are invalid);
2. check the live graph: what no load wrote (made by hand) would be lost, so it refuses
   unless told to drop it; the load lock is held from here until the switch, so a load
   started meanwhile waits, then fails with the restart instead of writing into the
   store about to be replaced;
3. write the importer's CSV (`graph.store.bulkcsv`: the loader's own rows, a chunk at a
   time) and run `neo4j-admin database import full` into the home of a staging server
   (`rebuild/run-*/home` in the server home); its counts must be the CSV's;
4. prepare the new store on that staging server, on ports of its own, while the live
   graph keeps serving: create the schema's constraints and indexes, set the values the
   importer cannot write (`[]`, `[""]`), check the counts, stop it. What is switched in
   is complete, indexed and known to start;
5. switch (`graph.store.swap`, journaled): stop the live server, move its store aside
   and the new one in, start, wait until the database answers with the right counts,
   and only then delete the old store. Any failure — or an interrupt — from the stop on
   puts the old store back and starts it.

The graph is unavailable from the stop until the new store answers (Community serves
one user database, so the switch is a restart); that time and each phase's are
reported. A kill at any moment leaves the previous graph or the new, checked one: the
next start of the managed server finishes a journaled switch, and the next rebuild
removes what a killed one left (its files, its staging server).
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import CisfilmError, LoadError, ServerError, first_line
from graph.model.schema import Model
from graph.store import bulkcsv, swap
from graph.store.connection import Settings, open_driver
from graph.store.constraints import ensure_schema
from graph.store.layout import (
    COUNT_NODES,
    COUNT_RELATIONSHIPS,
    DATABASE_STATUS,
    HAND_MADE_NODES,
    HAND_MADE_RELATIONS,
    LOCK,
    META_ID,
    PROVENANCE,
    STAMP_GENERATION,
    set_entity_property,
    set_relation_property,
)
from graph.store.server import ManagedServer

# A first load of more entities than this into an empty managed database is a rebuild.
REBUILD_THRESHOLD = 50_000
ONLINE_TIMEOUT = 300.0  # how long the new store may take to come online after the server answers
FIXUP_BATCH = 10_000
LOCK_TIMEOUT = 3600.0  # the lock transaction outlives the server's 60 s default: CSV and import take minutes

Progress = Callable[[str, int, int], None]  # (stage, done, total), as graph.store.load
Fault = Callable[[str, Path], None]  # tests: called at named points with the run directory


@dataclass
class RebuildResult:
    entities: int
    relations: int
    nodes: int  # in the new store (the entities and the meta node)
    relationships: int  # the relations and the provenance edges
    before: tuple[int, int]  # nodes, relationships of the graph it replaced
    hand_made: tuple[int, int]  # nodes, relationships no load wrote, dropped (--drop-hand-made)
    phases: dict[str, float] = field(default_factory=dict)  # seconds, in order

    @property
    def downtime(self) -> float:
        """Stop → the new store answering."""
        return sum(self.phases.get(p, 0.0) for p in ("stop", "swap", "start"))

    def lines(self) -> list[str]:
        out = [f"Rebuilt the graph from {self.entities} entities and {self.relations} relationships with "
               f"Neo4j's bulk importer: {self.nodes} nodes, {self.relationships} relationships "
               f"(were {self.before[0]} nodes, {self.before[1]} relationships)."]
        if any(self.hand_made):
            out.append(f"Dropped what no load wrote: {_count(self.hand_made[0], 'node')} and "
                       f"{_count(self.hand_made[1], 'relationship')}.")
        p = self.phases
        out.append(f"Graph unavailable for {self.downtime:.1f} s (stop {p.get('stop', 0):.1f} s, "
                   f"swap {p.get('swap', 0):.1f} s, start {p.get('start', 0):.1f} s).")
        out.append("Phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in p.items()) + ".")
        return out

    def as_dict(self) -> dict:
        return {"entities": self.entities, "relations": self.relations, "nodes": self.nodes,
                "relationships": self.relationships, "before": list(self.before),
                "hand_made": list(self.hand_made), "downtime": self.downtime, "phases": self.phases}


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


class _Clock:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.t0 = time.monotonic()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.monotonic() - t


_KIND_KEY = re.compile(rb"(?:^|[\s{,])kind:[ \t]")


def estimate_entities(paths) -> int:
    """About how many entities fact files hold (their `kind:` keys), without parsing them."""
    from graph.facts import fact_files

    files, _ = fact_files(paths)
    n = 0
    for f in files:
        try:
            n += len(_KIND_KEY.findall(f.read_bytes()))
        except OSError:
            pass  # validation will say so
    return n


def large_first_load(server: ManagedServer, paths, threshold: int | None = None, log=print) -> int | None:
    """The estimated entity count when `paths` would be a first load (the managed server's
    graph is empty) of more than `threshold` (REBUILD_THRESHOLD) entities, which a rebuild
    does far faster; else None."""
    n = estimate_entities(paths)
    if n <= (REBUILD_THRESHOLD if threshold is None else threshold):
        return None
    if server.pid() is None:
        server.start(log=log)
    driver = _driver(server)
    try:
        return n if _count_now(driver, COUNT_NODES) == 0 else None
    finally:
        driver.close()


def rebuild_paths(server: ManagedServer, paths, schema_dir, *, strict: bool = False, drop_hand_made: bool = False,
                  progress: Progress | None = None, log=print, cache_dir: Path | None = None) -> RebuildResult:
    """Validate fact files (raising `InvalidData` before anything is touched), then rebuild.
    `cache_dir`: what unchanged files gave is taken from there (`graph.facts.cache`)."""
    from graph.facts import read_facts
    from graph.model.schema import load_model

    clock = _Clock()
    with clock.phase("validate"):
        if progress:
            progress("validating", 0, 0)
        model = load_model(schema_dir)
        facts, _warnings = read_facts(paths, model, strict=strict, cache_dir=cache_dir)
    return rebuild_facts(server, model, facts, drop_hand_made=drop_hand_made, progress=progress, log=log,
                         clock=clock)


def rebuild_facts(server: ManagedServer, model: Model, facts, *, drop_hand_made: bool = False,
                  progress: Progress | None = None, log=print, importer_options: tuple[str, ...] = (),
                  fault: Fault | None = None, clock: _Clock | None = None) -> RebuildResult:
    """Rebuild the managed server's graph from validated facts; see the module's docstring.
    `importer_options`: more options for the importer; `fault`: a test's hook."""
    clock = clock or _Clock()
    root = swap.rebuild_root(server.home)
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(root / "lock"):
        server.finish_switch(log=log)  # a switch a killed rebuild left behind
        _remove_stale_runs(root)
        if server.pid() is None:
            server.start(log=log)
        run = Path(os.path.realpath(root / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"))
        run.mkdir()
        try:
            return _rebuild(server, model, facts, run, clock, drop_hand_made, progress, log,
                            importer_options, fault)
        finally:
            if swap.read_journal(server.home) is None:  # the switch, if begun, cleans up itself
                shutil.rmtree(run, ignore_errors=True)


def _rebuild(server: ManagedServer, model: Model, facts, run: Path, clock: _Clock, drop_hand_made: bool,
             progress: Progress | None, log, importer_options: tuple[str, ...], fault: Fault | None) -> RebuildResult:
    def hook(point: str) -> None:
        if fault:
            fault(point, run)

    driver = _driver(server)
    lock_session = lock_tx = None
    try:
        with clock.phase("check"):
            if progress:
                progress("checking the graph", 0, 0)
            lock_session = driver.session(database=swap.DATABASE, notifications_min_severity="OFF")
            lock_tx = lock_session.begin_transaction(timeout=LOCK_TIMEOUT)
            before = (_one(lock_tx, COUNT_NODES), _one(lock_tx, COUNT_RELATIONSHIPS))
            hand = (_one(lock_tx, HAND_MADE_NODES), _one(lock_tx, HAND_MADE_RELATIONS, prov=PROVENANCE))
            lock_tx.run(LOCK, id=META_ID).consume()  # loads wait for it, then fail with the restart
        if any(hand) and not drop_hand_made:
            raise LoadError(
                f"the graph holds {_count(hand[0], 'node')} and {_count(hand[1], 'relationship')} that no load "
                "wrote (made by hand); a rebuild from the fact files would drop them. Add them to the fact "
                "files, or rerun with --drop-hand-made to drop them. Nothing was changed.")
        with clock.phase("csv"):
            def csv_progress(done: int, total: int) -> None:
                if progress:
                    progress("writing the importer's CSV", done, total)

            try:
                inp = bulkcsv.write(model, facts, run / "csv", progress=csv_progress)
            except OSError as e:  # a full disk, most likely
                raise LoadError(f"cannot write the importer's files in {run}: {e.strerror or e}; the graph "
                                "was not touched") from None
        hook("csv")
        staging = ManagedServer(run / "home", server.cache, heap=server.heap, pagecache=server.pagecache)
        if progress:
            progress("importing", 0, 0)
        with clock.phase("staging setup"):  # its home and password: not the importer's time
            staging.initialize(log=log)
        with clock.phase("import"):
            _import(staging, inp, importer_options)
        hook("imported")
        if progress:  # on a server of its own: the live graph keeps serving
            progress("indexing and checking the new store", 0, 0)
        _prepare(staging, model, inp, log, hook, clock)
        hook("prepared")
    except BaseException:
        _close(lock_tx, lock_session)
        driver.close()
        raise
    sw = swap.Switch(server.home, run)
    sw.begin()
    try:
        with clock.phase("stop"):
            if progress:
                progress("switching", 0, 0)
            _close(lock_tx, lock_session)
            driver.close()
            server.stop()
        with clock.phase("swap"):
            sw.move_in()
        hook("swapped")
        with clock.phase("start"):
            server.start(log=log)
            driver = _driver(server, verify=False)
            _wait_online(driver)
        hook("started")
        try:
            with clock.phase("verify"):
                _verify(driver, inp)
            hook("verified")
        finally:
            driver.close()
        with clock.phase("cleanup"):
            sw.commit()
    except BaseException as e:  # an interrupt too: the old store goes back before anything else
        outcome = _roll_back(server, sw, log)
        if isinstance(e, (CisfilmError, OSError)):
            raise LoadError(f"the rebuild failed while switching to the new store ({first_line(e)}); {outcome}") from e
        raise
    clock.phases["total"] = time.monotonic() - clock.t0
    return RebuildResult(len(facts.entities), len(facts.relations), inp.nodes, inp.relationships, before,
                         hand if drop_hand_made else (0, 0), clock.phases)


def _import(staging: ManagedServer, inp: bulkcsv.ImportInput, options: tuple[str, ...]) -> None:
    proc = staging.import_full(staging.home / "data", inp.args(), cwd=inp.directory, options=options)
    out = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0:
        said = [line for line in out.strip().splitlines() if line.strip() and not line.startswith("\tat ")]
        tail = "\n".join(said[-12:])  # the messages, not the Java stack
        raise LoadError(f"Neo4j's bulk importer failed (exit {proc.returncode}); the graph was not touched:\n{tail}")
    m = re.search(r"Imported:\s*(\d+) nodes\s*(\d+) relationships", out)
    if m and (int(m.group(1)), int(m.group(2))) != (inp.nodes, inp.relationships):
        raise LoadError(f"Neo4j's bulk importer imported {m.group(1)} nodes and {m.group(2)} relationships, "
                        f"expected {inp.nodes} and {inp.relationships}; the graph was not touched")


def _prepare(staging: ManagedServer, model: Model, inp: bulkcsv.ImportInput, log,
             hook: Callable[[str], None], clock: _Clock) -> None:
    """Start the new store on a server of its own, create the constraints and indexes, set
    the values the importer cannot write, check the counts, stop: what is switched in is
    complete, indexed and known to start."""
    from neo4j import exceptions as nx

    try:
        _check_staged(staging, model, inp, log, hook, clock)
    except (CisfilmError, nx.Neo4jError, nx.DriverError) as e:
        raise LoadError(f"the new store failed on the staging server ({first_line(e)}); the graph was not "
                        "touched") from e


def _check_staged(staging: ManagedServer, model: Model, inp: bulkcsv.ImportInput, log,
                  hook: Callable[[str], None], clock: _Clock) -> None:
    with clock.phase("staging start"):
        staging.start(bolt_port=_free_port(), http_port=_free_port(), log=log)
    try:
        driver = _driver(staging, verify=False)
        try:
            with clock.phase("staging start"):
                _wait_online(driver)
            hook("staged")
            with clock.phase("indexes"):
                ensure_schema(driver, model, database=swap.DATABASE)
            with clock.phase("fixups"), driver.session(database=swap.DATABASE) as session:
                for what, name, prop, rows in bulkcsv.read_fixups(inp.fixups_file, FIXUP_BATCH):
                    query = (set_entity_property(prop) if what == "nodes"
                             else set_relation_property(model, name, prop))
                    session.execute_write(lambda tx, q=query, r=rows: tx.run(q, rows=r).consume())
                # a new generation, as every load stamps: `cisfilm serve` follows it
                session.execute_write(lambda tx: tx.run(STAMP_GENERATION, id=META_ID).consume())
            with clock.phase("staging check"):
                _verify(driver, inp)
        finally:
            driver.close()
    finally:
        with clock.phase("staging stop"):
            staging.stop()


def _verify(driver, inp: bulkcsv.ImportInput) -> None:
    got = (_count_now(driver, COUNT_NODES), _count_now(driver, COUNT_RELATIONSHIPS))
    if got != (inp.nodes, inp.relationships):
        raise LoadError(f"the new store holds {got[0]} nodes and {got[1]} relationships, "
                        f"expected {inp.nodes} and {inp.relationships}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _roll_back(server: ManagedServer, sw: swap.Switch, log) -> str:
    """Stop whatever runs, put the old store back, start it; says how that went."""
    server.stop()
    sw.roll_back()
    try:
        server.start(log=log)
    except ServerError as e:
        return f"the previous graph was put back, but the server did not start: {first_line(e)}"
    return "the previous graph was put back and is serving again"


def _driver(server: ManagedServer, verify: bool = True):
    st = server.status()
    if not st.running or not st.uri:
        raise ServerError("the managed Neo4j is not running")
    # every session names its database: Settings' database would make the driver's
    # connectivity check a preview feature that warns on stderr
    return open_driver(Settings(uri=st.uri, user=st.user, password=server.password()), verify=verify)


def _wait_online(driver, timeout: float = ONLINE_TIMEOUT) -> None:
    """Until the database answers a query; a store that failed to start is an error at once."""
    from neo4j import exceptions as nx

    deadline = time.monotonic() + timeout
    while True:
        try:  # a session's own run: the driver's retries would wait out a failed store too
            with driver.session(database=swap.DATABASE) as session:
                session.run("RETURN 1").consume()
            return
        except (nx.Neo4jError, nx.DriverError) as e:
            error = first_line(e)
        try:
            with driver.session(database="system") as session:
                rec = session.run(DATABASE_STATUS, name=swap.DATABASE).single()
            state, message = (rec["currentStatus"], rec["statusMessage"]) if rec else ("unknown", "")
        except (nx.Neo4jError, nx.DriverError):
            state, message = "starting", ""  # the DBMS itself is still coming up
        if state not in ("starting", "online") or time.monotonic() > deadline:
            raise LoadError(f"the new store did not come online ({state}: {first_line(message or error)})")
        time.sleep(0.1)


def _one(tx, query: str, **params) -> int:
    return int(tx.run(query, **params).single()["c"])


def _count_now(driver, query: str) -> int:
    return int(driver.execute_query(query, database_=swap.DATABASE).records[0]["c"])


def _close(tx, session) -> None:
    """Roll back the lock transaction and close its session; on a server going away, that may fail."""
    from neo4j import exceptions as nx

    for thing in (tx, session):
        if thing is not None:
            try:
                thing.close()
            except (nx.DriverError, nx.Neo4jError, OSError):
                pass


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """One rebuild at a time per server home."""
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LoadError("another rebuild of this graph is running") from None
        yield


def _remove_stale_runs(root: Path) -> None:
    """Runs that a killed rebuild left (its CSV, a half-written store, maybe its staging
    server still running): never in use, as this process holds the lock and no switch is pending."""
    for p in root.glob("run-*"):
        if (p / "home").is_dir():
            ManagedServer(p / "home", p / "no-cache").stop()
        shutil.rmtree(p, ignore_errors=True)
