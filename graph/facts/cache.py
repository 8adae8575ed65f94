"""The content cache of fact files: what reading a file gave, kept by what was read.

An entry holds one file's record (`graph.facts.reader.read_file`: its facts with
their positions, and its own problems), marshalled, under a key made of the file's
bytes and a context: the schema, the code that reads (these modules' source), the
strict-YAML limits and the Python and PyYAML versions. Change any of them and the
key changes, so an entry is never stale; a file renamed or moved keeps its entry
(positions are kept without the file's name). The set-wide problems are kept the
same way, under the keys of every file in order, so a reload with nothing changed
runs no rule again either.

The directory is the user's (`cisfilm` passes one under its cache directory), yet an
entry is checked before it is used: its header names its key, a digest covers its
body, and a body of the wrong shape is a miss. Entries are written to a temporary
file and renamed into place; those not used for `MAX_AGE_DAYS` are removed when new
ones are written. Any failure to read or write the cache only costs a re-read.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import marshal
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import yaml

from graph import strictyaml as sy
from graph.errors import Problem
from graph.facts.reader import FileFacts, Record, from_record
from graph.model.schema import Model

log = logging.getLogger(__name__)

MAGIC = b"cisfilm-facts/2\n"  # changes with the layout of an entry
SUFFIX = ".facts"
DIGEST = 32
MAX_AGE_DAYS = 30
# The modules whose code decides what a file's reading gives (and the set-wide rules).
CODE = ("graph.errors", "graph.strictyaml", "graph.model.schema", "graph.model.types", "graph.model.dates",
        "graph.model.names", "graph.facts.checker", "graph.facts.reader", "graph.facts.rules", __name__)


def content_key(data: bytes, context: bytes) -> str:
    """The key of a file's bytes read in `context` (`FactCache.context`)."""
    return hashlib.blake2b(data, digest_size=DIGEST, key=context).hexdigest()


class FactCache:
    """One cache directory, for one schema (`model`) and this code."""

    def __init__(self, directory: str | Path, model: Model):
        self.dir = Path(directory)
        self.context = context_key(model)
        self.written = False

    def key(self, data: bytes) -> str:
        return content_key(data, self.context)

    def get(self, key: str, label: str) -> FileFacts | None:
        """What the file with this key gave, named `label`; None if not cached (or the
        entry is unusable)."""
        record = self._load(key)
        if record is None:
            return None
        try:
            _check_record(record)
            return from_record(record, label)
        except (ValueError, TypeError, IndexError):
            log.debug("cache entry %s has the wrong shape; ignored", key)
            return None

    def put(self, key: str, blob: bytes, record: Record) -> None:
        """Keep `blob`, the marshalled `record` of the file with this key."""
        if any(p[0] is not None for part in record[:2] for p in part):
            return  # a problem placed in another file: not valid under another name (never, today)
        self._store(key, blob)

    def set_problems(self, files: list[tuple[str, str]], strict: bool) -> list[Problem] | None:
        """The set-wide problems of these files (label, key), in this order; None if not cached."""
        raw = self._load(self._set_key(files, strict))
        if raw is None:
            return None
        try:
            return [Problem(*_problem(p)) for p in raw]
        except (ValueError, TypeError):
            return None

    def put_set_problems(self, files: list[tuple[str, str]], strict: bool, problems: list[Problem]) -> None:
        rows = [(p.file, p.line, p.col, p.field, p.reason, p.severity) for p in problems]
        self._store(self._set_key(files, strict), marshal.dumps(rows))

    def tidy(self) -> None:
        """Remove entries (and temporary files) not used for `MAX_AGE_DAYS`, after a read
        that wrote new ones."""
        if not self.written:
            return
        cutoff = time.time() - MAX_AGE_DAYS * 86400
        try:
            with os.scandir(self.dir) as entries:
                for entry in entries:
                    if entry.name.endswith((SUFFIX, ".tmp")) and entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
        except OSError as e:
            log.debug("tidying the fact cache: %s", e)

    # -- entries -------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.dir / f"{key}{SUFFIX}"

    def _set_key(self, files: list[tuple[str, str]], strict: bool) -> str:
        h = hashlib.blake2b(b"set-wide rules, strict=%d\0" % strict, digest_size=DIGEST, key=self.context)
        for label, key in files:
            h.update(label.encode("utf-8", "surrogatepass") + b"\0" + key.encode("ascii") + b"\0")
        return "set-" + h.hexdigest()

    def _load(self, key: str) -> Any:
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        head = MAGIC + key.encode("ascii") + b"\n"
        body = raw[len(head) + DIGEST:]
        if not raw.startswith(head) or raw[len(head):len(head) + DIGEST] != _digest(body):
            log.debug("cache entry %s is not one of ours or is damaged; ignored", path)
            return None
        try:
            value = marshal.loads(body)
        except (ValueError, EOFError, TypeError):
            return None
        try:
            os.utime(path)  # used: keep it through `tidy`
        except OSError:
            pass
        return value

    def _store(self, key: str, blob: bytes) -> None:
        path = self._path(key)
        tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(MAGIC + key.encode("ascii") + b"\n" + _digest(blob))
                f.write(blob)
            os.replace(tmp, path)  # whole or not at all; a torn write fails the digest
            self.written = True
        except OSError as e:
            log.warning("could not write to the fact cache %s: %s", self.dir, e)
            try:
                tmp.unlink()
            except OSError:
                pass


