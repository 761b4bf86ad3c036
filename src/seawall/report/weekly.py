"""The weekly digest for the security team's review: usage against budgets, blocks by rule,
anomalies, key changes (extension drift joins when the extension lock exists)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from jinja2 import Environment, PackageLoader, select_autoescape

from seawall.audit.anomaly import Anomaly, detect
from seawall.audit.query import events_between
from seawall.policy.schema import Policy
from seawall.store.db import KeyRecord, Store
from seawall.store.tables import keys as keys_table


@dataclass
class Digest:
    start: datetime
    end: datetime
    requests: int = 0
    tokens: int = 0
    cost: float = 0.0
    users: list[tuple[str, int, float, int | None]] = field(default_factory=list)  # name, tokens, cost, budget
    teams: list[tuple[str, int, float, int | None]] = field(default_factory=list)
    blocks: list[tuple[str, int]] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    keys_created: list[KeyRecord] = field(default_factory=list)
    keys_revoked: list[KeyRecord] = field(default_factory=list)


def build(store: Store, policy: Policy, start: datetime, end: datetime | None = None) -> Digest:
    end = end or datetime.now(UTC)
    days = max(1.0, (end - start).total_seconds() / 86400)
    win = events_between(store, start, end)
    hist = events_between(store, start - timedelta(days=30), start)
    d = Digest(start, end)
    per_user: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    per_team: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    blocks: Counter[str] = Counter()
    for e in win:
        if str(e.get("route", "")).startswith("alert:"):
            continue
        d.requests += 1
        t = int(e.get("input_tokens") or 0) + int(e.get("output_tokens") or 0)
        d.tokens += t
        if e.get("user"):
            per_user[e["user"]][0] += t
        if e.get("team"):
            per_team[e["team"]][0] += t
        if e.get("decision") == "block":
            blocks.update(e.get("rule_ids") or ["(no rule)"])
    cost_rows = _costs(store, start, end)
    for (kind, name), c in cost_rows.items():
        (per_user if kind == "user" else per_team)[name][1] += c
    d.cost = sum(c for (kind, _), c in cost_rows.items() if kind == "user")

    def budget(lim: Any) -> int | None:
        return int(lim.daily_tokens * days) if lim is not None and lim.daily_tokens else None

    d.users = sorted(((u, int(v[0]), v[1], budget(policy.users.get(u) or policy.users.get("default")))
                      for u, v in per_user.items()), key=lambda r: -r[1])
    d.teams = sorted(((t, int(v[0]), v[1], budget(policy.teams.get(t))) for t, v in per_team.items()),
                     key=lambda r: -r[1])
    d.blocks = blocks.most_common(15)
    d.anomalies = detect(hist, win)
    with store.guarded(), store.engine.connect() as conn:
        rows = list(conn.execute(sa.select(keys_table)).mappings())
    from seawall.store.db import _record

    recs = [_record(r) for r in rows]
    d.keys_created = [r for r in recs if start <= r.created_at < end]
    d.keys_revoked = [r for r in recs if r.revoked_at is not None and start <= r.revoked_at < end]
    return d


def _costs(store: Store, start: datetime, end: datetime) -> dict[tuple[str, str], float]:
    from seawall.store.tables import audit_events as ae

    def t(dt: datetime) -> datetime:
        return dt.astimezone(UTC).replace(tzinfo=None) if store.is_sqlite else dt

    out: dict[tuple[str, str], float] = {}
    with store.guarded(), store.engine.connect() as conn:
        for col, kind in ((ae.c.user, "user"), (ae.c.team, "team")):
            q = sa.select(col, sa.func.sum(ae.c.cost_usd)).where(ae.c.ts >= t(start), ae.c.ts < t(end),
                                                                  col.isnot(None)).group_by(col)
            for name, cost in conn.execute(q):
                out[(kind, name)] = float(cost or 0)
    return out


def _pct(used: int, budget: int | None) -> str:
    return f"{100 * used / budget:.0f} %" if budget else "—"


def markdown(d: Digest) -> str:
    lines = [f"# seawall weekly review: {d.start:%Y-%m-%d} to {d.end:%Y-%m-%d}", "",
             f"{d.requests:,} requests, {d.tokens:,} tokens, ${d.cost:,.2f}.", "", "## Usage against budgets", "",
             "| user | tokens | cost (USD) | of budget |", "|---|---:|---:|---:|"]
    lines += [f"| {u} | {t:,} | {c:,.2f} | {_pct(t, b)} |" for u, t, c, b in d.users[:30]] or ["| — | | | |"]
    lines += ["", "| team | tokens | cost (USD) | of budget |", "|---|---:|---:|---:|"]
    lines += [f"| {u} | {t:,} | {c:,.2f} | {_pct(t, b)} |" for u, t, c, b in d.teams] or ["| — | | | |"]
    lines += ["", "## Blocks by rule", ""] + ([f"- {r}: {n}" for r, n in d.blocks] or ["Nothing blocked."])
    lines += ["", "## Anomalies", ""] + ([f"- {a.message}" for a in d.anomalies] or ["None found."])
    lines += ["", "## Key changes", ""]
    lines += [f"- created {k.id} for {k.user}{' (' + k.team + ')' if k.team else ''}" for k in d.keys_created]
    lines += [f"- revoked {k.id} of {k.user}" for k in d.keys_revoked]
    if not d.keys_created and not d.keys_revoked:
        lines.append("No key changes.")
    return "\n".join(lines) + "\n"


_HTML = Environment(loader=PackageLoader("seawall.report", "templates"),
                    autoescape=select_autoescape(default=True)).get_template("weekly.html")


def html(d: Digest) -> str:
    return _HTML.render(d=d, pct=_pct)
