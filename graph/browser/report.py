"""What `cisfilm browser` shows: where Browser is, how to connect, the guide, the style,
and a deep link per stored template — short by default, everything with `links=True`."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import neo4j

from graph.browser.cypher import editor_query, resolve_examples
from graph.browser.discover import HOSTED_BROWSER, derive_browser_url
from graph.browser.guide import STYLE_FILE, Guide, build_guide, template_page
from graph.browser.links import Target
from graph.browser.server import GuideServer
from graph.browser.stylesheet import POST_CONNECT_SETTING, style, style_command
from graph.model.schema import Model
from graph.templates import Template


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
    style_on_connect: bool = False  # the server's browser.post_connect_cmd applies this style

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
                      "url": self.style_url, "on_connect": self.style_on_connect},
            "guide": {"url": self.guide_url, "link": self.guide_link} if self.guide_url else None,
            "templates": [t.as_dict() for t in self.templates],
        }


def browser_info(model: Model, templates: Mapping[str, Template], target: Target, *, how_found: str,
                 managed: bool, password_file: str | None = None, password: str | None = None,
                 resolved: Mapping[str, Mapping[str, Any]] | None = None,
                 guide: Guide | None = None, style_on_connect: bool = False) -> BrowserInfo:
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
        style_on_connect=style_on_connect,
    )


def applies_style(post_connect_cmd: str | None, model: Model) -> bool:
    """Whether a `browser.post_connect_cmd` value applies the style of `model`."""
    for part in (post_connect_cmd or "").split(";"):  # the style's JSON holds no `;`
        name, _, arg = part.strip().partition(" ")
        if name == "style":
            try:
                return json.loads(arg) == style(model)
            except ValueError:
                return False
    return False


def server_post_connect_cmd(driver: neo4j.Driver, *, database: str | None = None) -> str | None:
    """The server's `browser.post_connect_cmd`, or None when it may not be read (e.g. Aura)."""
    try:
        records, _, _ = driver.execute_query(
            "SHOW SETTINGS YIELD name, value WHERE name = $name RETURN value", {"name": POST_CONNECT_SETTING},
            database_=database, routing_=neo4j.RoutingControl.READ)
    except neo4j.exceptions.Neo4jError:
        return None
    return records[0]["value"] if records else None


def _password(info: BrowserInfo) -> str:
    if info.password is not None:
        return f"password {info.password}"
    if info.password_file:
        return f"password in {info.password_file}"
    return "password from NEO4J_PASSWORD"


def format_text(info: BrowserInfo, *, links: bool = False) -> str:
    """The plain-text report of `cisfilm browser`: a few lines, or with `links` everything,
    a deep link per stored question included."""
    return _format_full(info) if links else _format_short(info)


def _format_short(info: BrowserInfo) -> str:
    t = info.target
    login = f"user {t.user}, {_password(info)}"
    if t.browser_url:  # the link fills in the connect URL: Browser's discovery, or `dbms=` in the link
        out = [f"Neo4j Browser: {info.browser_link} ({login})"]
    else:
        out = [f"Neo4j Browser: unknown — {info.how_found}",
               f"  connect to {t.uri}{' (database ' + t.database + ')' if t.database else ''} as {login}"]
    if info.guide_link:
        out.append(f"Guide: {info.guide_link}")
        # Browser skips the post-connect command when its address opens a guide (`cmd=guide`)
        out.append("Style: click 'apply the cisfilm style' in the guide; "
                   "per-question links: cisfilm browser --serve --links")
        return "\n".join(out)
    out.append("Guide: cisfilm browser --serve, then open the link it prints; "
               "per-question links: cisfilm browser --links")
    if info.style_on_connect:
        out.append(f"Style: applied by Browser when it connects (the server's {POST_CONNECT_SETTING})")
    else:
        out.append("Style: cisfilm browser --links shows how to apply it")
    return "\n".join(out)


def _format_full(info: BrowserInfo) -> str:
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
    if info.style_on_connect:
        out.append(f"Style (a colour per kind, names on nodes, types on relationships): applied by Browser "
                   f"when it connects (the server's {POST_CONNECT_SETTING}); to apply it again:")
    else:
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
    on_connect = applies_style(server_post_connect_cmd(driver, database=database), model)
    guide = None
    if server is not None:
        guide = build_guide(model, templates, base=server.base, resolved=resolved)
        server.publish(guide)
    info = browser_info(model, templates, target, how_found=how, managed=managed_browser_url is not None,
                        password_file=password_file, password=password, resolved=resolved, guide=guide,
                        style_on_connect=on_connect)
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
