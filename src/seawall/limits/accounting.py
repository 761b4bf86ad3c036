"""Admit a request against its limits (reserve an estimate), then settle to the real usage."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from seawall.limits.base import MICRO, Amounts, Counter, Limiter, Reservation, counters_for
from seawall.limits.prices import price_of
from seawall.policy.schema import Policy

log = logging.getLogger("seawall.limits")


@dataclass
class Ticket:
    counters: list[Counter]
    reserved: Amounts
    settled: bool = False
    rid: str = field(default_factory=lambda: uuid.uuid4().hex)  # the limiter's idempotency key
    confirmed: bool = True  # False: admitted while the limiter was unreachable (it may or may not hold it)


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


async def admit(limiter: Limiter, policy: Policy, user: str, team: str | None, amounts: Amounts,
                rid: str = "") -> Ticket | None:
    """Reserve on every counter that applies, or raise LimitExceeded. None: no limits apply.
    LimiterUnavailable goes to the caller, who may admit with unconfirmed() instead."""
    counters = counters_for(policy, user, team)
    if not counters:
        return None
    ticket = Ticket(counters, amounts, rid=rid or uuid.uuid4().hex)
    res = await limiter.reserve(counters, amounts, ticket.rid)
    if not res.ok:
        raise LimitExceeded(res)
    return ticket


def unconfirmed(policy: Policy, user: str, team: str | None, amounts: Amounts, rid: str) -> Ticket | None:
    """A ticket for a request admitted while the limiter was unreachable (policy fails open): its
    settle charges the real usage once the limiter answers, exactly once, whether or not the
    timed-out reservation had in fact landed."""
    counters = counters_for(policy, user, team)
    return Ticket(counters, amounts, rid=rid, confirmed=False) if counters else None


async def settle(limiter: Limiter, ticket: Ticket, tokens: int | None, cost_usd: float | None) -> list[int] | None:
    """Replace the estimate with what was used; in-flight count released. Returns the counters'
    values afterwards (None when this request was settled already)."""
    if ticket.settled:
        return None
    ticket.settled = True
    real_tokens = ticket.reserved.tokens if tokens is None else tokens
    real_micro = ticket.reserved.micro_usd if cost_usd is None else int(cost_usd * MICRO)
    if_reserved, if_not = [], []  # if_not: the reservation is not there (never landed, or lost with a restart)
    for c in ticket.counters:
        if c.metric in ("tpm", "daily_tokens", "monthly_tokens"):
            if_reserved.append(real_tokens - ticket.reserved.tokens)
            if_not.append(real_tokens)
        elif c.metric.endswith("_usd"):
            if_reserved.append(real_micro - ticket.reserved.micro_usd)
            if_not.append(real_micro)
        elif c.metric == "concurrent":
            if_reserved.append(-1)
            if_not.append(0)
        else:
            if_reserved.append(0)
            if_not.append(ticket.reserved.requests)
    try:
        return await limiter.settle(ticket.counters, ticket.rid, if_reserved, if_not)
    except BaseException:
        ticket.settled = False  # not applied: the caller may retry (safe: settle is idempotent per rid)
        raise


async def release(limiter: Limiter, ticket: Ticket) -> None:
    """The request failed before using anything: give back tokens, cost and the in-flight slot
    (the request itself still counts against requests per minute)."""
    await settle(limiter, ticket, 0, 0.0)
