"""Exploring the graph in Neo4j Browser: a style, a guide and deep links.

Everything here is derived from the schema (`Model`) and the stored templates,
never written per kind or per template:

- the style (GRASS): one colour per kind, nodes captioned with `{name}`,
  relationships with their type, provenance edges drawn faint;
- a Browser guide (HTML slides played with `:guide <url>`): the model, where
  provenance lives, and one slide per template with a clickable `:param`
  block (its example parameters) and a clickable query block;
- deep links into Browser (`/browser/?cmd=edit&arg=...`) that open the editor
  with one template's query, its example written in, ready to Run.

Browser fetches remote guides and styles itself, from its own page, and only
from hosts on the server's `browser.remote_content_hostname_whitelist`
(default `guides.neo4j.com, localhost`). `GuideServer` therefore serves the
guide on 127.0.0.1 and the links name it `http://localhost:<port>/`; the
allow-list is never widened.

Browser reads `cmd`/`arg` from its address after decoding it once and cuts an
argument at `&` or `#`; values are written so these never occur (`\\u0026` and
`\\u0023` escapes in Cypher and JSON strings), and a template whose own text
needs them gets no editor link (its guide slide still works).
"""
from __future__ import annotations

import colorsys
import html
import http.server
import json
import math
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import neo4j

from graph.errors import CisfilmError, QueryError
from graph.model.names import fold
from graph.model.schema import SOURCE_KIND, Model
from graph.store.layout import PROVENANCE
from graph.templates import RESERVED, Param, Template, resolve_entity

ENTITY_LABEL = "Entity"  # every node's shared label (docs/DESIGN.md)
GUIDE_FILE = "cisfilm.html"
STYLE_FILE = "cisfilm.grass"
DEFAULT_GUIDE_PORT = 7480
HOSTED_BROWSER = "https://browser.neo4j.io/"  # Neo4j's web build of Browser, for TLS servers

# Well-separated colours (Tableau 10 and friends); kinds take them in name order,
# and any kind beyond them gets a generated hue.
PALETTE = (
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948",
    "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC", "#17BECF", "#8CD17D",
)
NEUTRAL = "#A5ABB6"  # Browser's own default node colour


# -- style (GRASS) ---------------------------------------------------------------

