"""Audit queries: filters, newest first, keyset pagination (a cursor, not an offset, so a page
costs the same at row 10 and at row 1,000,000), and retention purge."""

from __future__ import annotations

import base64
import fnmatch
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from seawall.store.db import Store
from seawall.store.tables import audit_events as ae

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(value: str, now: datetime | None = None) -> datetime:
    """`24h`, `7d`, `30m` (ago), or an ISO 8601 date or timestamp (UTC when no zone is given)."""
    now = now or datetime.now(UTC)
    m = _DURATION.match(value.strip())
    if m:
        return now - timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a time: use 24h, 7d, 2026-11-27 or 2026-11-27T10:00:00") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass
class AuditFilter:
    user: str | None = None
    team: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    decision: str | None = None
    rule: str | None = None  # a rule id, or a prefix ending in * (e.g. "classification.*")
    tool: str | None = None
    path: str | None = None  # a glob over target paths
    model: str | None = None
    route: str | None = None


@dataclass
class Page:
    events: list[dict[str, Any]]
    next_cursor: str | None


def _cursor(row: dict[str, Any]) -> str:
    ts = row["ts"] if row["ts"].tzinfo else row["ts"].replace(tzinfo=UTC)
    return base64.urlsafe_b64encode(f"{ts.isoformat()}|{row['id']}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ts, ident = raw.split("|", 1)
        return datetime.fromisoformat(ts), ident
    except (ValueError, UnicodeDecodeError):
        raise ValueError("invalid cursor") from None


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(f: AuditFilter, naive: bool) -> list[Any]:
    def t(dt: datetime) -> datetime:
        return dt.astimezone(UTC).replace(tzinfo=None) if naive else dt

    conds: list[Any] = []
    if f.user:
        conds.append(ae.c.user == f.user)
    if f.team:
        conds.append(ae.c.team == f.team)
    if f.since:
        conds.append(ae.c.ts >= t(f.since))
    if f.until:
        conds.append(ae.c.ts < t(f.until))
    if f.decision:
        conds.append(ae.c.decision == f.decision)
    if f.model:
        conds.append(ae.c.model.like(_like(f.model).replace("*", "%"), escape="\\"))
    if f.route:
        conds.append(ae.c.route == f.route)
    if f.rule:
        if f.rule.endswith("*"):
            conds.append(ae.c.rules.like(f"%|{_like(f.rule[:-1])}%", escape="\\"))
        else:
            conds.append(ae.c.rules.like(f"%|{_like(f.rule)}|%", escape="\\"))
    if f.tool:
        conds.append(ae.c.tools.like(f"%|{_like(f.tool)}|%", escape="\\"))
    if f.path:
        # a literal part of the glob narrows the SQL scan; the glob itself is checked in Python
        literal = max(re.split(r"[*?\[\]]", f.path), key=len)
        conds.append(ae.c.paths.like(f"%{_like(literal)}%", escape="\\") if literal else ae.c.paths.isnot(None))
    return conds


def query(store: Store, f: AuditFilter, limit: int = 50, cursor: str | None = None) -> Page:
    limit = max(1, min(limit, 1000))
    naive = store.is_sqlite
    conds = _where(f, naive)
    if cursor:
        ts, ident = _decode_cursor(cursor)
        ts_v = ts.astimezone(UTC).replace(tzinfo=None) if naive else ts
        conds.append(sa.or_(ae.c.ts < ts_v, sa.and_(ae.c.ts == ts_v, ae.c.id < ident)))
    q = sa.select(ae).where(*conds).order_by(ae.c.ts.desc(), ae.c.id.desc())
    out: list[dict[str, Any]] = []
    batch = limit + 1 if not f.path else limit * 2 + 1
    last: dict[str, Any] | None = None
    with store.guarded(), store.engine.connect() as conn:
        while True:
            rows = [dict(r) for r in conn.execute(q.limit(batch)).mappings()]
            for r in rows:
                last = r
                if f.path and not any(fnmatch.fnmatchcase(p, f.path) for p in (r["paths"] or "").strip("|").split("|")):
                    continue
                out.append(r)
                if len(out) > limit:
                    break
            if len(out) > limit or len(rows) < batch or not f.path or last is None:
                break
            ts_v = last["ts"]
            q = sa.select(ae).where(*conds, sa.or_(ae.c.ts < ts_v, sa.and_(ae.c.ts == ts_v, ae.c.id < last["id"]))) \
                .order_by(ae.c.ts.desc(), ae.c.id.desc())
    more = len(out) > limit
    out = out[:limit]
    for r in out:
        if r["ts"].tzinfo is None:
            r["ts"] = r["ts"].replace(tzinfo=UTC)
        for k in ("rules", "tools", "paths"):
            r.pop(k, None)
    return Page(out, _cursor(out[-1]) if more and out else None)


def purge(store: Store, older_than_days: int) -> int:
    """Delete events older than the retention period; returns how many."""
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    if store.is_sqlite:
        cutoff = cutoff.replace(tzinfo=None)
    with store.guarded(), store.engine.begin() as conn:
        return int(conn.execute(ae.delete().where(ae.c.ts < cutoff)).rowcount or 0)


def events_between(store: Store, start: datetime, end: datetime, batch: int = 50_000) -> list[dict[str, Any]]:
    """The fields anomaly detection needs, for every event in [start, end), oldest first."""
    cols = [ae.c.id, ae.c.ts, ae.c.user, ae.c.team, ae.c.route, ae.c.decision, ae.c.input_tokens,
            ae.c.output_tokens, ae.c.tiers, ae.c.tool_calls, ae.c.rule_ids]

    def t(dt: datetime) -> datetime:
        return dt.astimezone(UTC).replace(tzinfo=None) if store.is_sqlite else dt

    out: list[dict[str, Any]] = []
    after: tuple[datetime, str] | None = None
    with store.guarded(), store.engine.connect() as conn:
        while True:
            q = sa.select(*cols).where(ae.c.ts >= t(start), ae.c.ts < t(end))
            if after is not None:
                q = q.where(sa.or_(ae.c.ts > after[0], sa.and_(ae.c.ts == after[0], ae.c.id > after[1])))
            rows = [dict(r) for r in conn.execute(q.order_by(ae.c.ts, ae.c.id).limit(batch)).mappings()]
            out.extend(rows)
            if len(rows) < batch:
                return out
            after = (rows[-1]["ts"], rows[-1]["id"])
