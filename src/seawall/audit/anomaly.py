"""Anomaly detection on audit events, per user against their own history and their team's.

Detectors (each alert explains itself in one line: what, how far from normal, since when):
- token volume: a day's tokens against the user's daily baseline (robust z-score: median and MAD)
- blocked bursts: blocked requests in 10-minute buckets against the user's usual block rate
- first access to confidential or restricted content
- a tool or MCP server the user (and their team) never used before
- off-hours: activity at hours the user has never worked in their history
- budgets approached repeatedly: threshold alerts on several days of the window
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Event = dict[str, Any]
SENSITIVE = ("confidential", "restricted")


@dataclass(frozen=True)
class Anomaly:
    kind: str  # token_volume | blocked_burst | first_tier_access | new_tool | off_hours | budget_repeated
    user: str
    team: str | None
    since: datetime
    score: float  # how far from normal (z-score, ratio or count)
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"type": "anomaly", "kind": self.kind, "user": self.user, "team": self.team,
                "since": self.since.isoformat(), "score": round(self.score, 2), "message": self.message}


@dataclass
class Settings:
    z_threshold: float = 4.0
    min_history_days: int = 5
    burst_min: int = 5
    burst_ratio: float = 5.0
    above_busiest: float = 1.5
    min_ratio: float = 5.0  # a day at least this many times the usual one
    off_hours_min_events: int = 50
    off_hours_margin: int = 2  # hours either side of any hour seen in the history count as usual
    budget_days: int = 3


def _ts(e: Event) -> datetime:
    ts = e["ts"]
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _tokens(e: Event) -> int:
    return int(e.get("input_tokens") or 0) + int(e.get("output_tokens") or 0)


def _robust_z(x: float, xs: Sequence[float]) -> tuple[float, float]:
    med = statistics.median(xs)
    mad = statistics.median(abs(v - med) for v in xs) * 1.4826
    scale = max(mad, 0.1 * med, 1.0)
    return (x - med) / scale, med


def detect(history: Iterable[Event], window: Iterable[Event], settings: Settings | None = None) -> list[Anomaly]:
    """Anomalies in `window`, judged against `history` (events before the window)."""
    s = settings or Settings()
    hist_by_user: dict[str, list[Event]] = defaultdict(list)
    team_tools: dict[str | None, set[str]] = defaultdict(set)
    team_of: dict[str, str | None] = {}
    for e in history:
        if e.get("user") and not str(e.get("route", "")).startswith("alert:"):
            hist_by_user[e["user"]].append(e)
            team_tools[e.get("team")].update(c.get("name", "") for c in e.get("tool_calls") or [])
    win_by_user: dict[str, list[Event]] = defaultdict(list)
    budget_alerts: dict[str, set[str]] = defaultdict(set)
    for e in window:
        user = e.get("user")
        if not user:
            continue
        team_of[user] = e.get("team")
        if str(e.get("route", "")).startswith("alert:budget"):
            budget_alerts[user].add(_ts(e).strftime("%Y-%m-%d"))
            continue
        win_by_user[user].append(e)
    out: list[Anomaly] = []
    for user, evs in win_by_user.items():
        evs.sort(key=_ts)
        hist = hist_by_user.get(user, [])
        team = team_of.get(user)
        out += _volume(user, team, hist, evs, s)
        out += _bursts(user, team, hist, evs, s)
        out += _first_tier(user, team, hist, evs)
        out += _new_tools(user, team, hist, evs, team_tools.get(team, set()))
        out += _off_hours(user, team, hist, evs, s)
    for user, days in budget_alerts.items():
        if len(days) >= s.budget_days:
            first = min(days)
            out.append(Anomaly("budget_repeated", user, team_of.get(user), datetime.fromisoformat(first).replace(
                tzinfo=UTC), float(len(days)), f"{user}: budget alerts on {len(days)} days since {first} "
                "(a budget approached again and again)"))
    out.sort(key=lambda a: a.since)
    return out


def _daily(evs: list[Event]) -> dict[str, int]:
    days: dict[str, int] = defaultdict(int)
    for e in evs:
        days[_ts(e).strftime("%Y-%m-%d")] += _tokens(e)
    return days


def _volume(user: str, team: str | None, hist: list[Event], evs: list[Event], s: Settings) -> list[Anomaly]:
    base = _daily(hist)
    if len(base) < s.min_history_days:
        return []
    values = list(base.values())
    busiest = max(values)
    out = []
    for day, total in sorted(_daily(evs).items()):
        z, med = _robust_z(total, values)
        # far from the usual day, and well above the busiest day seen so far (busy days happen)
        if z >= s.z_threshold and total >= s.min_ratio * med and total >= s.above_busiest * busiest:
            out.append(Anomaly("token_volume", user, team, datetime.fromisoformat(day).replace(tzinfo=UTC), z,
                               f"{user}: {total:,} tokens on {day}, {total / max(med, 1):.1f}x the usual "
                               f"{med:,.0f} a day (robust z {z:.1f})"))
    return out


def _bucket(e: Event) -> int:
    return int(_ts(e).timestamp() // 600)


def _bursts(user: str, team: str | None, hist: list[Event], evs: list[Event], s: Settings) -> list[Anomaly]:
    blocked = [e for e in evs if e.get("decision") == "block"]
    if len(blocked) < s.burst_min:
        return []
    hist_blocks = sum(1 for e in hist if e.get("decision") == "block")
    hist_buckets = max(1, len({_bucket(e) for e in hist}))
    usual = hist_blocks / hist_buckets
    out = []
    seen_until = -1
    for b, n in sorted(Counter(_bucket(e) for e in blocked).items()):
        if n >= s.burst_min and n >= s.burst_ratio * (usual + 0.1) and b > seen_until:
            since = datetime.fromtimestamp(b * 600, UTC)
            out.append(Anomaly("blocked_burst", user, team, since, n / (usual + 0.1),
                               f"{user}: {n} blocked requests in 10 minutes from {since:%Y-%m-%d %H:%M} UTC "
                               f"(usual {usual:.1f} per active 10 minutes)"))
            seen_until = b + 6  # one alert per hour of burst
    return out


def _tiers(e: Event) -> set[str]:
    return set(e.get("tiers") or [])


def _first_tier(user: str, team: str | None, hist: list[Event], evs: list[Event]) -> list[Anomaly]:
    known = set().union(*(_tiers(e) for e in hist)) if hist else set()
    out = []
    for tier in SENSITIVE:
        if tier in known:
            continue
        first = next((e for e in evs if tier in _tiers(e)), None)
        if first is not None:
            out.append(Anomaly("first_tier_access", user, team, _ts(first), 1.0,
                               f"{user}: first access to {tier} content at {_ts(first):%Y-%m-%d %H:%M} UTC "
                               f"(never in {len(hist)} earlier events)"))
    return out


def _new_tools(user: str, team: str | None, hist: list[Event], evs: list[Event], team_known: set[str]) -> list[Anomaly]:
    known = {c.get("name", "") for e in hist for c in e.get("tool_calls") or []}
    if not hist:
        return []
    out = []
    reported: set[str] = set()
    for e in evs:
        for c in e.get("tool_calls") or []:
            name = c.get("name", "")
            if not name or name in known or name in reported:
                continue
            server = name.split("__")[1] if name.startswith("mcp__") and name.count("__") >= 2 else None
            known_servers = {k.split("__")[1] for k in known if k.startswith("mcp__") and k.count("__") >= 2}
            if server is not None and server not in known_servers:
                reported.add(name)
                out.append(Anomaly("new_tool", user, team, _ts(e), 1.0,
                                   f"{user}: new MCP server {server!r} (tool {name}) first used at "
                                   f"{_ts(e):%Y-%m-%d %H:%M} UTC"))
            elif server is None and name not in team_known:
                reported.add(name)
                out.append(Anomaly("new_tool", user, team, _ts(e), 1.0,
                                   f"{user}: tool {name!r} never used by the user or their team before "
                                   f"{_ts(e):%Y-%m-%d %H:%M} UTC"))
    return out


def _off_hours(user: str, team: str | None, hist: list[Event], evs: list[Event], s: Settings) -> list[Anomaly]:
    if len(hist) < s.off_hours_min_events:
        return []
    hours = Counter(_ts(e).hour for e in hist)
    by_day: dict[str, list[Event]] = defaultdict(list)
    for e in evs:
        h = _ts(e).hour
        near = sum(hours[(h + d) % 24] for d in range(-s.off_hours_margin, s.off_hours_margin + 1))
        if near == 0:
            by_day[_ts(e).strftime("%Y-%m-%d")].append(e)
    out = []
    usual = sorted(h for h, n in hours.items() if n)
    span = f"{usual[0]:02d}:00-{usual[-1] + 1:02d}:00" if usual else "-"
    for day, items in sorted(by_day.items()):
        if len(items) >= 3:
            out.append(Anomaly("off_hours", user, team, _ts(items[0]), float(len(items)),
                               f"{user}: {len(items)} requests at unusual hours on {day} from "
                               f"{_ts(items[0]):%H:%M} UTC (usually active {span} UTC)"))
    return out
