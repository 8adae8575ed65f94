"""The `cisfilm` command line: thin Typer wrappers over `graph/`.

This is the only module that reads environment variables (through Typer's
`envvar=`); everything below receives explicit values.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from graph import __version__, resources
from graph.errors import CisfilmError, InvalidData, first_line
from graph.store.connection import Settings, open_driver
from graph.store.server import HEAP, PAGECACHE, ManagedServer, default_cache, default_home

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


# -- options shared by several commands, declared once ------------------------------

def _choice(*choices: str, aliases: dict[str, str] | None = None) -> Callable[[str], str]:
    """A --format value checked when the command line is parsed, before anything connects;
    `aliases` keep older spellings working (`text` for `table`)."""
    def parse(value: str) -> str:
        value = (aliases or {}).get(value, value)
        if value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of: {', '.join(choices)}")
        return value
    return parse


# The choices are the library's (graph.templates.FORMATS, graph.rdf.FORMATS; a test keeps
# them equal) written out here so that `--help` and parsing import neither.
TABLE_FORMATS = ("table", "json")
QUERY_FORMATS = ("table", "json", "csv")
RDF_FORMATS = ("ttl", "nt", "jsonld", "xml", "trig", "nq")


def _format(*choices: str, help: str = "") -> typer.models.OptionInfo:
    return typer.Option("--format", "-f", parser=_choice(*choices, aliases={"text": "table"}),
                        metavar="|".join(choices), help=help or f"Output format: {', '.join(choices)}.")


SchemaOpt = Annotated[Path | None, typer.Option(
    "--schema", envvar="CISFILM_SCHEMA", show_default=False, metavar="DIR",
    help="Schema directory (default: schema/ of the checkout, else the one installed with cisfilm).")]
TemplatesOpt = Annotated[Path | None, typer.Option(
    "--templates", envvar="CISFILM_QUERIES", show_default=False, metavar="DIR",
    help="Directory of stored *.cypher templates (default: queries/ of the checkout, else the installed one).")]
PathsArg = Annotated[list[Path] | None, typer.Argument(
    show_default=False, help="Fact files or directories (default: seeds/ of the checkout, else the installed one).")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat likely duplicates as errors.")]
TableOrJson = Annotated[str, _format(*TABLE_FORMATS)]


def _schema(path: Path | None) -> Path:
    return path or resources.schema_dir()


def _templates(path: Path | None) -> Path:
    return path or resources.queries_dir()


def _seeds(paths: list[Path] | None) -> list[Path]:
    return list(paths) if paths else [_shown(resources.seeds_dir())]


def _fact_cache(opts: Options) -> Path:
    """Where what was read from fact files is cached by content (graph.facts.cache)."""
    return opts.cache / "facts"


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it lies under it (shorter messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


@dataclass
class Options:
    uri: str | None
    user: str
    password: str | None
    database: str | None
    home: Path
    cache: Path
    heap: str = HEAP
    pagecache: str = PAGECACHE

    def server(self) -> ManagedServer:
        return ManagedServer(self.home, self.cache, heap=self.heap, pagecache=self.pagecache,
                             extra_conf=_browser_conf)


def _browser_conf() -> str:
    """Browser applies the cisfilm style (from the default schema) whenever it connects."""
    from graph.browser import post_connect_conf

    return post_connect_conf()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cisfilm {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    uri: str | None = typer.Option(None, "--uri", envvar="NEO4J_URI",
                                      help="Neo4j URI (bolt://, neo4j://, neo4j+s://). "
                                           "Unset: the managed local server."),
    user: str = typer.Option("neo4j", "--user", envvar="NEO4J_USERNAME", help="Neo4j user."),
    password: str | None = typer.Option(None, "--password", envvar="NEO4J_PASSWORD", show_default=False,
                                           help="Neo4j password (for --uri; the managed server keeps its own)."),
    database: str | None = typer.Option(None, "--database", envvar="NEO4J_DATABASE",
                                           help="Neo4j database (default: the server's default)."),
    home: Path = typer.Option(None, "--home", envvar="CISFILM_HOME", show_default=False,
                              help="Home of the managed server (default: $XDG_DATA_HOME/cisfilm)."),
    cache: Path = typer.Option(None, "--cache", envvar="CISFILM_CACHE", show_default=False,
                               help="Cache of fetched Neo4j jars and of templates already checked read-only "
                                    "(default: $XDG_CACHE_HOME/cisfilm)."),
    heap: str = typer.Option(HEAP, "--heap", envvar="CISFILM_HEAP", metavar="SIZE",
                             help="Heap of the managed server: a plain load is one transaction and must fit "
                                  "in its transaction memory (70% of the heap; larger loads: --batch-size or "
                                  "--rebuild). Applies when it starts."),
    pagecache: str = typer.Option(PAGECACHE, "--pagecache", envvar="CISFILM_PAGECACHE", metavar="SIZE",
                                  help="Page cache of the managed server. Applies when it starts."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    ctx.obj = Options(uri=uri, user=user, password=password, database=database,
                      home=home or default_home(os.environ), cache=cache or default_cache(os.environ),
                      heap=heap, pagecache=pagecache)


def _err(message: str) -> None:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)


def _driver_errors() -> tuple[type[BaseException], ...]:
    """Neo4j's error types, once the driver is imported; before that none can have been raised.
    (An `except` clause is evaluated only when an exception reaches it, so commands that never
    connect do not import the driver.)"""
    nx = sys.modules.get("neo4j.exceptions")
    return (nx.Neo4jError, nx.DriverError) if nx else ()


@contextmanager
def _errors() -> Iterator[None]:
    """Turn every cisfilm error into one clean message and exit code 1."""
    try:
        yield
    except InvalidData as e:
        for p in e.problems:
            typer.echo(str(p), err=True)
        _err(str(e))
        raise typer.Exit(1) from None
    except CisfilmError as e:
        _err(str(e))
        raise typer.Exit(1) from None
    except _driver_errors() as e:  # a server-side refusal not mapped below the CLI
        _err(f"Neo4j: {first_line(e)}")
        raise typer.Exit(1) from None


def settings(opts: Options, *, start: bool = True) -> Settings:
    """Connection settings: NEO4J_URI if given, else the managed server (started when needed)."""
    if opts.uri:
        return Settings(uri=opts.uri, user=opts.user, password=opts.password or "", database=opts.database)
    server = opts.server()
    status = server.status()
    if not status.running and start:
        typer.echo("Starting the managed Neo4j...", err=True)
        status, _ = server.start(log=lambda m: typer.echo(m, err=True))
    if not status.running or not status.uri:
        raise CisfilmError("the managed Neo4j is not running: run `cisfilm server start`")
    return Settings(uri=status.uri, user=status.user, password=server.password(), database=opts.database)


def _neo4j_without_numpy() -> None:
    """Import the driver without numpy. The driver imports numpy whenever it is installed (it
    is, for `cisfilm draft`'s NER model) only to accept numpy arrays as parameters, which
    cisfilm never sends: that import was 0.3 s of every `cisfilm query`'s start."""
    if "neo4j" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # an import of it fails: "not installed"
    try:
        import neo4j
        import neo4j._optional_deps  # noqa: F401  # where it looks for numpy (neo4j 5.x/6.x)
    except ImportError:
        pass
    finally:
        del sys.modules["numpy"]  # later imports (cisfilm draft in the same process) get the real one


@contextmanager
def driver(opts: Options):
    _neo4j_without_numpy()
    drv = open_driver(settings(opts))
    try:
        yield drv
    finally:
        drv.close()


# -- server ------------------------------------------------------------------

@server_app.command("start")
def server_start(
    ctx: typer.Context,
    bolt_port: int | None = typer.Option(None, help="Bolt port (default: 7687, or a free one)."),
    http_port: int | None = typer.Option(None, help="HTTP/Browser port (default: 7474, or a free one)."),
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
    format: TableOrJson = "table",
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
        else:
            typer.echo("Neo4j is running." if status.running else "Neo4j is not running.")
            _print_status(status, server if show_password else None)
        if not status.running:
            raise typer.Exit(3)


def _print_status(status, server: ManagedServer | None) -> None:
    rows = [("URI", status.uri or "-"), ("Browser", status.browser_url or "-"), ("User", status.user),
            ("Password file", status.password_file), ("PID", str(status.pid or "-")),
            ("Version", status.version), ("Home", status.home)]
    if server is not None:
        rows.append(("Password", server.password()))
    for k, v in rows:
        typer.echo(f"  {k + ':':<15}{v}")


# -- load --------------------------------------------------------------------

@app.command("load")
def load_cmd(
    ctx: typer.Context,
    paths: PathsArg = None,
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Print what would be created, changed and removed; write nothing."),
    prune: bool = typer.Option(False, "--prune", help="Remove loaded facts that are no longer in the files."),
    batch_size: int | None = typer.Option(None, "--batch-size", min=1, metavar="N", show_default=False,
                                          help="Commit in batches of N facts instead of one transaction (any "
                                               "server: remote, cluster, Aura). Until it finishes the graph is "
                                               "marked mid-load; a rerun resumes it."),
    rebuild: bool = typer.Option(False, "--rebuild",
                                 help="Managed server only: rebuild the whole graph from the files with Neo4j's "
                                      "bulk importer into a new store, then switch to it (a short restart; the "
                                      "previous graph serves until then, and after any failure)."),
    drop_hand_made: bool = typer.Option(False, "--drop-hand-made",
                                        help="With --rebuild: drop the nodes and relationships no load wrote "
                                             "(without it, a rebuild refuses when there are any)."),
    strict: StrictOpt = False,
    schema: SchemaOpt = None,
) -> None:
    """Validate fact files, then load them into Neo4j: idempotent and all-or-nothing (--batch-size: resumable;
    --rebuild: through the bulk importer)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table
    from rich.text import Text

    from graph.store.load import load_paths

    opts: Options = ctx.obj
    console = Console(stderr=True)
    if not (rebuild or drop_hand_made or opts.uri or dry_run or batch_size) and opts.database in (None, "neo4j"):
        from graph.store.rebuild import REBUILD_THRESHOLD, large_first_load

        with _errors():
            n = large_first_load(opts.server(), _seeds(paths), log=lambda m: typer.echo(m, err=True))
        if n is not None:  # a first load far faster through the bulk importer
            typer.echo(f"The graph is empty and the files hold about {n} entities (more than {REBUILD_THRESHOLD}): "
                       "loading them through Neo4j's bulk importer, as `load --rebuild` does.", err=True)
            rebuild = True
    if rebuild or drop_hand_made:
        from graph.store.rebuild import rebuild_paths

        with _errors(), Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=console, transient=True, disable=not console.is_terminal) as bar:
            if not rebuild:
                raise CisfilmError("--drop-hand-made goes with --rebuild")
            if opts.uri:
                raise CisfilmError("--rebuild needs the managed server: Neo4j's bulk importer writes the store's "
                                   "files, which a server at NEO4J_URI keeps out of reach. Load without --rebuild "
                                   "(--batch-size N for a large set).")
            if dry_run or batch_size:
                raise CisfilmError("--rebuild replaces the whole graph at once: not with --dry-run or --batch-size")
            if opts.database not in (None, "neo4j"):
                raise CisfilmError("--rebuild rebuilds the managed server's one database, neo4j")
            task = bar.add_task("validating", total=None)
            rebuilt = rebuild_paths(
                opts.server(), _seeds(paths), _schema(schema), strict=strict, drop_hand_made=drop_hand_made,
                progress=lambda stage, done, total: bar.update(task, description=stage, completed=done,
                                                               total=total or None),
                log=lambda m: typer.echo(m, err=True), cache_dir=_fact_cache(opts))
        typer.echo("\n".join(rebuilt.lines()))
        return
    with _errors(), driver(opts) as drv, Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("validating", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total or None)

        result = load_paths(drv, _seeds(paths), _schema(schema), database=opts.database,
                            dry_run=dry_run, prune=prune, strict=strict, progress=progress,
                            batch_size=batch_size, cache_dir=_fact_cache(opts))
    diff = result.diff
    if result.note():
        typer.echo(result.note(), err=True)
    if dry_run:
        table = Table(title="Dry run: nothing was written", title_justify="left")
        for col in ("kind / type", "create", "change", "remove", "unchanged", "not in files"):
            table.add_column(col, justify="left" if col == "kind / type" else "right")
        for row in diff.rows():
            table.add_row(*(Text(str(x)) for x in row))  # Text: a kind read from the graph is not markup
        Console().print(table)
    typer.echo(result.summary())


# -- validate / schema -------------------------------------------------------

@app.command("validate")
def validate_cmd(
    ctx: typer.Context,
    paths: PathsArg = None,
    strict: StrictOpt = False,
    schema: SchemaOpt = None,
) -> None:
    """Check fact files without a database: every problem at once, as file:line:col field — reason."""
    from graph.facts import validate_paths

    with _errors():
        facts, problems = validate_paths(_seeds(paths), _schema(schema), strict, cache_dir=_fact_cache(ctx.obj))
    for p in problems:
        typer.echo(str(p))
    errors = sum(p.severity == "error" for p in problems)
    typer.echo(f"{len(facts.files)} file(s), {len(facts.entities)} entities, {len(facts.relations)} relations: "
               f"{errors} error(s), {len(problems) - errors} warning(s)")
    if errors:
        raise typer.Exit(1)


@app.command("schema")
def schema_cmd(
    json_schema: bool = typer.Option(False, "--json-schema", help="The JSON Schema for fact files (for editors)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write to this file instead of printing."),
    schema: SchemaOpt = None,
) -> None:
    """Check the schema and list its kinds and relationships; or, with --json-schema, print the JSON Schema."""
    from graph.model.jsonschema import render
    from graph.model.schema import load_model

    with _errors():
        model = load_model(_schema(schema))
        if json_schema:
            text = render(model)
        else:
            def fields(specs) -> str:
                return ", ".join(n + ("*" if s.required else "") for n, s in specs.items()) or "-"

            lines = [f"{len(model.kinds)} kinds, {len(model.relations)} relationship types (* required)",
                     f"every kind: {fields(model.common_fields)}"]
            for name, kind in sorted(model.kinds.items()):
                lines.append(f"{name}: {fields(kind.own_fields)}")
                lines += [f"  -[{t}]-> {', '.join(sorted(r.targets[name]))}"
                          for t, r in sorted(model.relations.items()) if name in r.targets]
            text = "\n".join(lines) + "\n"
        if output is None:
            typer.echo(text, nl=False)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            raise CisfilmError(f"cannot write {output}: {e.strerror or e}") from None
        typer.echo(f"Wrote {output}.")


# -- queries -----------------------------------------------------------------

def _complete_template(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion: template names with their descriptions."""
    from graph.templates import load_templates

    directory = _templates(ctx.params.get("templates"))
    try:
        templates = load_templates(directory)
    except CisfilmError:
        return []
    return [(n, t.description) for n, t in templates.items() if n.startswith(incomplete)]


@app.command("queries")
def queries_cmd(
    format: TableOrJson = "table",
    templates: TemplatesOpt = None,
) -> None:
    """List the stored query templates with their typed parameters."""
    from graph.templates import load_templates

    with _errors():
        found = load_templates(_templates(templates))
        if format == "json":
            typer.echo(json.dumps([t.as_dict() for t in found.values()], indent=2, ensure_ascii=False))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{len(found)} stored queries (cisfilm query NAME -p key=value ...)",
                      title_justify="left", show_lines=True)
        for col in ("name", "parameters", "description"):
            table.add_column(col, overflow="fold")
        for t in found.values():
            params = "\n".join(p.signature() for p in t.params.values()) or "-"
            example = " ".join(t.example_args())
            table.add_row(t.name, params, t.description + (f"\ne.g. {example}" if example else ""))
        Console().print(table)


@app.command("query")
def query_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., autocompletion=_complete_template, show_default=False,
                               help="Template name (see `cisfilm queries`)."),
    param: list[str] | None = typer.Option(None, "-p", "--param", metavar="KEY=VALUE",
                                              help="A parameter; repeat for more (list parameters: a,b or repeated)."),
    format: Annotated[str, _format(*QUERY_FORMATS)] = "table",
    limit: int | None = typer.Option(None, "--limit", min=0, help="Print at most N rows."),
    as_of: str | None = typer.Option(None, "--as-of", metavar="DATE",
                                        help="Answer as of a date (YYYY, YYYY-MM or YYYY-MM-DD), "
                                             "for templates that use it."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.001, help="Seconds before the query is stopped."),
    templates: TemplatesOpt = None,
) -> None:
    """Run a stored template read-only; parameters are typed and checked before anything runs."""
    from graph.templates import find_template, format_result, parse_assignments, rich_table, run_template

    opts: Options = ctx.obj
    with _errors():
        template = find_template(_templates(templates), name)
        raw = parse_assignments(param or [])
        template.check(raw, as_of)  # parameter errors before any connection
        with driver(opts) as drv:
            result = run_template(drv, template, raw, database=opts.database, limit=limit,
                                  as_of=as_of, timeout=timeout, cache_dir=opts.cache)
        if result.mid_load:
            typer.secho(f"Warning: {result.mid_load.notice()}.", fg=typer.colors.YELLOW, err=True)
        for note in result.notes:  # a name found by its dictionary form: say which
            typer.echo(f"Note: {note}.", err=True)
        if format == "table":
            from rich.console import Console

            console = Console()
            if not console.is_terminal:  # piped: one line per row, however wide
                console = Console(width=100_000)
            console.print(rich_table(result), crop=False)
            typer.echo(f"{len(result.rows)} row(s)" + (" (more with a higher --limit)" if result.truncated else ""),
                       err=True)
        else:
            typer.echo(format_result(result, format), nl=False)