def kind_colours(model: Model) -> dict[str, str]:
    """One distinct `#RRGGBB` colour per kind, stable for a given set of kinds."""
    kinds = sorted(model.kinds)
    colours: dict[str, str] = {}
    used = {NEUTRAL}
    extra = 0
    for i, kind in enumerate(kinds):
        colour = PALETTE[i] if i < len(PALETTE) else None
        while colour is None or colour in used:
            # golden-angle hues: distinct for any number of kinds
            hue = (0.13 + extra * 0.381966) % 1.0
            lightness = (0.45, 0.6, 0.35)[(extra // 8) % 3]
            r, g, b = colorsys.hls_to_rgb(hue, lightness, 0.55)
            colour = f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"
            extra += 1
        colours[kind] = colour
        used.add(colour)
    return colours


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _darker(colour: str, factor: float = 0.8) -> str:
    return "#" + "".join(f"{round(c * factor):02X}" for c in _rgb(colour))


def _text_on(colour: str) -> str:
    """Black or white, whichever reads better on `colour` (WCAG relative luminance)."""
    def lin(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in _rgb(colour))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if luminance > 0.4 else "#FFFFFF"


def style(model: Model) -> dict[str, dict[str, str]]:
    """The Browser style as selector → properties, in the order Browser applies them.

    `node.Entity` comes before the kinds and has a colour of its own: Browser
    gives a label without a coloured rule a default colour on a rule named after
    the node's alphabetically first label, which would be `Entity` for every
    node and would paint over the kind colours."""
    sheet: dict[str, dict[str, str]] = {
        "node": {"diameter": "50px", "color": NEUTRAL, "border-color": _darker(NEUTRAL), "border-width": "2px",
                 "text-color-internal": "#FFFFFF", "font-size": "10px", "caption": "{name}"},
        "relationship": {"color": "#A5ABB6", "shaft-width": "1px", "font-size": "8px", "padding": "3px",
                         "text-color-external": "#000000", "text-color-internal": "#FFFFFF",
                         "caption": "<type>"},
        f"node.{ENTITY_LABEL}": {"color": NEUTRAL, "border-color": _darker(NEUTRAL),
                                 "text-color-internal": "#FFFFFF", "caption": "{name}"},
    }
    for kind, colour in kind_colours(model).items():
        sheet[f"node.{kind}"] = {
            "color": colour, "border-color": _darker(colour), "text-color-internal": _text_on(colour),
            "diameter": "35px" if kind == SOURCE_KIND else "55px", "caption": "{name}",
        }
    sheet[f"relationship.{PROVENANCE}"] = {"color": "#D5D8DC", "shaft-width": "1px",
                                           "text-color-external": "#8A8F98", "caption": "<type>"}
    return sheet


def grass(model: Model) -> str:
    """The style as a GRASS file, as Browser's style panel exports it."""
    # No comment lines: Browser's GRASS reader would take them for part of the first selector.
    out = []
    for selector, props in style(model).items():
        out.append(f"{selector} {{")
        for key, value in props.items():
            out.append(f'  {key}: "{value}";' if key == "caption" else f"  {key}: {value};")
        out.append("}")
        out.append("")
    return "\n".join(out)


def write_style(model: Model, path: str | os.PathLike) -> str:
    """Write the GRASS style to `path`; returns the path written."""
    try:
        Path(path).write_text(grass(model), encoding="utf-8")
    except OSError as e:
        raise CisfilmError(f"cannot write the style to {path}: {e.strerror}") from None
    return str(path)


def style_command(model: Model) -> str:
    """`:style {...}` with the style as JSON on one line: Browser's editor accepts it, and it
    holds no `;` (which would split it into statements), `&` or `#` (which end a deep link)."""
    text = json.dumps(style(model), ensure_ascii=False, separators=(", ", ": "))
    return ":style " + text.replace("#", "\\u0023").replace("&", "\\u0026")


# -- Cypher values and :param lines ------------------------------------------------

def cypher_literal(value: Any) -> str:
    """A Python value as a Cypher literal (strings double-quoted; `& # ;` escaped as \\uXXXX)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"no Cypher literal for {value!r}")
        text = repr(value)
        return text if any(c in text for c in ".eE") else text + ".0"
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in '\\"':
                out.append("\\" + ch)
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\t":
                out.append("\\t")
            elif ch in "&#;" or ord(ch) < 0x20:
                out.append(f"\\u{ord(ch):04X}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    raise ValueError(f"no Cypher literal for {type(value).__name__}")


def _lookup_expression(param: Param, value: str) -> str:
    """Cypher that finds an entity's id by id, name or alias, as `cisfilm query` does."""
    kinds = f" AND n.kind IN {cypher_literal(list(param.kinds))}" if param.kinds else ""
    v = cypher_literal(value)
    return (f"head(COLLECT {{ MATCH (n:{ENTITY_LABEL}) WHERE n.id = {v} "
            f"OR ({cypher_literal(fold(value))} IN n.name_keys{kinds}) RETURN n.id ORDER BY n.id <> {v}, n.id }})")


def example_values(template: Template) -> dict[str, Any]:
    """The template's example, typed, with every parameter present (unset ones as None)."""
    return template.bind(dict(template.example))


def resolve_examples(driver: neo4j.Driver, templates: Mapping[str, Template], *,
                     database: str | None = None) -> dict[str, dict[str, Any]]:
    """Template name → {entity parameter → id} for every example name found in the graph.

    Browser has no name look-up, so entity parameters are set to ids there; names
    not found (an empty graph) are left out and looked up by Cypher instead."""
    wanted = [(t, name, p) for t in templates.values() for name, p in t.params.items()
              if p.item_type == "entity" and example_values(t).get(name) is not None]

    def work(tx) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for t, name, p in wanted:
            value = example_values(t)[name]
            try:
                ids = [resolve_entity(tx, p, v) for v in (value if p.is_list else [value])]
            except QueryError:
                continue
            out.setdefault(t.name, {})[name] = ids if p.is_list else ids[0]
        return out

    if not wanted:
        return {}
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS,
                        notifications_min_severity="OFF") as session:
        return session.execute_read(work)


def example_cypher(template: Template, resolved: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Parameter → the Cypher text of its example value (`as_of` included when used).

    Entities are the ids found in the graph (`resolved`); one not found yet is looked
    up by Cypher, by id, name or alias, as the command line does."""
    resolved = resolved or {}
    values = example_values(template)
    out = {}
    for name, p in template.params.items():
        value = values.get(name)
        if name in resolved:
            out[name] = cypher_literal(resolved[name])
        elif p.item_type == "entity" and value is not None:
            out[name] = ("[" + ", ".join(_lookup_expression(p, v) for v in value) + "]" if p.is_list
                         else _lookup_expression(p, value))
        else:
            out[name] = cypher_literal(value)
    if template.uses_as_of:
        out["as_of"] = "null"
    return out


def param_lines(template: Template, resolved: Mapping[str, Any] | None = None) -> list[str]:
    """`:param name => value` for every parameter of `template`, set to its example.

    One `:param x => <Cypher>` per parameter: Browser evaluates the right-hand side
    with Cypher, so integers stay integers (`:params {...}` would make them floats)."""
    return [f":param {name} => {text}" for name, text in example_cypher(template, resolved).items()]


_TOKENS = re.compile(r"""
    (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | \$(?:(?P<param>[A-Za-z_][A-Za-z0-9_]*)|`(?P<qparam>(?:[^`]|``)*)`)
  | (?P<quoted>`(?:[^`]|``)*`)
""", re.VERBOSE | re.DOTALL)


def link_safe(cypher: str) -> str:
    """`cypher` without `&` or `#` where it can do without: `\\u0026`/`\\u0023` escapes in
    string literals, words in comments. Those left (label expressions) rule out a link."""
    def sub(m: re.Match) -> str:
        if m.group("string"):
            return m.group(0).replace("&", "\\u0026").replace("#", "\\u0023")
        if m.group("comment"):
            return m.group(0).replace("&", "and").replace("#", "no.")
        return m.group(0)
    return _TOKENS.sub(sub, cypher)


def with_values(cypher: str, values: Mapping[str, str]) -> str:
    """`cypher` with each `$name` in `values` replaced by its Cypher text (outside strings and comments)."""
    def sub(m: re.Match) -> str:
        name = m.group("param") or (m.group("qparam") or "").replace("``", "`")
        if (m.group("param") or m.group("qparam")) and name in values:
            return values[name]
        return m.group(0)
    return _TOKENS.sub(sub, cypher)


def editor_query(template: Template, resolved: Mapping[str, Any] | None = None) -> str:
    """What a deep link puts in Browser's editor: the query with its example written in.

    One statement, so one Run shows the answer: Browser shows only a status line for
    each statement of a multi-statement script (`:param ...; MATCH ...`). The values
    are the template's own example (entities as the ids found in the graph), written
    as Cypher literals, never text a user typed; the guide sets them as parameters."""
    literals = example_cypher(template, resolved)
    shown = ", ".join(f"${n}" for n in literals) or "no parameters"
    head = f"// cisfilm query {template.name} (queries/{template.name}.cypher), its example written in for {shown}"
    return link_safe(head + "\n" + with_values(template.text.rstrip().rstrip(";"), literals))


# -- links -----------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """Where Browser is and what it should connect to."""

    browser_url: str | None  # ends with /browser/ (or the hosted app's root); None when unknown
    uri: str  # the Bolt/Neo4j URI Browser connects to
    user: str = "neo4j"
    database: str | None = None
    # Browser is served by the server it connects to: its discovery fills in the connect
    # form, and a link must not name the server (`dbms=`), or Browser forgets the
    # credentials it keeps and asks for the password again on every link.
    own_server: bool = True

    def link(self, cmd: str | None = None, arg: str | None = None) -> str | None:
        """A Browser address, optionally with a command; None when Browser's address is
        unknown or `arg` cannot travel in an address."""
        if not self.browser_url:
            return None
        if arg is not None and ("&" in arg or "#" in arg):
            return None
        query = []
        if not self.own_server or self.database:  # Browser reads `db` only along with `dbms`
            scheme, sep, rest = self.uri.partition("://")
            dbms = f"{scheme}://{self.user}@{rest}" if sep and "@" not in rest else self.uri
            query.append("dbms=" + urllib.parse.quote(dbms, safe=""))
            if self.database:
                query.append("db=" + urllib.parse.quote(self.database, safe=""))
        if cmd:
            query.append("cmd=" + cmd)
            if arg is not None:
                query.append("arg=" + urllib.parse.quote(arg, safe=""))
        return self.browser_url + ("?" + "&".join(query) if query else "")


def derive_browser_url(uri: str, *, timeout: float = 2.0,
                       fetch: Callable[[str, float], bytes] | None = None) -> tuple[str | None, str]:
    """Neo4j Browser's address for a server known only by its Bolt URI, and how it was found.

    A Neo4j server serves Browser on its HTTP port, whose discovery document
    (`GET /`) names its Bolt address; 7474 (http) and 7473 (https) are tried. A
    TLS-only server without one (e.g. Aura) is reached from Neo4j's hosted Browser."""
    fetch = fetch or _fetch
    parsed = urllib.parse.urlsplit(uri)
    host, tls = parsed.hostname, parsed.scheme.endswith("+s") or parsed.scheme.endswith("+ssc")
    if not host:
        return None, f"{uri!r} names no host"
    shown = f"[{host}]" if ":" in host else host
    tried = []
    for base in ([f"https://{shown}:7473", f"http://{shown}:7474"] if tls else [f"http://{shown}:7474"]):
        tried.append(base)
        try:
            doc = json.loads(fetch(base + "/", timeout))
        except (OSError, ValueError, urllib.error.URLError):
            continue
        if isinstance(doc, dict) and (doc.get("bolt_direct") or doc.get("bolt_routing")):
            return base + "/browser/", f"found by {base}/ (Neo4j's discovery document)"
    if tls:
        return HOSTED_BROWSER, (f"no Browser answered at {', '.join(tried)}; using Neo4j's hosted Browser, "
                                "which connects to TLS servers such as Aura")
    return None, (f"cannot tell where Neo4j Browser is for {uri}: nothing answered at {', '.join(tried)}. "
                  "Open your server's Browser yourself (or pass --browser-url) and connect to the URI below")


def _fetch(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only
        return response.read(65536)


# -- guide -----------------------------------------------------------------------

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
                    f"<td>{_e('The date to answer for, ' + RESERVED['as_of'])} in the command line; null: now.</td></tr>")
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
        + _runnable(f"MATCH (n:{ENTITY_LABEL}) RETURN n.kind AS kind, count(*) AS entities ORDER BY entities DESC")
        + "<p>The whole graph without its provenance edges:</p>"
        + _runnable(f"MATCH (a:{ENTITY_LABEL})-[r]->(b:{ENTITY_LABEL}) WHERE type(r) <> '{PROVENANCE}' "
                    f"AND NOT a:{SOURCE_KIND} AND NOT b:{SOURCE_KIND} RETURN a, r, b LIMIT 300")
        + f"<p>Stored questions ({len(templates)}), each on a slide of its own further on:</p>"
        f"<ul>{toc}</ul></slide>"
    )
    kind_rows = "".join(
        f"<tr><td>{_swatch(colours[k])} <code>:{_e(k)}</code></td><td>{_e(model.kinds[k].description)}</td></tr>"
        for k in kinds)
    kinds_slide = (
        "<slide><h3>Kinds</h3>"
        f"<p>Every node has the label <code>:{ENTITY_LABEL}</code>, its kind as a second label, a unique "
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
        + _runnable(f"MATCH p = (n:{ENTITY_LABEL})-[:{PROVENANCE}]->(s:{SOURCE_KIND}) RETURN p LIMIT 200")
        + "<p>Relationships with their evidence:</p>"
        + _runnable(f"MATCH (a:{ENTITY_LABEL})-[r]->(b:{ENTITY_LABEL}) WHERE type(r) <> '{PROVENANCE}' "
                    "RETURN a.name AS from, type(r) AS type, b.name AS to, r.sources AS sources, "
                    "r.quotes AS quotes LIMIT 100")
        + "<p>Facts that rest on a single source:</p>"
        + _runnable(f"MATCH (n:{ENTITY_LABEL}) WHERE NOT n:{SOURCE_KIND} AND size(n.sources) = 1 "
                    "RETURN n.kind AS kind, n.name AS name, n.sources[0] AS source ORDER BY kind, name")
        + "</slide>"
    )
    slides = {n: _template_slide(t, resolved.get(n, {})) for n, t in templates.items()}
    title = "cisfilm — the CIS film co-production graph"
    pages = {GUIDE_FILE: _page(title, [intro, kinds_slide, rels_slide, prov_slide, *slides.values()])}
    back = f"<p>{_exec('guide ' + main_url, '← the cisfilm guide')} · {_exec('style ' + style_url, 'apply the style')}</p>"
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


# -- serving the guide ------------------------------------------------------------

class GuideServer:
    """Serves a `Guide` on 127.0.0.1 in a background thread, for Browser to fetch.

    Browser fetches from its own page (another origin), so every answer allows
    any origin: the guide holds only the schema and the stored queries."""

    def __init__(self, port: int | None = DEFAULT_GUIDE_PORT):
        self.port_wanted = port
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._files: dict[str, tuple[str, bytes]] = {}
        self.redirect: str | None = None  # where `/` sends a visitor (the guide in Browser)

    @property
    def port(self) -> int:
        if not self._httpd:
            raise CisfilmError("the guide server is not running")
        return self._httpd.server_address[1]

    @property
    def base(self) -> str:
        # `localhost`, not 127.0.0.1: it is the name Browser's default allow-list holds
        return f"http://localhost:{self.port}"

    def publish(self, guide: Guide) -> None:
        self._files = guide.files()

    def start(self) -> "GuideServer":
        files = lambda: self._files  # noqa: E731 - read at request time: publish() may come later
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            server_version = "cisfilm-guide"

            def _head(self, status: int, ctype: str | None = None, length: int = 0) -> None:
                self.send_response(status)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
                self.send_header("Access-Control-Allow-Headers", "*")
                self.send_header("Access-Control-Allow-Private-Network", "true")
                self.send_header("Cache-Control", "no-cache")
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(length))
                self.end_headers()

            def do_OPTIONS(self) -> None:  # noqa: N802 - http.server naming
                self._head(204)

            def do_HEAD(self) -> None:  # noqa: N802
                self._serve(body=False)

            def do_GET(self) -> None:  # noqa: N802
                self._serve(body=True)

            def _serve(self, body: bool) -> None:
                path = urllib.parse.urlsplit(self.path).path.lstrip("/")
                if path == "" and owner.redirect:
                    self.send_response(302)
                    self.send_header("Location", owner.redirect)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                found = files().get(path)
                if not found:
                    self._head(404, "text/plain; charset=utf-8", 0)
                    return
                ctype, data = found
                self._head(200, ctype, len(data))
                if body:
                    self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

        for port in ([self.port_wanted, 0] if self.port_wanted else [0]):
            try:
                self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError as e:
                if port == 0 or self.port_wanted is None:
                    raise CisfilmError(f"cannot serve the guide on 127.0.0.1: {e.strerror}") from None
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="cisfilm-guide", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "GuideServer":
        return self.start() if not self._httpd else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# -- what `cisfilm browser` shows ------------------------------------------------------

