"""Budget alerts: crossing a threshold (80 %, 100 % by default) of a daily or monthly budget fires
once per period; being above the first threshold N periods in a row fires its own alert. Alerts go
to webhooks as JSON, signed with HMAC-SHA256 (`X-Seawall-Signature: sha256=<hex>` over
`<timestamp>.<body>`), retried with backoff, and are recorded in the audit store."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from seawall.limits.base import MICRO, Counter, Limiter
from seawall.policy.schema import Alerts

log = logging.getLogger("seawall.alerts")
BUDGETS = frozenset({"daily_tokens", "monthly_tokens", "daily_usd", "monthly_usd"})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _previous_periods(metric: str, period: str, n: int) -> list[str]:
    """The `n` periods before `period` (YYYYMMDD for daily budgets, YYYYMM for monthly)."""
    out = []
    if metric.startswith("daily"):
        day = datetime.strptime(period, "%Y%m%d").replace(tzinfo=UTC)
        for i in range(1, n + 1):
            out.append((day - timedelta(days=i)).strftime("%Y%m%d"))
    else:
        y, m = int(period[:4]), int(period[4:])
        for _ in range(n):
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
            out.append(f"{y:04d}{m:02d}")
    return out


class AlertCenter:
    def __init__(self, limiter: Limiter, record: Callable[[dict[str, Any]], None],
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.limiter = limiter
        self.record = record  # writes an audit event (metadata only)
        self._client = httpx.AsyncClient(timeout=5.0, transport=transport, trust_env=False)
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0
        self.failed = 0
        self._marked: set[str] = set()  # alert marks this process knows are set (saves a round trip each)

    async def check(self, alerts: Alerts, counters: list[Counter], values: dict[str, int]) -> None:
        """After usage is counted: fire what newly crossed a threshold in this period."""
        for c in counters:
            if c.metric not in BUDGETS or c.key not in values or c.limit <= 0:
                continue
            used = values[c.key]
            period = c.key.rsplit(":", 1)[1]
            for t in sorted(alerts.budget_thresholds):
                if used < t * c.limit:
                    break
                mark = f"sw:a:{c.scope}:{c.metric}:{period}:{t}"
                if mark in self._marked:
                    continue
                first = await self.limiter.once(mark, c.ttl_s)
                if len(self._marked) > 10_000:
                    self._marked.clear()
                self._marked.add(mark)
                if not first:
                    continue
                await self._fire(alerts, "budget_threshold", c, used, t, period)
                if t == min(alerts.budget_thresholds):
                    await self._trend(alerts, c, used, t, period)

    async def _trend(self, alerts: Alerts, c: Counter, used: int, t: float, period: str) -> None:
        n = alerts.consecutive_periods
        before = _previous_periods(c.metric, period, n - 1)
        marks = await self.limiter.values([f"sw:a:{c.scope}:{c.metric}:{p}:{t}" for p in before])
        if all(marks):
            await self._fire(alerts, "budget_trend", c, used, t, period, periods=n)

    async def _fire(self, alerts: Alerts, kind: str, c: Counter, used: int, threshold: float, period: str,
                    **extra: Any) -> None:
        usd = c.metric.endswith("_usd")
        payload = {"type": kind, "scope": c.scope, "metric": c.metric, "period": period, "threshold": threshold,
                   "used": used / MICRO if usd else used, "limit": c.limit / MICRO if usd else c.limit,
                   "ts": datetime.now(UTC).isoformat(), **extra}
        self.record({"route": f"alert:{kind}", "decision": "alert", "scope": c.scope,
                     "rule_ids": [f"alerts.{kind}.{c.metric}.{threshold:g}"]})
        for url in alerts.webhooks:
            task = asyncio.create_task(self._deliver(str(url), payload, alerts))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def send(self, alerts: Alerts, payload: dict[str, Any]) -> None:
        """Deliver any alert payload to every webhook (in the background)."""
        for url in alerts.webhooks:
            task = asyncio.create_task(self._deliver(str(url), payload, alerts))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, payload: dict[str, Any], alerts: Alerts) -> None:
        body = orjson.dumps(payload)
        ts = str(int(time.time()))
        headers = {"content-type": "application/json", "x-seawall-timestamp": ts, "user-agent": "seawall-alerts"}
        if alerts.secret:
            headers["x-seawall-signature"] = sign(alerts.secret, ts, body)
        delay = 0.5
        for attempt in range(alerts.retries + 1):
            try:
                res = await self._client.post(url, content=body, headers=headers)
                if res.status_code < 300:
                    self.sent += 1
                    return
                if 400 <= res.status_code < 500 and res.status_code not in (408, 429):
                    break  # the receiver refuses this alert: retrying will not help
            except httpx.HTTPError:
                pass
            if attempt < alerts.retries:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        self.failed += 1
        log.error("alert %s for %s not delivered to a webhook", payload["type"], payload["scope"])

    async def drain(self, timeout: float = 10.0) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)

    async def close(self) -> None:
        await self.drain(2.0)
        await self._client.aclose()


__all__ = ["AlertCenter", "Awaitable", "sign"]
