"""Generated audit histories with planted anomalies, to measure the anomaly detector."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

TOOLS = ["Read", "Edit", "Bash", "Grep", "Glob", "Write"]


def generate(users: int = 40, days: int = 21, window_days: int = 7, seed: int = 1,
             plant: bool = True) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[tuple[str, str]], datetime]:
    """(history, window, planted {(kind, user)}, window start). Users work weekdays in their own hours,
    with day-to-day variation; the planted anomalies are in the window only."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    wstart = start + timedelta(days=days - window_days)
    events: list[dict[str, Any]] = []
    profiles: dict[str, dict[str, Any]] = {}
    for u in range(users):
        name = f"dev{u:02d}"
        profiles[name] = {"team": f"team{u % 5}", "begin": rng.choice([7, 8, 9, 10]), "len": rng.choice([7, 8, 9]),
                          "daily": rng.lognormvariate(11.5, 0.6), "mcp": [f"mcp__{rng.choice(['git', 'jira'])}__read"]}
    for name, p in profiles.items():
        for d in range(days):
            day = start + timedelta(days=d)
            if day.weekday() >= 5 and rng.random() < 0.85:
                continue
            n = rng.randint(15, 60)
            budget = p["daily"] * rng.uniform(0.6, 1.4) * (rng.uniform(2.0, 3.0) if rng.random() < 0.08 else 1.0)
            late = rng.random() < 0.1  # now and then a long day: an hour or two past the usual end
            for _ in range(n):
                ts = day + timedelta(hours=p["begin"] + rng.uniform(0, p["len"] + (2 if late else 0)))
                tool = rng.choice(TOOLS + p["mcp"])
                events.append(_event(name, p["team"], ts, int(budget / n), tool,
                                     "block" if rng.random() < 0.01 else "allow", ["internal"]))
    planted: set[tuple[str, str]] = set()
    if plant:
        names = list(profiles)
        rng.shuffle(names)
        day = wstart + timedelta(days=2)
        spikes = iter([10.0, 6.0])
        for kind, name in zip(["token_volume", "token_volume", "blocked_burst", "first_tier_access",
                               "first_tier_access", "new_tool", "new_tool", "off_hours", "budget_repeated",
                               "blocked_burst"], names, strict=False):
            p = profiles[name]
            base = day + timedelta(days=rng.randint(0, 3), hours=p["begin"] + 1)
            if kind == "token_volume":
                factor = next(spikes)
                for i in range(40):
                    events.append(_event(name, p["team"], base + timedelta(minutes=5 * i),
                                         int(p["daily"] * factor / 40), "Read", "allow", ["internal"]))
            elif kind == "blocked_burst":
                for i in range(12):
                    events.append(_event(name, p["team"], base + timedelta(seconds=30 * i), 500, "Bash", "block",
                                         ["internal"]))
            elif kind == "first_tier_access":
                events.append(_event(name, p["team"], base, 2000, "Read", "route_local", ["confidential"]))
            elif kind == "new_tool":
                events.append(_event(name, p["team"], base, 2000, "mcp__exfil-tools__upload", "allow", ["internal"]))
            elif kind == "off_hours":
                night = base.replace(hour=(p["begin"] + p["len"] + 6) % 24) + timedelta(days=1)
                for i in range(4):
                    events.append(_event(name, p["team"], night + timedelta(minutes=7 * i), 3000, "Bash", "allow",
                                         ["internal"]))
            elif kind == "budget_repeated":
                for k in range(4):
                    events.append({"ts": wstart + timedelta(days=k, hours=15), "user": name, "team": p["team"],
                                   "route": "alert:budget_threshold", "decision": "alert", "tool_calls": [],
                                   "tiers": [], "input_tokens": None, "output_tokens": None})
            planted.add((kind, name))
    history = [e for e in events if e["ts"] < wstart]
    window = [e for e in events if e["ts"] >= wstart]
    return history, window, planted, wstart


def _event(user: str, team: str, ts: datetime, tokens: int, tool: str, decision: str,
           tiers: list[str]) -> dict[str, Any]:
    return {"ts": ts, "user": user, "team": team, "route": "/v1/messages", "decision": decision,
            "input_tokens": int(tokens * 0.9), "output_tokens": int(tokens * 0.1), "tiers": tiers,
            "tool_calls": [{"name": tool, "side": "request", "paths": []}]}


def score(found: set[tuple[str, str]], planted: set[tuple[str, str]]) -> tuple[float, float]:
    tp = len(found & planted)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(planted) if planted else 1.0
    return precision, recall
