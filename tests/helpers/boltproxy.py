"""A TCP proxy in front of the real Neo4j that breaks the connection exactly at COMMIT.

Used by tests/test_faults.py to provoke `neo4j.exceptions.IncompleteCommit` honestly:
the driver really sends COMMIT over a real socket to a real server, and the
connection really dies before the driver hears the outcome. Nothing stands in for
Neo4j; the proxy only forwards bytes (and watches the client's side for the one
Bolt message COMMIT: a chunk of two bytes, `B0 12`, then the end-of-message marker).

Modes, applied to the first COMMIT seen on any connection (or, with `after=k`, to the
first one after k COMMITs passed through: a batched load's batch k):
  "drop"     the COMMIT is never forwarded: the server rolls the transaction back
  "swallow"  the COMMIT is forwarded and the server's answer is swallowed: it committed
  "kill"     the COMMIT is forwarded and `on_commit()` runs at once (the test kills
             the server there): the outcome is a race, genuinely unknown
Every connection is cut right after the fault; later connections pass through.
"""
from __future__ import annotations

import socket
import threading
from collections.abc import Callable

COMMIT = b"\x00\x02\xb0\x12\x00\x00"  # chunk header (2 bytes), B0 12 (struct, 0 fields, COMMIT), end marker


class BoltProxy:
    def __init__(self, target_port: int, mode: str, on_commit: Callable[[], None] | None = None, after: int = 0):
        assert mode in ("drop", "swallow", "kill")
        self.passed = after  # COMMITs still to let through before the fault
        self.target_port = target_port
        self.mode = mode
        self.on_commit = on_commit
        self.faults = 0  # how many COMMITs were intercepted (0 or 1)
        self._lock = threading.Lock()
        self._armed = True
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for a, b in self._pairs:
            _close(a)
            _close(b)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            self._pairs.append((client, server))
            state: dict = {}
            threading.Thread(target=self._upstream, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client, state), daemon=True).start()

    def _take_fault(self) -> bool:
        with self._lock:
            if self._armed and self.passed:
                self.passed -= 1
                return False
            if self._armed:
                self._armed = False
                self.faults += 1
                return True
            return False

    def _upstream(self, client: socket.socket, server: socket.socket, state: dict) -> None:
        tail = b""
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                window = tail + data
                tail = window[-len(COMMIT):]
                if window.endswith(COMMIT) and self._take_fault():
                    if self.mode == "drop":
                        break  # COMMIT never reaches the server
                    if self.mode == "swallow":
                        state["cut"] = True  # the downstream side cuts the client off at the answer
                        server.sendall(data)
                        continue
                    state["mute"] = True  # "kill": the client hears nothing from here on
                    server.sendall(data)
                    if self.on_commit:
                        self.on_commit()  # returns once the server is dead
                    break
                server.sendall(data)
        except OSError:
            pass
        _close(client)
        _close(server)

    def _downstream(self, server: socket.socket, client: socket.socket, state: dict) -> None:
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                if state.get("cut"):
                    break  # the server answered the COMMIT; the client never hears it
                if not state.get("mute"):
                    client.sendall(data)
        except OSError:
            pass
        if state.get("mute"):
            return  # "kill": the upstream side closes the client once on_commit() is done
        _close(client)
        _close(server)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
