"""The SPARQL side of `cisfilm serve`: a pyoxigraph store holding the export, kept in step
with the live graph, and queries run against it within limits.

The store follows the load generation Neo4j's meta node carries (`graph.store.layout`,
stamped by every finished load): when it changes, a new store is built aside from a fresh
export and swapped in by replacing one reference, so a request sees one whole snapshot,
old or new, never a mix. While a batched load is unfinished the old snapshot stays.
"""
from __future__ import annotations

import io
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.errors import CisfilmError, ExportError, first_line
from graph.model.schema import Model
from graph.rdf import DEFAULT_BASE, export
from graph.serve.errors import BadRequest, Busy, QueryTimeout, TooLarge
from graph.store.layout import META_ID, READ_GENERATION

CHUNK = 1 << 20  # characters of N-Quads handed to the store at a time
Log = Callable[[str], None]


@dataclass
class Snapshot:
    """One built store and what it was built from."""

    store: ox.Store
    generation: str | None  # the load generation exported (None: a graph no load has stamped)
    loaded_at: str | None
    entities: int
    triples: int  # in the default graph (the export's statements)
    quads: int  # in the named graphs
    built_at: float  # time.time()
    seconds: float  # export + load
    parse_seconds: float = 0.0  # of which the store spent parsing (in parallel with the export)
    etag: str = ""
    dumps: dict[str, Path] = field(default_factory=dict)  # format → file, written on first request
    dump_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.etag = (self.generation or "none") + "-" + str(int(self.built_at * 1000))


class _Chunks(io.StringIO):
    """The export's text stream, cut at line ends into ~CHUNK-character pieces for a queue
    (a `StringIO` only to be a `TextIO`: `write` never reaches its buffer)."""

    def __init__(self, out: queue.Queue) -> None:
        super().__init__()
        self.out, self.size = out, 0
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        self.size += len(s)
        if self.size >= CHUNK:
            text = "".join(self.parts)
            cut = text.rfind("\n") + 1
            self.out.put(text[:cut])
            self.parts, self.size = [text[cut:]], len(text) - cut
        return len(s)

    def finish(self) -> None:
        text = "".join(self.parts)
        if text:
            self.out.put(text)
        self.parts, self.size = [], 0


def read_generation(driver, database: str | None) -> tuple[str | None, str | None, bool]:
    """(generation, loaded_at, mid_load) from the meta node."""
    import neo4j

    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS,
                        notifications_min_severity="OFF") as session:
        r = session.execute_read(lambda tx: tx.run(READ_GENERATION, id=META_ID).single())
    if r is None:
        return None, None, False
    return r["generation"], r["loaded_at"], bool(r["mid_load"])


def build(driver, model: Model, *, base: str = DEFAULT_BASE, database: str | None = None,
          generation: tuple[str | None, str | None] = (None, None)) -> Snapshot:
    """A new in-memory store holding the export (N-Quads: the default graph and the named
    graphs). The export streams in one thread while the store parses the previous chunk in
    another (pyoxigraph releases the GIL while it parses)."""
    t0 = time.perf_counter()
    store = ox.Store()
    chunks: queue.Queue = queue.Queue(maxsize=8)
    done: dict = {}

    def produce() -> None:
        sink = _Chunks(chunks)
        try:
            done["result"] = export(driver, model, sink, format="nq", base=base, database=database)
            sink.finish()
        except BaseException as e:  # handed to the consumer, which raises it
            done["error"] = e
        finally:
            chunks.put(None)

    worker = threading.Thread(target=produce, name="cisfilm-serve-export", daemon=True)
    worker.start()
    failed: Exception | None = None
    parsing = 0.0
    while True:
        chunk = chunks.get()
        if chunk is None:
            break
        if failed is None:
            try:
                t1 = time.perf_counter()
                store.load(chunk, format=ox.RdfFormat.N_QUADS)
                parsing += time.perf_counter() - t1
            except (SyntaxError, ValueError, OSError) as e:  # keep draining, so the exporter finishes
                failed = e
    worker.join()
    if "error" in done:
        err = done["error"]
        raise err if isinstance(err, CisfilmError) else ExportError(f"the export failed: {first_line(err)}")
    if failed is not None:
        raise ExportError(f"the SPARQL store refused the export: {first_line(failed)}")
    res = done["result"]
    return Snapshot(store, generation[0], generation[1], res.entities, res.triples, res.quads, time.time(),
                    time.perf_counter() - t0, parsing)


