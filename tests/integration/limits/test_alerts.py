"""Budget alerts: once per threshold per period, signed, retried, audited; and the trend alert."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from seawall.fakeprovider import FakeProvider, run_fake_provider
from seawall.limits.alerts import AlertCenter, _previous_periods
from seawall.limits.base import Counter
from seawall.limits.memory import MemoryLimiter
from seawall.policy.schema import Alerts
from support.gateway import start_gateway

pytestmark = pytest.mark.integration
BODY = {"model": "claude-opus-4-8", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}


class Receiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                code = 500 if len(outer.posts) <= outer.fail_first else 204
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, n: int, timeout: float = 10.0) -> list[dict[str, object]]:
        deadline = time.monotonic() + timeout
        while len(self.posts) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return [json.loads(b) for _, b in self.posts]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with run_fake_provider() as fp:
        yield fp


def test_thresholds_fire_once_signed_and_audited(fake: FakeProvider, tmp_path: Path) -> None:
    rx = Receiver(fail_first=1)  # the first delivery fails: it must be retried
    extra = (f"alerts: {{webhooks: ['{rx.url}'], budget_thresholds: [0.5, 1.0], secret: s3cr3t-signing}}\n"
             "teams: {payments: {members: [alice], daily_tokens: 60}}\n")
    g = start_gateway(fake, tmp_path, extra)
    try:
        codes = [httpx.post(g.url + "/v1/messages", json=BODY, headers={"x-api-key": g.key}).status_code
                 for _ in range(12)]
        assert 200 in codes and 429 in codes
        payloads = rx.wait(3)
        time.sleep(0.5)
        payloads = [json.loads(b) for h, b in rx.posts if json.loads(b)]
        kinds = sorted((p["type"], p["threshold"]) for p in payloads)
        # 0.5 fired once (delivered twice: a 500, then the retry), 1.0 once
        assert kinds.count(("budget_threshold", 0.5)) == 2 and kinds.count(("budget_threshold", 1.0)) == 1
        headers, body = rx.posts[-1]
        expected = "sha256=" + hmac.new(b"s3cr3t-signing", headers["x-seawall-timestamp"].encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        assert headers["x-seawall-signature"] == expected
        assert payloads[-1]["scope"] == "team:payments" and payloads[-1]["limit"] == 60
        rows = g.audit(12)
        alerts = [r for r in g.store.audit() if r["route"] == "alert:budget_threshold"]
        assert len(alerts) == 2 and alerts[0]["team"] == "payments"
        assert {a["rule_ids"][0] for a in alerts} == {"alerts.budget_threshold.daily_tokens.0.5",
                                                      "alerts.budget_threshold.daily_tokens.1"}
        assert rows
    finally:
        g.stop()


@pytest.mark.anyio
async def test_trend_alert_after_consecutive_periods() -> None:
    limiter = MemoryLimiter()
    rx = Receiver()
    recorded: list[dict[str, object]] = []
    center = AlertCenter(limiter, recorded.append)
    alerts = Alerts.model_validate({"webhooks": [rx.url], "budget_thresholds": [0.8, 1.0], "consecutive_periods": 3})
    today = "20261127"
    for day in _previous_periods("daily_tokens", today, 2):  # above 80 % on the two days before
        assert await limiter.once(f"sw:a:user:bo:daily_tokens:{day}:0.8", 3600)
    c = Counter(f"sw:l:user:bo:daily_tokens:{today}", "daily_tokens", "user:bo", 100, 3600, 10.0)
    await center.check(alerts, [c], {c.key: 85})
    await center.check(alerts, [c], {c.key: 90})  # same threshold, same period: nothing new
    await center.drain()
    assert sorted(r["route"] for r in recorded) == ["alert:budget_threshold", "alert:budget_trend"]
    assert sorted(p["type"] for p in rx.wait(2)) == ["budget_threshold", "budget_trend"]  # sent concurrently
    await center.close()


def test_previous_periods() -> None:
    assert _previous_periods("daily_usd", "20260301", 2) == ["20260228", "20260227"]
    assert _previous_periods("monthly_tokens", "202601", 2) == ["202512", "202511"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
