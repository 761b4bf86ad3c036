"""Admit a request against its limits (reserve an estimate), then settle to the real usage."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from seawall.limits.base import MICRO, Amounts, Counter, Limiter, Reservation, counters_for
from seawall.limits.prices import price_of
from seawall.policy.schema import Policy

log = logging.getLogger("seawall.limits")


@dataclass
class Ticket:
    counters: list[Counter]
    reserved: Amounts
    settled: bool = False


class LimitExceeded(Exception):
    def __init__(self, reservation: Reservation) -> None:
        failed = reservation.failed
        super().__init__(f"{failed.metric if failed else 'limit'} exceeded")
        self.reservation = reservation


def estimate(policy: Policy, model: str | None, input_chars: int, max_tokens: int | None) -> Amounts:
    """Input tokens from the request's text (about 4 characters a token), output at most max_tokens."""
    out = min(max_tokens or policy.limits.output_estimate, policy.limits.output_estimate)
    inp = max(1, input_chars // 4)
    price = price_of(model)
    usd = 0
    if price is not None:
        usd = int(inp * price["input"] + out * price["output"])  # per million tokens -> micro-USD
    return Amounts(requests=1, tokens=inp + out, micro_usd=usd)


async def admit(limiter: Limiter, policy: Policy, user: str, team: str | None, amounts: Amounts) -> Ticket | None:
    """Reserve on every counter that applies, or raise LimitExceeded. None: no limits apply."""
    counters = counters_for(policy, user, team)
    if not counters:
        return None
    res = await limiter.reserve(counters, amounts)
    if not res.ok:
        raise LimitExceeded(res)
    return Ticket(counters, amounts)


async def settle(limiter: Limiter, ticket: Ticket, tokens: int | None, cost_usd: float | None) -> None:
    """Replace the estimate with what was used; in-flight count released."""
    if ticket.settled:
        return
    ticket.settled = True
    real_tokens = ticket.reserved.tokens if tokens is None else tokens
    real_micro = ticket.reserved.micro_usd if cost_usd is None else int(cost_usd * MICRO)
    deltas = []
    for c in ticket.counters:
        if c.metric in ("tpm", "daily_tokens", "monthly_tokens"):
            deltas.append(real_tokens - ticket.reserved.tokens)
        elif c.metric.endswith("_usd"):
            deltas.append(real_micro - ticket.reserved.micro_usd)
        elif c.metric == "concurrent":
            deltas.append(-1)
        else:
            deltas.append(0)
    await limiter.adjust(ticket.counters, deltas)


async def release(limiter: Limiter, ticket: Ticket) -> None:
    """The request failed before using anything: give back tokens, cost and the in-flight slot
    (the request itself still counts against requests per minute)."""
    await settle(limiter, ticket, 0, 0.0)
