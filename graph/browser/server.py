"""A small HTTP server on 127.0.0.1 that serves the guide and the style to Browser."""
from __future__ import annotations

import http.server
import threading
import urllib.parse
from typing import Any

from graph.browser.guide import Guide
from graph.errors import CisfilmError

DEFAULT_GUIDE_PORT = 7480


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

    def start(self) -> GuideServer:
        files = lambda: self._files  # read at request time: publish() may come later
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

            def do_OPTIONS(self) -> None:
                self._head(204)

            def do_HEAD(self) -> None:
                self._serve(body=False)

            def do_GET(self) -> None:
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

            def log_message(self, format: str, *args: Any) -> None:
                pass

        httpd: http.server.ThreadingHTTPServer | None = None
        if self.port_wanted:
            try:
                httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port_wanted), Handler)
            except OSError:
                pass  # taken: any free port will do
        if httpd is None:
            try:
                httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            except OSError as e:
                raise CisfilmError(f"cannot serve the guide on 127.0.0.1: {e.strerror}") from None
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="cisfilm-guide", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> GuideServer:
        return self.start() if not self._httpd else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

