"""Round trips for tests: Python facts → YAML text → Neo4j → RDF → facts again.

Writing: `dump()` writes a fact file with every string as a YAML escape.

`quote()` writes a YAML double-quoted scalar that reads back as exactly the given
string: printable ASCII as is, `"` and `\\` escaped, everything else as `\\uXXXX` /
`\\UXXXXXXXX` (so the file is plain ASCII and the bytes never hide a character).
A lone surrogate becomes its `\\uD800` escape, which the strict reader must refuse.
"""
from __future__ import annotations

import io

import pyoxigraph as ox
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from graph.model.names import display_name


def quote(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif o < 0x10000:
            out.append(f"\\u{o:04X}")
        else:
            out.append(f"\\U{o:08X}")
    out.append('"')
    return "".join(out)


def _value(v, indent: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return quote(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x, indent) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x, indent)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def dump(doc: dict) -> str:
    """A fact file: `entities:` and `relations:` as block lists of flow-valued maps.
    Keys are written plain, so they must be plain words (field names, language codes)."""
    lines = []
    for top in ("entities", "relations"):
        items = doc.get(top) or []
        if not items:
            continue
        lines.append(f"{top}:")
        for item in items:
            first = True
            for k, v in item.items():
                lines.append(f"  {'- ' if first else '  '}{k}: {_value(v, '    ')}")
                first = False
    return "\n".join(lines) + "\n"


# -- expected facts -------------------------------------------------------------------

def sources_of(fact: dict) -> tuple[list[str], list[str]]:
    """(sources, quotes) of a fact dict as written (ids or {source, quote} maps)."""
    sources, quotes = [], []
    for item in fact.get("sources") or []:
        if isinstance(item, dict):
            sources.append(item["source"])
            quotes.append(item.get("quote", "").rstrip("\n"))
        else:
            sources.append(item)
            quotes.append("")
    if "quote" in fact and len(sources) == 1:
        quotes[0] = fact["quote"].rstrip("\n")
    return sources, quotes


STRUCTURAL = ("id", "kind", "sources", "quote")  # an entity's keys that are not fields
RELATION_KEYS = ("from", "type", "to", "sources", "quote")


def expected(doc: dict, model) -> tuple[dict, dict]:
    """What the graph and the export must hold for `doc`: entity id → fields
    (multilingual as {lang: text}, lists as lists, quotes per source), and relation
    (from, type, to) → properties; both with "sources" and "quotes"."""
    ents = {}
    for e in doc["entities"]:
        fields = {k: (v.rstrip("\n") if isinstance(v, str) and model.kinds[e["kind"]].fields[k].type == "text" else v)
                  for k, v in e.items() if k not in STRUCTURAL}
        fields["kind"] = e["kind"]
        fields["sources"], fields["quotes"] = sources_of(e)
        ents[e["id"]] = fields
    rels = {}
    for r in doc.get("relations") or []:
        props = {k: v for k, v in r.items() if k not in RELATION_KEYS}
        props["sources"], props["quotes"] = sources_of(r)
        rels[(r["from"], r["type"], r["to"])] = props
    return ents, rels


# -- Neo4j ------------------------------------------------------------------------------

INTERNAL = ("_hash", "_loaded", "name_keys")


def read_graph(driver) -> tuple[dict, dict]:
    """Every loaded entity's and relationship's properties, as Neo4j returns them."""
    nodes = {r["id"]: {k: v for k, v in r["p"].items() if k not in INTERNAL} for r in driver.execute_query(
        "MATCH (n:Entity) RETURN n.id AS id, properties(n) AS p").records}
    rels = {(r["a"], r["t"], r["b"]): {k: v for k, v in r["p"].items() if k not in INTERNAL}
            for r in driver.execute_query(
                "MATCH (a:Entity)-[r]->(b:Entity) WHERE type(r) <> 'SOURCED_FROM' "
                "RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS p").records}
    return nodes, rels


def as_neo4j(ents: dict, rels: dict, model) -> tuple[dict, dict]:
    """`expected()` flattened the way docs/DESIGN.md ("In Neo4j") stores it."""
    nodes = {}
    for eid, f in ents.items():
        spec = model.kinds[f["kind"]].fields
        props = {"id": eid}
        for k, v in f.items():
            if k in ("sources", "quotes", "kind"):
                props[k] = v
            elif spec[k].type == "multilingual":
                props[k] = display_name(v)
                props.update({f"{k}_{lang}": text for lang, text in v.items()})
            else:
                props[k] = v
        nodes[eid] = props
    return nodes, {k: dict(v) for k, v in rels.items()}


# -- RDF --------------------------------------------------------------------------------

RDFLIB = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml", "trig": "trig", "nq": "nquads"}
OXI = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
       "xml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}


def parse_rdflib(text: str, fmt: str) -> rdflib.Graph:
    """The default graph of an export, parsed by rdflib."""
    g = rdflib.Graph()
    if fmt in ("trig", "nq"):
        ds = rdflib.Dataset()
        ds.parse(data=text, format=RDFLIB[fmt])
        for t in ds.graph(DATASET_DEFAULT_GRAPH_ID):
            g.add(t)
    else:
        g.parse(data=text, format=RDFLIB[fmt])
    return g


def parse_oxigraph(text: str, fmt: str) -> rdflib.Graph:
    """The default graph of an export, parsed by pyoxigraph (an independent parser), as rdflib terms."""
    g = rdflib.Graph()

    def term(t):
        if isinstance(t, ox.NamedNode):
            return rdflib.URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return rdflib.BNode(t.value)
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))

    for q in ox.parse(io.BytesIO(text.encode("utf-8")), format=OXI[fmt]):
        if isinstance(q.graph_name, ox.DefaultGraph) or fmt not in ("trig", "nq"):
            g.add((term(q.subject), term(q.predicate), term(q.object)))
    return g


