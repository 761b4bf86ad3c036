"""In-process limiter: one lock around check-and-increment; counters expire with their period."""

from __future__ import annotations

import threading
import time

from seawall.limits.base import HOLD_S, Amounts, Counter, Reservation

# nothing retries a settle in-process (no timeouts): a settled mark only has to outlive a double
# call, and at thousands of requests a second a long-lived mark per request would add up
SETTLED_S = 5


class MemoryLimiter:
    name = "memory"

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, float]] = {}  # key -> (value, expires at)
        self._lock = threading.Lock()
        self._ops = 0
        self._marks: dict[str, tuple[str, float]] = {}  # request id -> ("R" reserved | "S" settled, expires at)

    def _get(self, key: str, now: float) -> int:
        v = self._values.get(key)
        if v is None or v[1] <= now:
            return 0
        return v[0]

    async def reserve(self, counters: list[Counter], amounts: Amounts, rid: str = "") -> Reservation:
        now = time.monotonic()
        with self._lock:
            if rid and rid in self._marks:
                return Reservation(counters, amounts, used={c.key: self._get(c.key, now) for c in counters})
            for c in counters:
                if self._get(c.key, now) + amounts.for_metric(c.metric) > c.limit:
                    return Reservation(counters, amounts, ok=False, failed=c)
            used = {}
            for c in counters:
                value = self._get(c.key, now) + amounts.for_metric(c.metric)
                self._values[c.key] = (value, now + c.ttl_s)
                used[c.key] = value
            if rid:
                self._marks[rid] = ("R", now + HOLD_S)
            self._sweep(now)
        return Reservation(counters, amounts, used=used)

    async def settle(self, counters: list[Counter], rid: str, if_reserved: list[int],
                     if_not: list[int]) -> list[int] | None:
        now = time.monotonic()
        with self._lock:
            mark = self._marks.get(rid, ("", 0.0))[0]
            if mark == "S":
                return None
            self._marks[rid] = ("S", now + SETTLED_S)
            for c, d in zip(counters, if_reserved if mark == "R" else if_not, strict=True):
                if d:
                    self._values[c.key] = (max(0, self._get(c.key, now) + d), now + c.ttl_s)
            return [self._get(c.key, now) for c in counters]

    async def adjust(self, counters: list[Counter], deltas: list[int]) -> None:
        now = time.monotonic()
        with self._lock:
            for c, d in zip(counters, deltas, strict=True):
                if d:
                    self._values[c.key] = (max(0, self._get(c.key, now) + d), now + c.ttl_s)

    async def values(self, keys: list[str]) -> list[int]:
        now = time.monotonic()
        with self._lock:
            return [self._get(k, now) for k in keys]

    async def once(self, key: str, ttl_s: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._get(key, now):
                return False
            self._values[key] = (1, now + ttl_s)
            return True

    def _sweep(self, now: float) -> None:
        self._ops += 1
        if self._ops % 1000 == 0:
            for k in [k for k, (_, exp) in self._values.items() if exp <= now]:
                del self._values[k]
            for k in [k for k, (_, exp) in self._marks.items() if exp <= now]:
                del self._marks[k]

    async def close(self) -> None:
        return None
