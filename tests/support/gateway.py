"""Helpers: a live gateway (uvicorn in a thread on 127.0.0.1) in front of the project's fake provider."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from seawall.fakeprovider import FakeProvider
from seawall.gateway.app import create_app
from seawall.gateway.httpproto import http_protocol
from seawall.policy.reload import PolicyHolder
from seawall.store.db import Store, open_store

UPSTREAM_KEY = "upstream-test-key-0123456789"
ADMIN_TOKEN = "admin-test-token-abcdef"


@dataclass
class LiveGateway:
    url: str
    key: str
    store: Store
    fake: FakeProvider
    policy_path: Path
    server: uvicorn.Server
    thread: threading.Thread

    since: datetime | None = None

    def mark(self) -> None:
        """Only audit rows of requests made from now on count (see `audit`)."""
        self.since = datetime.now(UTC)

    def audit(self, wait_for: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Audit rows since `mark()`, newest first, once at least `wait_for` of them are written."""
        deadline = time.monotonic() + timeout
        while True:
            rows = [r for r in self.store.audit() if self.since is None or _aware(r["ts"]) >= self.since]
            if len(rows) >= wait_for or time.monotonic() > deadline:
                return rows
            time.sleep(0.03)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def policy_text(fake_url: str, db: Path, extra: str = "", timeout_s: float = 2.0, providers: str = "") -> str:
    return (
        "providers:\n"
        f"  anthropic: {{base_url: '{fake_url}', api_key: '{UPSTREAM_KEY}', timeout_s: {timeout_s}}}\n"
        f"  openai: {{base_url: '{fake_url}/v1', api_key: '{UPSTREAM_KEY}', timeout_s: {timeout_s}}}\n"
        + providers +
        f"store: 'sqlite:///{db}'\n"
        f"gateway: {{max_body_mb: 1, admin_token: '{ADMIN_TOKEN}', audit_flush_s: 0.05}}\n"
        + extra
    )


def start_gateway(fake: FakeProvider, tmp: Path, extra: str = "", providers: str = "") -> LiveGateway:
    """`extra`: more top-level policy YAML; `providers`: more lines inside `providers:`."""
    db = tmp / "seawall.db"
    policy = tmp / "seawall.yaml"
    policy.write_text(policy_text(fake.url, db, extra, providers=providers))
    holder = PolicyHolder(policy)
    store = open_store(f"sqlite:///{db}")
    key, _ = store.create_key("alice", "payments", "laptop")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(holder, store), log_level="warning", access_log=False,
                            timeout_graceful_shutdown=2, http=http_protocol())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "gateway did not start"
        time.sleep(0.01)
    return LiveGateway(f"http://127.0.0.1:{port}", key, store, fake, policy, server, thread)