@dataclass
class TemplateLinks:
    name: str
    description: str
    editor: str  # the query with its example written in, as a deep link puts it in the editor
    link: str | None  # deep link opening the editor with `editor`
    guide_link: str | None = None  # deep link opening this template's guide (when served)

    def as_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "link": self.link,
                "guide_link": self.guide_link, "editor": self.editor}


@dataclass
class BrowserInfo:
    """Everything a person needs to explore the graph in Neo4j Browser."""

    target: Target
    how_found: str  # how the Browser address was found (or why it was not)
    managed: bool
    password_file: str | None
    password: str | None  # only when asked for
    style_command: str
    style_link: str | None
    templates: list[TemplateLinks]
    style_file: str | None = None
    guide_url: str | None = None
    guide_link: str | None = None
    style_url: str | None = None

    @property
    def browser_link(self) -> str | None:
        return self.target.link()

    def as_dict(self) -> dict:
        connect: dict[str, Any] = {"uri": self.target.uri, "user": self.target.user,
                                   "database": self.target.database}
        if self.password_file:
            connect["password_file"] = self.password_file
        if self.password is not None:
            connect["password"] = self.password
        return {
            "browser_url": self.target.browser_url, "browser_link": self.browser_link,
            "how_found": self.how_found, "managed": self.managed, "connect": connect,
            "style": {"command": self.style_command, "link": self.style_link, "file": self.style_file,
                      "url": self.style_url},
            "guide": {"url": self.guide_url, "link": self.guide_link} if self.guide_url else None,
            "templates": [t.as_dict() for t in self.templates],
        }


