"""RDF export of the live Neo4j graph, for linked-data consumers.

The mapping is `graph.rdf.mapping`, the IRIs `graph.rdf.iris`. The export reads one
entity at a time, with its outgoing relationships,
in id order, inside one read transaction, and writes each entity's block as it
comes: every format streams, and the same graph gives the same bytes. A header
block comes first: the dataset's description, the ontology links (and, if asked,
the ontology). `graph.rdf.subset` selects a part of the graph instead of all of it.
"""
from __future__ import annotations

import io
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import neo4j

from graph.errors import ExportError, SchemaError, first_line
from graph.model.schema import ID_RE, SOURCE_KIND, Model
from graph.rdf.iris import DEFAULT_BASE, encode_id
from graph.rdf.mapping import Mapping
from graph.rdf.ontology import ontology_triples
from graph.rdf.subset import Selection, iter_subset_blocks, resolve
from graph.rdf.writers import WRITERS, Writer
from graph.rdf.writers.common import Block
from graph.store.layout import (
    EXPORT_BAD_KINDS,
    EXPORT_DUPLICATE_IDS,
    EXPORT_ENTITIES,
    EXPORT_IDS_IN,
    EXPORT_SOURCE_LANGUAGES,
    EXPORT_UNSAFE_IDS,
    PROVENANCE,
)
from graph.store.stats import LoadMark, read_mark

FORMATS = tuple(WRITERS)
EXTENSIONS = {".ttl": "ttl", ".nt": "nt", ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "xml",
              ".xml": "xml", ".owl": "xml", ".trig": "trig", ".nq": "nq"}


def format_for(path: str | Path | None, format: str | None = None) -> str:
    """The export format: `format` if given, else from the file extension, else Turtle."""
    if format:
        if format not in WRITERS:
            raise ExportError(f"unknown RDF format {format!r}: use one of {', '.join(FORMATS)}")
        return format
    if path is not None:
        return EXTENSIONS.get(Path(path).suffix.lower(), "ttl")
    return "ttl"


# -- reading Neo4j ----------------------------------------------------------------

def _preflight(tx, mapping: Mapping) -> dict:
    """Check ids and kinds before anything is written; returns id → kind for nodes
    whose `kind` property is missing but whose label names a kind."""
    kinds = sorted(mapping.kinds)
    rows = list(tx.run(EXPORT_UNSAFE_IDS, safe=ID_RE.pattern))
    if any(r["id"] is None or r["id"] == "" for r in rows):
        n = sum(1 for r in rows if r["id"] is None or r["id"] == "")
        raise ExportError(f"{n} :Entity node(s) have no id, so no IRI can be minted for them")
    dup = list(tx.run(EXPORT_DUPLICATE_IDS))
    if dup:
        raise ExportError("ids on more than one :Entity node: " + ", ".join(f"{r['id']!r} ({r['c']}×)" for r in dup))
    minted: dict[str, list] = {}
    for r in rows:
        minted.setdefault(encode_id(r["id"]), []).append(r["id"])
    looks_safe = [e for e in minted if ID_RE.fullmatch(e)]
    if looks_safe:
        for r in tx.run(EXPORT_IDS_IN, ids=looks_safe):
            if r["id"] not in minted[r["id"]]:
                minted[r["id"]].append(r["id"])
    clashes = sorted((e, ids) for e, ids in minted.items() if len(ids) > 1)
    if clashes:
        lines = [" and ".join(ascii(i) for i in sorted(ids, key=str)) + f" both mint <{mapping.mint.id_base}{e}>"
                 for e, ids in clashes[:10]]
        raise ExportError("IRI collision: " + "; ".join(lines) + " (IRIs are minted from NFC-normalised, "
                          "percent-encoded ids; rename one of each pair)")
    fixed = {}
    bad = []
    for r in tx.run(EXPORT_BAD_KINDS, kinds=kinds):
        if r["id"] is None:
            continue
        if len(r["labels"]) == 1:
            fixed[r["id"]] = r["labels"][0]
        else:
            bad.append(f"{r['id']!r} (kind {r['kind']!r}, labels {r['labels']})")
    if bad:
        raise ExportError(f"{len(bad)} :Entity node(s) have no kind of the schema: " + ", ".join(bad[:10]))
    return fixed


def read_source_languages(tx, mapping: Mapping) -> None:
    """Tell `mapping` the language of every article (for `language: source` fields)."""
    if mapping.language_field is None:
        return
    langs = set(mapping.languages)
    mapping.source_languages = {
        r["id"]: r["language"] for r in tx.run(EXPORT_SOURCE_LANGUAGES, kind=SOURCE_KIND, field=mapping.language_field)
        if isinstance(r["language"], str) and r["language"] in langs}


def iter_blocks(tx, mapping: Mapping, selection: Selection | None = None) -> Iterator[Block]:
    """The export's blocks, one per entity in id order, read in one transaction `tx`
    (with `selection`, those of a part of the graph: `graph.rdf.subset`). The checks, and
    the look-up of a described entity, happen at once, before anything is written."""
    kind_of = _preflight(tx, mapping)
    read_source_languages(tx, mapping)
    if selection is not None:
        return iter_subset_blocks(tx, mapping, resolve(tx, selection), incoming=selection.incoming,
                                  kind_of=kind_of)
    return _entity_blocks(tx, mapping, kind_of)