class LiveStore:
    """The current snapshot, and a thread that rebuilds it when the load generation changes."""

    def __init__(self, driver, model: Model, *, base: str = DEFAULT_BASE, database: str | None = None,
                 poll: float = 2.0, log: Log = print):
        self.driver, self.model, self.base, self.database = driver, model, base, database
        self.poll, self.log = poll, log
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()  # one rebuild at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def current(self) -> Snapshot:
        snap = self._snapshot  # one reference read: a request keeps the snapshot it started with
        if snap is None:
            raise CisfilmError("the SPARQL store is not built yet")
        return snap

    def refresh(self, force: bool = False) -> bool:
        """Rebuild when the generation changed (or `force`); True when a new snapshot went in.
        Mid-load, the old snapshot stays (unless there is none yet: the export then refuses)."""
        with self._lock:
            gen, at, mid = read_generation(self.driver, self.database)
            old = self._snapshot
            if old is not None and not force and (mid or (gen, at) == (old.generation, old.loaded_at)):
                return False
            snap = build(self.driver, self.model, base=self.base, database=self.database, generation=(gen, at))
            # a load that finished during the export: the next poll sees the generation and builds again
            self._snapshot = snap  # the swap: one reference assignment
            return True

    def start(self) -> LiveStore:
        """Build the first snapshot (errors raised here), then follow the graph in the background."""
        self.refresh(force=True)
        self._thread = threading.Thread(target=self._follow, name="cisfilm-serve-refresh", daemon=True)
        self._thread.start()
        return self

    def _follow(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                if self.refresh():
                    s = self.current
                    self.log(f"Serving load generation {s.generation}: {s.entities} entities, "
                             f"{s.triples} triples (rebuilt in {s.seconds:.2f} s).")
                self.last_error = None
            except CisfilmError as e:
                self._note(str(e))
            except Exception as e:  # a driver or store failure must not end the follower
                self._note(f"{type(e).__name__}: {first_line(e)}")

    def _note(self, message: str) -> None:
        if message != self.last_error:
            self.log(f"Warning: the SPARQL store could not follow the graph (still serving the last "
                     f"snapshot): {message}")
        self.last_error = message

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


# -- queries -------------------------------------------------------------------

# SERVICE would make the store fetch from any address a client names; it is refused.
# Looked for outside IRIs, strings and comments, as a keyword (not `?service`, `ex:service`).
_SKIP = re.compile(r'<[^<>"{}|^`\\\s]*>|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                   r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*')
_SERVICE = re.compile(r"(?<![\w?$:])SERVICE(?![\w:-])", re.IGNORECASE)


def check_query(text: str) -> None:
    if _SERVICE.search(_SKIP.sub(" ", text)):
        raise BadRequest("SERVICE (federated query) is not allowed here: this endpoint only answers "
                         "from its own data")


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # seconds per query
    max_bytes: int = 32 << 20  # of one serialized result
    max_queries: int = 4  # evaluated at once; more are answered 503


class _Capped(io.RawIOBase):
    """A byte sink that stops the serializer past the size limit, at the deadline, or when cancelled."""

    def __init__(self, limit: int, deadline: float, cancelled: threading.Event):
        super().__init__()
        self.buf = io.BytesIO()
        self.limit, self.deadline, self.cancelled = limit, deadline, cancelled

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        if self.cancelled.is_set() or time.monotonic() > self.deadline:
            raise _Stop("time")
        if self.buf.tell() + len(b) > self.limit:
            raise _Stop("size")
        return self.buf.write(b)


class _Stop(Exception):
    pass


@dataclass
class Answer:
    kind: str  # "solutions", "boolean" or "graph"
    body: bytes
    seconds: float


class QueryRunner:
    """Runs queries on a snapshot in worker threads, bounded in number, time and result size.

    pyoxigraph cannot cancel a query: a query past its time is answered 503 at once, and its
    worker stops at its next result; until it does, it keeps its slot (so at most
    `max_queries` can run, whatever clients do)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.max_queries)

    def run(self, snap: Snapshot, text: str, result_format: Callable[[str], Any],
            default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> Answer:
        """Evaluate `text` on `snap`; `result_format(kind)` gives the pyoxigraph format for the
        kind of answer ("solutions", "boolean", "graph") — it may raise to refuse that kind."""
        check_query(text)
        if not self._slots.acquire(blocking=False):
            raise Busy(f"{self.limits.max_queries} queries are already running: retry shortly")
        lim = self.limits
        cancelled = threading.Event()
        box: dict = {}
        t0 = time.monotonic()

        def work() -> None:
            res: Any = None
            try:
                kwargs: dict = {}
                if default_graphs:
                    kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
                if named_graphs:
                    kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
                res = snap.store.query(text, **kwargs)
                sink: Any = _Capped(lim.max_bytes, t0 + lim.timeout, cancelled)
                if isinstance(res, ox.QuerySolutions):
                    kind = "solutions"
                    res.serialize(sink, format=result_format(kind))
                elif isinstance(res, ox.QueryBoolean):
                    kind = "boolean"
                    res.serialize(sink, format=result_format(kind))
                else:
                    kind = "graph"
                    ox.serialize(res, sink, format=result_format(kind))
                box["answer"] = Answer(kind, sink.buf.getvalue(), time.monotonic() - t0)
            except BaseException as e:  # handed to the request thread, without its traceback: pyoxigraph's
                # results must be dropped on the thread that made them, and the frames would hold them
                box["error"] = _bare(e)
            finally:
                res = None
                self._slots.release()

        worker = threading.Thread(target=work, name="cisfilm-sparql", daemon=True)
        worker.start()
        worker.join(lim.timeout)
        if worker.is_alive():
            cancelled.set()
            raise QueryTimeout(f"the query ran past the time limit of {lim.timeout:g} s and was stopped; "
                               "narrow it (LIMIT, more specific patterns)")
        if "answer" in box:
            return box["answer"]
        return _refusal(box.get("error"), lim)


def _bare(e: BaseException) -> BaseException:
    e.__traceback__ = None
    if e.__context__ is not None:
        e.__context__.__traceback__ = None
    return e


def _refusal(e: BaseException | None, lim: Limits) -> Answer:
    if isinstance(e, _Stop) or (e is not None and isinstance(e.__context__, _Stop)):
        why = str(e if isinstance(e, _Stop) else e.__context__)
        if why == "size":
            raise TooLarge(f"the result is larger than {lim.max_bytes} bytes: narrow the query (LIMIT)")
        raise QueryTimeout(f"the query ran past the time limit of {lim.timeout:g} s and was stopped")
    if isinstance(e, SyntaxError):
        raise BadRequest(f"the SPARQL query does not parse: {first_line(str(e))}")
    if isinstance(e, CisfilmError):
        raise e
    if isinstance(e, (OSError, ValueError, TypeError, RuntimeError)):
        raise BadRequest(f"the query failed: {first_line(str(e))}")
    raise BadRequest(f"the query failed: {first_line(str(e)) if e else 'unknown error'}")