def browser_info(model: Model, templates: Mapping[str, Template], target: Target, *, how_found: str,
                 managed: bool, password_file: str | None = None, password: str | None = None,
                 resolved: Mapping[str, Mapping[str, Any]] | None = None,
                 guide: Guide | None = None) -> BrowserInfo:
    """Links and instructions for `target`; with `guide`, links that open the served guide."""
    resolved = resolved or {}
    command = style_command(model)
    items = []
    for name, t in templates.items():
        query = editor_query(t, resolved.get(name))
        items.append(TemplateLinks(
            name=name, description=t.description, editor=query, link=target.link("edit", query),
            guide_link=target.link("guide", guide.url(template_page(name))) if guide else None))
    return BrowserInfo(
        target=target, how_found=how_found, managed=managed, password_file=password_file, password=password,
        style_command=command, style_link=target.link("edit", command), templates=items,
        guide_url=guide.url() if guide else None,
        guide_link=target.link("guide", guide.url()) if guide else None,
        style_url=guide.url(STYLE_FILE) if guide else None,
    )


def format_text(info: BrowserInfo) -> str:
    """The plain-text report of `cisfilm browser`."""
    t = info.target
    out = []
    if t.browser_url:
        out.append(f"Neo4j Browser: {info.browser_link}")
        if not info.managed:
            out.append(f"  ({info.how_found})")
    else:
        out.append(f"Neo4j Browser: unknown — {info.how_found}")
    out.append("Connect with:")
    out.append(f"  Connect URL:   {t.uri}")
    out.append(f"  User:          {t.user}")
    if t.database:
        out.append(f"  Database:      {t.database}")
    if info.password is not None:
        out.append(f"  Password:      {info.password}")
    elif info.password_file:
        out.append(f"  Password:      in {info.password_file} (or add --show-password)")
    else:
        out.append("  Password:      the one in NEO4J_PASSWORD (or add --show-password)")
    out.append("")
    if info.guide_url:
        out.append("Guide (the model, where provenance lives, every stored question one click away):")
        out.append(f"  {info.guide_link or ':guide ' + info.guide_url}")
        out.append(f"  served at {info.guide_url} until you stop this command (Ctrl-C)")
        out.append("")
    out.append("Style (a colour per kind, names on nodes, types on relationships), once per web browser:")
    if info.style_url:
        out.append(f"  run  :style {info.style_url}   (or click 'apply the cisfilm style' in the guide)")
    elif info.style_link:
        out.append("  open this link and press Run (▶):")
        out.append(f"  {info.style_link}")
    else:
        out.append(f"  run  {info.style_command}")
    if info.style_file:
        out.append(f"  written to {info.style_file} (you can also drop the file onto the Browser window)")
    out.append("")
    if info.templates:
        if info.guide_url:
            out.append("Stored questions: each link opens its slide of the guide; click ▶ on the parameters, "
                       "then on the query:")
        else:
            out.append("Stored questions: each link opens the editor with the query and its example; "
                       "press Run (▶):")
        for item in info.templates:
            out.append(f"  {item.name} — {item.description}")
            link = item.guide_link or item.link
            out.append(f"    {link}" if link else "    (no link: its text cannot travel in an address; "
                       "use the guide: cisfilm browser --serve)")
    if not info.guide_url:
        out.append("")
        out.append("For a guide with the model and every question one click away: cisfilm browser --serve")
    return "\n".join(out)


