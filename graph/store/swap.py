"""Switching the managed server's database to a store built beside it, journaled.

A rebuild (`graph.store.rebuild`) imports a new store into a staging data directory,
then, with the server stopped, moves the live database's store and transaction-log
directories aside and the new ones in. A journal (`rebuild/switch.json` in the server
home) written before the first move says which run is switching, by which process, and
whether the switch was committed (the new store answered with the right counts). Whoever
finds a journal whose process is gone finishes the job: committed → the old store is
deleted; otherwise → the moves are undone, the old store is back and the new one deleted.
`ManagedServer.start` does this first, so a kill at any moment — the rebuild, the server,
the machine — leaves the previous graph or the new, checked one, never a mix.

Every move is a rename inside the server home (one filesystem): atomic, and each step of
a roll-back is safe to repeat.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

DATABASE = "neo4j"  # Community serves one user database
REBUILD_DIR = "rebuild"  # in the server home: runs, the journal, the lock
JOURNAL = "switch.json"
# a store's two directories, relative to a data directory
STORE_DIRS = (Path("databases") / DATABASE, Path("transactions") / DATABASE)


def rebuild_root(home: Path) -> Path:
    return home / REBUILD_DIR


def journal_path(home: Path) -> Path:
    return rebuild_root(home) / JOURNAL


def process_token(pid: int) -> str | None:
    """pid and start time: a pid the system reused for another process is not the owner."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f"{pid}:{f.read().rsplit(') ', 1)[1].split()[19]}"
    except (OSError, IndexError):
        return None


def owner_alive(journal: dict) -> bool:
    token = journal.get("owner", "")
    pid = int(token.split(":", 1)[0] or 0) if token else 0
    return pid > 0 and process_token(pid) == token


def read_journal(home: Path) -> dict | None:
    try:
        text = journal_path(home).read_text()
    except OSError:  # none (or no home at all): nothing pending
        return None
    try:
        return json.loads(text)
    except ValueError:  # garbage (it is replaced atomically, never torn): roll back
        return {"state": "switching", "run": None}


def write_journal(home: Path, journal: dict) -> None:
    path = journal_path(home)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        f.write(json.dumps(journal))
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Switch:
    """The directories of one switch: the live data directory, the run's staging data
    directory (the new store) and where the old store waits (`old/`)."""

    def __init__(self, home: Path, run: Path):
        self.home = home
        self.run = run
        self.live = home / "data"
        self.new = run / "home" / "data"  # the staging server's store (graph.store.rebuild)
        self.old = run / "old"

    def begin(self) -> None:
        """Journal the switch before anything moves (the server may still run)."""
        token = process_token(os.getpid())
        write_journal(self.home, {"state": "switching", "run": str(self.run), "owner": token})

    def move_in(self) -> None:
        """Old store aside, new store in; the server must be stopped."""
        for rel in STORE_DIRS:
            live, old = self.live / rel, self.old / rel
            if live.exists() and not old.exists():
                old.parent.mkdir(parents=True, exist_ok=True)
                live.rename(old)
        if (self.old / "databases").exists():
            _fsync_dir(self.old / "databases")
        for rel in STORE_DIRS:
            new, live = self.new / rel, self.live / rel
            live.parent.mkdir(parents=True, exist_ok=True)
            new.rename(live)
            _fsync_dir(live.parent)

    def commit(self) -> None:
        """The new store is the store: journal it, then delete the old one and the run."""
        journal = read_journal(self.home) or {}
        write_journal(self.home, {**journal, "state": "committed"})
        finish(self.home)

    def roll_back(self) -> None:
        """Put the old store back (the server must be stopped) and delete the run."""
        finish(self.home)


def finish(home: Path) -> str | None:
    """Complete or undo the journaled switch; returns "committed", "rolled back" or None
    (no switch was pending). The server must be stopped. Safe to repeat after a kill."""
    journal = read_journal(home)
    if journal is None:
        return None
    run = Path(journal["run"]) if journal.get("run") else _run_with_old_store(home)
    done = "committed" if journal.get("state") == "committed" else "rolled back"
    if run is not None and done == "rolled back":
        live, old, failed = home / "data", run / "old", run / "failed"
        for rel in STORE_DIRS:
            if (old / rel).exists():  # the old store was moved aside: whatever is live now is new
                if (live / rel).exists():
                    (failed / rel).parent.mkdir(parents=True, exist_ok=True)
                    (live / rel).rename(failed / rel)
                (old / rel).rename(live / rel)
        if (live / "databases").exists():
            _fsync_dir(live / "databases")
    if run is not None:
        shutil.rmtree(run, ignore_errors=True)
    journal_path(home).unlink(missing_ok=True)
    return done


def _run_with_old_store(home: Path) -> Path | None:
    """The run holding an old store aside, when the journal could not be read."""
    runs = [p for p in rebuild_root(home).glob("run-*") if (p / "old").exists()]
    return runs[0] if len(runs) == 1 else None
