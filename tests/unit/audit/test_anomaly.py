"""Anomaly detectors: each fires on its planted case, stays quiet on ordinary noise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seawall.audit.anomaly import detect
from seawall.audit.events import AuditEvent
from seawall.audit.simulate import generate, score
from seawall.cli.main import app
from seawall.store.db import open_store


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_anomalies_found_without_false_alarms(seed: int) -> None:
    hist, win, planted, _ = generate(seed=seed)
    found = detect(hist, win)
    assert score({(a.kind, a.user) for a in found}, planted) == (1.0, 1.0)
    for a in found:
        assert a.user in a.message and "\n" not in a.message


def test_quiet_history_gives_no_alarm() -> None:
    hist, win, planted, _ = generate(seed=7, plant=False)
    assert planted == set() and detect(hist, win) == []


def test_messages_explain_themselves() -> None:
    hist, win, _, _ = generate(seed=4)
    kinds = {a.kind: a.message for a in detect(hist, win)}
    assert "x the usual" in kinds["token_volume"] and "robust z" in kinds["token_volume"]
    assert "blocked requests in 10 minutes" in kinds["blocked_burst"]
    assert "first access to confidential" in kinds["first_tier_access"]
    assert "new MCP server 'exfil-tools'" in kinds["new_tool"]
    assert "unusual hours" in kinds["off_hours"] and "usually active" in kinds["off_hours"]
    assert "budget alerts on 4 days" in kinds["budget_repeated"]


def test_no_history_no_volume_or_hours_alarm() -> None:
    now = datetime(2026, 11, 27, 3, tzinfo=UTC)
    win = [{"ts": now + timedelta(minutes=i), "user": "new", "team": "t", "route": "/v1/messages",
            "decision": "allow", "input_tokens": 10**6, "output_tokens": 0, "tiers": [], "tool_calls": []}
           for i in range(10)]
    assert detect([], win) == []


def test_replay_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    st = open_store(url)
    hist, win, planted, wstart = generate(seed=3, users=12)
    now = datetime.now(UTC)
    shift = now - (wstart + timedelta(days=7))
    rows = []
    for i, e in enumerate(hist + win):
        rows.append(AuditEvent(request_id=f"r{i}", route=e["route"], status=200, duration_ms=1.0,
                               ts=e["ts"] + shift, user=e["user"], team=e["team"], decision=e["decision"],
                               input_tokens=e["input_tokens"], output_tokens=e["output_tokens"], tiers=e["tiers"],
                               tool_calls=e["tool_calls"]).row())
    st.insert_audit(rows)
    res = CliRunner().invoke(app, ["audit", "anomalies", "--store", url, "--since", "7d", "--history", "14"])
    assert res.exit_code == 1
    got = {(line.split()[0], line.split()[1].rstrip(":")) for line in res.stdout.splitlines()}
    assert got == planted