# -- export ------------------------------------------------------------------

@app.command("export")
def export_cmd(
    ctx: typer.Context,
    format: Annotated[str | None, _format(*RDF_FORMATS, help=(
        "RDF format: ttl, nt, jsonld, xml, trig or nq (default: from the -o extension, else ttl)."))] = None,
    output: Path | None = typer.Option(None, "-o", "--output", metavar="FILE", show_default=False,
                                          help="Write to FILE (it appears only once the export succeeded) "
                                               "(default: stdout)."),
    base: str = typer.Option("https://w3id.org/cisfilm/", "--base", metavar="IRI",
                             help="Base of the minted IRIs (<base>id/<id>, <base>graph/<source-id>, ...)."),
    validate: bool = typer.Option(False, "--validate",
                                  help="Also check the export against the SHACL shapes from schema/; "
                                       "exit 1 on violations."),
    allow_partial: bool = typer.Option(False, "--allow-partial",
                                       help="Export even while a batched load is unfinished (the graph is "
                                            "mid-load, so the export is partial); refused without it."),
    with_ontology: bool = typer.Option(False, "--with-ontology",
                                       help="Also put the ontology (schema/ontology.ttl) into the output."),
    describe: str | None = typer.Option(None, "--describe", metavar="ID",
                                           help="Only one entity (an id, name or alias) with its facts, "
                                                "and its neighbours' labels."),
    template: str | None = typer.Option(None, "--template", metavar="NAME", autocompletion=_complete_template,
                                           help="Only the entities a stored question returns, with the facts "
                                                "among them (parameters with -p)."),
    param: list[str] | None = typer.Option(None, "-p", "--param", metavar="KEY=VALUE",
                                              help="A parameter of --template; repeat for more."),
    schema: SchemaOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    """Export the live graph as RDF: standard vocabularies, named graphs per source (trig, nq);
    or a part of it (--describe, --template)."""
    import io

    from graph.model.schema import load_model
    from graph.rdf import export, format_for
    from graph.rdf.subset import describe as describe_one

    opts: Options = ctx.obj
    with _errors():
        fmt = format_for(output, format)
        if describe is not None and template is not None:
            raise CisfilmError("give --describe or --template, not both")
        if param and template is None:
            raise CisfilmError("-p/--param is for --template")
        if validate and (describe is not None or template is not None):
            raise CisfilmError("--validate checks the whole export; leave out --describe / --template")
        found = None
        if template is not None:
            from graph.templates import find_template, parse_assignments

            found = find_template(_templates(templates), template)
            raw = parse_assignments(param or [])
            found.check(raw, None)  # parameter errors before any connection
        selection = describe_one(describe) if describe is not None else None
        model = load_model(_schema(schema))
        ontology = _schema(schema) / "ontology.ttl" if with_ontology else None
        with driver(opts) as drv:
            if found is not None:
                from graph.rdf.subset import template_selection

                selection = template_selection(drv, found, raw, database=opts.database)
            if output is not None:
                result = export(drv, model, output, format=fmt, base=base, database=opts.database,
                                allow_partial=allow_partial, ontology=ontology, selection=selection)
            else:
                sys.stdout.flush()
                stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
                try:
                    result = export(drv, model, stream, format=fmt, base=base, database=opts.database,
                                    allow_partial=allow_partial, ontology=ontology, selection=selection)
                    stream.flush()
                except BrokenPipeError:  # `cisfilm export | head`
                    raise typer.Exit(0) from None
                finally:
                    stream.detach()
            if result.mid_load:
                typer.secho(f"Warning: {result.mid_load.notice()}.", fg=typer.colors.YELLOW, err=True)
            typer.echo(result.summary(), err=True)
            if validate:
                from graph.rdf.shacl import validate_export

                violations = validate_export(drv, model, base=base, database=opts.database,
                                             allow_partial=allow_partial)
                for v in violations:
                    typer.echo(str(v), err=True)
                if violations:
                    raise CisfilmError(f"{len(violations)} SHACL violation(s) in the export")
                typer.echo("SHACL: the export conforms to the shapes derived from schema/.", err=True)


# -- stats -------------------------------------------------------------------

@app.command("stats")
def stats_cmd(
    ctx: typer.Context,
    format: TableOrJson = "table",
    brief: bool = typer.Option(False, "--brief",
                               help="Only the summary: entities by kind and the totals, in two lines."),
) -> None:
    """Counts by kind and relationship type, facts per source, facts with a single source."""
    from graph.store.stats import graph_stats

    opts: Options = ctx.obj
    with _errors(), driver(opts) as drv:
        st = graph_stats(drv, opts.database)
        if st.mid_load:  # also in the JSON, as "mid_load"
            typer.secho(f"Warning: {st.mid_load.notice()}.", fg=typer.colors.YELLOW, err=True)
        if format == "json":
            typer.echo(json.dumps(st.as_dict(), indent=2, ensure_ascii=False))
            return
        if brief:
            typer.echo(st.brief())
            return
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = Console()
        for title, data in (("Entities by kind", st.nodes_by_kind),
                            ("Relationships by type", st.relations_by_type),
                            ("Facts per source", st.facts_per_source)):
            table = Table(title=title, title_justify="left")
            table.add_column("name")
            table.add_column("count", justify="right")
            for k, v in data.items():
                table.add_row(Text("" if k is None else str(k)), str(v))  # Text: data from the graph is not markup
            console.print(table)
        typer.echo(f"{st.nodes} entities, {st.relations} relationships; facts with a single source: "
                   f"{st.single_source_nodes} entities, {st.single_source_relations} relationships."
                   + st.reference_line())


# -- browser -----------------------------------------------------------------

@app.command("browser")
def browser_cmd(
    ctx: typer.Context,
    open_: bool = typer.Option(False, "--open",
                               help="Open Neo4j Browser (the guide with --serve) in your web browser."),
    show_password: bool = typer.Option(False, "--show-password", help="Also print the password."),
    links: bool = typer.Option(False, "--links", help="Print everything: how to connect, how to apply the style, "
                                                      "and a deep link per stored question (long)."),
    format: TableOrJson = "table",
    style: Path | None = typer.Option(None, "--style", metavar="FILE",
                                         help="Also write the Browser style (GRASS) to FILE."),
    serve: bool = typer.Option(False, "--serve", help="Serve the guide on localhost until Ctrl-C; links open it."),
    port: int = typer.Option(7480, "--port", min=0, help="Port of the guide server (busy: a free one)."),
    browser_url: str | None = typer.Option(None, "--browser-url", metavar="URL",
                                              help="Neo4j Browser's address, when it cannot be derived from --uri."),
    schema: SchemaOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    """Print Neo4j Browser's address and how to open the guide, in a few lines.

    --links adds how to connect, how to apply the style and a deep link per stored question."""
    import threading

    from graph import browser as gb
    from graph.model.schema import load_model
    from graph.templates import load_templates

    opts: Options = ctx.obj
    with _errors():
        model, found = load_model(_schema(schema)), load_templates(_templates(templates))
        st = settings(opts)
        status = None if opts.uri else opts.server().status()
        guide_server = gb.GuideServer(port).start() if serve else None
        try:
            drv = open_driver(st)
            try:
                info = gb.explore(drv, model, found, uri=st.uri, user=st.user, database=st.database,
                                  managed_browser_url=status.browser_url if status else None,
                                  password_file=status.password_file if status else None,
                                  password=st.password if show_password else None,
                                  browser_url=browser_url, server=guide_server)
            finally:
                drv.close()
            if style is not None:
                info.style_file = gb.write_style(model, style)
            typer.echo(json.dumps(info.as_dict(), indent=2, ensure_ascii=False) if format == "json"
                       else gb.format_text(info, links=links))
            if open_:
                url = info.guide_link or info.browser_link
                if not url or not gb.open_in_web_browser(url):
                    typer.echo("Could not open a web browser: open the address above yourself.", err=True)
            if guide_server is not None:
                typer.echo(f"Serving the guide at {guide_server.base}/ — press Ctrl-C to stop.", err=True)
                threading.Event().wait()
        except KeyboardInterrupt:
            # with --serve, Ctrl-C at any point (even while a web browser is being opened)
            # means "stop serving": a clean exit
            if guide_server is None:
                raise
        finally:
            if guide_server is not None:
                guide_server.stop()


# -- serve -------------------------------------------------------------------

@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; anything but loopback "
                                                         "(e.g. 0.0.0.0) is served with a warning."),
    port: int = typer.Option(7490, "--port", min=0, max=65535, help="Port to listen on (0: any free one)."),
    base: str = typer.Option("https://w3id.org/cisfilm/", "--base", metavar="IRI",
                             help="Base of the minted IRIs, as in `export`; requests for <base-path>id/... "
                                  "and /id/... are both answered."),
    refresh: float = typer.Option(2.0, "--refresh", min=0.1, metavar="SECONDS",
                                  help="How often to check for a new load (the store follows it)."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, metavar="SECONDS",
                                  help="Time limit of one SPARQL query."),
    max_result: int = typer.Option(32, "--max-result", min=1, metavar="MB",
                                   help="Size limit of one SPARQL result."),
    license: str = typer.Option("https://spdx.org/licenses/MIT", "--license", metavar="IRI",
                                help="The dataset's licence in the VoID/DCAT description."),
    publisher: str = typer.Option("cisfilm", "--publisher", metavar="NAME",
                                  help="The dataset's publisher in the VoID/DCAT description."),
    schema: SchemaOpt = None,
) -> None:
    """Serve the live graph as linked data: dereferenceable IRIs (HTML and RDF), SPARQL, VoID, dumps."""
    import threading

    from graph import __version__ as version
    from graph.model.schema import load_model
    from graph.serve import About, Config, Limits, LinkedDataServer, is_loopback

    opts: Options = ctx.obj
    with _errors():
        schema_dir = _schema(schema)
        model = load_model(schema_dir)
        config = Config(host=host, port=port, base=base, poll=refresh,
                        limits=Limits(timeout=timeout, max_bytes=max_result << 20),
                        about=About(license=license, publisher=publisher, version=version))
        if not is_loopback(host):
            typer.secho(f"Warning: serving on {host}, reachable from other machines (read-only, but "
                        "anyone who can reach it can query it).", fg=typer.colors.YELLOW, err=True)
        with driver(opts) as drv:
            server = LinkedDataServer(drv, model, config, database=opts.database,
                                      ontology=schema_dir / "ontology.ttl",
                                      log=lambda m: typer.echo(m, err=True))
            typer.echo("Building the SPARQL store from the live graph...", err=True)
            server.start()
            try:
                snap = server.live.current
                typer.echo(f"Serving {snap.entities} entities ({snap.triples} triples) at {server.url} "
                           f"(IRIs under {server.config.base}; SPARQL at {server.url}sparql) — "
                           "press Ctrl-C to stop.", err=True)
                threading.Event().wait()
            except KeyboardInterrupt:
                pass
            finally:
                server.stop()


