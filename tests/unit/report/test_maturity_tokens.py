"""Maturity report and token estimator through the CLI, on real temp repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seawall.cli.main import app
from seawall.report.tokens import estimate

runner = CliRunner()


def _git_repo(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True)


def test_bare_repository_is_level_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _git_repo(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SEAWALL_CONFIG", raising=False)
    (tmp_path / "seawall.yaml").write_text(f"store: 'sqlite:///{tmp_path}/s.db'\n")
    res = runner.invoke(app, ["report", "maturity", "--repo", str(tmp_path), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["level"] == 0
    by = {c["control"]: c for c in data["checks"]}
    assert by["secrets kept out of commits (pre-commit hook)"]["fix"] == "seawall install pre-commit"
    assert not by[".env files ignored by git"]["passed"]


def test_level_one_and_two_with_evidence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _git_repo(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SEAWALL_CONFIG", raising=False)
    (tmp_path / ".gitignore").write_text(".env*\n")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: [{repo: local, hooks: [{id: seawall-secrets}]}]\n")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text("steps:\n  - run: seawall scan code . --format sarif\n")
    db = tmp_path / "s.db"
    (tmp_path / "seawall.yaml").write_text(
        f"store: 'sqlite:///{db}'\nextensions: {{allowed: [{{name: tdd}}]}}\n"
        "users: {default: {daily_tokens: 1000000}}\nalerts: {webhooks: ['https://hooks.example/x']}\n")
    from seawall.audit.events import AuditEvent
    from seawall.store.db import open_store

    open_store(f"sqlite:///{db}").insert_audit([AuditEvent(request_id="r", route="/v1/messages", status=200,
                                                           duration_ms=1.0).row()])
    res = runner.invoke(app, ["report", "maturity", "--repo", str(tmp_path), "--format", "markdown"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("# seawall maturity: level 2 of 3")
    assert "| 2 | SAST in CI | pass | .github/workflows/ci.yml runs a code scanner |" in res.stdout
    assert "| 3 | classification wired into the assistant | FAIL |" in res.stdout


def test_token_estimates() -> None:
    prose = "The quick brown fox jumps over the lazy dog. " * 20
    assert 180 <= estimate(prose) <= 260  # ~4 characters a token
    code = "def add(a, b):\n    return a + b\n" * 20
    assert estimate(code) > len(code) / 4.5
    assert estimate("") == 0


def test_tokens_cli(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print('hello world')\n" * 100)
    (tmp_path / "b.bin").write_bytes(b"\x00\x01" * 100)
    res = runner.invoke(app, ["tokens", "estimate", str(tmp_path), "--json", "-m", "claude-sonnet-4", "-m", "x-1"])
    data = json.loads(res.stdout)
    assert data["files"] == 1 and data["estimated_tokens"] > 0
    assert data["models"][0]["input_usd"] > 0 and data["models"][1]["input_usd"] is None
    res = runner.invoke(app, ["tokens", "estimate", "-"], input="hello there")
    assert "1 file(s)" in res.stdout
    res = runner.invoke(app, ["tokens", "estimate", str(tmp_path), "--exact"], env={"SEAWALL_KEY": ""})
    assert res.exit_code == 2 and "needs your seawall key" in res.output


def test_weekly_digest(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from seawall.audit.events import AuditEvent
    from seawall.store.db import open_store

    url = f"sqlite:///{tmp_path}/w.db"
    st = open_store(url)
    now = datetime.now(UTC)
    st.create_key("alice", "pay")
    st.insert_audit([AuditEvent(request_id=f"r{i}", route="/v1/messages", status=200, duration_ms=1.0, user="alice",
                                team="pay", ts=now - timedelta(hours=i), input_tokens=1000, output_tokens=100,
                                cost_usd=0.01, decision="block" if i < 2 else "allow",
                                rule_ids=["redaction.secrets"] if i < 2 else []).row() for i in range(10)])
    (tmp_path / "seawall.yaml").write_text(f"store: '{url}'\nusers: {{default: {{daily_tokens: 10000}}}}\n")
    res = runner.invoke(app, ["report", "weekly", "--config", str(tmp_path / "seawall.yaml")])
    assert res.exit_code == 0, res.output
    assert "10 requests, 11,000 tokens, $0.10." in res.stdout
    assert "| alice | 11,000 | 0.10 |" in res.stdout and "- redaction.secrets: 2" in res.stdout
    assert "- created key_" in res.stdout
    html = runner.invoke(app, ["report", "weekly", "--config", str(tmp_path / "seawall.yaml"), "-f", "html"])
    assert "<h1>seawall weekly review" in html.stdout and "redaction.secrets: 2" in html.stdout


def test_doctor_explains_seawall_errors() -> None:
    res = runner.invoke(app, ["doctor", "--explain",
                              "Error code: 429 - seawall: rpm limit for team:payments (7) reached; retry after 12 s"])
    assert res.exit_code == 0 and "rate limit or budget" in res.stdout and "(rpm)" in res.stdout
    res = runner.invoke(app, ["doctor", "--explain", "[seawall] This tool result was withheld by the security policy "
                              "(classification.tiers.restricted: **/.env: path .env is restricted)"])
    assert "seawall policy explain --path" in res.stdout
    res = runner.invoke(app, ["doctor", "--explain", "connection reset by peer"])
    assert res.exit_code == 1 and "does not come from a seawall rule" in res.stdout


def test_doctor_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    res = runner.invoke(app, ["doctor", "--gateway", "http://127.0.0.1:9", "--json"], env={"ANTHROPIC_API_KEY": ""})
    assert res.exit_code == 1
    steps = {s["name"]: s for s in json.loads(res.stdout)}
    assert steps["policy"]["ok"] and not steps["gateway"]["ok"] and steps["gateway"]["fix"] == "seawall serve"
    assert not steps["hooks"]["ok"]
