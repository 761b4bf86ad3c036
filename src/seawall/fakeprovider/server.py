"""Run the fake provider with uvicorn in a background thread, on 127.0.0.1, for tests and benches."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette

from seawall.fakeprovider.app import create_app
from seawall.fakeprovider.recorder import RecordedRequest, Recorder

HOST = "127.0.0.1"


class FakeProvider:
    """A started fake provider: `.url`, `.requests`, `.clear()`, `.app`; `stop()` shuts it down."""

    def __init__(self, port: int = 0, keys: Iterable[str] | None = None) -> None:
        self.app: Starlette = create_app(keys)
        self.recorder: Recorder = self.app.state.recorder
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((HOST, port))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2,
                                access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=f"fake-provider-{self.port}", daemon=True)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests received so far (a copy), oldest first."""
        return self.recorder.requests

    def clear(self) -> None:
        self.recorder.clear()

    def start(self, timeout: float = 10.0) -> FakeProvider:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"fake provider did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.app.state.stopping.set()  # releases hanging requests
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()


@contextmanager
def run_fake_provider(port: int = 0, keys: Iterable[str] | None = None) -> Iterator[FakeProvider]:
    """Start a fake provider on 127.0.0.1 (`port=0`: a free port) and stop it on exit.

    `keys=None` accepts any non-empty API key; otherwise only those keys (401 in provider shape)."""
    provider = FakeProvider(port, keys).start()
    try:
        yield provider
    finally:
        provider.stop()