# -- draft -------------------------------------------------------------------

@app.command("draft")
def draft_cmd(
    ctx: typer.Context,
    article: Path | None = typer.Argument(None, show_default=False, metavar="ARTICLE.txt",
                                             help="A Russian news article (plain text, UTF-8)."),
    source_id: str | None = typer.Option(None, "--source-id", metavar="ID",
                                            help="Id of the article's Source (default: the next free src-NNN)."),
    url: str | None = typer.Option(None, "--url", metavar="URL", help="Where the article was published."),
    date: str | None = typer.Option(None, "--date", metavar="DATE",
                                       help="Its publication date (default: from its date line)."),
    output: Path | None = typer.Option(None, "-o", "--output", metavar="FILE", show_default=False,
                                          help="Write the draft to FILE (default: stdout)."),
    facts: list[Path] | None = typer.Option(None, "--facts", metavar="PATH", show_default=False,
                                               help="Fact files or directories to link against (default: seeds/)."),
    evaluate: Path | None = typer.Option(None, "--evaluate", metavar="ARTICLES_DIR", show_default=False,
                                            help="Measure the extractor leave-one-out on the articles of the facts' "
                                                 "Sources in ARTICLES_DIR instead of drafting."),
    schema: SchemaOpt = None,
) -> None:
    """Propose a draft fact file from a Russian news article, for a person to review: entities linked to the
    facts (or new, or marked ambiguous), quotes cut from the text by position, relations from sentence patterns."""
    from graph.facts import read_facts
    from graph.model.schema import load_model

    with _errors():
        model = load_model(_schema(schema))
        known, _ = read_facts(_seeds(facts), model, cache_dir=_fact_cache(ctx.obj))
        if evaluate is not None:
            from graph.draft.evaluate import evaluate as run_evaluation

            typer.echo("\n".join(run_evaluation(evaluate, known, model).lines()))
            return
        if article is None:
            raise CisfilmError("give an ARTICLE.txt to draft (or --evaluate ARTICLES_DIR)")
        from graph.draft import draft_file

        where = ", ".join(str(p) for p in _seeds(facts))
        result = draft_file(article, known, model, source_id=source_id, url=url, date=date,
                            linked_against=f"the facts in {where}")
        text = result.render()
        if output is None:
            typer.echo(text, nl=False)
        else:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as e:
                raise CisfilmError(f"cannot write {output}: {e.strerror or e}") from None
        kinds: dict[str, int] = {}
        for c in result.candidates:
            if c.link is not None:
                kinds[c.link.status] = kinds.get(c.link.status, 0) + 1
        typer.echo(f"Drafted {result.source_id} from {article.name}: {len(result.candidates)} entities "
                   f"({kinds.get('existing', 0)} known, {kinds.get('new', 0)} new, {kinds.get('ambiguous', 0)} "
                   f"ambiguous), {len(result.relations)} new relations, {len(result.repeated)} known ones"
                   + (f"; wrote {output}" if output else "") + ". Review every `review:` key.", err=True)


