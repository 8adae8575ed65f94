"""`cisfilm serve`: the live graph as linked data over HTTP, read-only.

Routes (under the server's root, which is `/` or the base IRI's path when a reverse
proxy forwards it unchanged):

- `<root>id/…`, `fact/…`, `membership/…`, `role/…`, `graph/…` — every IRI the export
  mints: 303 See Other to `page/<path>` (HTML) or `data/<path>.<ext>` (RDF), chosen by
  `Accept` (or `?format=`), with `Vary: Accept`; 404 when the store knows nothing of it.
  This is the 303 pattern of the W3C note "Cool URIs for the Semantic Web": the IRI names
  the thing, each document has its own address.
- `page/<path>`, `data/<path>.<ext>` — the documents (ext: ttl jsonld nt rdf).
- `sparql` — the SPARQL 1.1 Protocol, queries only.
- `void`, `ontology` (negotiated), `dumps/cisfilm.<ext>` (ttl nt jsonld rdf trig nq), `/`.

stdlib `http.server` (threads) rather than a web framework: the routes are few, every
answer is computed from the store, and it adds no dependency; connections, queries,
request bodies and query time are bounded here instead.
"""
from __future__ import annotations

import http.server
import ipaddress
import os
import shutil
import socket
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pyoxigraph as ox

from graph import __version__
from graph.errors import CisfilmError, first_line
from graph.model.schema import Model
from graph.rdf import DEFAULT_BASE, Mapping, check_base, encode_id
from graph.serve import negotiate as ng
from graph.serve.describe import describe, exists
from graph.serve.errors import (
    BadRequest,
    Forbidden,
    HttpError,
    MethodNotAllowed,
    NotFound,
    TooLarge,
    UnsupportedMedia,
    UriTooLong,
)
from graph.serve.examples import EXAMPLES
from graph.serve.pages import Pages, Vocabulary
from graph.serve.sparql import Limits, LiveStore, QueryRunner, Snapshot
from graph.serve.void import PREFIXES as VOID_PREFIXES
from graph.serve.void import About, dataset_iri, void_triples

RESOURCE_ROOTS = ("id", "fact", "membership", "role", "graph")
MAX_PATH = 2048
DEFAULT_PORT = 7490
_OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "rdf": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}
_OX_RESULTS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
               "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
Log = Callable[[str], None]


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    base: str = DEFAULT_BASE
    poll: float = 2.0  # seconds between checks of the load generation
    limits: Limits = field(default_factory=Limits)
    max_body: int = 64 << 10  # bytes of a POSTed query
    max_clients: int = 32  # connections served at once; more get 503
    socket_timeout: float = 30.0
    about: About = field(default_factory=About)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Response:
    status: int
    body: bytes = b""
    type: str | None = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    file: Path | None = None  # streamed instead of `body`


