"""Virtual keys in the provider's own header (x-api-key or Authorization: Bearer) -> Principal.

Malformed keys (prefix, length, checksum) are refused before any store lookup. Lookups are cached
(positive for `ttl`, negative for a few seconds) and run off the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import anyio.to_thread

from seawall.store import keys as keyfmt
from seawall.store.db import KeyRecord, Store

_NEGATIVE_TTL = 5.0
_MAX_ENTRIES = 100_000


@dataclass(frozen=True, slots=True)
class Principal:
    user: str
    team: str | None
    key_id: str


def presented_key(headers: Mapping[str, str]) -> str | None:
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


class KeyCache:
    def __init__(self, store: Store, ttl: float = 30.0) -> None:
        self.store = store
        self.ttl = ttl
        self._cache: dict[str, tuple[KeyRecord | None, float]] = {}

    async def principal(self, key: str) -> Principal | None:
        digest = keyfmt.key_hash(key, self.store.pepper())
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is None or hit[1] < now:
            if not keyfmt.well_formed(key):  # only well-formed keys are ever cached
                return None
            rec = await anyio.to_thread.run_sync(self.store.find_key, key)
            if len(self._cache) >= _MAX_ENTRIES:
                self._cache.clear()
            self._cache[digest] = (rec, now + (self.ttl if rec is not None else _NEGATIVE_TTL))
        else:
            rec = hit[0]
        if rec is None or not rec.active:
            return None
        return Principal(rec.user, rec.team, rec.id)

    def forget(self, key_id: str | None = None) -> None:
        """Drop cached entries (all, or one key's) so a revocation applies at once here."""
        if key_id is None:
            self._cache.clear()
            return
        for digest, (rec, _) in list(self._cache.items()):
            if rec is not None and rec.id == key_id:
                del self._cache[digest]
