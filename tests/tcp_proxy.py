"""A loopback TCP forwarder a test can cut, to make a server unreachable or drop a
client's sessions mid-operation without touching the (session-wide) server itself, or that
stalls a connection once the client sends given bytes (a server that accepts a call and
never answers it)."""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`target_port`, listening from the start.
    `drop()` closes every open connection (a dropped session; new ones are accepted),
    `stop()` also refuses new connections (the server went away), `start()` listens again
    on the same port (it came back). With `stall_on`, a connection whose client sends
    those bytes is kept open but forwards nothing more either way (counted in `stalled`)."""

    def __init__(self, target_port: int, stall_on: bytes = b""):
        self.target_port = target_port
        self.stall_on = stall_on
        self.stalled = 0
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.connections = 0
        self._server: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self._server is not None:
            return
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            self._server.close()
            self._server = None
        self.drop()

    def drop(self) -> None:
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
                self.connections += 1
            stalled = threading.Event()
            for source, target, watch in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pump, args=(source, target, stalled, watch), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, stalled: threading.Event, watch: bool) -> None:
        tail = b""  # the bytes may arrive split over two reads
        try:
            while data := source.recv(65536):
                if watch and self.stall_on and not stalled.is_set() and self.stall_on in tail + data:
                    stalled.set()
                    with self._lock:
                        self.stalled += 1
                tail = data[-len(self.stall_on) :] if self.stall_on else b""
                if not stalled.is_set():  # stalled: read on (the sender must not block), pass nothing
                    target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
