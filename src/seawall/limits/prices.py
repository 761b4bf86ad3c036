"""Cost of a request from its usage and the model's list price (prices.toml)."""

from __future__ import annotations

import tomllib
from functools import cache, lru_cache
from importlib import resources
from typing import Protocol


class TokenCounts(Protocol):
    input_tokens: int | None
    output_tokens: int | None
    cache_read_tokens: int | None
    cache_write_tokens: int | None


@cache
def table() -> dict[str, dict[str, float]]:
    raw = resources.files("seawall.limits").joinpath("prices.toml").read_text("utf-8")
    return {k: {f: float(v) for f, v in row.items()} for k, row in tomllib.loads(raw).items()}


_overrides: dict[str, dict[str, float]] = {}


def set_overrides(prices: dict[str, dict[str, float | None]]) -> None:
    """Prices from the policy (limits.prices), by model-name prefix; they win over the built-in table."""
    _overrides.clear()
    price_of.cache_clear()
    for prefix, row in prices.items():
        _overrides[prefix.lower()] = {k: float(v) for k, v in row.items() if v is not None}


@lru_cache(maxsize=1024)
def price_of(model: str | None) -> dict[str, float] | None:
    if not model:
        return None
    name = model.lower()
    for source in (_overrides, table()):
        best = max((p for p in source if name.startswith(p)), key=len, default=None)
        if best:
            return source[best]
    return None


def cost_usd(model: str | None, usage: TokenCounts, cached_in_input: bool = False) -> float | None:
    """USD for one request; None when the model's price is unknown or usage is missing.
    `cached_in_input`: OpenAI counts cached tokens inside the input count, Anthropic apart from it."""
    p = price_of(model)
    if p is None or usage.input_tokens is None or usage.output_tokens is None:
        return None
    per = 1_000_000.0
    fresh = usage.input_tokens - (usage.cache_read_tokens or 0) if cached_in_input else usage.input_tokens
    cost = max(0, fresh) * p["input"] / per + usage.output_tokens * p["output"] / per
    cost += (usage.cache_read_tokens or 0) * p.get("cache_read", p["input"]) / per
    cost += (usage.cache_write_tokens or 0) * p.get("cache_write", p["input"]) / per
    return round(cost, 8)
