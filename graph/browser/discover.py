"""Where Neo4j Browser is for a server known only by its Bolt URI."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

HOSTED_BROWSER = "https://browser.neo4j.io/"  # Neo4j's web build of Browser, for TLS servers


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
    with urllib.request.urlopen(url, timeout=timeout) as response:  # http(s) only
        return response.read(65536)

