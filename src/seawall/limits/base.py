"""What is counted, for whom and per which period; and the Limiter protocol both backends follow.

A request reserves an amount on every counter that applies to it (requests, tokens, micro-USD,
in-flight) in one atomic step: either every counter has room and all are incremented, or none is.
After the answer the reservation is settled to the real usage (the difference is added), or
released when the request failed. Counters live in fixed periods (minute, UTC day, UTC month) and
expire with them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from seawall.policy.schema import Limits, Policy

MICRO = 1_000_000  # USD are counted in micro-dollars, so every counter is an integer
HOLD_S = 6 * 3600  # how long a request's reservation mark lives: longer than any request
SETTLED_S = 30  # how long a settled mark lives in Redis: longer than the gateway's settle retries (~16 s)


@dataclass(frozen=True, slots=True)
class Counter:
    key: str  # e.g. sw:l:user:alice:tpm:29123456
    metric: str  # rpm | tpm | concurrent | daily_tokens | monthly_tokens | daily_usd | monthly_usd
    scope: str  # "user:alice" | "team:payments"
    limit: int
    ttl_s: int
    reset_s: float  # seconds until the period ends (Retry-After when full)


@dataclass(frozen=True, slots=True)
class Amounts:
    requests: int = 1
    tokens: int = 0
    micro_usd: int = 0

    def for_metric(self, metric: str) -> int:
        if metric == "rpm":
            return self.requests
        if metric in ("tpm", "daily_tokens", "monthly_tokens"):
            return self.tokens
        if metric in ("daily_usd", "monthly_usd"):
            return self.micro_usd
        return 1  # concurrent


@dataclass
class Reservation:
    counters: list[Counter]
    amounts: Amounts
    ok: bool = True
    failed: Counter | None = None  # the counter that had no room
    used: dict[str, int] = field(default_factory=dict)  # counter key -> value after reserving

    @property
    def retry_after(self) -> int:
        return max(1, int(self.failed.reset_s + 0.999)) if self.failed else 1


class Limiter(Protocol):
    name: str

    async def reserve(self, counters: list[Counter], amounts: Amounts, rid: str = "") -> Reservation:
        """Check and increment every counter in one step. With a request id `rid` the call is
        idempotent: repeating it (a retry after a timeout) never reserves twice."""
        ...

    async def adjust(self, counters: list[Counter], deltas: list[int]) -> None:
        """Add `deltas` (may be negative) to the counters, without any limit check."""
        ...

    async def settle(self, counters: list[Counter], rid: str, if_reserved: list[int],
                     if_not: list[int]) -> list[int] | None:
        """Exactly once per request id: add `if_reserved` when request `rid` holds a reservation, or
        `if_not` when it never reserved (admitted while the limiter was unreachable, or the
        counters were lost with a restart); a repeated call changes nothing and returns None.
        Returns the counters' values after settling (budget alerts read them)."""
        ...

    async def values(self, keys: list[str]) -> list[int]: ...

    async def once(self, key: str, ttl_s: int) -> bool:
        """True the first time `key` is marked within `ttl_s` (alert de-duplication)."""
        ...

    async def close(self) -> None: ...


class LimiterUnavailable(Exception):
    """The limiter backend cannot be reached; the policy decides fail open or closed."""


_PERIODS = {"rpm": "minute", "tpm": "minute", "concurrent": "none", "daily_tokens": "day", "monthly_tokens": "month",
            "daily_usd": "day", "monthly_usd": "month"}


@lru_cache(maxsize=4)
def _calendar(day: int) -> tuple[str, float, str, float]:
    """For UTC day number `day`: (YYYYMMDD, its end, YYYYMM, the month's end), as epoch seconds."""
    dt = datetime.fromtimestamp(day * 86400, UTC)
    month_end = datetime(dt.year + (dt.month == 12), dt.month % 12 + 1, 1, tzinfo=UTC).timestamp()
    return dt.strftime("%Y%m%d"), (day + 1) * 86400.0, dt.strftime("%Y%m"), month_end


def _period(kind: str, now: float) -> tuple[str, int, float]:
    """(period id, ttl seconds, seconds to the end of the period)."""
    if kind == "minute":
        return str(int(now // 60)), 120, 60 - now % 60
    if kind == "none":
        return "-", 3600, 1.0  # in-flight counts carry no period; the TTL only cleans up after a crash
    day_id, day_end, month_id, month_end = _calendar(int(now // 86400))
    if kind == "day":
        return day_id, 2 * 86400, day_end - now
    return month_id, 32 * 86400, month_end - now


def minute_counter(scope: str, limit: int, now: float | None = None) -> Counter:
    """A requests-per-minute counter for `scope` outside the policy's limits (e.g. "hook:<key id>")."""
    pid, ttl, reset = _period("minute", time.time() if now is None else now)
    return Counter(f"sw:l:{scope}:rpm:{pid}", "rpm", scope, limit, ttl, reset)


def limits_for(policy: Policy, user: str, team: str | None) -> list[tuple[str, Limits]]:
    """(scope, limits) that apply: the user's own entry (else users.default), and the team's."""
    out: list[tuple[str, Limits]] = []
    mine = policy.users.get(user) or policy.users.get("default")
    if mine is not None:
        out.append((f"user:{user}", mine))
    if team and team in policy.teams:
        out.append((f"team:{team}", policy.teams[team]))
    return out


def counters_for(policy: Policy, user: str, team: str | None, now: float | None = None) -> list[Counter]:
    now = time.time() if now is None else now
    out = []
    for scope, lim in limits_for(policy, user, team):
        for metric, period in _PERIODS.items():
            value = getattr(lim, metric)
            if value is None:
                continue
            limit = int(value * MICRO) if metric.endswith("_usd") else int(value)
            pid, ttl, reset = _period(period, now)
            out.append(Counter(f"sw:l:{scope}:{metric}:{pid}", metric, scope, limit, ttl, reset))
    return out
