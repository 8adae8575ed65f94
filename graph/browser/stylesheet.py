"""The Browser style (GRASS), derived from the schema: one colour per kind, nodes
captioned with `{name}`, relationships with their type, provenance edges drawn faint.

Browser takes a style three ways: a GRASS file dropped on its window, `:style <url>`
(fetched from a host on the server's `browser.remote_content_hostname_whitelist`),
and `:style {...}` with the style inline as JSON. The inline form needs nothing
served, so it is what the managed server's `browser.post_connect_cmd` runs: Browser
applies the style whenever it connects, except when its address opens a guide
(`cmd=guide` or `cmd=play`), for which Browser skips the post-connect command.
"""
from __future__ import annotations

import colorsys
import json
import os
from pathlib import Path

from graph.errors import CisfilmError, first_line
from graph.model.schema import SOURCE_KIND, Model, load_model
from graph.resources import schema_dir as default_schema_dir
from graph.store.layout import ENTITY, PROVENANCE

# Well-separated colours (Tableau 10 and friends); kinds take them in name order,
# and any kind beyond them gets a generated hue.
PALETTE = (
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948",
    "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC", "#17BECF", "#8CD17D",
)
NEUTRAL = "#A5ABB6"  # Browser's own default node colour
POST_CONNECT_SETTING = "browser.post_connect_cmd"  # Neo4j 5: Browser runs it after connecting


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
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
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
        f"node.{ENTITY}": {"color": NEUTRAL, "border-color": _darker(NEUTRAL),
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


def post_connect_command(model: Model) -> str:
    """The `browser.post_connect_cmd` value that applies the style: `style {...}`.

    Browser (5.24) reads the setting from `dbms.clientConfig()` once connected and runs
    each part, split at `;` outside quotes, with a `:` put in front. The JSON holds no
    `;` outside its strings, so it stays one command; `:style` parses it as JSON first.
    Neo4j's conf reader turns the `\\u0023` escapes back into `#` (SHOW SETTINGS shows them so)."""
    return style_command(model).removeprefix(":")


def post_connect_conf(schema_dir: str | os.PathLike | None = None) -> str:
    """The neo4j.conf line that makes Browser apply the style of `schema_dir` (default: the
    schema cisfilm uses) whenever it connects. A schema that cannot be read gives a comment
    line saying why instead: the server starts all the same, without the style."""
    try:
        model = load_model(Path(schema_dir) if schema_dir is not None else default_schema_dir())
    except (CisfilmError, OSError) as e:
        return f"# no {POST_CONNECT_SETTING}: the schema could not be read: {first_line(e)}"
    return f"{POST_CONNECT_SETTING}={post_connect_command(model)}"
