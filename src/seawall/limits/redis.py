"""Redis limiter: one Lua script per operation, so replicas never race between check and increment."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from seawall.limits.base import Amounts, Counter, LimiterUnavailable, Reservation

# KEYS: counters. ARGV: n, then n limits, n amounts, n ttls. Returns {0, i} when counter i is full,
# else {1, value1, value2, ...}.
_RESERVE = """
local n = tonumber(ARGV[1])
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


class RedisLimiter:
    name = "redis"

    def __init__(self, url: str, timeout_s: float = 0.25) -> None:
        self.url = url
        self.client: Any = aioredis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                                             health_check_interval=10, retry_on_timeout=False)
        self._reserve = self.client.register_script(_RESERVE)
        self._adjust = self.client.register_script(_ADJUST)

    async def reserve(self, counters: list[Counter], amounts: Amounts) -> Reservation:
        if not counters:
            return Reservation(counters, amounts)
        n = len(counters)
        args = [n, *[c.limit for c in counters], *[amounts.for_metric(c.metric) for c in counters],
                *[c.ttl_s for c in counters]]
        try:
            res = await self._reserve(keys=[c.key for c in counters], args=args)
        except (RedisError, OSError) as exc:
            raise LimiterUnavailable(type(exc).__name__) from None
        if int(res[0]) == 0:
            return Reservation(counters, amounts, ok=False, failed=counters[int(res[1]) - 1])
        return Reservation(counters, amounts, used={c.key: int(v) for c, v in zip(counters, res[1:], strict=True)})

    async def adjust(self, counters: list[Counter], deltas: list[int]) -> None:
        if not counters or not any(deltas):
            return
        try:
            args = [len(counters), *deltas, *[c.ttl_s for c in counters]]
            await self._adjust(keys=[c.key for c in counters], args=args)
        except (RedisError, OSError) as exc:
            raise LimiterUnavailable(type(exc).__name__) from None

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
