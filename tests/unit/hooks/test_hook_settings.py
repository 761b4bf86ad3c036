"""`seawall install claude-code|cursor`: merge, backup, idempotence, exact uninstall, dry-run diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seawall.cli.main import app
from seawall.hooks import settings

EXE = "/opt/seawall/bin/seawall"
USER_SETTINGS = {
    "model": "opus",
    "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/bin/my-linter"}]}]},
    "permissions": {"allow": ["Bash(npm test:*)"], "deny": ["Read(**/.env)"]},
    "env": {"ANTHROPIC_BASE_URL": "https://mine.example", "FOO": "1"},
}


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv(settings.CLAUDE_MANAGED_ENV, str(tmp_path / "etc" / "managed-settings.json"))
    monkeypatch.setenv(settings.CURSOR_MANAGED_ENV, str(tmp_path / "etc" / "cursor-hooks.json"))
    monkeypatch.delenv("SEAWALL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def install(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["install", *args, "--exe", EXE])
    return r.exit_code, r.stdout, r.stderr


def read(p: Path) -> dict:
    return json.loads(p.read_text())


def test_fresh_project_install(env):
    rc, out, _ = install("claude-code", "--scope", "project")
    assert rc == 0, out
    doc = read(env / ".claude" / "settings.json")
    pre = doc["hooks"]["PreToolUse"][0]
    assert pre["matcher"] == "*"
    assert pre["hooks"][0]["command"] == f"{EXE} hook claude-code PreToolUse"
    for ev in ("PostToolUse", "UserPromptSubmit", "SessionStart"):
        assert doc["hooks"][ev][0]["hooks"][0]["command"].endswith(f"hook claude-code {ev}")
    deny = doc["permissions"]["deny"]
    assert "Read(**/.env)" in deny and "Edit(**/*.pem)" in deny
    assert "Bash(rm -rf /)" in deny and "Bash(git push --force:*)" in deny
    assert "WebFetch(domain:pastebin.com)" in deny
    assert not any("curl" in d for d in deny)  # `curl * | sh` is not expressible: the hook enforces it
    assert "Read(**/customers/**)" in doc["permissions"]["ask"]
    assert "env" not in doc


def test_merge_keeps_user_settings_and_backs_up(env):
    path = env / "home" / ".claude" / "settings.json"
    path.parent.mkdir(parents=True)
    original = json.dumps(USER_SETTINGS, indent=2)
    path.write_text(original)
    rc, out, _ = install("claude-code", "--scope", "user", "--gateway", "http://127.0.0.1:8787/")
    assert rc == 0
    doc = read(path)
    assert doc["model"] == "opus"
    assert doc["hooks"]["PreToolUse"][0] == USER_SETTINGS["hooks"]["PreToolUse"][0]
    assert len(doc["hooks"]["PreToolUse"]) == 2
    assert doc["permissions"]["allow"] == ["Bash(npm test:*)"]
    assert doc["permissions"]["deny"].count("Read(**/.env)") == 1
    assert doc["env"] == {"ANTHROPIC_BASE_URL": "http://127.0.0.1:8787", "FOO": "1"}
    assert (path.parent / "settings.json.seawall.bak").read_text() == original
    assert "previous version kept" in out


def test_idempotent(env):
    install("claude-code", "--scope", "project")
    path = env / ".claude" / "settings.json"
    first = path.read_text()
    rc, out, _ = install("claude-code", "--scope", "project")
    assert rc == 0 and "already up to date" in out
    assert path.read_text() == first
    assert not (path.parent / "settings.json.seawall.bak").exists()


def test_uninstall_removes_exactly_what_was_added(env):
    path = env / "home" / ".claude" / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(USER_SETTINGS, indent=2))
    install("claude-code", "--scope", "user", "--gateway", "http://127.0.0.1:8787")
    install("claude-code", "--scope", "user", "--gateway", "http://127.0.0.1:9999")  # re-install, new URL
    rc, out, _ = install("claude-code", "--scope", "user", "--uninstall")
    assert rc == 0, out
    assert read(path) == USER_SETTINGS  # the user's own deny rule and gateway URL are back
    assert not settings.manifest_path(path).exists()
    rc, out, _ = install("claude-code", "--scope", "user", "--uninstall")
    assert "nothing installed" in out


def test_uninstall_of_a_file_seawall_created_removes_it(env):
    install("claude-code", "--scope", "project")
    path = env / ".claude" / "settings.json"
    install("claude-code", "--scope", "project", "--uninstall")
    assert not path.exists()


def test_policy_change_replaces_stale_rules(env):
    install("claude-code", "--scope", "project")
    (env / "seawall.yaml").write_text("version: 1\nclassification: {tiers: {restricted: ['**/vault/**']}}\n")
    install("claude-code", "--scope", "project")
    deny = read(env / ".claude" / "settings.json")["permissions"]["deny"]
    assert "Read(**/vault/**)" in deny and "Read(**/.env)" not in deny


def test_dry_run_prints_a_diff_and_writes_nothing(env):
    rc, out, _ = install("claude-code", "--scope", "project", "--dry-run")
    assert rc == 0
    assert out.startswith("--- ") and "+++ " in out and '+      "Read(**/.env)",' in out
    assert not (env / ".claude").exists()


def test_managed_scope_locks_bypass(env):
    rc, out, _ = install("claude-code", "--scope", "managed", "--config", str(env / "p.yaml"))
    assert rc == 2  # the named policy does not exist
    (env / "p.yaml").write_text("version: 1\n")
    rc, out, _ = install("claude-code", "--scope", "managed", "--config", str(env / "p.yaml"))
    assert rc == 0, out
    doc = read(env / "etc" / "managed-settings.json")
    assert doc["allowManagedHooksOnly"] is True
    assert doc["permissions"]["disableBypassPermissionsMode"] == "disable"
    assert doc["hooks"]["PreToolUse"][0]["hooks"][0]["command"] == \
        f"{EXE} hook claude-code PreToolUse --config {env / 'p.yaml'}"


def test_invalid_settings_file_is_not_touched(env):
    path = env / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text("{ not json")
    rc, _out, err = install("claude-code", "--scope", "project")
    assert rc == 2 and "not valid JSON" in err
    assert path.read_text() == "{ not json"


def test_bad_scope(env):
    rc, _, err = install("claude-code", "--scope", "global")
    assert rc == 2 and "--scope" in err


def test_cursor_install_and_uninstall(env):
    path = env / ".cursor" / "hooks.json"
    path.parent.mkdir()
    mine = {"version": 1, "hooks": {"afterFileEdit": [{"command": "prettier --write"}]}}
    path.write_text(json.dumps(mine))
    rc, out, _ = install("cursor", "--scope", "project")
    assert rc == 0, out
    doc = read(path)
    assert doc["hooks"]["afterFileEdit"][0] == {"command": "prettier --write"}
    assert {"command": f"{EXE} hook cursor beforeShellExecution"} in doc["hooks"]["beforeShellExecution"]
    assert {"command": f"{EXE} hook cursor beforeReadFile"} in doc["hooks"]["beforeReadFile"]
    install("cursor", "--scope", "project")
    assert read(path) == doc
    install("cursor", "--scope", "project", "--uninstall")
    assert read(path) == mine


@pytest.mark.parametrize("pattern,rule", [
    ("rm -rf /", "Bash(rm -rf /)"),
    ("git push --force*", "Bash(git push --force:*)"),
    ("chmod -R 777 *", "Bash(chmod -R 777:*)"),
    ("curl * | sh", None),
    ("rm -rf /*/x", None),
    ("*", None),
])
def test_bash_rule_translation(pattern, rule):
    assert settings._bash_rule(pattern) == rule
