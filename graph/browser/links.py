"""Addresses of Neo4j Browser that open it connected, optionally running a command.

A link holds one command (`cmd=edit`, `cmd=guide`, ...) and its argument; Browser
decodes its address once and cuts an argument at `&` or `#`, so an argument holding
either gets no link (`graph.browser.cypher.link_safe` writes Cypher without them).
"""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass


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

