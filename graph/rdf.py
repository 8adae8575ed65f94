"""RDF export of the live Neo4j graph, for linked-data consumers.

The mapping comes from the schema, not from per-kind code: a kind's `rdf.class`
(plus the `class_by` class for its enum value), each field's `rdf` predicate
typed by the field type, each relationship's `rdf` predicate. On top of that,
a few standard patterns keyed on vocabulary terms, never on kind names:

- every relationship is also an `rdf:Statement` (`<base>fact/<from>/<type>/<to>`)
  carrying its declared properties (role, capacity, ...), `prov:wasDerivedFrom`
  its sources and a `prov:qualifiedDerivation` per quoted source with `cf:quote`;
- a relationship mapped to `org:holds` also yields an `org:Membership`
  (`<base>membership/<person>/<post>`): `org:member`, `org:organization` (the
  post's `org:postIn` targets), `org:role`, the post's dates as `schema:startDate`
  / `schema:endDate` and an OWL-Time `org:memberDuring` interval;
- a kind whose class is `org:Post` gets an `org:Role` (`<base>role/<post>`)
  labelled (`skos:prefLabel`) with its `schema:roleName` field;
- entities cite their sources with `prov:wasDerivedFrom` (+ qualified
  derivations for quotes); a `Source` describes the named graph
  `<base>graph/<source-id>` that holds the facts it supports (`dcterms:source`).

IRIs are minted from ids (`<base>id/<id>`, NFC, percent-encoded), never from
names. The export reads one entity at a time, with its outgoing relationships,
in id order, inside one read transaction, and writes each entity's block as it
comes: every format streams, and the same graph gives the same bytes.
"""
from __future__ import annotations

import io
import ipaddress
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, TextIO
from urllib.parse import quote

import neo4j

from .errors import ExportError, SchemaError
from .export import WRITERS, Namespaces, Writer
from .export.common import RDF_TYPE, Block, Lit, Term, clean, sort_block
from .schema import SOURCE_KIND, Model
from .stats import PROVENANCE
from .validate import date_problem

DEFAULT_BASE = "https://w3id.org/cisfilm/"
XSD = "http://www.w3.org/2001/XMLSchema#"  # datatypes are standard IRIs, not schema CURIEs
FORMATS = tuple(WRITERS)
EXTENSIONS = {".ttl": "ttl", ".nt": "nt", ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "xml",
              ".xml": "xml", ".owl": "xml", ".trig": "trig", ".nq": "nq"}
SAFE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
SKIPPED_FIELDS = ("kind", "sources", "quote")  # kind → rdf:type; sources/quote → provenance


def format_for(path: str | Path | None, format: str | None = None) -> str:
    """The export format: `format` if given, else from the file extension, else Turtle."""
    if format:
        if format not in WRITERS:
            raise ExportError(f"unknown RDF format {format!r}: use one of {', '.join(FORMATS)}")
        return format
    if path is not None:
        return EXTENSIONS.get(Path(path).suffix.lower(), "ttl")
    return "ttl"


def check_base(base: str) -> str:
    """The base IRI, ending in '/'; `ExportError` if it cannot prefix minted IRIs safely."""
    if not isinstance(base, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s<>\"{}|\\^`?#]+", base):
        raise ExportError(f"bad base IRI {base!r}: expected an absolute http(s)-like IRI "
                          "without spaces, query or fragment, e.g. https://w3id.org/cisfilm/")
    if not base.endswith("/"):
        base += "/"
    if re.search(r"/\.\.?/", base.split("://", 1)[1]):
        raise ExportError(f"bad base IRI {base!r}: it contains '.' or '..' segments")
    return base


# -- IRIs -----------------------------------------------------------------------

def encode_id(value: object) -> str:
    """An id as one IRI path segment: NFC, then percent-encoded (only A-Z a-z 0-9 - . _ ~ kept)."""
    s = value if isinstance(value, str) else str(value)
    if SAFE_ID.fullmatch(s):
        return s
    enc = quote(unicodedata.normalize("NFC", clean(s)), safe="")
    if enc in (".", ".."):  # dot segments would be resolved away
        enc = enc.replace(".", "%2E")
    return enc


