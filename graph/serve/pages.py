"""HTML for people: the home page, a page per resource, the SPARQL form and its results.

Every value from the graph goes through `esc` (HTML-escaped, quotes included); links
are made only to http(s) IRIs, and IRIs under the base become links into this server,
so a reader can walk from neighbour to neighbour.
"""
from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from graph.serve.describe import Description
from graph.serve.negotiate import GRAPH_FORMATS

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h1{margin-bottom:.1em} .iri{color:#555;font:13px monospace;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em} td,th{border-bottom:1px solid #ddd;
padding:.3em .5em;text-align:left;vertical-align:top} th{background:#f4f4f4}
.lang,.dt{color:#888;font-size:12px} blockquote{margin:.2em 0 .2em 1em;color:#444;font-style:italic}
nav a{margin-right:1em} pre,textarea{font:13px monospace;background:#f7f7f7;padding:.5em;white-space:pre-wrap}
textarea{width:100%;box-sizing:border-box}
"""
PREFERRED_LANGS = ("en", "ru")
MINTED = ("id", "fact", "membership", "role", "graph", "dataset")  # first segments of the IRIs the export mints


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class Vocabulary:
    """The IRIs a page treats specially and how it shortens the others."""

    prefixes: dict[str, str]  # prefix → namespace
    name: str  # the names' predicate
    alias: str | None
    type: str
    sources: frozenset[str]  # predicates from a fact to the articles it comes from
    qualified: str  # a statement's quote: prov:qualifiedDerivation → prov:entity, the quote
    entity: str
    quotes: frozenset[str]  # predicates holding a quote's text
    about: str | None  # an entity's quote: a quotation about it, part of the article
    part_of: str | None
    subject: str
    predicate: str
    object: str
    labels: dict[str, str]  # ontology term → its English label

    def curie(self, iri: str) -> str:
        best = max((ns for ns in self.prefixes.values() if iri.startswith(ns)), key=len, default=None)
        if best is None:
            return iri
        prefix = next(p for p, ns in self.prefixes.items() if ns == best)
        return f"{prefix}:{iri[len(best):]}"


class Pages:
    """Renders pages for one server: its base IRI, where it is mounted, its vocabulary."""

    def __init__(self, base: str, vocab: Vocabulary, title: str = "cisfilm"):
        self.base, self.v, self.title = base, vocab, title

    # -- links and terms

    def local(self, iri: str, root: str) -> str | None:
        """The address of `iri` on this server (under `root`), or the IRI itself if it is
        an http(s) IRI elsewhere, or None (no link)."""
        if iri.startswith(self.base):
            return root + iri[len(self.base):]  # the ontology's hash IRIs too: /ontology serves them
        if iri.startswith(("http://", "https://")):
            return iri
        return None

    def label(self, store: ox.Store, iri: str) -> str | None:
        names: dict[str, str] = {}
        for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(self.v.name), None, ox.DefaultGraph()):
            o = q.object
            if isinstance(o, ox.Literal):
                names.setdefault(o.language or "", o.value)
        for lang in (*PREFERRED_LANGS, ""):
            if lang in names:
                return names[lang]
        return next(iter(names.values()), None)

    def iri_html(self, iri: str, root: str, store: ox.Store | None = None) -> str:
        href = self.local(iri, root)
        name = self.label(store, iri) if store is not None else None
        minted = iri.startswith(self.base) and iri[len(self.base):].split("/", 1)[0] in MINTED
        text = esc(name) if name else esc(iri[len(self.base):] if minted else self.v.curie(iri))
        title = esc(self.v.labels.get(iri) or iri)
        if href is None:
            return f'<span title="{title}">{text}</span>'
        return f'<a href="{esc(href)}" title="{title}">{text}</a>'

    def term_html(self, term, root: str, store: ox.Store | None = None) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri_html(term.value, root, store)
        if isinstance(term, ox.Literal):
            extra = ""
            if term.language:
                extra = f' <span class="lang">@{esc(term.language)}</span>'
            elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                extra = f' <span class="dt">{esc(self.v.curie(term.datatype.value))}</span>'
            return esc(term.value) + extra
        return esc(str(term))

    # -- page frame

    def page(self, title: str, body: str, root: str) -> bytes:
        nav = (f'<nav><a href="{esc(root)}">{esc(self.title)}</a><a href="{esc(root)}sparql">SPARQL</a>'
               f'<a href="{esc(root)}void">VoID</a><a href="{esc(root)}ontology">ontology</a>'
               f'<a href="{esc(root)}dumps/">dumps</a></nav>')
        doc = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(title)}</title>'
               f'<meta name="viewport" content="width=device-width"><style>{CSS}</style></head>'
               f'<body>{nav}{body}</body></html>')
        return doc.encode("utf-8")

    # -- a resource

    def resource(self, d: Description, store: ox.Store, path: str, root: str) -> bytes:
        v = self.v
        by_subject: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for t in d.triples:
            by_subject[getattr(t.subject, "value", str(t.subject))].append((t.predicate.value, t.object))
        own = by_subject.get(d.iri, [])
        names = [(o.language or "", o.value) for p, o in own if p == v.name and isinstance(o, ox.Literal)]
        aliases = [(o.language or "", o.value) for p, o in own if p == v.alias and isinstance(o, ox.Literal)]
        title = self.label(store, d.iri) or path
        types = [o for p, o in own if p == v.type]
        parts = [f"<h1>{esc(title)}</h1>", f'<div class="iri">{esc(d.iri)}</div>']
        if types:
            parts.append("<p>" + ", ".join(self.term_html(t, root) for t in types) + "</p>")
        alts = " ".join(f'<a href="{esc(root)}data/{esc(path)}.{m.name}" type="{m.type}">{esc(m.name)}</a>'
                        for m in GRAPH_FORMATS)
        parts.append(f'<p>This page as data: {alts}</p>')
        if names or aliases:
            name_rows = "".join(f"<tr><td>{esc(what)}</td><td>{esc(text)}</td><td class=lang>{esc(lang)}</td></tr>"
                           for what, group in (("name", names), ("alias", aliases)) for lang, text in sorted(group))
            parts.append(f"<h2>Names</h2><table><tr><th></th><th>text</th><th>language</th></tr>{name_rows}</table>")

        # statements about its relationships: (predicate, object) → statement subject
        stmts = {}
        for s, po in by_subject.items():
            if s == d.iri:
                continue
            props = dict((p, o) for p, o in po if p in (v.subject, v.predicate, v.object))
            subj, pred, obj = props.get(v.subject), props.get(v.predicate), props.get(v.object)
            if subj is not None and subj.value == d.iri and pred is not None and obj is not None:
                stmts[(pred.value, obj)] = s
        shown = {d.iri} | set(stmts.values())
        skip = {v.type, v.name, v.alias, v.qualified, *v.sources}
        rows = []
        for p, o in own:
            if p in skip:
                continue
            st = stmts.get((p, o))
            extra = ""
            if st is not None:
                quals = [(sp, so) for sp, so in by_subject[st]
                         if sp not in (v.type, v.subject, v.predicate, v.object, v.qualified, *v.sources)]
                extra = "".join(f"<br><small>{esc(v.curie(sp))}: {self.term_html(so, root)}</small>"
                                for sp, so in quals)
            # a relationship has its own sources; a field shares the entity's, listed once below
            sources = self._sources(by_subject, st, root, store) if st else '<small>see Sources</small>'
            rows.append(f"<tr><td>{self.iri_html(p, root)}</td><td>{self.term_html(o, root, store)}{extra}</td>"
                        f"<td>{sources}</td></tr>")
        if rows:
            parts.append("<h2>Facts</h2><table><tr><th>property</th><th>value</th><th>sources and quotes</th></tr>"
                         + "".join(rows) + "</table>")
        own_sources = self._sources(by_subject, d.iri, root, store)
        if own_sources and not d.iri.startswith(self.base + "graph/"):
            parts.append(f"<h2>Sources</h2><div>{own_sources}</div>")

        quoting = {o.value for s, po in by_subject.items() for p, o in po if p == v.qualified}
        quoting |= {s for s, po in by_subject.items() if any(p == v.about for p, _ in po)}
        rest = [s for s in by_subject if s not in shown and s not in quoting]
        if rest:
            parts.append("<h2>Related statements</h2>")
            for s in sorted(rest):
                trs = "".join(f"<tr><td>{self.iri_html(p, root)}</td><td>{self.term_html(o, root, store)}</td></tr>"
                              for p, o in by_subject[s])
                parts.append(f"<h3>{self.iri_html(s, root)}</h3><table>{trs}</table>")
        if d.incoming:
            trs = "".join(f"<tr><td>{self.term_html(t.subject, root, store)}</td>"
                          f"<td>{self.iri_html(t.predicate.value, root)}</td></tr>" for t in d.incoming)
            more = "<p>(more not shown: ask the SPARQL endpoint)</p>" if d.incoming_truncated else ""
            parts.append(f"<h2>Referenced by</h2><table><tr><th>resource</th><th>as</th></tr>{trs}</table>{more}")
        return self.page(title, "".join(parts), root)

    def _sources(self, by_subject, subject: str, root: str, store: ox.Store) -> str:
        """The articles `subject` comes from, each with its quotes: a statement's through its
        qualified derivations, an entity's through the quotations about it."""
        v = self.v
        po = by_subject.get(subject, [])
        quotes: dict[str, list[str]] = defaultdict(list)

        def text(props: dict) -> str | None:
            return next((props[p].value for p in v.quotes if p in props), None)

        for p, o in po:
            if p == v.qualified:
                d = dict(by_subject.get(o.value, []))
                src, q = d.get(v.entity), text(d)
                if src is not None and q is not None:
                    quotes[src.value].append(q)
        if v.about and v.part_of:
            for props in (dict(x) for x in by_subject.values()):
                about, src, q = props.get(v.about), props.get(v.part_of), text(props)
                if about is not None and about.value == subject and src is not None and q is not None:
                    quotes[src.value].append(q)
        out = []
        for p, o in po:
            if p in v.sources and isinstance(o, ox.NamedNode):
                qs = "".join(f"<blockquote>{esc(q)}</blockquote>" for q in quotes.get(o.value, []))
                out.append(f"<div>{self.iri_html(o.value, root, store)}{qs}</div>")
        return "".join(out)

    # -- the home page and SPARQL

    def home(self, info: dict, examples: Iterable[tuple[str, str]], sample: list[str], root: str,
             store: ox.Store) -> bytes:
        facts = "".join(f"<tr><th>{esc(k)}</th><td>{esc(val)}</td></tr>" for k, val in info.items())
        ents = "".join(f"<li>{self.iri_html(i, root, store)}</li>" for i in sample)
        ex = "".join(f'<h3>{esc(title)}</h3><pre>{esc(q)}</pre><p><a href="{esc(root)}sparql?query='
                     f'{esc(quote(q))}">run it</a></p>' for title, q in examples)
        body = (f"<h1>{esc(self.title)}</h1><p>A knowledge graph of the CIS film co-production ecosystem, "
                "as linked data: every IRI below dereferences to a page for people and RDF for machines "
                "(Turtle, JSON-LD, N-Triples, RDF/XML by <code>Accept</code> or <code>?format=</code>).</p>"
                f"<table>{facts}</table><h2>Some resources</h2><ul>{ents}</ul>"
                f"<h2>Example SPARQL queries</h2>{ex}")
        return self.page(self.title, body, root)

    def sparql_form(self, root: str, query: str = "") -> bytes:
        body = (f'<h1>SPARQL</h1><form method="get" action="{esc(root)}sparql"><textarea name="query" rows="14">'
                f'{esc(query)}</textarea><p><button type="submit">Run</button></p></form>'
                "<p>The SPARQL 1.1 Protocol: GET or POST, queries only (SELECT, ASK, CONSTRUCT, DESCRIBE); "
                "results as JSON, XML, CSV or TSV, graphs in any RDF format, by <code>Accept</code> or "
                "<code>?format=</code>.</p>")
        return self.page("SPARQL", body, root)

    def sparql_results(self, query: str, json_results: bytes, root: str, seconds: float) -> bytes:
        data = json.loads(json_results)
        if "boolean" in data:
            table = f"<p>{esc('true' if data['boolean'] else 'false')}</p>"
        else:
            cols = data["head"]["vars"]
            head = "".join(f"<th>{esc(c)}</th>" for c in cols)
            trs = []
            for row in data["results"]["bindings"]:
                tds = []
                for c in cols:
                    b = row.get(c)
                    if b is None:
                        tds.append("<td></td>")
                    elif b["type"] == "uri":
                        tds.append(f"<td>{self.iri_html(b['value'], root)}</td>")
                    else:
                        lang = f' <span class="lang">@{esc(b["xml:lang"])}</span>' if "xml:lang" in b else ""
                        tds.append(f"<td>{esc(b['value'])}{lang}</td>")
                trs.append("<tr>" + "".join(tds) + "</tr>")
            n = len(trs)
            table = f"<p>{n} row(s) in {seconds * 1000:.0f} ms</p><table><tr>{head}</tr>{''.join(trs)}</table>"
        body = (f'<h1>SPARQL</h1><form method="get" action="{esc(root)}sparql"><textarea name="query" rows="10">'
                f'{esc(query)}</textarea><p><button type="submit">Run</button></p></form>{table}')
        return self.page("SPARQL results", body, root)

    def text(self, title: str, text: str, root: str, links: Iterable[tuple[str, str]] = ()) -> bytes:
        alts = " ".join(f'<a href="{esc(href)}">{esc(name)}</a>' for name, href in links)
        return self.page(title, f"<h1>{esc(title)}</h1><p>{alts}</p><pre>{esc(text)}</pre>", root)

    def listing(self, title: str, items: Iterable[tuple[str, str, str]], root: str) -> bytes:
        lis = "".join(f'<li><a href="{esc(href)}">{esc(name)}</a> {esc(note)}</li>' for name, href, note in items)
        return self.page(title, f"<h1>{esc(title)}</h1><ul>{lis}</ul>", root)