class LinkedData:
    """The routes, over a `LiveStore`; `handle` turns one request into a `Response`."""

    def __init__(self, live: LiveStore, model: Model, config: Config, ontology: Path | None):
        self.live, self.model, self.config = live, model, config
        self.base = config.base
        self.mount = urlsplit(self.base).path or "/"
        self.runner = QueryRunner(config.limits)
        mapping = Mapping(model, self.base)
        v = mapping.v
        # read with getattr: the export's provenance terms are the mapping's to choose
        about, part_of = getattr(v, "about", None), getattr(v, "isPartOf", None)
        self.owner_predicates = tuple(p for p in (v.subject, v.member, about) if p)
        self.ontology = ox.Store()
        self.ontology_text = ""
        if ontology is not None and ontology.is_file():
            self.ontology_text = ontology.read_text(encoding="utf-8")
            self.ontology.load(self.ontology_text, format=ox.RdfFormat.TURTLE)
        labels = {}
        for q in self.ontology.quads_for_pattern(None, ox.NamedNode(model.expand("rdfs:label")), None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal) and q.object.language == "en":
                labels[q.subject.value] = q.object.value
        common = model.common_fields
        alias = common.get("aliases")
        self.id_predicate = model.expand(common["id"].rdf) if common["id"].rdf else None
        self.prefixes = {p: ns for p, ns in model.prefixes.items() if p != "sh"}
        self.vocab = Vocabulary(
            prefixes=dict(self.prefixes), name=model.expand(common["name"].rdf or "schema:name"),
            alias=model.expand(alias.rdf) if alias is not None and alias.rdf else None,
            type=model.expand("rdf:type"),
            sources=frozenset(p for p in (v.wasDerivedFrom, getattr(v, "referencedBy", None),
                                          getattr(v, "statementSources", None)) if p),
            qualified=v.qualifiedDerivation, entity=v.entity,
            quotes=frozenset(p for p in (v.quote, getattr(v, "statementQuote", None)) if p),
            about=about, part_of=part_of, subject=v.subject, predicate=v.predicate, object=v.object,
            labels=labels)
        self.pages = Pages(self.base, self.vocab)
        self.dump_dir = Path(tempfile.mkdtemp(prefix="cisfilm-serve-"))
        self._examples: tuple[str, list[str]] = ("", [])

    def close(self) -> None:
        shutil.rmtree(self.dump_dir, ignore_errors=True)

    # -- request → response

    def handle(self, method: str, target: str, headers: Any, read_body: Callable[[int], bytes]) -> Response:
        parts = urlsplit(target)
        # a query may come in the URL (SPARQL GET: up to the request line's own limit, 64 KiB)
        if len(parts.path) > MAX_PATH or (len(target) > MAX_PATH and not parts.path.endswith("/sparql")):
            raise UriTooLong(f"the request target is longer than {MAX_PATH} characters")
        path = parts.path
        if not path.startswith("/"):
            raise BadRequest("the request target must be a path")
        try:
            pairs = parse_qsl(parts.query, keep_blank_values=True, max_num_fields=20, errors="strict")
        except (ValueError, UnicodeDecodeError) as e:
            raise BadRequest(f"malformed query string: {first_line(e)}") from None
        params = dict(pairs)
        # the server answers at `/` and, behind a proxy that keeps the base's path, there too
        if self.mount != "/" and path.startswith(self.mount):
            root, rel = self.mount, path[len(self.mount):]
        elif self.mount != "/" and path + "/" == self.mount:
            root, rel = self.mount, ""
        else:
            root, rel = "/", path[1:]
        accept = headers.get("Accept")
        fmt = params.get("format")
        if rel == "sparql":
            if method not in ("GET", "HEAD", "POST"):
                raise MethodNotAllowed("the SPARQL endpoint takes GET and POST")
            return self.sparql(method, pairs, headers, read_body, root)
        if method not in ("GET", "HEAD"):
            raise MethodNotAllowed("this server is read-only: GET and HEAD (POST only to /sparql)")
        snap = self.live.current
        if rel == "":
            return self.home(snap, root)
        if rel == "void":
            return self.void(snap, accept, fmt, root)
        if rel == "dataset":  # the dataset's IRI: its description is the VoID document
            return Response(303, f"See {root}void\n".encode(), headers={"Location": f"{root}void", "Vary": "Accept"})
        if rel == "ontology":
            return self.ontology_doc(accept, fmt, root)
        if rel in ("dumps", "dumps/"):
            return self.dump_list(root)
        if rel.startswith("dumps/"):
            return self.dump(snap, rel[len("dumps/"):])
        if rel.startswith("page/"):
            res = self.resource_path(rel[len("page/"):])
            return self.page(snap, res, root)
        if rel.startswith("data/"):
            res, _, ext = rel[len("data/"):].rpartition(".")
            media = next((m for m in ng.GRAPH_FORMATS if m.name == ext), None)
            if media is None or not res:
                raise NotFound("a data document is data/<path>.<ttl|jsonld|nt|rdf>")
            return self.data(snap, self.resource_path(res), media, root)
        if rel.split("/", 1)[0] in RESOURCE_ROOTS:
            res = self.resource_path(rel)
            if not exists(snap.store, self.base + res):
                raise NotFound(f"nothing is known about <{self.base + res}>")
            media = ng.negotiate(accept, fmt, (ng.HTML, *ng.GRAPH_FORMATS))
            where = f"{root}page/{res}" if media is ng.HTML else f"{root}data/{res}.{media.name}"
            return Response(303, f"See {where}\n".encode(), headers={
                "Location": where, "Vary": "Accept", "Link": self._alternates(root, res)})
        raise NotFound(f"no such page: {path[:200]}")

    def resource_path(self, rel: str) -> str:
        """A resource path as the export mints it: each segment decoded, then encoded again
        as an id is (NFC, percent-encoded), so `%c3%a9`, `%C3%A9` and `é` meet."""
        segs = rel.split("/")
        if not segs or segs[0] not in RESOURCE_ROOTS or len(segs) < 2 or any(s == "" for s in segs):
            raise NotFound("no such resource")
        out = []
        for s in segs:
            try:
                text = unquote(s, errors="strict")
            except UnicodeDecodeError:
                raise BadRequest("the path is not UTF-8 once percent-decoded") from None
            if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
                raise BadRequest("the path holds control characters")
            out.append(encode_id(text))
        return "/".join(out)

    def _alternates(self, root: str, res: str) -> str:
        links = [f'<{root}page/{res}>; rel="alternate"; type="text/html"']
        links += [f'<{root}data/{res}.{m.name}>; rel="alternate"; type="{m.type}"' for m in ng.GRAPH_FORMATS]
        return ", ".join(links)

    # -- documents

    def page(self, snap: Snapshot, res: str, root: str) -> Response:
        d = describe(snap.store, self.base + res, self.base, self.owner_predicates)
        if not d.found:
            raise NotFound(f"nothing is known about <{self.base + res}>")
        return self._html(self.pages.resource(d, snap.store, res, root),
                          {"Link": self._alternates(root, res) + f', <{self.base + res}>; rel="about"'})

    def data(self, snap: Snapshot, res: str, media: ng.Media, root: str) -> Response:
        d = describe(snap.store, self.base + res, self.base, self.owner_predicates)
        if not d.found:
            raise NotFound(f"nothing is known about <{self.base + res}>")
        body = _serialize(d.all(), format=_OX_FORMATS[media.name], prefixes=self.prefixes)
        return Response(200, body, media.content_type, {
            "Link": self._alternates(root, res) + f', <{self.base + res}>; rel="about"',
            "Access-Control-Allow-Origin": "*"})

    def _graph_doc(self, triples: list, accept, fmt, title: str, root: str, path: str,
                   prefixes: dict[str, str]) -> Response:
        media = ng.negotiate(accept, fmt, (*ng.GRAPH_FORMATS, ng.HTML))
        # grouped by subject (named before blank), so that Turtle writes each subject once
        triples = sorted(triples, key=lambda t: (isinstance(t.subject, ox.BlankNode), str(t.subject)))
        if media is ng.HTML:
            ttl = _serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode()
            links = [(m.name, f"{root}{path}?format={m.name}") for m in ng.GRAPH_FORMATS]
            return self._html(self.pages.text(title, ttl, root, links), {"Vary": "Accept"})
        body = _serialize(triples, format=_OX_FORMATS[media.name], prefixes=prefixes)
        return Response(200, body, media.content_type, {"Vary": "Accept", "Access-Control-Allow-Origin": "*"})

    def void(self, snap: Snapshot, accept, fmt, root: str) -> Response:
        vocabularies = sorted({ns for p, ns in self.prefixes.items() if p not in ("xsd",)})
        triples = void_triples(
            self.base, self.config.about, entities=snap.entities, triples=snap.triples,
            loaded_at=snap.loaded_at, generation=snap.generation, vocabularies=vocabularies,
            dumps=[(m.name, m.type) for m in ng.RDF_FORMATS], examples=self.examples(snap))
        # and what the export itself says about the dataset (its head block), once
        have = set(triples)
        d = ox.NamedNode(dataset_iri(self.base))
        triples += [q.triple for q in snap.store.quads_for_pattern(d, None, None, ox.DefaultGraph())
                    if q.triple not in have]
        return self._graph_doc(triples, accept, fmt, "VoID and DCAT description", root, "void",
                               {**self.prefixes, **VOID_PREFIXES})

    def ontology_doc(self, accept, fmt, root: str) -> Response:
        if not self.ontology_text:
            raise NotFound("no ontology.ttl in the schema folder")
        triples = [q.triple for q in self.ontology]
        return self._graph_doc(triples, accept, fmt, "cisfilm ontology", root, "ontology", self.prefixes)

    def examples(self, snap: Snapshot, n: int = 5) -> list[str]:
        if self._examples[0] == snap.etag:
            return self._examples[1]
        out: list[str] = []
        if self.id_predicate:
            for q in snap.store.quads_for_pattern(None, ox.NamedNode(self.id_predicate), None, ox.DefaultGraph()):
                if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(self.base + "id/"):
                    out.append(q.subject.value)
                if len(out) >= n:
                    break
        self._examples = (snap.etag, out)
        return out

    def home(self, snap: Snapshot, root: str) -> Response:
        info = {"entities": snap.entities, "statements (default graph)": snap.triples,
                "statements in named graphs": snap.quads,
                "loaded at": snap.loaded_at or "?", "load generation": snap.generation or "?",
                "SPARQL endpoint": self.base + "sparql", "cisfilm": __version__}
        return self._html(self.pages.home(info, EXAMPLES, self.examples(snap), root, snap.store))

    def dump_list(self, root: str) -> Response:
        items = [(f"cisfilm.{m.name}", f"{root}dumps/cisfilm.{m.name}", m.type) for m in ng.RDF_FORMATS]
        return self._html(self.pages.listing("Dumps", items, root))

    def dump(self, snap: Snapshot, name: str) -> Response:
        stem, _, ext = name.rpartition(".")
        media = next((m for m in ng.RDF_FORMATS if m.name == ext), None)
        if stem != "cisfilm" or media is None:
            raise NotFound("dumps are cisfilm.<ttl|nt|jsonld|rdf|trig|nq>")
        with snap.dump_lock:
            path = snap.dumps.get(media.name)
            if path is None:
                for old in self.dump_dir.glob("*"):
                    if not old.name.startswith(snap.etag):
                        old.unlink(missing_ok=True)
                path = self.dump_dir / f"{snap.etag}.{media.name}"
                tmp = path.with_suffix(".tmp")
                if media in ng.DATASET_FORMATS:
                    snap.store.dump(str(tmp), format=_OX_FORMATS[media.name], prefixes=self.prefixes)
                else:
                    snap.store.dump(str(tmp), format=_OX_FORMATS[media.name], prefixes=self.prefixes,
                                    from_graph=ox.DefaultGraph())
                os.replace(tmp, path)
                snap.dumps[media.name] = path
        return Response(200, type=media.content_type, file=path, headers={"Access-Control-Allow-Origin": "*"})

    def _html(self, body: bytes, headers: dict | None = None) -> Response:
        h = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                        "img-src 'self'"}
        h.update(headers or {})
        return Response(200, body, "text/html; charset=utf-8", h)

    # -- SPARQL

    def sparql(self, method: str, pairs: list[tuple[str, str]], headers, read_body, root: str) -> Response:
        params = dict(pairs)
        query = params.get("query")
        default_graphs = [v for k, v in pairs if k == "default-graph-uri"] or None
        named_graphs = [v for k, v in pairs if k == "named-graph-uri"] or None
        if method == "POST":
            ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
            body = read_body(self.config.max_body)
            if ctype in ("application/sparql-update",) or "update" in params:
                raise Forbidden("this endpoint is read-only: SPARQL Update is refused")
            if ctype == "application/x-www-form-urlencoded":
                try:
                    form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20,
                                     errors="strict")
                except (ValueError, UnicodeDecodeError) as e:
                    raise BadRequest(f"malformed form body: {first_line(e)}") from None
                if any(k == "update" for k, _ in form):
                    raise Forbidden("this endpoint is read-only: SPARQL Update is refused")
                fd = dict(form)
                query = fd.get("query")
                default_graphs = [v for k, v in form if k == "default-graph-uri"] or None
                named_graphs = [v for k, v in form if k == "named-graph-uri"] or None
            elif ctype == "application/sparql-query":
                try:
                    query = body.decode("utf-8")
                except UnicodeDecodeError:
                    raise BadRequest("the query is not UTF-8") from None
            else:
                raise UnsupportedMedia("POST a query as application/sparql-query or "
                                       "application/x-www-form-urlencoded")
        elif "update" in params:
            raise Forbidden("this endpoint is read-only: SPARQL Update is refused")
        accept, fmt = headers.get("Accept"), params.get("format")
        if not query:
            if method != "POST" and ng.choose(accept, (ng.HTML, *ng.RESULT_FORMATS)) is ng.HTML:
                return self._html(self.pages.sparql_form(root))
            raise BadRequest("no query: pass one as ?query=... (the SPARQL 1.1 Protocol)")
        chosen: dict = {}

        def result_format(kind: str):
            if kind == "graph":
                m = ng.negotiate(accept, fmt, (*ng.GRAPH_FORMATS, *ng.DATASET_FORMATS, ng.HTML))
                chosen["media"] = m
                return _OX_FORMATS["ttl" if m is ng.HTML else m.name]
            offered = ng.RESULT_FORMATS if kind == "solutions" else (ng.SRJ, ng.SRX)
            m = ng.negotiate(accept, fmt, (*offered, ng.HTML))
            chosen["media"] = m
            return _OX_RESULTS["json" if m is ng.HTML else m.name]

        for g in (default_graphs or []) + (named_graphs or []):
            if not g.startswith(("http://", "https://")) or any(c in g for c in " <>\"{}|\\^`"):
                raise BadRequest(f"bad graph IRI {g[:80]!r}")
        answer = self.runner.run(self.live.current, query, result_format, default_graphs, named_graphs)
        media = chosen["media"]
        cors = {"Access-Control-Allow-Origin": "*", "Vary": "Accept"}
        if media is ng.HTML:
            if answer.kind == "graph":
                return self._html(self.pages.text("SPARQL result", answer.body.decode(), root), cors)
            return self._html(self.pages.sparql_results(query, answer.body, root, answer.seconds), cors)
        return Response(200, answer.body, media.content_type, cors)