def recover(g: rdflib.Graph, model, base: str) -> tuple[dict, dict]:
    """Facts read back from an exported graph, shaped like `expected()`: every entity
    (its kind from its rdf:type, every field through the schema's predicates, sources
    through the `sources` field's predicate and quotes from the schema:Quotation about it)
    and every relationship (from its rdf:Statement, sources and quotes from PROV)."""
    ex = model.expand
    DCT_ID, TYPE = rdflib.URIRef(ex("dcterms:identifier")), rdflib.RDF.type
    REFERENCED = rdflib.URIRef(ex(model.common_fields["sources"].rdf))
    DERIVED = rdflib.URIRef(ex(model.relation_common["sources"].rdf))
    QUALIFIED = rdflib.URIRef(ex("prov:qualifiedDerivation"))
    ENTITY, QUOTE = rdflib.URIRef(ex("prov:entity")), rdflib.URIRef(ex("cf:quote"))
    ABOUT, PART_OF = rdflib.URIRef(ex("schema:about")), rdflib.URIRef(ex("schema:isPartOf"))
    id_base = base + "id/"
    ids = {s: str(o) for s, o in g.subject_objects(DCT_ID) if str(s).startswith(id_base)}
    kind_of_class = {ex(k.rdf_class): name for name, k in model.kinds.items()}

    def value(lit, type_):
        if type_ == "int":
            return int(lit)
        if type_ == "bool":
            return str(lit) == "true"
        return str(lit)

    def fields_of(subject, specs) -> dict:
        out = {}
        for name, spec in specs.items():
            if name in STRUCTURAL or not spec.rdf or ex(spec.rdf) == str(TYPE):
                continue
            objs = list(g.objects(subject, rdflib.URIRef(ex(spec.rdf))))
            if not objs:
                continue
            if spec.type == "multilingual":
                out[name] = {o.language: str(o) for o in objs}
            elif spec.type == "list":
                out[name] = sorted(value(o, spec.items) for o in objs)
            else:
                assert len(objs) == 1, (subject, name, objs)
                out[name] = value(objs[0], spec.type)
        return out

    def provenance(subject) -> tuple[list, list]:
        quoted = {}
        for d in g.objects(subject, QUALIFIED):
            quoted[ids[g.value(d, ENTITY)]] = str(g.value(d, QUOTE))
        sources = sorted(ids[o] for o in g.objects(subject, DERIVED))
        return sources, [quoted.get(s, "") for s in sources]

    def referenced(subject) -> tuple[list, list]:
        quoted = {ids[g.value(q, PART_OF)]: str(g.value(q, QUOTE)) for q in g.subjects(ABOUT, subject)}
        sources = sorted(ids[o] for o in g.objects(subject, REFERENCED))
        return sources, [quoted.get(s, "") for s in sources]

    ents = {}
    for s, eid in ids.items():
        kinds = {kind_of_class[str(c)] for c in g.objects(s, TYPE) if str(c) in kind_of_class}
        assert len(kinds) == 1, (eid, kinds)
        kind = kinds.pop()
        f = fields_of(s, model.kinds[kind].fields)
        f["kind"] = kind
        f["sources"], f["quotes"] = referenced(s)
        ents[eid] = f
    types = {t.lower(): t for t in model.relations}
    rels = {}
    for st in g.subjects(TYPE, rdflib.RDF.Statement):
        a, t, b = str(st)[len(base + "fact/"):].split("/")
        rtype = types[t]
        assert ids[g.value(st, rdflib.RDF.subject)] == a and ids[g.value(st, rdflib.RDF.object)] == b
        props = fields_of(st, model.relations[rtype].properties)
        props["sources"], props["quotes"] = provenance(st)
        rels[(a, rtype, b)] = props
    return ents, rels


def normalised(ents: dict, rels: dict) -> tuple[dict, dict]:
    """Facts with lists in a canonical order (RDF has no order): sources sorted with their
    quotes, list fields sorted."""
    def norm(f: dict) -> dict:
        out = {}
        for k, v in f.items():
            if k in ("sources", "quotes"):
                continue
            out[k] = sorted(v) if isinstance(v, list) else v
        pairs = sorted(zip(f.get("sources", []), f.get("quotes", []), strict=True))
        out["sources"] = [s for s, _ in pairs]
        out["quotes"] = [q for _, q in pairs]
        return out

    return {k: norm(v) for k, v in ents.items()}, {k: norm(v) for k, v in rels.items()}