def explore(driver: neo4j.Driver, model: Model, templates: Mapping[str, Template], *, uri: str, user: str,
            database: str | None = None, managed_browser_url: str | None = None,
            password_file: str | None = None, password: str | None = None,
            browser_url: str | None = None, server: GuideServer | None = None) -> BrowserInfo:
    """What `cisfilm browser` shows: where Browser is, how to connect, the style, and a link
    per template with its example parameters (entity names looked up in the live graph).

    `managed_browser_url` is the managed server's own Browser; otherwise `browser_url`
    (given by the user) or one derived from `uri`. With `server` running, the guide is
    published on it and the links open the guide."""
    if managed_browser_url:
        target, how = Target(managed_browser_url, uri, user, database, own_server=True), "the managed server"
    elif browser_url:
        target, how = Target(browser_url, uri, user, database, own_server=False), "given with --browser-url"
    else:
        found, how = derive_browser_url(uri)
        target = Target(found, uri, user, database, own_server=found is not None and found != HOSTED_BROWSER)
    resolved = resolve_examples(driver, templates, database=database)
    guide = None
    if server is not None:
        guide = build_guide(model, templates, base=server.base, resolved=resolved)
        server.publish(guide)
    info = browser_info(model, templates, target, how_found=how, managed=managed_browser_url is not None,
                        password_file=password_file, password=password, resolved=resolved, guide=guide)
    if server is not None:
        server.redirect = info.guide_link
    return info


def open_in_web_browser(url: str) -> bool:
    """Open `url` in the user's web browser (honours $BROWSER); False when none could be started."""
    import webbrowser

    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