class Minter:
    """Mints every IRI of the export under one base."""

    def __init__(self, base: str):
        self.base = base
        self.id_base = base + "id/"

    def entity(self, id_: object) -> str:
        return self.id_base + encode_id(id_)

    def graph(self, source_id: object) -> str:
        return self.base + "graph/" + encode_id(source_id)

    def fact(self, a: object, rel_type: str, b: object) -> str:
        return f"{self.base}fact/{encode_id(a)}/{rel_type.lower()}/{encode_id(b)}"

    def membership(self, person: object, post: object) -> str:
        return f"{self.base}membership/{encode_id(person)}/{encode_id(post)}"

    def role(self, post: object) -> str:
        return self.base + "role/" + encode_id(post)

    @staticmethod
    def derivation(subject: str, source_id: object) -> str:
        return subject + "/source/" + encode_id(source_id)


# What an IRI may hold as is (RFC 3987: ASCII but for space <>"[\\]^`{|}, and `ucschar`);
# anything else, Unicode whitespace (rdflib's N-Triples parser refuses it) and a '%'
# that starts no escape are percent-encoded.
_UCSCHAR = ("\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
            + "".join(f"{chr(p * 0x10000)}-{chr(p * 0x10000 + 0xFFFD)}" for p in range(1, 14))
            + "\U000e1000-\U000efffd")
_IRI_BAD = re.compile(f"[^!#-;=?-Z_a-z~{_UCSCHAR}]|\\s|%(?![0-9A-Fa-f]{{2}})")
_AUTHORITY = re.compile(r"(?:([^@/?#]*)@)?(\[[0-9A-Fa-f:.]+\]|[^:@/?#\[\]]+)(?::([0-9]*))?")


def _pct(s: str) -> str:
    return _IRI_BAD.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), s)


def url_term(value: str) -> Term:
    """An http(s) URL as an IRI (characters an IRI cannot hold percent-encoded);
    anything else as an `xsd:anyURI` literal, which the SHACL shapes report."""
    v = clean(value)
    m = re.match(r"(?i)(https?)://([^/?#]*)", v)
    a = _AUTHORITY.fullmatch(m.group(2)) if m else None
    if a is None:
        return Lit(v, "", XSD + "anyURI")
    userinfo, host, port = a.groups()
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return Lit(v, "", XSD + "anyURI")
    authority = (_pct(userinfo) + "@" if userinfo is not None else "") + (host if host.startswith("[") else _pct(host))
    if port is not None:
        authority += ":" + port
    rest = v[m.end():]
    if "#" in rest:  # one fragment delimiter; later '#' are data
        head, frag = rest.split("#", 1)
        rest = head + "#" + frag.replace("#", "%23")
    return f"{m.group(1)}://{authority}{_pct(rest)}"


# -- the mapping ----------------------------------------------------------------

DATE_TYPES = {4: XSD + "gYear", 7: XSD + "gYearMonth", 10: XSD + "date"}
_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


class Vocab:
    """The standard terms the exporter adds beyond the schema, expanded from CURIEs
    through schema/_prefixes.yaml (namespaces are defined there once)."""

    TERMS = {
        "Statement": "rdf:Statement", "subject": "rdf:subject", "predicate": "rdf:predicate",
        "object": "rdf:object", "langString": "rdf:langString",
        "qualifiedDerivation": "prov:qualifiedDerivation", "Derivation": "prov:Derivation",
        "entity": "prov:entity", "wasDerivedFrom": "prov:wasDerivedFrom",
        "source": "dcterms:source",
        "Membership": "org:Membership", "member": "org:member", "organization": "org:organization",
        "role": "org:role", "Role": "org:Role", "memberDuring": "org:memberDuring",
        "holds": "org:holds", "postIn": "org:postIn", "Post": "org:Post",
        "prefLabel": "skos:prefLabel", "roleName": "schema:roleName",
        "startDate": "schema:startDate", "endDate": "schema:endDate",
        "ProperInterval": "time:ProperInterval", "Instant": "time:Instant",
        "hasBeginning": "time:hasBeginning", "hasEnd": "time:hasEnd",
        "gYear": "time:inXSDgYear", "gYearMonth": "time:inXSDgYearMonth", "date": "time:inXSDDate",
        "quote": "cf:quote",
    }

    def __init__(self, model: Model):
        missing = sorted({c.split(":")[0] for c in self.TERMS.values()} - set(model.prefixes))
        if missing:
            raise ExportError(f"schema/_prefixes.yaml lacks the prefix(es) the RDF export uses: {', '.join(missing)}")
        for name, curie in self.TERMS.items():
            setattr(self, name, model.expand(curie))
        # the common fields' own predicates win over the defaults
        for field_name, attr in (("sources", "wasDerivedFrom"), ("quote", "quote")):
            spec = model.common_fields.get(field_name)
            if spec is not None and spec.rdf:
                setattr(self, attr, model.expand(spec.rdf))


