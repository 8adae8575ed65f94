"""`cisfilm serve`: the live graph as linked data over HTTP, read-only.

- `app`: the routes and the HTTP server (`LinkedDataServer`, `Config`)
- `negotiate`: media types and a strict `Accept` parser
- `sparql`: the pyoxigraph store that follows the load generation, and bounded queries
- `describe`: what is said about one IRI
- `pages`: HTML for people
- `void`: the VoID / DCAT description
- `examples`: the home page's SPARQL examples
- `errors`: request errors with their HTTP status
"""
from graph.serve.app import DEFAULT_PORT, Config, LinkedDataServer, is_loopback
from graph.serve.sparql import Limits
from graph.serve.void import About

__all__ = ["DEFAULT_PORT", "About", "Config", "Limits", "LinkedDataServer", "is_loopback"]