# -- bench -------------------------------------------------------------------

@app.command("bench")
def bench_cmd(
    ctx: typer.Context,
    scale: str = typer.Option("10k", "--scale", help="10k, 100k, 1m or a number of entities."),
    out: Path = typer.Option(Path("bench-results"), "--out", help="Directory for bench-<scale>.json and .md."),
    docs: Path | None = typer.Option(None, "--docs", metavar="PAGE",
                                        help="Also write the report into this Markdown page (e.g. "
                                             "docs/performance.md), replacing the section of the same scale."),
    runs: int = typer.Option(3, "--runs", min=1,
                             help="Timed runs per measure, after a warm-up; the median is reported."),
    heap: str = typer.Option("1g", "--heap", help="Heap of the benchmark's own Neo4j."),
    pagecache: str = typer.Option("512m", "--pagecache", help="Page cache of the benchmark's own Neo4j."),
    import_dir: Path | None = typer.Option(None, "--import-dir", metavar="DIR",
                                              help="With NEO4J_URI: the server's import directory "
                                                   "(for the LOAD CSV baseline)."),
    only: str = typer.Option("validation,load,bulk,templates,rdf", "--only", metavar="SECTIONS",
                             help="Comma-separated sections to run: validation, load, bulk (load --rebuild, "
                                  "--batch-size and the bulk importer alone; needs the benchmark's own "
                                  "server), templates, rdf, serve (`cisfilm serve`: not run unless asked) "
                                  "(templates, rdf and serve load the graph first, untimed "
                                  "unless load or bulk is given)."),
) -> None:
    """Benchmark validation, loading, stored queries and RDF export on synthetic data, as ratios
    against baselines run in the same process; starts its own Neo4j unless NEO4J_URI is set."""
    from graph import bench

    opts: Options = ctx.obj
    with _errors():
        n = bench.parse_scale(scale)
        report = bench.run(scale=n, out=out, runs=runs, sections=bench.parse_sections(only),
                           settings=settings(opts) if opts.uri else None,
                           cache=opts.cache, import_dir=import_dir, heap=heap, pagecache=pagecache,
                           schema_dir=resources.schema_dir(), queries_dir=resources.queries_dir(),
                           log=lambda m: typer.echo(m, err=True))
        bench.print_report(report)
        typer.echo(f"Wrote {out / ('bench-' + report['setup']['scale'])}.json and .md")
        if docs is not None:
            typer.echo(f"Wrote the {report['setup']['scale']} section of {bench.write_into(docs, report)}")


# -- entry point -------------------------------------------------------------

if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