@dataclass(frozen=True)
class FieldRule:
    name: str
    type: str
    items: str | None
    predicate: str


@dataclass(frozen=True)
class KindRule:
    name: str
    cls: str
    class_by_field: str | None
    class_by: dict
    fields: tuple[FieldRule, ...]
    role_fields: tuple[FieldRule, ...]  # org:Post kinds: fields labelling its org:Role
    start_fields: tuple[FieldRule, ...]
    end_fields: tuple[FieldRule, ...]


@dataclass(frozen=True)
class RelRule:
    type: str
    predicate: str
    props: tuple[FieldRule, ...]
    membership: bool  # mapped to org:holds


def _rules(model: Model, specs, skip=()) -> tuple[FieldRule, ...]:
    out = []
    for name, spec in specs.items():
        if name in skip or not spec.rdf:
            continue
        pred = model.expand(spec.rdf)
        if pred == RDF_TYPE:
            continue
        out.append(FieldRule(name, spec.type, spec.items, pred))
    return tuple(out)


class Mapping:
    """The compiled schema → RDF mapping; `block()` turns one entity record into triples."""

    def __init__(self, model: Model, base: str = DEFAULT_BASE):
        self.model = model
        self.base = check_base(base)
        self.ns = Namespaces(dict(model.prefixes), self.base)
        self.mint = Minter(self.base)
        self.v = v = Vocab(model)
        self.languages = tuple(sorted(model.languages))
        problems = []
        self.kinds: dict[str, KindRule] = {}
        for name, k in model.kinds.items():
            if not k.rdf_class:
                problems.append(f"kind {name} has no rdf.class")
                continue
            fields = _rules(model, k.fields, SKIPPED_FIELDS)
            cls = model.expand(k.rdf_class)
            self.kinds[name] = KindRule(
                name=name, cls=cls,
                class_by_field=k.class_by.field if k.class_by else None,
                class_by={val: model.expand(c) for val, c in (k.class_by.values.items() if k.class_by else ())},
                fields=fields,
                role_fields=tuple(f for f in fields if f.predicate == v.roleName) if cls == v.Post else (),
                start_fields=tuple(f for f in fields if f.predicate == v.startDate and f.type == "date"),
                end_fields=tuple(f for f in fields if f.predicate == v.endDate and f.type == "date"),
            )
        self.relations: dict[str, RelRule] = {}
        for t, r in model.relations.items():
            if not r.rdf:
                problems.append(f"relationship {t} has no rdf predicate")
                continue
            pred = model.expand(r.rdf)
            self.relations[t] = RelRule(t, pred, _rules(model, r.properties, ("sources", "quote")), pred == v.holds)
        if problems:
            raise ExportError("the schema does not say how to export: " + "; ".join(problems))
        self.membership_types = sorted(t for t, r in self.relations.items() if r.membership)
        self.post_in_types = sorted(t for t, r in self.relations.items() if r.predicate == v.postIn)

    # -- values

    def values(self, f: FieldRule, props: dict) -> list[Term]:
        """The RDF objects of field `f` in Neo4j properties `props` (docs/DESIGN.md, "In Neo4j")."""
        if f.type == "multilingual" or f.items == "multilingual":
            out: list[Term] = []
            for lang in self.languages:
                text = props.get(f"{f.name}_{lang}")
                if isinstance(text, str) and text:
                    out.append(Lit(clean(text), lang))
            if not out and props.get(f.name) not in (None, ""):  # written by hand, without languages
                out = [self.scalar("string", x) for x in _as_list(props[f.name])]
            return out
        raw = props.get(f.name)
        if raw is None:
            return []
        if f.type == "list":
            return [self.scalar(f.items or "string", x) for x in _as_list(raw) if x is not None]
        return [self.scalar(f.type, x) for x in _as_list(raw) if x is not None]

    def scalar(self, type_: str, x) -> Term:
        """One value as a typed term; a value that does not fit its declared type stays a
        plain string, so the SHACL shapes report it instead of the export failing."""
        if type_ == "date":
            if isinstance(x, str) and _DATE.fullmatch(x) and date_problem(x) is None:
                return Lit(x, "", DATE_TYPES[len(x)])
            if isinstance(x, neo4j.time.DateTime):  # set by hand with Cypher's datetime()
                return Lit(x.iso_format(), "", XSD + "dateTime")
            if isinstance(x, neo4j.time.Date):
                return Lit(x.iso_format(), "", XSD + "date")
        elif type_ == "int":
            if isinstance(x, int) and not isinstance(x, bool):
                return Lit(str(x), "", XSD + "integer")
        elif type_ == "float":
            if isinstance(x, (int, float)) and not isinstance(x, bool):
                f = float(x)
                lex = "NaN" if f != f else "INF" if f == float("inf") else "-INF" if f == -float("inf") else repr(f)
                return Lit(lex, "", XSD + "double")
        elif type_ == "bool":
            if isinstance(x, bool):
                return Lit("true" if x else "false", "", XSD + "boolean")
        elif type_ == "url":
            if isinstance(x, str):
                return url_term(x)
        return Lit(clean(x if isinstance(x, str) else str(x)))

    # -- blocks

    def block(self, node_id, kind: str, props: dict, rels: list) -> Block:
        """Every triple whose subject belongs to one entity, sorted, with its named graphs."""
        v, mint = self.v, self.mint
        acc: dict = {}

        def add(s: str, p: str, o: Term, graphs: tuple[str, ...]) -> None:
            key = (s, p, o)
            prev = acc.get(key)
            acc[key] = graphs if prev is None or prev == graphs else tuple(sorted(set(prev) | set(graphs)))

        def provenance(subject: str, sources: list, quotes: list) -> None:
            for src, q in zip(sources, quotes):
                g, src_iri = (mint.graph(src),), mint.entity(src)
                add(subject, v.wasDerivedFrom, src_iri, g)
                if q:
                    d = mint.derivation(subject, src)
                    add(subject, v.qualifiedDerivation, d, g)
                    add(d, RDF_TYPE, v.Derivation, g)
                    add(d, v.entity, src_iri, g)
                    add(d, v.quote, Lit(clean(q)), g)

        k = self.kinds[kind]
        s = mint.entity(node_id)
        sources, quotes = _provenance(props)
        core = tuple(sorted({mint.graph(x) for x in sources}))
        if kind == SOURCE_KIND:  # an article's own description belongs to its graph
            g = mint.graph(node_id)
            core = tuple(sorted(set(core) | {g}))
            add(g, v.source, s, ())
            add(g, v.wasDerivedFrom, s, ())
        add(s, RDF_TYPE, k.cls, core)
        extra = k.class_by.get(props.get(k.class_by_field)) if k.class_by_field else None
        if extra:
            add(s, RDF_TYPE, extra, core)
        for f in k.fields:
            for o in self.values(f, props):
                add(s, f.predicate, o, core)
        if k.role_fields:
            role = mint.role(node_id)
            add(s, v.role, role, core)
            add(role, RDF_TYPE, v.Role, core)
            for f in k.role_fields:
                for o in self.values(f, props):
                    add(role, v.prefLabel, o, core)
        provenance(s, sources, quotes)

        for rel_type, to_id, rprops, post in rels:
            rule = self.relations[rel_type]
            o = mint.entity(to_id)
            rsources, rquotes = _provenance(rprops)
            rcore = tuple(sorted({mint.graph(x) for x in rsources}))
            add(s, rule.predicate, o, rcore)
            f = mint.fact(node_id, rel_type, to_id)
            add(f, RDF_TYPE, v.Statement, rcore)
            add(f, v.subject, s, rcore)
            add(f, v.predicate, rule.predicate, rcore)
            add(f, v.object, o, rcore)
            for pr in rule.props:
                for val in self.values(pr, rprops):
                    add(f, pr.predicate, val, rcore)
            provenance(f, rsources, rquotes)
            if rule.membership and post is not None:
                self._membership(add, s, node_id, to_id, post, rsources, rcore)
        return sort_block(acc, first=s)

    def _membership(self, add, person: str, person_id, post_id, post, sources, core) -> None:
        v, mint = self.v, self.mint
        post_props, orgs = post
        m = mint.membership(person_id, post_id)
        add(m, RDF_TYPE, v.Membership, core)
        add(m, v.member, person, core)
        for org in sorted(str(x) for x in orgs if x is not None):
            add(m, v.organization, mint.entity(org), core)
        k = self.kinds.get(post_props.get("kind"))
        if k is None:
            return
        if k.role_fields:
            add(m, v.role, mint.role(post_id), core)
        bounds = []
        for fields, pred, ipred, suffix in ((k.start_fields, v.startDate, v.hasBeginning, "start"),
                                            (k.end_fields, v.endDate, v.hasEnd, "end")):
            for f in fields:
                for val in self.values(f, post_props):
                    add(m, pred, val, core)
                    if type(val) is Lit and val.datatype in DATE_TYPES.values():
                        bounds.append((ipred, m + "/" + suffix, val))
        if bounds:
            during = m + "/during"
            add(m, v.memberDuring, during, core)
            add(during, RDF_TYPE, v.ProperInterval, core)
            for ipred, instant, val in bounds:
                add(during, ipred, instant, core)
                add(instant, RDF_TYPE, v.Instant, core)
                add(instant, getattr(v, val.datatype[len(XSD):]), val, core)
        for src in sources:
            add(m, v.wasDerivedFrom, mint.entity(src), (mint.graph(src),))


