"""The Browser guide: HTML slides played with `:guide <url>`, generated from the schema
and the stored templates — the model, where provenance lives, and one slide per
template with a clickable `:param` block (its example) and a clickable query block.

Browser fetches a guide itself, from its own page, and only from hosts on the
server's `browser.remote_content_hostname_whitelist`; `graph.browser.server` serves
it on `localhost`, which the default allow-list holds.
"""
from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph.browser.cypher import example_values, param_lines
from graph.browser.stylesheet import grass, kind_colours
from graph.model.schema import SOURCE_KIND, Model
from graph.store.layout import ENTITY, PROVENANCE
from graph.templates import RESERVED, Template

GUIDE_FILE = "cisfilm.html"
STYLE_FILE = "cisfilm.grass"  # served next to the guide, for `:style <url>`


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _runnable(code: str) -> str:
    return f'<pre class="runnable">{_e(code)}</pre>'


def _exec(command: str, label: str) -> str:
    """A link that runs a Browser command (without its leading colon) when clicked."""
    return f'<a href="#" data-exec="{_e(command)}">{_e(label)}</a>'


def _swatch(colour: str) -> str:
    return (f'<span style="display:inline-block;width:0.9em;height:0.9em;border-radius:50%;'
            f'background:{colour};vertical-align:middle"></span>')


@dataclass(frozen=True)
class Guide:
    """Guide pages (path → HTML) and the style file, ready to serve from `base`."""

    base: str  # e.g. http://localhost:7480
    pages: Mapping[str, str]
    grass: str

    def url(self, path: str = GUIDE_FILE) -> str:
        return f"{self.base}/{path}"

    def files(self) -> dict[str, tuple[str, bytes]]:
        out = {path: ("text/html; charset=utf-8", text.encode()) for path, text in self.pages.items()}
        out[STYLE_FILE] = ("text/plain; charset=utf-8", self.grass.encode())
        return out


def _template_slide(t: Template, resolved: Mapping[str, Any]) -> str:
    rows = []
    values = example_values(t)
    for name, p in t.params.items():
        shown = resolved.get(name, values.get(name))
        rows.append(f"<tr><td><code>{_e(name)}</code></td><td>{_e(p.type)}"
                    f"{_e(' (' + '|'.join(p.kinds) + ')') if p.kinds else ''}</td>"
                    f"<td>{_e('' if shown is None else json.dumps(shown, ensure_ascii=False))}</td>"
                    f"<td>{_e(p.description)}</td></tr>")
    if t.uses_as_of:
        rows.append(f"<tr><td><code>as_of</code></td><td>date</td><td>null</td>"
                    f"<td>{_e('The date to answer for, ' + RESERVED['as_of'])} in the command line; "
                    "null: now.</td></tr>")
    table = ("<table><tr><th>parameter</th><th>type</th><th>example</th><th>meaning</th></tr>"
             + "".join(rows) + "</table>") if rows else "<p>No parameters.</p>"
    cli = " ".join(["cisfilm query", t.name, *t.example_args()])
    params = ";\n".join(param_lines(t, resolved))
    entity_note = ("<p><small>Entity parameters are ids here; the command line also takes names and "
                   "aliases.</small></p>" if any(p.item_type == "entity" for p in t.params.values()) else "")
    return (f"<slide><h3>{_e(t.name)}</h3><p>{_e(t.description)}</p>{table}"
            f"<p>1. Set the example parameters (click ▶ to run; click the text to edit it first):</p>"
            f"{_runnable(params) if params else '<p>(nothing to set)</p>'}"
            f"<p>2. Ask the question:</p>{_runnable(t.text)}{entity_note}"
            f"<p><small>From a terminal: <code>{_e(cli)}</code> · stored in <code>queries/{_e(t.name)}.cypher</code>"
            f"</small></p></slide>")


