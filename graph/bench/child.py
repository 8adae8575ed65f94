"""Benchmark jobs run in a child process: the load with the pure-Python driver, and the
RDF export's peak memory. The child gets its job (with the credentials) as the first
line on stdin, never in argv, then answers one JSON line per request line."""
from __future__ import annotations

import json
import subprocess
import sys

from graph.errors import CisfilmError
from graph.store.connection import Settings, open_driver


def _code(pure_python: bool) -> str:
    # The child imports this package from where the parent did (a checkout or an
    # install), whatever its working directory.
    parts = [f"import sys; sys.path[:] = {sys.path!r}"]
    if pure_python:
        parts.append("sys.modules['neo4j._rust'] = None")  # the driver's `import neo4j._rust` now fails
    parts.append("from graph.bench.child import main; main()")
    return "; ".join(parts)


def settings_dict(s: Settings) -> dict:
    return {"uri": s.uri, "user": s.user, "password": s.password, "database": s.database}


class Child:
    """A child process serving one job: `ask("run")` → its JSON answer."""

    def __init__(self, job: dict):
        self.job = job
        self.proc: subprocess.Popen | None = None

    def start(self) -> dict:
        code = _code(pure_python=self.job["job"] == "load")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self._send(json.dumps(self.job))
        return self._answer()

    def ask(self, request: str) -> dict:
        self._send(request)
        return self._answer()

    def _send(self, line: str) -> None:
        assert self.proc and self.proc.stdin
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            self._failed()

    def _answer(self) -> dict:
        assert self.proc and self.proc.stdout
        line = self.proc.stdout.readline()
        if not line:
            self._failed()
        return json.loads(line)

    def _failed(self):
        assert self.proc
        self.proc.kill()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        self.proc.wait()
        tail = "\n".join(err.strip().splitlines()[-8:])
        raise CisfilmError(f"benchmark child process ({self.job['job']}) failed:\n{tail}")

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self._send("quit")
                self.proc.wait(timeout=60)
            except (CisfilmError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def run_child(job: dict) -> dict:
    """A one-answer job: start a child, return its first answer, close it."""
    child = Child(job)
    try:
        return child.start()
    finally:
        child.close()


def main() -> None:
    """The child's side: read the job, then answer requests until `quit` or end of input."""
    # The sections import `Child`, so their jobs are imported here, in the child only.
    from graph.bench.common import rust_ext
    from graph.bench.load import loader_round
    from graph.bench.rdf import export_memory
    from graph.facts import read_facts
    from graph.model.schema import load_model

    job = json.loads(sys.stdin.readline())
    if job["job"] == "rebuild":  # restarts the server: no driver of its own
        from graph.bench.bulk import rebuild_job

        sys.stdout.write(json.dumps(rebuild_job(job)) + "\n")
        sys.stdout.flush()
        return
    st = Settings(**job["settings"])
    model = load_model(job["schema"])
    driver = open_driver(st)

    def answer(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    try:
        if job["job"] == "export":
            answer(export_memory(driver, model, job["format"], st.database))
            return
        warm, _ = read_facts(job["warm"], model)
        facts, _ = read_facts(job["paths"], model)
        loader_round(driver, model, warm, st.database)
        answer({"ready": True})
        for line in sys.stdin:
            request = line.strip()
            if request == "run":
                answer(loader_round(driver, model, facts, st.database))
            elif request == "info":
                answer({"rust_ext": rust_ext()})
            else:
                break
    finally:
        driver.close()