def _as_list(x) -> list:
    return x if isinstance(x, list) else [x]


def _provenance(props: dict) -> tuple[list, list]:
    """(sources, quotes) of a node or relationship, quotes padded with ''."""
    sources = [x for x in _as_list(props.get("sources") or []) if x is not None and x != ""]
    quotes = [q if isinstance(q, str) else "" for q in _as_list(props.get("quotes") or [])]
    return sources, (quotes + [""] * len(sources))[:len(sources)]


# -- reading Neo4j ----------------------------------------------------------------

_UNSAFE = """
MATCH (n:Entity) WHERE NOT coalesce(n.id =~ $safe, false)
RETURN n.id AS id, n.kind AS kind, labels(n) AS labels
"""
_BAD_KIND = """
MATCH (n:Entity) WHERE NOT coalesce(n.kind IN $kinds, false)
RETURN n.id AS id, n.kind AS kind, [l IN labels(n) WHERE l IN $kinds] AS labels
"""
_DUPLICATE_IDS = """
MATCH (n:Entity) WHERE n.id IS NOT NULL
WITH n.id AS id, count(*) AS c WHERE c > 1
RETURN id, c ORDER BY id LIMIT 10
"""
_ENTITIES = """
MATCH (n:Entity) WHERE n.id IS NOT NULL
WITH n ORDER BY n.id
CALL (n) {
  OPTIONAL MATCH (n)-[r]->(b) WHERE type(r) IN $types AND b:Entity
  WITH r, b ORDER BY type(r), b.id
  RETURN collect(CASE WHEN r IS NOT NULL THEN [type(r), b.id, properties(r),
    CASE WHEN type(r) IN $holds
      THEN [properties(b), [(b)-[x]->(o:Entity) WHERE type(x) IN $post_in | o.id]] END] END) AS rels
}
RETURN n.id AS id, n.kind AS kind, properties(n) AS props, rels
ORDER BY id
"""