def _entity_blocks(tx, mapping: Mapping, kind_of: dict) -> Iterator[Block]:
    types = sorted(t for t in mapping.relations if t != PROVENANCE)
    result = tx.run(EXPORT_ENTITIES, types=types, holds=mapping.membership_types, post_in=mapping.post_in_types)
    for rec in result:
        node_id = rec["id"]
        kind = rec["kind"] if rec["kind"] in mapping.kinds else kind_of.get(node_id)
        if kind is None:  # appeared after the preflight
            raise ExportError(f"node {node_id!r} has no kind of the schema")
        yield mapping.block(node_id, kind, rec["props"], rec["rels"])


# -- public -----------------------------------------------------------------------

@dataclass
class ExportResult:
    format: str
    entities: int
    triples: int  # in the default graph (written per block, duplicates across blocks counted)
    quads: int  # named-graph statements (TriG / N-Quads only)
    seconds: float
    path: str | None = None
    mid_load: LoadMark | None = None  # exported mid-load (allow_partial): the graph was partial
    what: str = ""  # a part of the graph (Selection.what), or "" for all of it

    def summary(self) -> str:
        where = self.path or "stdout"
        extra = f" (+{self.quads} in named graphs)" if self.quads else ""
        about = f"{self.entities} entities" + (f" ({self.what} and its neighbours' labels)" if self.what else "")
        return (f"Exported {self.triples} triples{extra} about {about} as {self.format} "
                f"to {where} in {self.seconds:.2f} s.")


def write_blocks(blocks, writer: Writer, header: Block | None = None) -> tuple[int, int, int]:
    """Stream blocks through a writer: start, the `header` block (not counted as an entity),
    each block, close. Returns (blocks, triples, quads)."""
    n = triples = quads = 0
    writer.start()
    if header:
        writer.write(header)
        triples += len(header)
    for block in blocks:
        writer.write(block)
        n += 1
        triples += len(block)
        if writer.datasets:
            quads += sum(len(row[3]) for row in block)
    writer.close()
    return n, triples, quads


def export(driver: neo4j.Driver, model: Model, out: TextIO | str | Path, *, format: str = "ttl",
           base: str = DEFAULT_BASE, database: str | None = None, timeout: float | None = 0,
           allow_partial: bool = False, ontology: str | Path | None = None,
           selection: Selection | None = None) -> ExportResult:
    """Export the live graph as RDF to `out` (a text stream, or a path written atomically:
    the file appears only when the export succeeded).

    A whole export starts with the dataset's VoID description; every export links the
    project's terms to the ontology (`rdfs:isDefinedBy`), and with `ontology` (the path of
    schema/ontology.ttl) carries its triples too. `selection` exports a part of the graph
    (`graph.rdf.subset`: `describe`, `template_selection`).

    While a batched load is unfinished (the graph is mid-load) the export refuses, before
    writing anything, unless `allow_partial`; the result's `mid_load` then says so.

    The export is one read transaction; `timeout` (seconds) bounds it. The default 0
    means no limit, because the server's `db.transaction.timeout` would otherwise cut
    off large exports; None uses the server's setting."""
    t0 = time.perf_counter()
    fmt = format_for(None, format)
    try:
        mapping = Mapping(model, base)
    except SchemaError as e:
        raise ExportError(str(e)) from e
    onto = ontology_triples(ontology) if ontology is not None else ()
    if isinstance(out, (str, Path)):
        path = Path(out)
        # a sibling temporary file (created with the usual umask), renamed over `path` on success
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "x", encoding="utf-8", newline="\n") as f:
                result = export(driver, model, f, format=fmt, base=base, database=database, timeout=timeout,
                                allow_partial=allow_partial, ontology=ontology, selection=selection)
            os.replace(tmp, path)
        except OSError as e:
            raise ExportError(f"cannot write {path}: {e.strerror or e}") from e
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        result.path = str(path)
        result.seconds = time.perf_counter() - t0
        return result
    writer = WRITERS[fmt](out, mapping.ns)
    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS,
                            notifications_min_severity="OFF") as session:
            with session.begin_transaction(metadata={"app": "cisfilm export"}, timeout=timeout) as tx:
                mark = read_mark(tx)  # in the export's transaction: what it reads is what the mark describes
                if mark is not None and not allow_partial:
                    raise ExportError(f"{mark.notice()}. The export would be partial, so it is refused "
                                      "unless --allow-partial is given.")
                header = mapping.header(dataset=selection is None, ontology=onto)
                n, triples, quads = write_blocks(iter_blocks(tx, mapping, selection), writer, header)
    except neo4j.exceptions.Neo4jError as e:
        raise ExportError(f"Neo4j refused the export query ({e.code}): {first_line(e)}") from e
    except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as e:
        raise ExportError(f"Neo4j became unreachable during the export: {e}") from e
    if selection is not None:  # the selected entities; the others are neighbours, labels only
        n = 1 if selection.describe is not None else len(set(selection.ids))
    return ExportResult(fmt, n, triples, quads, time.perf_counter() - t0, mid_load=mark,
                        what=selection.what if selection is not None else "")


def export_string(driver: neo4j.Driver, model: Model, *, format: str = "ttl", base: str = DEFAULT_BASE,
                  database: str | None = None, ontology: str | Path | None = None,
                  selection: Selection | None = None) -> str:
    """The export as one string (small graphs, tests)."""
    buf = io.StringIO()
    export(driver, model, buf, format=format, base=base, database=database, ontology=ontology, selection=selection)
    return buf.getvalue()
