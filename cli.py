"""The `cisfilm` command line: thin Typer wrappers over `graph/`.

This is the only module that reads environment variables (through Typer's
`envvar=`); everything below receives explicit values.
"""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import typer

from graph import __version__
from graph.connection import Settings, open_driver
from graph.errors import CisfilmError, InvalidData
from graph.server import ManagedServer, default_cache, default_home

ROOT = Path(__file__).resolve().parent

app = typer.Typer(
    help="cisfilm: a knowledge graph of the CIS film co-production ecosystem.\n\n"
         "YAML facts with their sources load into Neo4j, answer stored Cypher questions, "
         "and export as RDF. With no NEO4J_URI, commands use (and start) a managed local Neo4j.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
server_app = typer.Typer(help="Manage the local Neo4j (fetched from Maven Central on first use).",
                         no_args_is_help=True)
app.add_typer(server_app, name="server")


@dataclass
class Options:
    uri: Optional[str]
    user: str
    password: Optional[str]
    database: Optional[str]
    home: Path
    cache: Path

    def server(self) -> ManagedServer:
        return ManagedServer(self.home, self.cache)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cisfilm {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    uri: Optional[str] = typer.Option(None, "--uri", envvar="NEO4J_URI",
                                      help="Neo4j URI (bolt://, neo4j://, neo4j+s://). Unset: the managed local server."),
    user: str = typer.Option("neo4j", "--user", envvar="NEO4J_USERNAME", help="Neo4j user."),
    password: Optional[str] = typer.Option(None, "--password", envvar="NEO4J_PASSWORD", show_default=False,
                                           help="Neo4j password (for --uri; the managed server keeps its own)."),
    database: Optional[str] = typer.Option(None, "--database", envvar="NEO4J_DATABASE",
                                           help="Neo4j database (default: the server's default)."),
    home: Path = typer.Option(None, "--home", envvar="CISFILM_HOME", show_default=False,
                              help="Home of the managed server [default: $XDG_DATA_HOME/cisfilm]."),
    cache: Path = typer.Option(None, "--cache", envvar="CISFILM_CACHE", show_default=False,
                               help="Where fetched Neo4j jars are cached [default: $XDG_CACHE_HOME/cisfilm]."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    ctx.obj = Options(uri=uri, user=user, password=password, database=database,
                      home=home or default_home(os.environ), cache=cache or default_cache(os.environ))


def _err(message: str) -> None:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn every cisfilm error into one clean message and exit code 1."""
    try:
        yield
    except InvalidData as e:
        for p in e.problems:
            typer.echo(str(p), err=True)
        _err(str(e))
        raise typer.Exit(1)
    except CisfilmError as e:
        _err(str(e))
        raise typer.Exit(1)


def settings(opts: Options, *, start: bool = True) -> Settings:
    """Connection settings: NEO4J_URI if given, else the managed server (started when needed)."""
    if opts.uri:
        return Settings(uri=opts.uri, user=opts.user, password=opts.password or "", database=opts.database)
    server = opts.server()
    status = server.status()
    if not status.running and start:
        typer.echo("Starting the managed Neo4j...", err=True)
        status, _ = server.start(log=lambda m: typer.echo(m, err=True))
    if not status.running:
        raise CisfilmError("the managed Neo4j is not running: run `cisfilm server start`")
    return Settings(uri=status.uri, user=status.user, password=server.password(), database=opts.database)


@contextmanager
def driver(opts: Options):
    drv = open_driver(settings(opts))
    try:
        yield drv
    finally:
        drv.close()


# -- server ------------------------------------------------------------------

@server_app.command("start")
def server_start(
    ctx: typer.Context,
    bolt_port: Optional[int] = typer.Option(None, help="Bolt port [default: 7687, or a free one]."),
    http_port: Optional[int] = typer.Option(None, help="HTTP/Browser port [default: 7474, or a free one]."),
    show_password: bool = typer.Option(False, "--show-password", help="Also print the password."),
) -> None:
    """Fetch Neo4j on first use, start it on 127.0.0.1 and wait until Bolt answers."""
    opts: Options = ctx.obj
    with _errors():
        server = opts.server()
        import time
        t0 = time.monotonic()
        status, started = server.start(bolt_port=bolt_port, http_port=http_port,
                                       log=lambda m: typer.echo(m, err=True))
        took = time.monotonic() - t0
        if started:
            typer.echo(f"Neo4j {status.version} started in {took:.1f} s (pid {status.pid}).")
        else:
            typer.echo(f"Neo4j is already running (pid {status.pid}).")
        _print_status(status, server if show_password else None)


@server_app.command("stop")
def server_stop(ctx: typer.Context) -> None:
    """Stop the managed Neo4j cleanly."""
    with _errors():
        if ctx.obj.server().stop():
            typer.echo("Neo4j stopped.")
        else:
            typer.echo("Neo4j is not running.")


@server_app.command("status")
def server_status(
    ctx: typer.Context,
    format: str = typer.Option("text", "--format", help="text or json."),
    show_password: bool = typer.Option(False, "--show-password", help="Also print the password."),
) -> None:
    """Print URI, Browser URL, PID, version and home of the managed Neo4j (exit 3 when stopped)."""
    with _errors():
        server = ctx.obj.server()
        status = server.status()
        if format == "json":
            data = {k: getattr(status, k) for k in
                    ("running", "uri", "browser_url", "user", "password_file", "pid", "version", "home")}
            if show_password:
                data["password"] = server.password()
            typer.echo(json.dumps(data, indent=2))
        elif format == "text":
            typer.echo("Neo4j is running." if status.running else "Neo4j is not running.")
            _print_status(status, server if show_password else None)
        else:
            raise CisfilmError(f"unknown format {format!r}: use text or json")
        if not status.running:
            raise typer.Exit(3)


def _print_status(status, server: Optional[ManagedServer]) -> None:
    rows = [("URI", status.uri or "-"), ("Browser", status.browser_url or "-"), ("User", status.user),
            ("Password file", status.password_file), ("PID", str(status.pid or "-")),
            ("Version", status.version), ("Home", status.home)]
    if server is not None:
        rows.append(("Password", server.password()))
    for k, v in rows:
        typer.echo(f"  {k + ':':<15}{v}")


# -- stats -------------------------------------------------------------------

@app.command("stats")
def stats_cmd(
    ctx: typer.Context,
    format: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Counts by kind and relationship type, facts per source, facts with a single source."""
    from graph.stats import graph_stats

    opts: Options = ctx.obj
    with _errors(), driver(opts) as drv:
        st = graph_stats(drv, opts.database)
        if format == "json":
            typer.echo(json.dumps(st.as_dict(), indent=2, ensure_ascii=False))
            return
        if format != "table":
            raise CisfilmError(f"unknown format {format!r}: use table or json")
        from rich.console import Console
        from rich.table import Table

        console = Console()
        for title, data in (("Entities by kind", st.nodes_by_kind),
                            ("Relationships by type", st.relations_by_type),
                            ("Facts per source", st.facts_per_source)):
            table = Table(title=title, title_justify="left")
            table.add_column("name")
            table.add_column("count", justify="right")
            for k, v in data.items():
                table.add_row(k, str(v))
            console.print(table)
        typer.echo(f"{st.nodes} entities, {st.relations} relationships; facts with a single source: "
                   f"{st.single_source_nodes} entities, {st.single_source_relations} relationships.")


# -- entry point -------------------------------------------------------------

def run() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
