"""Redis limiter: one Lua script per operation, so replicas never race between check and increment.

Each request's reservation is marked under its request id (`sw:r:<id>`: "R" while reserved, "S"
for a while after settling), which makes every operation safe to retry after a timeout: a retried
reserve does not reserve twice, a retried settle does not settle twice, and a request admitted
while Redis was unreachable is charged its real usage once Redis answers again.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from seawall.limits.base import HOLD_S, SETTLED_S, Amounts, Counter, LimiterUnavailable, Reservation

# KEYS: n counters, then the request's mark. ARGV: n, then n limits, n amounts, n ttls, hold ttl.
# Returns {0, i} when counter i is full, else {1, value1, value2, ...} ({2, ...}: already reserved).
_RESERVE = """
local n = tonumber(ARGV[1])
local mark = KEYS[n + 1]
if mark and redis.call('EXISTS', mark) == 1 then
  local out = {2}
  for i = 1, n do out[i + 1] = tonumber(redis.call('GET', KEYS[i]) or '0') end
  return out
end
for i = 1, n do
  local cur = tonumber(redis.call('GET', KEYS[i]) or '0')
  if cur + tonumber(ARGV[1 + n + i]) > tonumber(ARGV[1 + i]) then
    return {0, i}
  end
end
local out = {1}
for i = 1, n do
  local v = redis.call('INCRBY', KEYS[i], ARGV[1 + n + i])
  redis.call('EXPIRE', KEYS[i], ARGV[1 + 2 * n + i])
  out[i + 1] = v
end
if mark then redis.call('SET', mark, 'R', 'EX', ARGV[2 + 3 * n]) end
return out
"""
# KEYS: counters. ARGV: n, n deltas, n ttls. Never below zero.
_ADJUST = """
local n = tonumber(ARGV[1])
for i = 1, n do
  local d = tonumber(ARGV[1 + i])
  if d ~= 0 then
    local v = redis.call('INCRBY', KEYS[i], d)
    if v < 0 then redis.call('SET', KEYS[i], 0) end
    redis.call('EXPIRE', KEYS[i], ARGV[1 + n + i])
  end
end
return 1
"""
# KEYS: n counters, then the mark. ARGV: n, n deltas if reserved, n deltas if not, n ttls, settled ttl.
# Returns {1, value1, ...} after settling, {0} when it was settled already.
_SETTLE = """
local n = tonumber(ARGV[1])
local mark = KEYS[n + 1]
local state = redis.call('GET', mark)
if state == 'S' then return {0} end
local base = 1
if state ~= 'R' then base = 1 + n end
for i = 1, n do
  local d = tonumber(ARGV[base + i])
  if d ~= 0 then
    local v = redis.call('INCRBY', KEYS[i], d)
    if v < 0 then redis.call('SET', KEYS[i], 0) end
    redis.call('EXPIRE', KEYS[i], ARGV[1 + 2 * n + i])
  end
end
redis.call('SET', mark, 'S', 'EX', ARGV[2 + 3 * n])
local out = {1}
for i = 1, n do out[i + 1] = tonumber(redis.call('GET', KEYS[i]) or '0') end
return out
"""


POOL_SIZE = 64  # connections per replica; more requests than this wait their turn


def mark_key(rid: str) -> str:
    return f"sw:r:{rid}"


class RedisLimiter:
    name = "redis"

    def __init__(self, url: str, timeout_s: float = 1.0, attempts: int = 2) -> None:
        self.url = url
        self.attempts = max(1, attempts)  # per operation; retries are safe (see the module doc)
        # a bounded pool that makes a request wait for a free connection (up to the timeout): the default
        # pool refuses outright once 100 commands are in flight, which a busy replica reaches
        self._pool: Any = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=POOL_SIZE, timeout=timeout_s, socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s, health_check_interval=10)
        # no retries inside the client: a retried script without a request id could count twice; _call
        # retries only what is safe to repeat
        self.client: Any = aioredis.Redis(connection_pool=self._pool, retry=Retry(NoBackoff(), 0))
        self._reserve = self.client.register_script(_RESERVE)
        self._adjust = self.client.register_script(_ADJUST)
        self._settle = self.client.register_script(_SETTLE)

    async def _call(self, script: Any, keys: list[str], args: list[Any], retry: bool) -> Any:
        for attempt in range(self.attempts if retry else 1):
            try:
                return await script(keys=keys, args=args)
            except (RedisTimeoutError, RedisConnectionError, OSError) as exc:
                if attempt + 1 >= (self.attempts if retry else 1):
                    raise LimiterUnavailable(type(exc).__name__) from None
                await asyncio.sleep(0.02 * (attempt + 1))
            except RedisError as exc:
                raise LimiterUnavailable(type(exc).__name__) from None
        raise AssertionError("unreachable")

    async def reserve(self, counters: list[Counter], amounts: Amounts, rid: str = "") -> Reservation:
        if not counters:
            return Reservation(counters, amounts)
        n = len(counters)
        keys = [c.key for c in counters] + ([mark_key(rid)] if rid else [])
        args = [n, *[c.limit for c in counters], *[amounts.for_metric(c.metric) for c in counters],
                *[c.ttl_s for c in counters], HOLD_S]
        res = await self._call(self._reserve, keys, args, retry=bool(rid))  # without an id a retry could double
        if int(res[0]) == 0:
            return Reservation(counters, amounts, ok=False, failed=counters[int(res[1]) - 1])
        return Reservation(counters, amounts, used={c.key: int(v) for c, v in zip(counters, res[1:], strict=True)})

    async def adjust(self, counters: list[Counter], deltas: list[int]) -> None:
        if not counters or not any(deltas):
            return
        args = [len(counters), *deltas, *[c.ttl_s for c in counters]]
        await self._call(self._adjust, [c.key for c in counters], args, retry=False)

    async def settle(self, counters: list[Counter], rid: str, if_reserved: list[int],
                     if_not: list[int]) -> list[int] | None:
        if not counters:
            return None
        args = [len(counters), *if_reserved, *if_not, *[c.ttl_s for c in counters], SETTLED_S]
        res = await self._call(self._settle, [c.key for c in counters] + [mark_key(rid)], args, retry=True)
        return [int(v) for v in res[1:]] if int(res[0]) == 1 else None

    async def values(self, keys: list[str]) -> list[int]:
        try:
            raw = await self.client.mget(keys) if keys else []
        except (RedisError, OSError) as exc:
            raise LimiterUnavailable(type(exc).__name__) from None
        return [int(v or 0) for v in raw]

    async def once(self, key: str, ttl_s: int) -> bool:
        try:
            return bool(await self.client.set(key, 1, nx=True, ex=ttl_s))
        except (RedisError, OSError) as exc:
            raise LimiterUnavailable(type(exc).__name__) from None

    async def close(self) -> None:
        await self.client.aclose()
        await self._pool.disconnect()