def _preflight(tx, mapping: Mapping) -> dict:
    """Check ids and kinds before anything is written; returns id → kind for nodes
    whose `kind` property is missing but whose label names a kind."""
    kinds = sorted(mapping.kinds)
    rows = list(tx.run(_UNSAFE, safe=SAFE_ID.pattern))
    if any(r["id"] is None or r["id"] == "" for r in rows):
        n = sum(1 for r in rows if r["id"] is None or r["id"] == "")
        raise ExportError(f"{n} :Entity node(s) have no id, so no IRI can be minted for them")
    dup = list(tx.run(_DUPLICATE_IDS))
    if dup:
        raise ExportError("ids on more than one :Entity node: " + ", ".join(f"{r['id']!r} ({r['c']}×)" for r in dup))
    minted: dict[str, list] = {}
    for r in rows:
        minted.setdefault(encode_id(r["id"]), []).append(r["id"])
    looks_safe = [e for e in minted if SAFE_ID.fullmatch(e)]
    if looks_safe:
        for r in tx.run("MATCH (n:Entity) WHERE n.id IN $ids RETURN n.id AS id", ids=looks_safe):
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
    for r in tx.run(_BAD_KIND, kinds=kinds):
        if r["id"] is None:
            continue
        if len(r["labels"]) == 1:
            fixed[r["id"]] = r["labels"][0]
        else:
            bad.append(f"{r['id']!r} (kind {r['kind']!r}, labels {r['labels']})")
    if bad:
        raise ExportError(f"{len(bad)} :Entity node(s) have no kind of the schema: " + ", ".join(bad[:10]))
    return fixed


