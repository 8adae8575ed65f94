"""The schema → RDF mapping, compiled once per export (`Mapping`).

The mapping comes from the schema, not from per-kind code: a kind's `rdf.class`
(plus the `class_by` class for its enum value), each field's `rdf` predicate with
the terms its field type gives (`graph.model.types`), each relationship's `rdf`
predicate. On top of that, a few standard patterns keyed on vocabulary terms,
never on kind names:

- every relationship is also an `rdf:Statement` (`<base>fact/<from>/<type>/<to>`)
  carrying its declared properties (role, capacity, ...), `prov:wasDerivedFrom`
  its sources (a description is derived from an article) and a
  `prov:qualifiedDerivation` per quoted source with `cf:quote`;
- a relationship mapped to `org:holds` also yields an `org:Membership`
  (`<base>membership/<person>/<post>`): `org:member`, `org:organization` (the
  post's `org:postIn` targets), `org:role`, the post's dates as `schema:startDate`
  / `schema:endDate` and an OWL-Time `org:memberDuring` interval;
- a kind whose class is `org:Post` gets an `org:Role` (`<base>role/<post>`)
  labelled (`skos:prefLabel`) with its `schema:roleName` field;
- entities and memberships — things in the world, not descriptions — are
  `dcterms:isReferencedBy` their sources (the `sources` field's `rdf`), each quote
  a `schema:Quotation` (`schema:about` the entity, `schema:isPartOf` the
  article); a `Source` describes the named graph `<base>graph/<source-id>` that
  holds the facts it supports (`dcterms:source`, `prov:wasDerivedFrom`);
- text fields with a schema `language:` get a language tag (`value_language`):
  `source` is the language of the cited article (its `schema:inLanguage` field);
- `header()`: the dataset description (`void:Dataset`, `void:vocabulary`),
  `rdfs:isDefinedBy` the ontology on every project term, the ontology itself if asked.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graph.errors import ExportError
from graph.model.schema import SOURCE_KIND, FieldSpec, Model
from graph.model.types import TYPES, XSD, Date, RdfValue, value_language
from graph.rdf.iris import DEFAULT_BASE, Minter, check_base, url_term
from graph.rdf.writers import Namespaces
from graph.rdf.writers.common import RDF_TYPE, Block, Lit, Term, clean, sort_block

SKIPPED_FIELDS = ("kind", "sources", "quote")  # kind → rdf:type; sources/quote → provenance
DATE_TYPES = Date.DATATYPES


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
        "quote": "cf:quote", "statementQuote": "cf:quote",
        "referencedBy": "dcterms:isReferencedBy", "statementSources": "prov:wasDerivedFrom",
        "Quotation": "schema:Quotation", "about": "schema:about", "isPartOf": "schema:isPartOf",
        "inLanguage": "schema:inLanguage", "isDefinedBy": "rdfs:isDefinedBy",
        "Dataset": "void:Dataset", "vocabulary": "void:vocabulary", "uriSpace": "void:uriSpace",
    }

    # the attributes __init__ sets, one per term (and per common field overriding one)
    Statement: str
    subject: str
    predicate: str
    object: str
    langString: str
    qualifiedDerivation: str
    Derivation: str
    entity: str
    wasDerivedFrom: str
    source: str
    Membership: str
    member: str
    organization: str
    role: str
    Role: str
    memberDuring: str
    holds: str
    postIn: str
    Post: str
    prefLabel: str
    roleName: str
    startDate: str
    endDate: str
    ProperInterval: str
    Instant: str
    hasBeginning: str
    hasEnd: str
    gYear: str
    gYearMonth: str
    date: str
    quote: str
    statementQuote: str
    referencedBy: str
    statementSources: str
    Quotation: str
    about: str
    isPartOf: str
    inLanguage: str
    isDefinedBy: str
    Dataset: str
    vocabulary: str
    uriSpace: str

    def __init__(self, model: Model):
        missing = sorted({c.split(":")[0] for c in self.TERMS.values()} - set(model.prefixes))
        if missing:
            raise ExportError(f"schema/_prefixes.yaml lacks the prefix(es) the RDF export uses: {', '.join(missing)}")
        for name, curie in self.TERMS.items():
            setattr(self, name, model.expand(curie))
        # the common fields' own predicates win over the defaults
        for specs, field_name, attr in ((model.common_fields, "sources", "referencedBy"),
                                        (model.common_fields, "quote", "quote"),
                                        (model.relation_common, "sources", "statementSources"),
                                        (model.relation_common, "quote", "statementQuote")):
            spec = specs.get(field_name)
            if spec is not None and spec.rdf:
                setattr(self, attr, model.expand(spec.rdf))


@dataclass(frozen=True)
class FieldRule:
    spec: FieldSpec
    predicate: str

    @property
    def name(self) -> str:
        return self.spec.name


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
        out.append(FieldRule(spec, pred))
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
                start_fields=tuple(f for f in fields if f.predicate == v.startDate and f.spec.type == "date"),
                end_fields=tuple(f for f in fields if f.predicate == v.endDate and f.spec.type == "date"),
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
        self.quote_spec = model.common_fields.get("quote")
        self.statement_quote_spec = model.relation_common.get("quote")
        label = model.common_fields.get("name")
        self.label_predicates = frozenset({model.expand(label.rdf)} if label is not None and label.rdf else ())
        # the Source field that says which language an article is in (read before the export streams)
        src = self.kinds.get(SOURCE_KIND)
        self.language_field = next((f.name for f in src.fields if f.predicate == v.inLanguage), None) if src else None
        self.source_languages: dict[str, str] = {}  # source id → language code, set by the exporter
        cf = model.prefixes.get("cf")
        self.project_ns = cf or ""
        self.ontology = cf.rstrip("#/") if cf else None  # the owl:Ontology of schema/ontology.ttl
        self.project_terms, self.vocabularies = self._terms(cf)

    def _terms(self, cf: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the project's `cf:` terms the export can write, the namespaces of every term it can write)."""
        terms: set[str] = {t for t in vars(self.v).values() if isinstance(t, str)}
        for k in self.kinds.values():
            terms.add(k.cls)
            terms.update(k.class_by.values())
            terms.update(f.predicate for f in k.fields)
        for r in self.relations.values():
            terms.add(r.predicate)
            terms.update(f.predicate for f in r.props)
        namespaces = {ns for ns in self.model.prefixes.values() for t in terms if t.startswith(ns)}
        project = tuple(sorted(t for t in terms if cf and t.startswith(cf) and t != cf))
        return project, tuple(sorted(namespaces))

    # -- values

    def values(self, f: FieldRule, props: dict, source_languages: tuple[str, ...] = ()) -> list[Term]:
        """The RDF objects of field `f` in Neo4j properties `props`, as its type gives them; text
        of a field with a schema `language:` tagged (`source_languages`: those of its sources)."""
        out = [self.term(x) for x in TYPES[f.spec.type].rdf_values(f.spec, props, self.languages)]
        if f.spec.language:
            out = [self.tagged(f.spec, t, source_languages) for t in out]
        return out

    @staticmethod
    def tagged(spec: FieldSpec | None, t: Term, source_languages: tuple[str, ...]) -> Term:
        if spec is None or type(t) is not Lit or t.lang or t.datatype:
            return t
        lang = value_language(spec, t.value, source_languages)
        return Lit(t.value, lang) if lang else t

    def languages_of(self, sources: Iterable) -> tuple[str, ...]:
        """The languages of the articles `sources` (ids), as far as they say."""
        return tuple(sorted({lang for x in sources if (lang := self.source_languages.get(x))}))

    @staticmethod
    def term(x: RdfValue) -> Term:
        if x.iri:
            return url_term(x.lexical)
        if x.datatype:
            return Lit(x.lexical, "", x.datatype)
        return Lit(clean(x.lexical), x.lang)

    # -- blocks

    def block(self, node_id, kind: str, props: dict, rels: list, *, labels_only: bool = False) -> Block:
        """Every triple whose subject belongs to one entity, sorted, with its named graphs.
        `labels_only`: of the entity itself only its types and names (a neighbour in a subset)."""
        v, mint = self.v, self.mint
        acc: dict = {}

        def add(s: str, p: str, o: Term, graphs: tuple[str, ...]) -> None:
            key = (s, p, o)
            prev = acc.get(key)
            acc[key] = graphs if prev is None or prev == graphs else tuple(sorted(set(prev) | set(graphs)))

        k = self.kinds[kind]
        s = mint.entity(node_id)
        sources, quotes = _provenance(props)
        langs = self.languages_of(sources)
        core = tuple(sorted({mint.graph(x) for x in sources}))
        if kind == SOURCE_KIND:  # an article's own description belongs to its graph
            g = mint.graph(node_id)
            core = tuple(sorted(set(core) | {g}))
            if not labels_only:
                add(g, v.source, s, ())
                add(g, v.wasDerivedFrom, s, ())
            langs = self.languages_of([node_id])
        add(s, RDF_TYPE, k.cls, core)
        extra = k.class_by.get(props.get(k.class_by_field)) if k.class_by_field else None
        if extra:
            add(s, RDF_TYPE, extra, core)
        for f in k.fields:
            if labels_only and f.predicate not in self.label_predicates:
                continue
            for o in self.values(f, props, langs):
                add(s, f.predicate, o, core)
        if k.role_fields and not labels_only:
            role = mint.role(node_id)
            add(s, v.role, role, core)
            add(role, RDF_TYPE, v.Role, core)
            for f in k.role_fields:
                for o in self.values(f, props, langs):
                    add(role, v.prefLabel, o, core)
        if not labels_only:
            self._referenced(add, s, sources, quotes)

        for rel_type, to_id, rprops, post in rels:
            rule = self.relations[rel_type]
            o = mint.entity(to_id)
            rsources, rquotes = _provenance(rprops)
            rlangs = self.languages_of(rsources)
            rcore = tuple(sorted({mint.graph(x) for x in rsources}))
            add(s, rule.predicate, o, rcore)
            stmt = mint.fact(node_id, rel_type, to_id)
            add(stmt, RDF_TYPE, v.Statement, rcore)
            add(stmt, v.subject, s, rcore)
            add(stmt, v.predicate, rule.predicate, rcore)
            add(stmt, v.object, o, rcore)
            for pr in rule.props:
                for val in self.values(pr, rprops, rlangs):
                    add(stmt, pr.predicate, val, rcore)
            self._derived(add, stmt, rsources, rquotes)
            if rule.membership and post is not None:
                self._membership(add, s, node_id, to_id, post, rsources, rcore)
        return sort_block(acc, first=s)

    def _referenced(self, add, subject: str, sources: list, quotes: list) -> None:
        """A thing in the world and the articles that refer to it; each quote a `schema:Quotation`."""
        v, mint = self.v, self.mint
        for src, q in zip(sources, quotes, strict=True):
            g, src_iri = (mint.graph(src),), mint.entity(src)
            add(subject, v.referencedBy, src_iri, g)
            if q:
                d = mint.derivation(subject, src)
                add(d, RDF_TYPE, v.Quotation, g)
                add(d, v.about, subject, g)
                add(d, v.isPartOf, src_iri, g)
                add(d, v.quote, self.tagged(self.quote_spec, Lit(clean(q)), self.languages_of([src])), g)

    def _derived(self, add, subject: str, sources: list, quotes: list) -> None:
        """A description (a statement) derived from articles (PROV-O); each quote on a `prov:Derivation`."""
        v, mint = self.v, self.mint
        for src, q in zip(sources, quotes, strict=True):
            g, src_iri = (mint.graph(src),), mint.entity(src)
            add(subject, v.statementSources, src_iri, g)
            if q:
                d = mint.derivation(subject, src)
                add(subject, v.qualifiedDerivation, d, g)
                add(d, RDF_TYPE, v.Derivation, g)
                add(d, v.entity, src_iri, g)
                add(d, v.statementQuote,
                    self.tagged(self.statement_quote_spec, Lit(clean(q)), self.languages_of([src])), g)

    def _membership(self, add, person: str, person_id, post_id, post, sources, core) -> None:
        v, mint = self.v, self.mint
        post_props, orgs = post
        m = mint.membership(person_id, post_id)
        add(m, RDF_TYPE, v.Membership, core)
        add(m, v.member, person, core)
        for org in sorted(str(x) for x in orgs if x is not None):
            add(m, v.organization, mint.entity(org), core)
        for src in sources:  # a membership is a situation in the world, like the person in it
            add(m, v.referencedBy, mint.entity(src), (mint.graph(src),))
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

    def header(self, *, dataset: bool = True, ontology: Iterable[tuple[str, str, Term]] = ()) -> Block:
        """The block before the entities (default graph only): with `dataset`, the dataset's
        VoID description (`<base>dataset`: `void:uriSpace`, a `void:vocabulary` per namespace the
        export writes); `rdfs:isDefinedBy` the ontology on every project term; the `ontology`
        triples (schema/ontology.ttl), if given."""
        v = self.v
        acc: dict = {}
        first = ""
        if dataset:
            first = d = self.mint.dataset()
            acc[(d, RDF_TYPE, v.Dataset)] = ()
            acc[(d, v.uriSpace, Lit(self.mint.id_base))] = ()
            for ns in self.vocabularies:
                acc[(d, v.vocabulary, ns)] = ()
        terms = set(self.project_terms)
        for triple in ontology:
            acc[triple] = ()
            terms.add(triple[0])
        if self.ontology:
            cf = self.project_ns
            for term in terms:
                if term.startswith(cf) and term != cf:
                    acc[(term, v.isDefinedBy, self.ontology)] = ()
        return sort_block(acc, first=first)


def _as_list(x) -> list:
    return x if isinstance(x, list) else [x]


def _provenance(props: dict) -> tuple[list, list]:
    """(sources, quotes) of a node or relationship, quotes padded with ''."""
    sources = [x for x in _as_list(props.get("sources") or []) if x is not None and x != ""]
    quotes = [q if isinstance(q, str) else "" for q in _as_list(props.get("quotes") or [])]
    return sources, (quotes + [""] * len(sources))[:len(sources)]
