"""A TCP proxy in front of the real Neo4j that keeps a copy of what clients send.

Used by tests/test_query_speed.py to see, on the wire, whether a `cisfilm query` run in
another process sent an `EXPLAIN`: Bolt carries a query as UTF-8 text inside its RUN
message (in one chunk up to 64 KiB), so the bytes `EXPLAIN ` appear in what the client
sent exactly when it asked the server to explain something. Nothing stands in for Neo4j;
the proxy only forwards bytes both ways.
"""
from __future__ import annotations

import socket
import threading


class BoltRecorder:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self._sent = bytearray()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def sent(self) -> bytes:
        """Everything clients have sent so far."""
        with self._lock:
            return bytes(self._sent)

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()

    def count(self, text: str) -> int:
        """How many times clients sent `text` (UTF-8)."""
        return self.sent().count(text.encode())

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for s in self._sockets:
            _close(s)

    def __enter__(self) -> BoltRecorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            self._sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, record: bool) -> None:
        try:
            while data := src.recv(65536):
                if record:
                    with self._lock:
                        self._sent += data
                dst.sendall(data)
        except OSError:
            pass
        finally:
            _close(src)
            _close(dst)


def _close(s: socket.socket) -> None:
    try:
        s.close()
    except OSError:
        pass
