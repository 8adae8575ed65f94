"""Which files are read where: from the cache, in this process, or in worker processes.

Fact files are independent until the set-wide rules, so each is read on its own —
by a pool of worker processes, one per core, when there are several files and enough
bytes to repay starting them. Workers are forked (they inherit the model and the
strict-YAML settings as they are) and send back each file's record marshalled
(`graph.facts.reader.read_file`), which is also what the cache keeps. Where fork is
not available, files are read in this process.
"""
from __future__ import annotations

import gc
import logging
import marshal
import multiprocessing
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from graph.errors import Problem
from graph.facts.cache import FactCache, content_key
from graph.facts.reader import FileFacts, from_record, read_file

if TYPE_CHECKING:
    from graph.model.schema import Model

log = logging.getLogger(__name__)

# Below this many bytes to read, starting workers costs more than it saves (forking two
# workers and their pipes takes ~20 ms; one core reads ~5 MB of fact files a second).
PARALLEL_MIN_BYTES = 256 * 1024

# A file's outcome: the problem that it could not be read, or what it gave and its
# content key (None without a cache).
Outcome = Problem | tuple[FileFacts, str | None]


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def read_files(files: list[Path], model: Model, *, cache: FactCache | None = None,
               workers: int | None = None) -> list[Outcome]:
    """Each file's outcome, in the order of `files`.

    `workers`: how many processes read files not in the cache; None means one per core
    when there are at least `PARALLEL_MIN_BYTES` to read, and 1 reads in this process.
    A given number is used as it is (at most one per file)."""
    out: list[Outcome | None] = [None] * len(files)
    todo: list[int] = []
    for i, path in enumerate(files):
        if cache is None:
            todo.append(i)
            continue
        label = str(path)
        try:
            data = path.read_bytes()
        except OSError as e:
            out[i] = _unreadable(label, e)
            continue
        key = cache.key(data)
        hit = cache.get(key, label)
        if hit is not None:
            out[i] = (hit, key)
        else:
            todo.append(i)

    n = _pool_size(workers, [files[i] for i in todo])
    if n > 1:
        try:
            _in_pool(n, files, todo, model, cache, out)
        except BrokenProcessPool as e:  # a worker died (out of memory, killed): read the rest here
            log.warning("a worker reading fact files stopped (%s); reading the rest in this process", e)
    context = cache.context if cache else None
    for i in todo:
        if out[i] is None:
            label = str(files[i])
            out[i] = _settle(files[i], cache, _read_path(label, label, model, context, marshalled=False))
    return out  # type: ignore[return-value]  # every slot is filled


def _pool_size(workers: int | None, todo: list[Path]) -> int:
    if len(todo) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if workers is None:
        size = 0
        for path in todo:
            try:
                size += path.stat().st_size
            except OSError:
                pass
        if size < PARALLEL_MIN_BYTES:
            return 1
        workers = cores()
    return max(1, min(workers, len(todo)))


def _in_pool(n: int, files: list[Path], todo: list[int], model: Model, cache: FactCache | None,
             out: list) -> None:
    """Read the files at `todo` in `n` forked workers, filling `out` (all of it, unless
    the pool breaks)."""
    jobs = [(str(files[i]), str(files[i])) for i in todo]
    context = cache.context if cache else None
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("fork"),
                             initializer=_start_worker, initargs=(model, context)) as pool:
        # map keeps the order; each result is settled (decoded, cached) as it comes,
        # while the workers go on with the next files
        for i, result in zip(todo, pool.map(_work, jobs, chunksize=1), strict=True):
            out[i] = _settle(files[i], cache, result)


# What a file's reading sends back: ("unreadable", reason, None), or (key, "marshal" |
# "pickle", bytes) — pickled only if a value could not be marshalled (then not cached),
# or ("record", None, record) when read in this process.
Result = tuple


def _settle(path: Path, cache: FactCache | None, result: Result) -> Outcome:
    label = str(path)
    key, how, payload = result
    if key == "unreadable":
        return Problem(label, 1, 1, "", how)
    if how == "record":
        record = payload
        if cache is not None and key is not None:
            try:
                cache.put(key, marshal.dumps(record), record)
            except ValueError:  # a value marshal cannot write: not cached
                pass
    elif how == "marshal":
        record = marshal.loads(payload)
        if cache is not None and key is not None:
            cache.put(key, payload, record)
    else:
        record = pickle.loads(payload)  # from our own worker
    return (from_record(record, label), key)


def _unreadable(label: str, e: OSError) -> Problem:
    return Problem(label, 1, 1, "", f"cannot read file: {e.strerror or e}")


def _read_path(path: str, label: str, model: Model, context: bytes | None, *, marshalled: bool) -> Result:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return ("unreadable", f"cannot read file: {e.strerror or e}", None)
    record = read_file(data, label, model)
    key = content_key(data, context) if context is not None else None
    if not marshalled:
        return (key, "record", record)
    try:
        return (key, "marshal", marshal.dumps(record))
    except ValueError:
        return (None, "pickle", pickle.dumps(record))


# -- in a worker --------------------------------------------------------------------

_worker: dict = {}


def _start_worker(model: Model, context: bytes | None) -> None:
    # Forked: the model is this process's copy, never pickled. A worker lives for one
    # read and makes no cycles, so the collector has nothing to find.
    gc.disable()
    _worker["model"] = model
    _worker["context"] = context


def _work(job: tuple[str, str]) -> Result:
    path, label = job
    return _read_path(path, label, _worker["model"], _worker["context"], marshalled=True)
