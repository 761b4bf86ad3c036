"""Limiter cost per request: reserve + settle on Redis (127.0.0.1:6379) and in memory, for a user
with five limits and a team with three (8 counters, the usual case), sequential and at concurrency 64;
then gateway requests/s at concurrency 64 with limits off, in memory and on Redis, against the same
fake upstream in the same run (interleaved rounds, so the machine's noise falls on all three alike).

usage: .venv/bin/python bench/limits_overhead.py [--seconds 8] [--rounds 3] [--no-gateway]
       (goal: Redis p50 <= 0.5 ms per request)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uvloop

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


LIMITS = ("users: {{bench: {{rpm: {big}, tpm: {big}, concurrent: 1000, daily_tokens: {big}, daily_usd: 1000000}}}}\n"
          "teams: {{benchers: {{members: [bench], rpm: {big}, monthly_tokens: {big}, monthly_usd: 1000000}}}}\n")


def gateway_rps(seconds: float, rounds: int) -> None:
    """Requests/s through `seawall serve` at concurrency 64: limits off, memory, Redis."""
    sys.path.insert(0, str(Path(__file__).parent))
    import gateway_overhead as go

    procs = go.Procs()
    work = Path(tempfile.mkdtemp(prefix="seawall-limits-bench-"))
    try:
        fake_port, _ = go.start_fake(procs, work)
        base, key = go.seawall_setup(work, fake_port)
        big = 10**12
        variants = {"off": "", "memory": "limits: {backend: memory}\n" + LIMITS.format(big=big),
                    "redis": "limits: {backend: redis, url: 'redis://127.0.0.1:6379/0'}\n" + LIMITS.format(big=big)}
        targets = {}
        for name, extra in variants.items():
            pol = work / f"{name}.yaml"
            pol.write_text(base.read_text() + extra)
            port, proc, _, log = go.start_seawall(procs, work, pol, 1)
            targets[name] = go.Target(name, port, key, proc, log)
        rates: dict[str, list[float]] = {n: [] for n in targets}
        cpu: dict[str, list[float]] = {n: [] for n in targets}
        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        runner.run(go.load(targets["off"], 2, 64))  # warm-up
        for _ in range(rounds):
            for name, t in targets.items():
                r, c = runner.run(go.load(t, seconds, 64))
                rates[name].append(r)
                cpu[name].append(c * 1000)
        for name, t in targets.items():
            if t.errors:
                print(f"  {name}: errors {dict(t.errors)} {t.samples[:2]}")
        off = statistics.median(rates["off"])
        for name in targets:
            med = statistics.median(rates[name])
            print(f"gateway c=64 limits {name:6s} {med:,.0f} requests/s ({med / off:.0%} of limits off; "
                  f"rounds {', '.join(f'{x:,.0f}' for x in rates[name])}); gateway CPU "
                  f"{statistics.median(cpu[name]):.2f} ms per request")
        runner.close()
    finally:
        procs.stop_all()


async def limiter_only() -> None:
    await measure(MemoryLimiter(), "memory")
    redis = RedisLimiter("redis://127.0.0.1:6379/0")
    try:
        await measure(redis, "redis")
    finally:
        await redis.close()
    print("goal: Redis p50 <= 0.5 ms per request. The gateway waits only for the reservation; the settle (the "
          "second round trip) runs after the answer has gone to the client.")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-gateway", action="store_true")
    args = ap.parse_args()
    asyncio.run(limiter_only())
    if not args.no_gateway:
        gateway_rps(args.seconds, args.rounds)


if __name__ == "__main__":
    main()
