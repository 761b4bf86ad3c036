"""Limiter cost per request: reserve + settle on Redis (127.0.0.1:6379) and in memory, for a user
with five limits and a team with three (8 counters, the usual case), sequential and at concurrency 64.

usage: .venv/bin/python bench/limits_overhead.py      (goal: Redis p50 <= 0.5 ms per request)
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

from seawall.limits import accounting
from seawall.limits.base import Amounts, Limiter
from seawall.limits.memory import MemoryLimiter
from seawall.limits.redis import RedisLimiter
from seawall.policy.schema import Policy

RESERVE: list[float] = []


async def one(limiter: Limiter, pol: Policy, user: str, team: str) -> float:
    t = time.perf_counter()
    ticket = await accounting.admit(limiter, pol, user, team, Amounts(tokens=500, micro_usd=1000))
    RESERVE.append((time.perf_counter() - t) * 1000)
    assert ticket is not None
    await accounting.settle(limiter, ticket, 420, 0.0009)
    return (time.perf_counter() - t) * 1000


async def measure(limiter: Limiter, label: str) -> None:
    user, team = "bench-" + uuid.uuid4().hex[:6], "team-" + uuid.uuid4().hex[:6]
    big = 10**12
    pol = Policy.model_validate({
        "users": {user: {"rpm": big, "tpm": big, "concurrent": 1000, "daily_tokens": big, "daily_usd": 10**6}},
        "teams": {team: {"members": [user], "rpm": big, "monthly_tokens": big, "monthly_usd": 10**6}}})
    for _ in range(200):
        await one(limiter, pol, user, team)
    RESERVE.clear()
    seq = [await one(limiter, pol, user, team) for _ in range(2000)]
    reserve = sorted(RESERVE)
    t = time.perf_counter()
    n = 0
    for _ in range(20):
        await asyncio.gather(*(one(limiter, pol, user, team) for _ in range(64)))
        n += 64
    rate = n / (time.perf_counter() - t)
    seq.sort()
    print(f"{label:8s} reserve (on the request path) p50 {statistics.median(reserve):.3f} ms | reserve+settle p50 "
          f"{statistics.median(seq):.3f} ms  p99 {seq[int(len(seq) * 0.99)]:.3f} ms | {rate:,.0f} requests/s at "
          "concurrency 64")


async def main() -> None:
    await measure(MemoryLimiter(), "memory")
    redis = RedisLimiter("redis://127.0.0.1:6379/0")
    try:
        await measure(redis, "redis")
    finally:
        await redis.close()
    print("goal: Redis p50 <= 0.5 ms per request. The gateway waits only for the reservation; the settle (the "
          "second round trip) runs after the answer has gone to the client.")


if __name__ == "__main__":
    asyncio.run(main())
