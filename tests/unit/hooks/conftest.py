"""Hook tests: a temp project, a private HOME and cache, and a policy whose store is a temp SQLite file."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from seawall.hooks import runner
from seawall.policy.load import starter_text

FIXTURES = Path("/work/shared/fixtures/claude-code")
SECRET = "q8Vt2mZr+Lw7YpXc1KbN4sJd9HfE6gUa0RiToPyW"
DOTENV = f"AWS_ACCESS_KEY_ID=AKIAQ3EGRXZT7NB4LW5K\nAWS_SECRET_ACCESS_KEY={SECRET}\n"


def policy_text(store: Path, extra: str = "", on_error: str = "block") -> str:
    text = starter_text().replace('store: "sqlite:///~/.local/share/seawall/seawall.db"', f'store: "sqlite:///{store}"')
    text = text.replace("on_error: block", f"on_error: {on_error}")
    return text + extra


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated store, created once and copied per test (migrations are slow)."""
    from seawall.store.db import open_store

    path = tmp_path_factory.mktemp("store") / "seawall.db"
    open_store(f"sqlite:///{path}").close()
    return path


class HookEnv:
    def __init__(self, root: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.project = root / "project"
        self.project.mkdir()
        (self.project / ".env").write_text(DOTENV)
        (self.project / "secrets.env").write_text(DOTENV)
        (self.project / "app.py").write_text("print('hi')\n")
        self.store = store
        self.policy = root / "seawall.yaml"
        self.set_policy()
        self.monkeypatch = monkeypatch

    def set_policy(self, extra: str = "", on_error: str = "block") -> None:
        self.policy.write_text(policy_text(self.store, extra, on_error))

    def sample(self, name: str) -> dict[str, Any]:
        text = (FIXTURES / "hook-stdin-samples.json").read_text()
        text = text.replace("<PROJECT_DIR>", str(self.project)).replace("<HOME>", str(self.root / "home"))
        return json.loads(text)[name]

    def event(self, name: str, **fields: Any) -> dict[str, Any]:
        base = {"session_id": "sess-1", "transcript_path": "/dev/null", "cwd": str(self.project),
                "hook_event_name": name, "prompt_id": "p-1", "permission_mode": "default"}
        return {**base, **fields}

    def pre(self, tool: str, **tool_input: Any) -> dict[str, Any]:
        return self.event("PreToolUse", tool_name=tool, tool_input=tool_input, tool_use_id="toolu_1")

    def run(self, client: str, event: str, payload: Any, raw: bytes | None = None) -> tuple[int, Any, str]:
        data = raw if raw is not None else json.dumps(payload).encode()
        out, err = io.StringIO(), io.StringIO()
        rc = runner.main([client, event], stdin=io.BytesIO(data), stdout=out, stderr=err,
                         environ={"PATH": "/usr/bin"})
        text = out.getvalue().strip()
        return rc, (json.loads(text) if text else None), err.getvalue()

    def claude(self, payload: dict[str, Any], event: str | None = None) -> Any:
        rc, out, _ = self.run("claude-code", event or payload["hook_event_name"], payload)
        assert rc == 0
        return out

    @staticmethod
    def deny_reason(out: Any) -> str:
        assert out is not None, "expected a decision"
        spec = out["hookSpecificOutput"]
        assert spec["hookEventName"] == "PreToolUse"
        assert spec["permissionDecision"] == "deny", spec
        return str(spec["permissionDecisionReason"])

    def audit_rows(self) -> list[dict[str, Any]]:
        conn = sqlite3.connect(self.store)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute("SELECT * FROM audit_events ORDER BY ts")]
        finally:
            conn.close()


@pytest.fixture()
def hook_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_template: Path) -> HookEnv:
    store = tmp_path / "seawall.db"
    store.write_bytes(store_template.read_bytes())
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SEAWALL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SEAWALL_HOOK_SPOOL", str(tmp_path / "spool.jsonl"))
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "CLAUDE_PROJECT_DIR"):
        monkeypatch.delenv(var, raising=False)
    env = HookEnv(tmp_path, store, monkeypatch)
    monkeypatch.setenv("SEAWALL_CONFIG", str(env.policy))
    return env
