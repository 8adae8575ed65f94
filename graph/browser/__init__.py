"""Exploring the graph in Neo4j Browser: a style, a guide and deep links.

Everything here is derived from the schema (`Model`) and the stored templates,
never written per kind or per template. One module per concern:

- `stylesheet`: the Browser style (GRASS) and the `browser.post_connect_cmd` value that
  makes the managed server's Browser apply it whenever it connects;
- `cypher`: templates as Browser runs them (Cypher literals, `:param` lines, the
  one-statement query a deep link puts in the editor);
- `links`: Browser addresses that open it connected, running one command;
- `discover`: where Browser is for a server known only by its Bolt URI;
- `guide`: the guide (HTML slides), one slide per template;
- `server`: the guide's HTTP server on 127.0.0.1;
- `report`: what `cisfilm browser` shows.
"""
from __future__ import annotations

from graph.browser.cypher import (
    cypher_literal,
    editor_query,
    example_cypher,
    example_values,
    link_safe,
    param_lines,
    resolve_examples,
    with_values,
)
from graph.browser.discover import HOSTED_BROWSER, derive_browser_url
from graph.browser.guide import GUIDE_FILE, STYLE_FILE, Guide, build_guide, template_page
from graph.browser.links import Target
from graph.browser.report import (
    BrowserInfo,
    TemplateLinks,
    applies_style,
    browser_info,
    explore,
    format_text,
    open_in_web_browser,
    server_post_connect_cmd,
)
from graph.browser.server import DEFAULT_GUIDE_PORT, GuideServer
from graph.browser.stylesheet import (
    NEUTRAL,
    PALETTE,
    POST_CONNECT_SETTING,
    grass,
    kind_colours,
    post_connect_command,
    post_connect_conf,
    style,
    style_command,
    write_style,
)

__all__ = [
    "BrowserInfo", "DEFAULT_GUIDE_PORT", "GUIDE_FILE", "Guide", "GuideServer", "HOSTED_BROWSER", "NEUTRAL",
    "PALETTE", "POST_CONNECT_SETTING", "STYLE_FILE", "Target", "TemplateLinks", "applies_style", "browser_info",
    "build_guide", "cypher_literal", "derive_browser_url", "editor_query", "example_cypher", "example_values",
    "explore", "format_text", "grass", "kind_colours", "link_safe", "open_in_web_browser", "param_lines",
    "post_connect_command", "post_connect_conf", "resolve_examples", "server_post_connect_cmd", "style",
    "style_command", "template_page", "with_values", "write_style",
]
