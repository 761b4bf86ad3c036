"""What the dashboard shows, read from the store and the policy (metadata only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from seawall.policy.schema import Policy
from seawall.store.db import Store
from seawall.store.tables import audit_events as ae


@dataclass
class Usage:
    name: str
    tokens: int
    cost: float
    requests: int
    blocked: int
    budget: int | None  # daily tokens allowed

    @property
    def share(self) -> float | None:
        return self.tokens / self.budget if self.budget else None


def _day_start(store: Store) -> datetime:
    now = datetime.now(UTC)
    start = datetime(now.year, now.month, now.day, tzinfo=UTC)
    return start.replace(tzinfo=None) if store.is_sqlite else start


def usage_today(store: Store, policy: Policy, by: str = "user") -> list[Usage]:
    col = ae.c.user if by == "user" else ae.c.team
    per_row = sa.func.coalesce(ae.c.input_tokens, 0) + sa.func.coalesce(ae.c.output_tokens, 0)
    tokens = sa.func.coalesce(sa.func.sum(per_row), 0)
    q = (sa.select(col, tokens, sa.func.coalesce(sa.func.sum(ae.c.cost_usd), 0.0), sa.func.count(),
                   sa.func.sum(sa.case((ae.c.decision == "block", 1), else_=0)))
         .where(ae.c.ts >= _day_start(store), col.isnot(None), ~ae.c.route.like("alert:%"))
         .group_by(col).order_by(tokens.desc()).limit(50))
    out = []
    with store.guarded(), store.engine.connect() as conn:
        for name, tok, cost, n, blocked in conn.execute(q):
            lim = (policy.users.get(name) or policy.users.get("default")) if by == "user" else policy.teams.get(name)
            out.append(Usage(name, int(tok or 0), float(cost or 0), int(n), int(blocked or 0),
                             lim.daily_tokens if lim is not None else None))
    return out


def recent(store: Store, where: Any, limit: int = 30) -> list[dict[str, Any]]:
    q = sa.select(ae).where(where).order_by(ae.c.ts.desc()).limit(limit)
    with store.guarded(), store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def blocks_by_rule(store: Store, days: int = 7) -> list[tuple[str, int]]:
    from datetime import timedelta

    since = datetime.now(UTC) - timedelta(days=days)
    rows = recent(store, (ae.c.decision == "block") & (ae.c.ts >= (since.replace(tzinfo=None) if store.is_sqlite
                                                                    else since)), 5000)
    counts: dict[str, int] = {}
    for r in rows:
        for rule in r.get("rule_ids") or ["(no rule)"]:
            counts[rule] = counts.get(rule, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])[:15]