def build_guide(model: Model, templates: Mapping[str, Template], *, base: str,
                resolved: Mapping[str, Mapping[str, Any]] | None = None) -> Guide:
    """The guide (model, provenance, one slide per template) and one small guide per template."""
    resolved = resolved or {}
    colours = kind_colours(model)
    style_url = f"{base}/{STYLE_FILE}"
    main_url = f"{base}/{GUIDE_FILE}"
    kinds = sorted(model.kinds)
    rels = sorted(model.relations)

    toc = "".join(f"<li>{_exec(f'guide {base}/{template_page(n)}', n)} — {_e(t.description)}</li>"
                  for n, t in templates.items())
    intro = (
        "<slide><h3>cisfilm: the CIS film co-production graph</h3>"
        "<p>Studios, executives, agreements, film clusters, projects, events and incentives, each fact "
        "with the news article it comes from.</p>"
        f"<p>First, {_exec('style ' + style_url, 'apply the cisfilm style')}: one colour per kind, names on "
        "nodes, types on relationships (Browser keeps it).</p>"
        "<p>What is in the graph:</p>"
        + _runnable(f"MATCH (n:{ENTITY}) RETURN n.kind AS kind, count(*) AS entities ORDER BY entities DESC")
        + "<p>The whole graph without its provenance edges:</p>"
        + _runnable(f"MATCH (a:{ENTITY})-[r]->(b:{ENTITY}) WHERE type(r) <> '{PROVENANCE}' "
                    f"AND NOT a:{SOURCE_KIND} AND NOT b:{SOURCE_KIND} RETURN a, r, b LIMIT 300")
        + f"<p>Stored questions ({len(templates)}), each on a slide of its own further on:</p>"
        f"<ul>{toc}</ul></slide>"
    )
    kind_rows = "".join(
        f"<tr><td>{_swatch(colours[k])} <code>:{_e(k)}</code></td><td>{_e(model.kinds[k].description)}</td></tr>"
        for k in kinds)
    kinds_slide = (
        "<slide><h3>Kinds</h3>"
        f"<p>Every node has the label <code>:{ENTITY}</code>, its kind as a second label, a unique "
        "<code>id</code> and a <code>name</code> (English, else Russian); <code>name_ru</code>, "
        "<code>name_en</code>… keep each language.</p>"
        f"<table><tr><th>kind</th><th>what it is</th></tr>{kind_rows}</table>"
        "<p>Nodes of one kind, for example:</p>"
        + "".join(_runnable(f"MATCH (n:{model.check_label(k)}) RETURN n LIMIT 50") for k in kinds)
        + "</slide>"
    )
    rel_rows = []
    for r in rels:
        spec = model.relations[r]
        ends = "; ".join(f"{a} → {', '.join(sorted(b))}" for a, b in sorted(spec.targets.items()))
        props = ", ".join(p for p in spec.own_properties)
        rel_rows.append(f"<tr><td><code>{_e(r)}</code></td><td>{_e(ends)}</td><td>{_e(spec.description)}"
                        f"{_e(' Properties: ' + props + '.') if props else ''}</td></tr>")
    rels_slide = (
        "<slide><h3>Relationships</h3>"
        f"<table><tr><th>type</th><th>from → to</th><th>meaning</th></tr>{''.join(rel_rows)}</table>"
        "<p>All relationships of one type, for example:</p>"
        + "".join(_runnable(f"MATCH p = ()-[:{model.check_rel_type(r)}]->() RETURN p LIMIT 100") for r in rels)
        + "</slide>"
    )
    prov_slide = (
        "<slide><h3>Where each fact comes from</h3>"
        f"<p>Every fact names the news article(s) it comes from, a <code>:{SOURCE_KIND}</code> node "
        "(publisher, title, date, file):</p><ul>"
        "<li>on every node and every relationship, <code>sources</code> lists the source ids and "
        "<code>quotes</code> the matching short quotes from the article (<code>\"\"</code> where none);</li>"
        f"<li>every node also has <code>-[:{PROVENANCE} {{quote}}]-&gt;</code> edges to its sources, "
        "so provenance can be drawn and traversed.</li></ul>"
        "<p>The sources and how many facts each supports:</p>"
        + _runnable(f"MATCH (s:{SOURCE_KIND}) OPTIONAL MATCH (n)-[:{PROVENANCE}]->(s) "
                    "RETURN s.id AS source, s.name AS article, s.date AS date, count(n) AS entities ORDER BY source")
        + "<p>Entities with the articles they come from:</p>"
        + _runnable(f"MATCH p = (n:{ENTITY})-[:{PROVENANCE}]->(s:{SOURCE_KIND}) RETURN p LIMIT 200")
        + "<p>Relationships with their evidence:</p>"
        + _runnable(f"MATCH (a:{ENTITY})-[r]->(b:{ENTITY}) WHERE type(r) <> '{PROVENANCE}' "
                    "RETURN a.name AS from, type(r) AS type, b.name AS to, r.sources AS sources, "
                    "r.quotes AS quotes LIMIT 100")
        + "<p>Facts that rest on a single source:</p>"
        + _runnable(f"MATCH (n:{ENTITY}) WHERE NOT n:{SOURCE_KIND} AND size(n.sources) = 1 "
                    "RETURN n.kind AS kind, n.name AS name, n.sources[0] AS source ORDER BY kind, name")
        + "</slide>"
    )
    slides = {n: _template_slide(t, resolved.get(n, {})) for n, t in templates.items()}
    title = "cisfilm — the CIS film co-production graph"
    pages = {GUIDE_FILE: _page(title, [intro, kinds_slide, rels_slide, prov_slide, *slides.values()])}
    back = (f"<p>{_exec('guide ' + main_url, '← the cisfilm guide')} · "
            f"{_exec('style ' + style_url, 'apply the style')}</p>")
    for n, slide in slides.items():
        pages[template_page(n)] = _page(f"cisfilm · {n}", [slide.replace("</slide>", back + "</slide>")])
    return Guide(base=base, pages=pages, grass=grass(model))


def template_page(name: str) -> str:
    """Path of the one-slide guide of template `name`."""
    return f"guide/{name}.html"


def _page(title: str, slides: Iterable[str]) -> str:
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title></head><body>\n"
            + "\n".join(slides) + "\n</body></html>\n")