class _Server(http.server.ThreadingHTTPServer):
    """Threads per connection, at most `max_clients` at once: the next is answered 503 at once."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address, handler, max_clients: int):
        self.slots = threading.BoundedSemaphore(max_clients)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            msg = b"too many connections at once: retry shortly\n"
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                b"Retry-After: 1\r\nConnection: close\r\nContent-Length: "
                                + str(len(msg)).encode() + b"\r\n\r\n" + msg)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class LinkedDataServer:
    """The HTTP server: `start()` builds the store (errors raised there), then serves in
    a background thread; `stop()` ends both."""

    def __init__(self, driver, model: Model, config: Config | None = None, *, database: str | None = None,
                 ontology: Path | None = None, log: Log = print):
        self.config = config = config or Config()
        config.base = check_base(config.base)
        self.log = log
        self.live = LiveStore(driver, model, base=config.base, database=database, poll=config.poll, log=log)
        self.app = LinkedData(self.live, model, config, ontology)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise CisfilmError("the server is not running")
        host, port = self._httpd.server_address[:2]
        host = str(host)
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"

    def start(self) -> LinkedDataServer:
        self.live.start()
        app, config, log = self.app, self.config, self.log

        class Handler(http.server.BaseHTTPRequestHandler):
            server_version = f"cisfilm/{__version__}"
            sys_version = ""
            protocol_version = "HTTP/1.1"
            timeout = config.socket_timeout

            def do_GET(self) -> None:
                self._serve("GET")

            def do_HEAD(self) -> None:
                self._serve("HEAD")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_OPTIONS(self) -> None:
                self._send(Response(204, headers={"Allow": "GET, HEAD, POST, OPTIONS",
                                                  "Access-Control-Allow-Origin": "*",
                                                  "Access-Control-Allow-Methods": "GET, HEAD, POST",
                                                  "Access-Control-Allow-Headers": "Accept, Content-Type"},
                                    type=None), head=False)

            def _other(self) -> None:
                self._send(_error(MethodNotAllowed("this server is read-only: GET and HEAD (POST only to "
                                                   "/sparql)")), head=False)

            do_PUT = do_DELETE = do_PATCH = do_TRACE = do_CONNECT = _other

            def _read_body(self, limit: int) -> bytes:
                if self.headers.get("Transfer-Encoding"):
                    raise BadRequest("send the body with a Content-Length, not chunked")
                try:
                    n = int(self.headers.get("Content-Length") or "0")
                except ValueError:
                    raise BadRequest("bad Content-Length") from None
                if n < 0:
                    raise BadRequest("bad Content-Length")
                if n > limit:
                    raise TooLarge(f"the request body is larger than {limit} bytes")
                return self.rfile.read(n)

            def _serve(self, method: str) -> None:
                try:
                    resp = app.handle(method, self.path, self.headers, self._read_body)
                except HttpError as e:
                    resp = _error(e)
                except CisfilmError as e:
                    resp = Response(503, f"{e}\n".encode())
                except Exception as e:  # the one boundary where an unforeseen failure becomes a 500, not a traceback
                    log(f"Error: {self.command} {self.path[:200]}: {type(e).__name__}: {first_line(e)}")
                    resp = Response(500, b"internal error\n")
                self._send(resp, head=method == "HEAD")

            def _send(self, resp: Response, head: bool) -> None:
                self.close_connection = True
                try:
                    self.send_response(resp.status)
                    if resp.type:
                        self.send_header("Content-Type", resp.type)
                    size = resp.file.stat().st_size if resp.file is not None else len(resp.body)
                    self.send_header("Content-Length", str(size))
                    self.send_header("X-Content-Type-Options", "nosniff")
                    self.send_header("Connection", "close")
                    for k, v in resp.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if head:
                        return
                    if resp.file is not None:
                        with open(resp.file, "rb") as f:
                            shutil.copyfileobj(f, self.wfile, 1 << 20)
                    else:
                        self.wfile.write(resp.body)
                except (BrokenPipeError, ConnectionResetError, TimeoutError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        try:
            self._httpd = _Server((config.host, config.port), Handler, config.max_clients)
        except OSError as e:
            self.live.stop()
            raise CisfilmError(f"cannot listen on {config.host}:{config.port}: {e.strerror or e}") from None
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="cisfilm-serve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.live.stop()
        self.app.close()

    def __enter__(self) -> LinkedDataServer:
        return self if self._httpd else self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _error(e: HttpError) -> Response:
    headers = {"Retry-After": "1"} if e.status == 503 else {}
    if isinstance(e, MethodNotAllowed):
        headers["Allow"] = "GET, HEAD, POST, OPTIONS"
    return Response(e.status, f"{e}\n".encode(), headers=headers)


def _serialize(triples: list, format: ox.RdfFormat, prefixes: dict[str, str]) -> bytes:
    return ox.serialize(triples, format=format, prefixes=prefixes) or b""
