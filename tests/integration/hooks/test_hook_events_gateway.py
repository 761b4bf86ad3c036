"""Hook audit events and a real `seawall serve` on 127.0.0.1: the endpoint, the hook sending to it, and
the spool import when it was down."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from seawall.policy.load import starter_text
from seawall.store.db import open_store
from support.serve_process import wait_healthy
from support.services import free_port

pytestmark = pytest.mark.integration
SEAWALL = str(Path(sys.executable).with_name("seawall"))
DOTENV = "AWS_ACCESS_KEY_ID=AKIAQ3EGRXZT7NB4LW5K\n"


@dataclass
class Served:
    url: str
    key: str
    db: Path
    root: Path

    def hook_rows(self, wait_for: int = 0, timeout: float = 5.0) -> list[dict[str, Any]]:
        return _rows(self.db, wait_for, timeout)


def _rows(db: Path, wait_for: int = 0, timeout: float = 5.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in conn.execute(
                "SELECT * FROM audit_events WHERE route LIKE 'hook:%' ORDER BY ts")]
        except sqlite3.OperationalError:
            rows = []
        finally:
            conn.close()
        if len(rows) >= wait_for or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("hookgw")
    db = root / "gateway.db"
    (root / "gateway.yaml").write_text(
        "providers:\n  anthropic: {base_url: 'http://127.0.0.1:9', api_key: 'upstream-unused'}\n"
        f"store: 'sqlite:///{db}'\n"
        "gateway: {audit_flush_s: 0.05}\n")
    st = open_store(f"sqlite:///{db}")
    key, _ = st.create_key("alice", "payments", "laptop")
    st.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SEAWALL_"))}
    env["HOME"] = str(root)
    proc = subprocess.Popen([SEAWALL, "serve", "--config", str(root / "gateway.yaml"), "--port", str(port)],
                            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, 30)
        yield Served(url, key, db, root)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        assert key not in err


def _ev(**over: Any) -> dict[str, Any]:
    ev = {"id": str(uuid.uuid4()), "ts": datetime.now(UTC).isoformat(), "client": "claude-code",
          "hook_event": "PreToolUse", "request_id": "toolu_01", "session_id": "sess-1", "tool": "Read",
          "paths": [".env"], "decision": "block", "denied": True, "tiers": ["restricted"],
          "rule_ids": ["classification.tiers.restricted: **/.env"], "duration_ms": 40.0}
    ev.update(over)
    return ev


def _post(served: Served, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None) -> httpx.Response:
    h = {"authorization": f"Bearer {served.key}", "content-type": "application/json", **(headers or {})}
    content = raw if raw is not None else json.dumps(body).encode()
    return httpx.post(served.url + "/seawall/hook-events", content=content, headers=h, timeout=10)


# --- the endpoint ----------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer swk_notakey"}, {"x-api-key": "sk-ant-123"},
                                     {"authorization": "Bearer swk_" + "A" * 36}])
def test_missing_or_wrong_key_is_401_in_the_gateway_shape(served: Served, headers: dict[str, str]) -> None:
    h = {"content-type": "application/json", **headers}
    r = httpx.post(served.url + "/seawall/hook-events", content=json.dumps([_ev()]), headers=h, timeout=10)
    assert r.status_code == 401
    body = r.json()
    assert body["type"] == "error" and body["error"]["type"] == "authentication_error"
    assert r.headers["x-seawall-error"] in ("missing_key", "invalid_key")


def test_x_api_key_is_accepted_too(served: Served) -> None:
    r = httpx.post(served.url + "/seawall/hook-events", content=json.dumps([_ev()]),
                   headers={"x-api-key": served.key, "content-type": "application/json"}, timeout=10)
    assert r.status_code == 200 and r.json()["accepted"] == 1


@pytest.mark.parametrize("raw,status,code", [
    (b"{not json", 400, "invalid_hook_events"),
    (b'{"id": 1}', 400, "invalid_hook_events"),
    (json.dumps([_ev(user="mallory")]).encode(), 400, "invalid_hook_events"),
    (json.dumps([_ev(prompt="please deploy")]).encode(), 400, "invalid_hook_events"),
    (json.dumps([_ev() for _ in range(501)]).encode(), 400, "invalid_hook_events"),
    (b"[" + b" " * (1024 * 1024 + 1) + b"]", 413, "body_too_large"),
])
def test_malformed_or_oversized_bodies_are_4xx(served: Served, raw: bytes, status: int, code: str) -> None:
    r = _post(served, None, raw=raw)
    assert r.status_code == status, r.text
    assert r.json()["type"] == "error" and r.headers["x-seawall-error"] == code
    assert "mallory" not in r.text and "please deploy" not in r.text


def test_wrong_content_type_is_415(served: Served) -> None:
    r = _post(served, [_ev()], headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_events_belong_to_the_keys_user_and_are_stored_once(served: Served) -> None:
    before = len(served.hook_rows())
    a, b = _ev(), _ev(decision="log", denied=False, tiers=["internal"], paths=["src/app.py"])
    r = _post(served, [a, b, a])
    assert r.status_code == 200 and r.json() == {"received": 3, "accepted": 2, "duplicates": 1}
    again = _post(served, [a, b])  # at once: the writer may not have flushed yet
    assert again.json() == {"received": 2, "accepted": 0, "duplicates": 2}
    rows = served.hook_rows(before + 2)
    mine = rows[before:]
    assert len(mine) == 2
    assert {(r["user"], r["team"]) for r in mine} == {("alice", "payments")}
    assert all(r["key_id"] and r["provider"] == "claude-code" and r["route"] == "hook:PreToolUse" for r in mine)
    assert {r["status"] for r in mine} == {403, 200}
    time.sleep(0.3)
    late = _post(served, [b])  # after the flush: found in the store
    assert late.json()["duplicates"] == 1
    assert len(served.hook_rows()) == before + 2


# --- the hook and the spool ------------------------------------------------------------------------

def _hook(served: Served, tmp: Path, payload: dict[str, Any], gateway: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SEAWALL_"))}
    env.update({"HOME": str(tmp / "home"), "SEAWALL_CACHE_DIR": str(tmp / "cache"),
                "SEAWALL_HOOK_SPOOL": str(tmp / "spool.jsonl"), "SEAWALL_CONFIG": str(tmp / "seawall.yaml"),
                "SEAWALL_HOOK_AUDIT_SYNC": "1", "ANTHROPIC_BASE_URL": gateway, "ANTHROPIC_API_KEY": served.key})
    return subprocess.run([SEAWALL, "hook", "claude-code", payload["hook_event_name"]], input=json.dumps(payload),
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture()
def workstation(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    proj = tmp_path / "project"
    proj.mkdir()
    (proj / ".env").write_text(DOTENV)
    text = starter_text().replace('store: "sqlite:///~/.local/share/seawall/seawall.db"',
                                  f'store: "sqlite:///{tmp_path / "local.db"}"')
    (tmp_path / "seawall.yaml").write_text(text)
    return tmp_path


def _pre_read(tmp: Path) -> dict[str, Any]:
    return {"session_id": "sess-9", "transcript_path": "/dev/null", "cwd": str(tmp / "project"),
            "hook_event_name": "PreToolUse", "tool_name": "Read", "permission_mode": "default",
            "tool_input": {"file_path": str(tmp / "project" / ".env")}, "tool_use_id": "toolu_" + uuid.uuid4().hex[:20]}


def test_hook_with_the_gateway_up_lands_in_the_gateways_store(served: Served, workstation: Path) -> None:
    payload = _pre_read(workstation)
    res = _hook(served, workstation, payload, served.url)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    rows = [r for r in served.hook_rows(1, 5) if r["request_id"] == payload["tool_use_id"]]
    deadline = time.monotonic() + 5
    while not rows and time.monotonic() < deadline:
        time.sleep(0.05)
        rows = [r for r in served.hook_rows() if r["request_id"] == payload["tool_use_id"]]
    assert len(rows) == 1
    row = rows[0]
    assert (row["user"], row["team"], row["decision"], row["status"]) == ("alice", "payments", "block", 403)
    assert json.loads(row["tool_calls"]) == [{"name": "Read", "paths": [".env"]}]
    assert not (workstation / "spool.jsonl").exists() and not (workstation / "local.db").exists()


def test_gateway_down_spool_then_import_exactly_once(served: Served, workstation: Path) -> None:
    payloads = [_pre_read(workstation) for _ in range(3)]
    down = f"http://127.0.0.1:{free_port()}"
    for p in payloads:
        t0 = time.monotonic()
        res = _hook(served, workstation, p, down)
        assert res.returncode == 0 and json.loads(res.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
        assert time.monotonic() - t0 < 10
    spool = workstation / "spool.jsonl"
    assert len(spool.read_text().splitlines()) == 3
    ids = {p["tool_use_id"] for p in payloads}

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SEAWALL_"))}
    env.update({"HOME": str(workstation / "home"), "SEAWALL_KEY": served.key})
    cmd = [SEAWALL, "audit", "import-spool", "--spool", str(spool), "--gateway", served.url]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "3 event(s) imported into the gateway" in res.stdout and served.key not in res.stdout + res.stderr
    assert spool.read_text() == ""

    def mine() -> list[dict[str, Any]]:
        return [r for r in served.hook_rows() if r["request_id"] in ids]

    deadline = time.monotonic() + 5
    while len(mine()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mine()) == 3 and {r["user"] for r in mine()} == {"alice"}

    # the same tool call once more is a new event (a new id); a line doubled in the spool and a spool
    # imported twice are stored once
    assert _hook(served, workstation, payloads[0], down).returncode == 0
    line = spool.read_text()
    spool.write_text(line + line)  # ... and a line duplicated in the spool is sent once
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "1 event(s) imported" in res.stdout and "1 already there" in res.stdout
    spool.write_text(line)
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert "0 event(s) imported" in res.stdout and "1 already there" in res.stdout
    time.sleep(0.3)
    assert len(mine()) == 4


def test_gateway_down_spool_then_import_into_the_store(served: Served, workstation: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    for _ in range(2):
        assert _hook(served, workstation, _pre_read(workstation), down).returncode == 0
    spool = workstation / "spool.jsonl"
    saved = spool.read_text()
    store = workstation / "central.db"
    open_store(f"sqlite:///{store}").close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SEAWALL_"))}
    env["HOME"] = str(workstation / "home")
    cmd = [SEAWALL, "audit", "import-spool", "--spool", str(spool), "--store", f"sqlite:///{store}"]
    assert subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60).returncode == 0
    spool.write_text(saved)  # imported twice: no duplicates
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "2 already there" in res.stdout
    rows = _rows(store)
    assert len(rows) == 2 and {r["decision"] for r in rows} == {"block"}
    assert {r["id"] for r in rows} == {json.loads(x)["id"] for x in saved.splitlines()}


def test_a_key_posting_too_often_gets_429_and_others_do_not(served: Served) -> None:
    from seawall.gateway.hookevents import POSTS_PER_MINUTE

    st = open_store(f"sqlite:///{served.db}")
    flood_key, _ = st.create_key("flood")
    st.close()
    h = {"authorization": f"Bearer {flood_key}", "content-type": "application/json"}
    refused = None
    with httpx.Client(timeout=10) as client:
        # bodies that fail validation still count; a minute boundary can reset the count once on the way
        for _ in range(2 * POSTS_PER_MINUTE + 10):
            res = client.post(served.url + "/seawall/hook-events", content=b"[]", headers=h)
            if res.status_code == 429:
                refused = res
                break
            assert res.status_code == 400
    assert refused is not None
    assert refused.json()["error"]["type"] and "hook-event posts a minute" in refused.json()["error"]["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert _post(served, [_ev()]).status_code == 200  # another key is not affected
