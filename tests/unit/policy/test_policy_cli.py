"""`seawall init`, `seawall policy check|explain|test` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seawall.cli.main import app

runner = CliRunner()


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEAWALL_CONFIG", raising=False)
    res = runner.invoke(app, ["init"])
    assert res.exit_code == 0, res.output
    return tmp_path


def test_init_refuses_to_overwrite(project: Path) -> None:
    res = runner.invoke(app, ["init"])
    assert res.exit_code == 2 and "exists" in res.output
    assert runner.invoke(app, ["init", "--force"]).exit_code == 0


def test_check_and_test_the_starter(project: Path) -> None:
    res = runner.invoke(app, ["policy", "check"])
    assert res.exit_code == 0 and "valid" in res.output
    res = runner.invoke(app, ["policy", "test"])
    assert res.exit_code == 0 and "0 failed" in res.output


def test_check_reports_problems(project: Path) -> None:
    (project / "seawall.yaml").write_text("version: 2\ntool: {}\n")
    res = runner.invoke(app, ["policy", "check"])
    assert res.exit_code == 2
    assert "seawall.yaml:1:1: version" in res.output
    assert "seawall.yaml:2:1: tool: unknown key 'tool'; did you mean 'tools'?" in res.output
    assert "2 problems" in res.output


def test_failing_policy_test_shows_a_diff(project: Path) -> None:
    text = (project / "seawall.yaml").read_text()
    text += "  - {name: wrong on purpose, path: src/app.py, expect: block}\n"
    (project / "seawall.yaml").write_text(text)
    res = runner.invoke(app, ["policy", "test"])
    assert res.exit_code == 1
    assert "FAIL  wrong on purpose: expected block, got log" in res.output
    assert "because: classification.default: internal -> log" in res.output


def test_explain(project: Path) -> None:
    res = runner.invoke(app, ["policy", "explain", "--path", "config/../.env.local"])
    assert res.exit_code == 1
    assert "decision: block" in res.output and "tier:     restricted" in res.output
    assert "classification.tiers.restricted: **/.env.*" in res.output
    res = runner.invoke(app, ["policy", "explain", "--command", "ls -la", "--json"])
    assert res.exit_code == 0
    assert json.loads(res.output)["action"] == "allow"
    res = runner.invoke(app, ["policy", "explain"])
    assert res.exit_code == 2


def test_explain_with_content(project: Path) -> None:
    (project / "notes.txt").write_text("card 4261 3422 7843 8744\n")  # seawall:allow (test value)
    res = runner.invoke(app, ["policy", "explain", "--path", "notes.txt", "--content", "notes.txt", "--json"])
    data = json.loads(res.output)
    assert data["action"] == "route_local" and data["tier"] == "confidential"
    assert "4261" not in res.output


def test_config_from_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = project / "other.yaml"
    other.write_text("tools: {deny: [Read]}\n")
    monkeypatch.setenv("SEAWALL_CONFIG", str(other))
    res = runner.invoke(app, ["policy", "explain", "--tool", "Read"])
    assert res.exit_code == 1 and "other.yaml" in res.output