def iter_blocks(tx, mapping: Mapping) -> Iterator[Block]:
    """The export's blocks, one per entity in id order, read in one transaction `tx`."""
    kind_of = _preflight(tx, mapping)
    types = sorted(t for t in mapping.relations if t != PROVENANCE)
    result = tx.run(_ENTITIES, types=types, holds=mapping.membership_types, post_in=mapping.post_in_types)
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

    def summary(self) -> str:
        where = self.path or "stdout"
        extra = f" (+{self.quads} in named graphs)" if self.quads else ""
        return (f"Exported {self.triples} triples{extra} about {self.entities} entities as {self.format} "
                f"to {where} in {self.seconds:.2f} s.")


def write_blocks(blocks, writer: Writer) -> tuple[int, int, int]:
    """Stream blocks through a writer: start, write each, close. Returns (blocks, triples, quads)."""
    n = triples = quads = 0
    writer.start()
    for block in blocks:
        writer.write(block)
        n += 1
        triples += len(block)
        if writer.datasets:
            quads += sum(len(row[3]) for row in block)
    writer.close()
    return n, triples, quads


def export(driver: neo4j.Driver, model: Model, out: TextIO | str | Path, *, format: str = "ttl",
           base: str = DEFAULT_BASE, database: str | None = None, timeout: float | None = 0) -> ExportResult:
    """Export the live graph as RDF to `out` (a text stream, or a path written atomically:
    the file appears only when the export succeeded).

    The export is one read transaction; `timeout` (seconds) bounds it. The default 0
    means no limit, because the server's `db.transaction.timeout` would otherwise cut
    off large exports; None uses the server's setting."""
    t0 = time.perf_counter()
    fmt = format_for(None, format)
    try:
        mapping = Mapping(model, base)
    except SchemaError as e:
        raise ExportError(str(e)) from e
    if isinstance(out, (str, Path)):
        path = Path(out)
        # a sibling temporary file (created with the usual umask), renamed over `path` on success
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "x", encoding="utf-8", newline="\n") as f:
                result = export(driver, model, f, format=fmt, base=base, database=database, timeout=timeout)
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
                n, triples, quads = write_blocks(iter_blocks(tx, mapping), writer)
    except neo4j.exceptions.Neo4jError as e:
        raise ExportError(f"Neo4j refused the export query ({e.code}): {str(e).splitlines()[0] if str(e) else e}") from e
    except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as e:
        raise ExportError(f"Neo4j became unreachable during the export: {e}") from e
    return ExportResult(fmt, n, triples, quads, time.perf_counter() - t0)


def export_string(driver: neo4j.Driver, model: Model, *, format: str = "ttl", base: str = DEFAULT_BASE,
                  database: str | None = None) -> str:
    """The export as one string (small graphs, tests)."""
    buf = io.StringIO()
    export(driver, model, buf, format=format, base=base, database=database)
    return buf.getvalue()
