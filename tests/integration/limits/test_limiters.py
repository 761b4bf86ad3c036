"""Both limiter backends: atomic reservations under concurrency, settle and release, expiry."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis

from seawall.limits import accounting
from seawall.limits.base import Amounts, Counter, Limiter, counters_for
from seawall.limits.memory import MemoryLimiter
from seawall.limits.redis import RedisLimiter
from seawall.policy.schema import Policy

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[Limiter]:
    if request.param == "memory":
        lim: Limiter = MemoryLimiter()
    else:
        if not _redis_up():
            if os.environ.get("CI"):
                pytest.fail("Redis on 127.0.0.1:6379 is required in CI")
            pytest.skip("Redis not reachable on 127.0.0.1:6379")
        lim = RedisLimiter(REDIS_URL, timeout_s=5.0)  # a loaded CI machine: no spurious timeouts
    yield lim
    await lim.close()


def _scope() -> str:
    return "u" + uuid.uuid4().hex[:8]  # fresh counters per test, shared Redis or not


async def test_exactly_k_of_50_concurrent(limiter: Limiter) -> None:
    user = _scope()
    pol = Policy.model_validate({"teams": {f"team-{user}": {"members": [user], "daily_tokens": 7000}}})
    amounts = Amounts(requests=1, tokens=1000)

    async def one() -> bool:
        try:
            await accounting.admit(limiter, pol, user, f"team-{user}", amounts)
            return True
        except accounting.LimitExceeded:
            return False

    results = await asyncio.gather(*(one() for _ in range(50)))
    assert sum(results) == 7


async def test_settle_and_release(limiter: Limiter) -> None:
    user = _scope()
    pol = Policy.model_validate({"users": {user: {"tpm": 10_000, "concurrent": 2, "daily_usd": 1.0}}})
    t1 = await accounting.admit(limiter, pol, user, None, Amounts(tokens=4000, micro_usd=300_000))
    t2 = await accounting.admit(limiter, pol, user, None, Amounts(tokens=4000, micro_usd=300_000))
    assert t1 and t2
    with pytest.raises(accounting.LimitExceeded) as err:  # the third in flight is refused
        await accounting.admit(limiter, pol, user, None, Amounts(tokens=1))
    assert err.value.reservation.failed is not None and err.value.reservation.failed.metric == "concurrent"
    await accounting.settle(limiter, t1, 1000, 0.05)  # used far less than reserved
    await accounting.release(limiter, t2)
    keys = {c.metric: c.key for c in t1.counters}
    tpm, conc, usd = await limiter.values([keys["tpm"], keys["concurrent"], keys["daily_usd"]])
    assert (tpm, conc, usd) == (1000, 0, 50_000)
    await accounting.settle(limiter, t1, 99, 9.0)  # settling twice changes nothing
    assert (await limiter.values([keys["tpm"]]))[0] == 1000


async def test_counters_are_atomic_across_scopes(limiter: Limiter) -> None:
    user = _scope()
    pol = Policy.model_validate({"users": {user: {"rpm": 100}},
                                 "teams": {f"t{user}": {"members": [user], "rpm": 1}}})
    assert await accounting.admit(limiter, pol, user, f"t{user}", Amounts())
    with pytest.raises(accounting.LimitExceeded):
        await accounting.admit(limiter, pol, user, f"t{user}", Amounts())
    user_rpm = next(c for c in counters_for(pol, user, f"t{user}") if c.scope.startswith("user"))
    assert (await limiter.values([user_rpm.key]))[0] == 1  # the refused request left no trace


def test_periods() -> None:
    pol = Policy.model_validate({"users": {"default": {"rpm": 1, "daily_tokens": 5, "monthly_usd": 2.5}}})
    cs = counters_for(pol, "x", None, now=1_700_000_000.0)
    by = {c.metric: c for c in cs}
    assert by["rpm"].key.endswith(":28333333") and 0 < by["rpm"].reset_s <= 60
    assert by["daily_tokens"].key.endswith(":20231114") and by["monthly_usd"].limit == 2_500_000
    assert isinstance(by["rpm"], Counter)


async def test_a_retried_reserve_or_settle_applies_once(limiter: Limiter) -> None:
    user = _scope()
    pol = Policy.model_validate({"users": {user: {"daily_tokens": 100_000, "concurrent": 5}}})
    counters = counters_for(pol, user, None)
    keys = {c.metric: c.key for c in counters}
    amounts = Amounts(tokens=3000)
    rid = "req_" + uuid.uuid4().hex
    for _ in range(3):  # the same request id reserved again (a retry after a timeout)
        assert (await limiter.reserve(counters, amounts, rid)).ok
    assert await limiter.values([keys["daily_tokens"], keys["concurrent"]]) == [3000, 1]
    ticket = accounting.Ticket(counters, amounts, rid=rid)
    await accounting.settle(limiter, ticket, 1200, None)
    ticket.settled = False  # a second settle of the same request (another replica, a retry)
    await accounting.settle(limiter, ticket, 1200, None)
    assert await limiter.values([keys["daily_tokens"], keys["concurrent"]]) == [1200, 0]


async def test_a_request_admitted_while_the_limiter_was_down_is_charged_once(limiter: Limiter) -> None:
    user = _scope()
    pol = Policy.model_validate({"users": {user: {"daily_tokens": 100_000, "concurrent": 5, "rpm": 100}}})
    # the reservation never landed: the real usage is charged, no in-flight slot is given back
    ghost = accounting.unconfirmed(pol, user, None, Amounts(tokens=3000), "req_" + uuid.uuid4().hex)
    assert ghost is not None and not ghost.confirmed
    keys = {c.metric: c.key for c in ghost.counters}
    await accounting.settle(limiter, ghost, 700, None)
    assert await limiter.values([keys["daily_tokens"], keys["concurrent"], keys["rpm"]]) == [700, 0, 1]
    # the reservation did land although the client saw a timeout: settled like any other
    rid = "req_" + uuid.uuid4().hex
    assert (await limiter.reserve(ghost.counters, Amounts(tokens=3000), rid)).ok
    late = accounting.unconfirmed(pol, user, None, Amounts(tokens=3000), rid)
    assert late is not None
    await accounting.settle(limiter, late, 500, None)
    assert await limiter.values([keys["daily_tokens"], keys["concurrent"], keys["rpm"]]) == [1200, 0, 2]


async def test_settle_after_the_counters_were_lost_counts_the_real_usage() -> None:
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis on 127.0.0.1:6379 is required in CI")
        pytest.skip("Redis not reachable on 127.0.0.1:6379")
    limiter = RedisLimiter(REDIS_URL, timeout_s=5.0)
    try:
        user = _scope()
        pol = Policy.model_validate({"users": {user: {"daily_tokens": 100_000, "concurrent": 5}}})
        ticket = await accounting.admit(limiter, pol, user, None, Amounts(tokens=3000))
        assert ticket is not None
        keys = [c.key for c in ticket.counters]
        redis.Redis.from_url(REDIS_URL).delete(*keys, f"sw:r:{ticket.rid}")  # a restart without persistence
        await accounting.settle(limiter, ticket, 800, None)
        by = {c.metric: c.key for c in ticket.counters}
        # the new counters hold what the request used; the in-flight slot is not driven negative
        assert await limiter.values([by["daily_tokens"], by["concurrent"]]) == [800, 0]
    finally:
        await limiter.close()


async def test_many_concurrent_requests_wait_for_a_connection(limiter: Limiter) -> None:
    # more commands in flight than the Redis pool holds: they queue, none fails as "unavailable"
    user = _scope()
    pol = Policy.model_validate({"users": {user: {"daily_tokens": 10**9, "concurrent": 1000}}})

    async def one() -> None:
        ticket = await accounting.admit(limiter, pol, user, None, Amounts(tokens=10))
        assert ticket is not None
        await accounting.settle(limiter, ticket, 5, None)

    await asyncio.gather(*(one() for _ in range(300)))
    daily = next(c for c in counters_for(pol, user, None) if c.metric == "daily_tokens")
    assert await limiter.values([daily.key]) == [1500]
