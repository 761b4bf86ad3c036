"""A loopback TCP proxy that a test can cut and restore.

It stands between a client (the gateway) and a shared server (PostgreSQL, Redis), so a test can make
the server unreachable for that client only, without stopping a server other tests use. `cut()`
resets every open connection and stops listening (new connections are refused); `restore()` listens
on the same port again and forwards new connections. One thread per direction per connection.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._up = False
        self._listener: socket.socket | None = None
        self.port = 0
        self.accepted = 0
        self.restore()

    @property
    def up(self) -> bool:
        return self._up

    def _listen(self) -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(128)
        return s

    def restore(self) -> None:
        """Listen (on the same port after a cut) and forward new connections."""
        with self._lock:
            if self._up:
                return
            listener = self._listen()
            self.port = listener.getsockname()[1]
            self._listener = listener
            self._up = True
        threading.Thread(target=self._accept, args=(listener,), name="tcpproxy-accept", daemon=True).start()

    def cut(self) -> None:
        """Reset every forwarded connection and refuse new ones until `restore()`."""
        with self._lock:
            self._up = False
            listener, self._listener = self._listener, None
            conns = list(self._conns)
            self._conns.clear()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            listener.close()
        for s in conns:
            _abort(s)

    def close(self) -> None:
        self.cut()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut or closed
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _abort(client)
                continue
            with self._lock:
                if not self._up:
                    _abort(client)
                    _abort(server)
                    continue
                self._conns.update((client, server))
                self.accepted += 1
            link = _Link()
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst, link), name="tcpproxy-pump", daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, link: _Link) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)  # pass the end of this direction on
        if link.ended():  # both directions are over: release the pair
            with self._lock:
                self._conns.difference_update((src, dst))
            src.close()
            dst.close()


class _Link:
    """The two directions of one forwarded connection; the second to end closes the sockets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left = 2

    def ended(self) -> bool:
        with self._lock:
            self._left -= 1
            return self._left == 0


def _abort(s: socket.socket) -> None:
    """Close with a reset (SO_LINGER 0), as a server that went away would."""
    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()
