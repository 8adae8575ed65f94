"""One question from the terminal: the wall time of `cisfilm query` against a minimal driver
script running the same Cypher with the same parameters on the same server.

    python -m graph.bench.cli_query [--runs 15] [--template partners] [-p org=Беларусьфильм]

Each measure is a new process, timed from spawn to exit, in interleaved rounds (the
machine's load drifts; `common.rounds`), after one untimed warm-up. The CLI is run as a
user would type it (the managed server, or NEO4J_URI & co. from the environment it
inherits); the driver script connects where the CLI does (`cisfilm server status`, or
--uri/--user/--password-file). Measures:

- `cisfilm query` with the read-only check cached by an earlier run (the warm-up), and
  with an empty cache directory each time (it `EXPLAIN`s);
- the driver script: `neo4j.GraphDatabase.driver(...).execute_query(text, params)`, CSV out;
- the floors: `python -c pass`, `python -c "import neo4j"`, and `cisfilm --help`.

Ratios are the median over rounds of (measure ÷ driver script in the same round), of the
wall time and of the process's CPU time (user + system; less disturbed by other work on a
busy machine, but blind to waiting on the server).
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from graph.bench.common import round_ratio

SCRIPT = '''\
import csv, json, sys
import neo4j

job = json.loads(open(sys.argv[1], encoding="utf-8").read())
with neo4j.GraphDatabase.driver(job["uri"], auth=(job["user"], job["password"])) as driver:
    records, _, keys = driver.execute_query(job["query"], job["params"], database_=job["database"],
                                            routing_=neo4j.RoutingControl.READ)
out = csv.writer(sys.stdout, lineterminator="\\n")
out.writerow(keys)
out.writerows(r.values() for r in records)
'''


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m graph.bench.cli_query", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="timed rounds (default 15)")
    ap.add_argument("--template", default="partners", help="stored template to ask (default partners)")
    ap.add_argument("-p", "--param", action="append", metavar="KEY=VALUE",
                    help="template parameter, as for cisfilm query (default org=Беларусьфильм for partners)")
    ap.add_argument("--cisfilm", type=Path, default=None,
                    help="the cisfilm executable (default: the one beside this Python)")
    ap.add_argument("--uri", help="where the driver script connects (default: from `cisfilm server status`)")
    ap.add_argument("--user", default="neo4j")
    ap.add_argument("--password-file", type=Path, help="password for --uri, in a file")
    ap.add_argument("--database", default=None)
    ap.add_argument("--also", action="append", default=[], metavar="LABEL=EXECUTABLE",
                    help="also time this cisfilm (another checkout, another typer, ...) in the same rounds")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    params = args.param if args.param is not None else (["org=Беларусьфильм"] if args.template == "partners" else [])

    cisfilm = str(args.cisfilm or Path(sys.executable).with_name("cisfilm"))
    if not Path(cisfilm).exists():
        cisfilm = shutil.which("cisfilm") or sys.exit("no cisfilm executable: give --cisfilm")
    if args.uri:
        uri, user = args.uri, args.user
        password = args.password_file.read_text().strip() if args.password_file else ""
    else:
        status = json.loads(_run([cisfilm, "server", "status", "--format", "json", "--show-password"]).stdout)
        uri, user, password = status["uri"], status["user"], status["password"]

    query_args = ["query", args.template, *(a for p in params for a in ("-p", p)), "--format", "csv"]
    if args.database:
        query_args = ["--database", args.database, *query_args]
    with tempfile.TemporaryDirectory(prefix="cisfilm-bench-") as tmp:
        job = Path(tmp) / "job.json"
        job.touch(mode=0o600)
        text, values = _question(uri, user, password, args.database, args.template, params)
        job.write_text(json.dumps({"uri": uri, "user": user, "password": password, "database": args.database,
                                   "query": text, "params": values}), encoding="utf-8")
        script = Path(tmp) / "driver_query.py"
        script.write_text(SCRIPT, encoding="utf-8")
        cold = Path(tmp) / "cold-cache"

        def cold_run() -> None:
            shutil.rmtree(cold, ignore_errors=True)
            _run([cisfilm, "--cache", str(cold), *query_args])

        def command(*cmd: str) -> Callable[[], object]:
            return lambda: _run(list(cmd))

        measures: dict[str, Callable[[], object]] = {
            "driver script": command(sys.executable, str(script), str(job)),
            "cisfilm query, check cached": command(cisfilm, *query_args),
            "cisfilm query, empty cache (EXPLAIN)": cold_run,
            **{f"{label} query": command(exe, *query_args) for label, exe in (a.split("=", 1) for a in args.also)},
            "python -c pass": command(sys.executable, "-c", "pass"),
            "python -c 'import neo4j'": command(sys.executable, "-c", "import neo4j"),
            "cisfilm --help": command(cisfilm, "--help"),
        }
        cli_rows = _run([cisfilm, *query_args]).stdout.count("\n")  # also the warm-up
        script_rows = _run([sys.executable, str(script), str(job)]).stdout.count("\n")
        if cli_rows != script_rows:
            sys.exit(f"the CLI printed {cli_rows} lines, the driver script {script_rows}: not the same question")
        for fn in measures.values():  # warm-up: file caches, the server's query cache
            fn()
        times, cpu = _rounds(args.runs, measures)

    base, cpu_base = times["driver script"], cpu["driver script"]
    if sys.flags.dont_write_bytecode:
        print("Note: PYTHONDONTWRITEBYTECODE is set, so cisfilm's own modules are compiled from source on "
              "every run (the driver's come precompiled with it): unset it for the figures a user sees.")
    print(f"`cisfilm {' '.join(query_args)}` vs a driver script, {args.runs} interleaved rounds, "
          f"{cli_rows - 1} rows, {uri}")
    print(f"{'':<40}{'wall ms':>18}{'':>10}{'CPU ms':>9}")
    print(f"{'measure':<40}{'median':>9}{'min':>9}{'× script':>10}{'median':>9}{'× script':>10}")
    report = {}
    for name, xs in times.items():
        ratio, cpu_ratio = round_ratio(xs, base), round_ratio(cpu[name], cpu_base)
        report[name] = {"median_ms": round(statistics.median(xs) * 1000, 1), "min_ms": round(min(xs) * 1000, 1),
                        "ratio": round(ratio, 3), "cpu_median_ms": round(statistics.median(cpu[name]) * 1000, 1),
                        "cpu_ratio": round(cpu_ratio, 3)}
        print(f"{name:<40}{statistics.median(xs) * 1000:>9.1f}{min(xs) * 1000:>9.1f}{ratio:>10.2f}"
              f"{statistics.median(cpu[name]) * 1000:>9.1f}{cpu_ratio:>10.2f}")
    got = report["cisfilm query, check cached"]
    print(f"cisfilm query ÷ driver script: {got['ratio']:.2f} wall, {got['cpu_ratio']:.2f} CPU (target ≤ 1.3 wall)")
    if args.json:
        args.json.write_text(json.dumps({"command": query_args, "runs": args.runs, "rows": cli_rows - 1,
                                         "measures": report}, indent=2, ensure_ascii=False) + "\n")
    return 0


def _question(uri: str, user: str, password: str, database: str | None, name: str,
              params: list[str]) -> tuple[str, dict]:
    """The template's Cypher and the parameters it runs with (entities resolved to ids),
    as `run_template` binds them: what the driver script is given."""
    from graph import resources
    from graph.store.connection import Settings, open_driver
    from graph.templates import get_template, load_templates, parse_assignments, run_template

    template = get_template(load_templates(resources.queries_dir()), name)
    driver = open_driver(Settings(uri=uri, user=user, password=password, database=database))
    try:
        result = run_template(driver, template, parse_assignments(params), database=database)
    finally:
        driver.close()
    return template.text, {"as_of": None, **result.params}


Times = dict[str, list[float]]


def _rounds(runs: int, measures: dict[str, Callable[[], object]]) -> tuple[Times, Times]:
    """Interleaved rounds (as `common.rounds`): wall and child CPU seconds of every measure."""
    wall: Times = {name: [] for name in measures}
    cpu: Times = {name: [] for name in measures}
    for _ in range(runs):
        for name, fn in measures.items():
            r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
            fn()
            t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            wall[name].append(t1 - t0)
            cpu[name].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return wall, cpu


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr}")
    return done


if __name__ == "__main__":
    sys.exit(main())