def _digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=DIGEST).digest()


# -- what an entry may hold ---------------------------------------------------------


def _problem(p: Any) -> tuple:
    file, line, col, field, reason, severity = p
    if not (type(file) is str and type(line) is int and type(col) is int and type(field) is str
            and type(reason) is str and severity in ("error", "warning")):
        raise ValueError("not a problem")
    return p


def _check_record(record: Any) -> None:
    """ValueError (or TypeError) unless `record` has the shape `read_file` gives: the
    parts the rules and the loader rely on (ids, kinds, lists, positions) typed."""
    if (type(record) is not tuple or len(record) != 5 or not all(type(part) is list for part in record[:4])
            or type(record[4]) is not dict):
        raise ValueError("not a record")
    for part in record[:2]:
        for p in part:
            if p[0] is not None:
                raise ValueError("a problem in another file")
            _problem(("", *p[1:]))
    str_, list_, dict_, int_ = str, list, dict, int
    for eid, kind, fields_, sources, quotes, line, col, at, path in record[2]:
        if not (type(eid) is str_ and type(kind) is str_ and type(fields_) is dict_ and type(sources) is list_
                and type(quotes) is list_ and type(line) is int_ and type(col) is int_ and type(at) is dict_
                and type(path) is str_):
            raise ValueError("not an entity")
    for a, rtype, b, props, sources, quotes, line, col, at, path in record[3]:
        if not (type(a) is str_ and type(rtype) is str_ and type(b) is str_ and type(props) is dict_
                and type(sources) is list_ and type(quotes) is list_ and type(line) is int_ and type(col) is int_
                and type(at) is dict_ and type(path) is str_):
            raise ValueError("not a relation")
    for text, key in record[4].items():
        if type(text) is not str_ or type(key) is not str_:
            raise ValueError("not a folded name")


# -- the context of a key -------------------------------------------------------------


def context_key(model: Model) -> bytes:
    """What, besides a file's bytes, decides what reading it gives."""
    h = hashlib.blake2b(digest_size=DIGEST)
    h.update(_code())
    h.update(f"{sy.MAX_BYTES} {sy.MAX_DEPTH} {getattr(sy.LOADER, '__name__', sy.LOADER)}\n".encode())
    h.update(_canonical(model).encode("utf-8", "surrogatepass"))
    return h.digest()


@functools.cache
def _code() -> bytes:
    h = hashlib.blake2b(digest_size=DIGEST)
    h.update(f"{sys.version}\n{marshal.version}\n{yaml.__version__} {yaml.__with_libyaml__}\n".encode())
    for name in CODE:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        try:
            h.update(Path(file).read_bytes() if file else name.encode())
        except OSError:
            from graph import __version__

            h.update(f"{name} {__version__}".encode())
    return h.digest()


def _canonical(obj: Any) -> str:
    """A text of `obj` that is the same in every process (sets sorted, no ids)."""
    if is_dataclass(obj) and not isinstance(obj, type):
        inner = ",".join(f"{f.name}={_canonical(getattr(obj, f.name))}" for f in fields(obj))
        return f"{type(obj).__qualname__}({inner})"
    if isinstance(obj, Mapping):
        return "{" + ",".join(f"{_canonical(k)}:{_canonical(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, (set, frozenset)):
        return "set(" + ",".join(sorted(_canonical(x) for x in obj)) + ")"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(_canonical(x) for x in obj) + "]"
    return repr(obj)
