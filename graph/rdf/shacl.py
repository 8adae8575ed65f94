"""SHACL shapes derived from `schema/`, and validation of the export with pyshacl.

One `sh:NodeShape` per kind (`cf:<Kind>Shape`, `sh:targetClass` its `rdf.class`):
required fields → `sh:minCount 1`; single-valued fields → `sh:maxCount 1`;
field types → `sh:datatype` (`rdf:langString` with `sh:languageIn` for
multilingual fields, `xsd:gYear`/`xsd:gYearMonth`/`xsd:date` for partial dates,
`sh:nodeKind sh:IRI` for urls; text with a schema `language:` → `rdf:langString`
in that language, or for `language: source` a plain or language-tagged string);
enums → `sh:in`; relationships → `sh:class` of their target kinds; sources →
`dcterms:isReferencedBy` a `schema:NewsArticle`. Shapes for the exporter's own
nodes (`rdf:Statement`, `org:Membership`, `prov:Derivation`, `schema:Quotation`)
check that every fact keeps its subject, object and sources.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import neo4j
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD

from graph.errors import ExportError
from graph.model.schema import SOURCE_KIND, Model
from graph.model.types import RDF_LANG_STRING, TYPES, language_shacl
from graph.rdf.export import export
from graph.rdf.iris import DEFAULT_BASE, check_base
from graph.rdf.mapping import Mapping
from graph.rdf.writers import Namespaces


def _shape_iri(model: Model, name: str) -> URIRef:
    return URIRef(model.expand(f"cf:{name}Shape"))


class _Shapes:
    def __init__(self, model: Model):
        self.model = model
        self.m = Mapping(model)
        self.g = Graph()
        for prefix, ns in model.prefixes.items():
            self.g.bind(prefix, ns)
        self.sh = lambda local: URIRef(model.expand(f"sh:{local}"))

    def node_shape(self, name: str, target: str, label: str) -> URIRef:
        s = _shape_iri(self.model, name)
        self.g.add((s, RDF.type, self.sh("NodeShape")))
        self.g.add((s, self.sh("targetClass"), URIRef(target)))
        self.g.add((s, RDFS.label, Literal(label)))
        return s

    def prop(self, shape: URIRef, path: str, **c) -> BNode:
        sh, g = self.sh, self.g
        p = BNode()
        g.add((shape, sh("property"), p))
        g.add((p, sh("path"), URIRef(path)))
        if c.get("name"):
            g.add((p, sh("name"), Literal(c["name"])))
        if c.get("min"):
            g.add((p, sh("minCount"), Literal(c["min"])))
        if c.get("max"):
            g.add((p, sh("maxCount"), Literal(c["max"])))
        for key, term in (("datatype", "datatype"), ("cls", "class"), ("node_kind", "nodeKind")):
            if c.get(key):
                g.add((p, sh(term), URIRef(c[key])))
        if c.get("unique_lang"):
            g.add((p, sh("uniqueLang"), Literal(True)))
        if c.get("pattern"):
            g.add((p, sh("pattern"), Literal(c["pattern"])))
        for key, term in (("in_", "in"), ("languages", "languageIn")):
            if c.get(key):
                g.add((p, sh(term), self.list([Literal(x) for x in c[key]])))
        if c.get("or_lang"):  # a plain string, or a string in one of these languages
            plain, tagged = BNode(), BNode()
            g.add((plain, sh("datatype"), XSD.string))
            g.add((tagged, sh("datatype"), URIRef(RDF_LANG_STRING)))
            g.add((tagged, sh("languageIn"), self.list([Literal(x) for x in c["or_lang"]])))
            g.add((p, sh("or"), self.list([plain, tagged])))
        for key in ("or_classes", "or_datatypes"):
            if c.get(key):
                term = "class" if key == "or_classes" else "datatype"
                alts = []
                for x in c[key]:
                    alt = BNode()
                    g.add((alt, sh(term), URIRef(x)))
                    alts.append(alt)
                g.add((p, sh("or"), self.list(alts)))
        return p

    def list(self, items) -> BNode:
        head = BNode()
        Collection(self.g, head, list(items))
        return head

    def field(self, shape: URIRef, f, spec) -> None:
        t = TYPES[spec.type]
        c: dict = {"name": f.name, "min": 1 if spec.required else 0, "max": 0 if t.many else 1,
                   **language_shacl(spec, t.shacl(spec, self.model.languages), self.model.languages)}
        if c.get("node_kind"):
            c["node_kind"] = str(self.sh(c["node_kind"]))
        self.prop(shape, f.predicate, **c)

    def build(self) -> Graph:
        model, m, v = self.model, self.m, self.m.v
        classes: dict[str, str] = {}
        for name, k in m.kinds.items():
            if k.cls in classes:
                raise ExportError(f"kinds {classes[k.cls]} and {name} share the RDF class <{k.cls}>, "
                                  "so SHACL cannot tell their nodes apart")
            classes[k.cls] = name
        source_cls = m.kinds[SOURCE_KIND].cls if SOURCE_KIND in m.kinds else None
        for name, k in sorted(m.kinds.items()):
            spec = model.kinds[name]
            shape = self.node_shape(name, k.cls, f"{name}: {spec.description}".strip(": "))
            field_preds = set()
            for f in k.fields:
                self.field(shape, f, spec.fields[f.name])
                field_preds.add(f.predicate)
            if name != SOURCE_KIND:
                self.prop(shape, v.referencedBy, name="sources", min=1, cls=source_cls)
            by_pred: dict[str, set[str]] = {}
            for rtype, rel in model.relations.items():
                if name in rel.targets:
                    by_pred.setdefault(m.relations[rtype].predicate, set()).update(
                        m.kinds[t].cls for t in rel.targets[name] if t in m.kinds)
            for pred, targets in sorted(by_pred.items()):
                if pred in field_preds:
                    continue
                if len(targets) == 1:
                    self.prop(shape, pred, cls=next(iter(targets)), node_kind=model.expand("sh:IRI"))
                else:
                    self.prop(shape, pred, or_classes=sorted(targets), node_kind=model.expand("sh:IRI"))
        iri = model.expand("sh:IRI")
        st = self.node_shape("Statement", v.Statement, "a relationship of the graph, reified")
        for p in (v.subject, v.predicate, v.object):
            self.prop(st, p, min=1, max=1, node_kind=iri)
        preds = sorted({r.predicate for r in m.relations.values()})
        p = self.prop(st, v.predicate)
        self.g.add((p, self.sh("in"), self.list([URIRef(x) for x in preds])))
        self.prop(st, v.statementSources, name="sources", min=1, cls=source_cls)
        ms = self.node_shape("Membership", v.Membership, "a person holding a post (W3C ORG)")
        self.prop(ms, v.member, min=1, max=1, node_kind=iri)
        self.prop(ms, v.role, max=1, cls=v.Role)
        self.prop(ms, v.referencedBy, name="sources", min=1, cls=source_cls)
        langs = sorted(model.languages)
        dv = self.node_shape("Derivation", v.Derivation, "a quoted source of a statement (PROV-O)")
        self.prop(dv, v.entity, min=1, max=1, cls=source_cls)
        self.prop(dv, v.statementQuote, min=1, max=1, or_lang=langs)
        qt = self.node_shape("Quotation", v.Quotation, "a quote showing an entity in its source")
        self.prop(qt, v.about, min=1, max=1, node_kind=iri)
        self.prop(qt, v.isPartOf, min=1, max=1, cls=source_cls)
        self.prop(qt, v.quote, min=1, max=1, or_lang=langs)
        return self.g


def shapes_graph(model: Model) -> Graph:
    """The SHACL shapes of `model` as an rdflib graph."""
    return _Shapes(model).build()


@dataclass(frozen=True, order=True)
class Violation:
    focus: str
    path: str
    message: str
    shape: str

    def __str__(self) -> str:
        return f"{self.focus} {self.path or '-'} — {self.message} ({self.shape})"


def validate_graph(data: Graph, model: Model, *, base: str = DEFAULT_BASE) -> list[Violation]:
    """Every SHACL violation of `data` against the shapes of `model`, sorted; minted
    IRIs are shown relative to `base` (`id/org-moskino`)."""
    import pyshacl

    shapes = shapes_graph(model)
    conforms, results, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                                abort_on_first=False, allow_warnings=True)
    if conforms:
        return []
    sh = lambda local: URIRef(model.expand(f"sh:{local}"))
    ns = Namespaces(dict(model.prefixes), base)

    def short(term) -> str:
        if term is None:
            return ""
        if isinstance(term, URIRef):
            return ns.curie(str(term)) or ns.relative(str(term)) or f"<{term}>"
        if isinstance(term, BNode):
            parent = next(shapes.subjects(sh("property"), term), None)
            path = shapes.value(term, sh("path"))
            return f"{short(parent)}/{short(path)}" if parent is not None else "a property shape"
        return str(term)

    out = set()
    for r in results.subjects(RDF.type, sh("ValidationResult")):
        if results.value(r, sh("resultSeverity")) != sh("Violation"):
            continue
        out.add(Violation(
            focus=short(results.value(r, sh("focusNode"))),
            path=short(results.value(r, sh("resultPath"))),
            message=str(results.value(r, sh("resultMessage")) or ""),
            shape=short(results.value(r, sh("sourceShape"))),
        ))
    return sorted(out)


def validate_export(driver: neo4j.Driver, model: Model, *, base: str = DEFAULT_BASE,
                    database: str | None = None, allow_partial: bool = False) -> list[Violation]:
    """Export the live graph (N-Triples, in memory) and validate it against the shapes
    (`allow_partial`: even mid-load, as `export`)."""
    buf = io.StringIO()
    export(driver, model, buf, format="nt", base=base, database=database, allow_partial=allow_partial)
    data = Graph()
    data.parse(data=buf.getvalue(), format="nt")
    return validate_graph(data, model, base=check_base(base))
