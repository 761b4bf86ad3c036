"""Hook audit to the gateway: which gateway, the wire format, and the spool when the gateway fails."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from seawall.audit.events import AuditEvent
from seawall.gateway import hookevents
from seawall.hooks import audit, runner

KEY = "swk_" + "a" * 36


# --- which gateway ---------------------------------------------------------------------------------

@pytest.mark.parametrize("env,expected", [
    ({}, None),
    ({"ANTHROPIC_BASE_URL": "http://gw:8787"}, None),  # no seawall key: nothing is sent
    ({"ANTHROPIC_BASE_URL": "http://gw:8787", "ANTHROPIC_API_KEY": "sk-ant-provider-key"}, None),
    ({"ANTHROPIC_BASE_URL": "http://gw:8787", "ANTHROPIC_API_KEY": KEY}, ("http://gw:8787", KEY)),
    ({"ANTHROPIC_BASE_URL": "http://gw:8787", "ANTHROPIC_AUTH_TOKEN": KEY + "t", "ANTHROPIC_API_KEY": KEY},
     ("http://gw:8787", KEY + "t")),
    ({"ANTHROPIC_BASE_URL": "http://gw:8787", "ANTHROPIC_AUTH_TOKEN": "other", "ANTHROPIC_API_KEY": KEY},
     ("http://gw:8787", KEY)),
    ({"SEAWALL_GATEWAY_URL": "https://sw.example", "SEAWALL_KEY": KEY, "ANTHROPIC_BASE_URL": "http://gw:8787",
      "ANTHROPIC_API_KEY": KEY + "x"}, ("https://sw.example", KEY)),
    ({"SEAWALL_GATEWAY_URL": "https://sw.example", "ANTHROPIC_API_KEY": KEY}, ("https://sw.example", KEY)),
    ({"ANTHROPIC_BASE_URL": "gw:8787", "ANTHROPIC_API_KEY": KEY}, None),  # not an http(s) URL
    ({"ANTHROPIC_BASE_URL": "http://gw:8787", "ANTHROPIC_API_KEY": KEY, "SEAWALL_HOOK_GATEWAY": "0"}, None),
])
def test_gateway_target_order(env: dict[str, str], expected: tuple[str, str] | None) -> None:
    assert audit.gateway_target(env) == expected


def test_gateway_timeout_is_at_most_300_ms() -> None:
    assert audit.gateway_timeout({}) == pytest.approx(0.3)
    assert audit.gateway_timeout({"SEAWALL_HOOK_GATEWAY_TIMEOUT_MS": "5000"}) == pytest.approx(0.3)
    assert audit.gateway_timeout({"SEAWALL_HOOK_GATEWAY_TIMEOUT_MS": "50"}) == pytest.approx(0.05)
    assert audit.gateway_timeout({"SEAWALL_HOOK_GATEWAY_TIMEOUT_MS": "x"}) == pytest.approx(0.3)


# --- the wire format -------------------------------------------------------------------------------

def _row(**over: Any) -> dict[str, Any]:
    ev = AuditEvent(request_id="toolu_01ABC", route="hook:PreToolUse", status=403, duration_ms=42.5,
                    decision="block", session_id="1e3ce85a-a39a-42ab-914f-e088138fac1a", user="dev",
                    provider="claude-code", tool_calls=[{"name": "Read", "paths": [".env"]}], tiers=["restricted"],
                    rule_ids=["classification.tiers.restricted: **/.env"])
    row = ev.row()
    row.update(over)
    return row


def test_wire_event_is_what_the_gateway_accepts() -> None:
    row = _row()
    wire = audit.wire_event(row)
    ev = hookevents.parse_event(wire)
    assert (ev.client, ev.hook_event, ev.tool, ev.paths, ev.decision, ev.denied) == \
        ("claude-code", "PreToolUse", "Read", [".env"], "block", True)
    assert "user" not in wire  # the gateway takes the user from the key
    # the same after a trip through the spool (ts as text)
    assert hookevents.parse_event(audit.wire_event(json.loads(audit.spool_line(row)))) == ev


@pytest.mark.parametrize("over", [
    {"request_id": "has spaces and text"}, {"request_id": "x" * 65}, {"session_id": "a\nb"},
    {"tool_calls": [{"name": "mcp__srv__do thing!", "paths": ["a\x00b", "x" * 2000, "ok.txt"]}]},
    {"tool_calls": [{"name": "__", "paths": ["p"]}]}, {"tool_calls": "garbage"},
    {"decision": "weird"}, {"tiers": ["restricted", "secret-tier"]}, {"rule_ids": ["r\x1b[31m", "", 5]},
    {"error_code": "Not A Code"}, {"duration_ms": "slow"}, {"duration_ms": -5}, {"route": "hook:bad event"},
    {"tool_calls": [{"name": "Bash", "paths": [f"p{i}" for i in range(100)]}]},
    {"rule_ids": [f"r{i}" for i in range(100)]},
])
def test_wire_event_clamps_odd_rows_to_the_limits(over: dict[str, Any]) -> None:
    hookevents.parse_event(audit.wire_event(_row(**over)))  # never refused for a field the hook filled


def test_wire_limits_equal_the_endpoint_limits() -> None:
    assert audit.MAX_PATHS == hookevents.MAX_PATHS and audit.MAX_RULES == hookevents.MAX_RULES
    assert audit.EVENTS_PATH == hookevents.PATH
    fields = set(hookevents.HookEvent.model_fields)
    assert set(audit.wire_event(_row())) == fields


# --- sending, and the spool when that fails ----------------------------------------------------------

class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, str], Any]]] = []
    delay = 0.0
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        type(self).received.append((self.path, dict(self.headers), json.loads(body)))
        time.sleep(type(self).delay)
        data = json.dumps({"received": 1, "accepted": 1, "duplicates": 0} if type(self).status == 200
                          else {"type": "error", "error": {"type": "x", "message": "no"}}).encode()
        try:
            self.send_response(type(self).status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def recorder() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Handler", (_Recorder,), {"received": [], "delay": 0.0, "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/prefix", handler
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spooled(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_write_posts_to_the_gateway(recorder: tuple[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, handler = recorder
    monkeypatch.setenv("SEAWALL_HOOK_SPOOL", str(tmp_path / "spool.jsonl"))
    ev = AuditEvent(**{k: v for k, v in _row().items() if k not in ("rules", "tools", "paths")})
    where = audit.write(ev, {"kind": "sqlite", "path": str(tmp_path / "local.db")},
                        {"ANTHROPIC_BASE_URL": url, "ANTHROPIC_API_KEY": KEY})
    assert where == "gateway:" + url
    path, headers, body = handler.received[0]
    assert path == "/prefix/seawall/hook-events"
    assert headers["authorization"] == f"Bearer {KEY}"
    assert body[0]["id"] == ev.id and "user" not in body[0]
    assert not (tmp_path / "spool.jsonl").exists() and not (tmp_path / "local.db").exists()


@pytest.mark.parametrize("failure", ["down", "slow", "refused"])
def test_gateway_failure_spools_within_the_timeout(failure: str, recorder: tuple[str, Any], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    url, handler = recorder
    if failure == "down":
        url = f"http://127.0.0.1:{_closed_port()}"
    elif failure == "slow":
        handler.delay = 1.0
    else:
        handler.status = 401
    spool = tmp_path / "spool.jsonl"
    monkeypatch.setenv("SEAWALL_HOOK_SPOOL", str(spool))
    ev = AuditEvent(**{k: v for k, v in _row().items() if k not in ("rules", "tools", "paths")})
    t0 = time.monotonic()
    where = audit.write(ev, {"kind": "other"}, {"SEAWALL_GATEWAY_URL": url, "SEAWALL_KEY": KEY})
    elapsed = time.monotonic() - t0
    assert where == f"spool:{spool}"
    assert elapsed < 0.6  # 300 ms budget, plus scheduling slack on a busy machine
    rows = _spooled(spool)
    assert [r["id"] for r in rows] == [ev.id]
    assert rows[0]["user"] == "dev"  # the spool keeps the full row; import-spool sends only the wire fields


def _run_hook(payload: dict[str, Any], env: dict[str, str]) -> tuple[int, Any]:
    out, err = io.StringIO(), io.StringIO()
    rc = runner.main(["claude-code", payload["hook_event_name"]], stdin=io.BytesIO(json.dumps(payload).encode()),
                     stdout=out, stderr=err, environ=env)
    text = out.getvalue().strip()
    return rc, json.loads(text) if text else None


def test_hook_with_gateway_down_answers_and_spools(hook_env: Any) -> None:
    env = {"PATH": "/usr/bin", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{_closed_port()}", "ANTHROPIC_API_KEY": KEY}
    ev = hook_env.pre("Read", file_path=str(hook_env.project / ".env"))
    t0 = time.monotonic()
    rc, out = _run_hook(ev, env)
    assert rc == 0 and out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert time.monotonic() - t0 < 5
    rows = _spooled(hook_env.root / "spool.jsonl")
    assert len(rows) == 1 and rows[0]["route"] == "hook:PreToolUse" and rows[0]["decision"] == "block"
    assert hook_env.audit_rows() == []  # configured for a gateway: not the local store


def test_hook_with_gateway_up_sends_metadata_only(hook_env: Any, recorder: tuple[str, Any]) -> None:
    url, handler = recorder
    env = {"PATH": "/usr/bin", "SEAWALL_GATEWAY_URL": url, "SEAWALL_KEY": KEY}
    secret = "q8Vt2mZr+Lw7YpXc1KbN4sJd9HfE6gUa0RiToPyW"
    rc, out = _run_hook(hook_env.event("UserPromptSubmit", prompt=f"deploy with aws_secret_access_key={secret}"), env)
    assert rc == 0 and out["decision"] == "block"
    (_, _, body), = handler.received
    assert secret not in json.dumps(body) and "deploy with" not in json.dumps(body)
    assert body[0]["hook_event"] == "UserPromptSubmit" and body[0]["decision"] == "block"
    assert hookevents.parse_batch(json.dumps(body).encode())
    assert not (hook_env.root / "spool.jsonl").exists() and hook_env.audit_rows() == []


def test_spool_append_survives_a_spool_moved_away(tmp_path: Path) -> None:
    spool = tmp_path / "d" / "spool.jsonl"
    audit.append_locked(spool, b"a\n")
    spool.rename(tmp_path / "d" / "old")
    audit.append_locked(spool, b"b\n")
    assert spool.read_bytes() == b"b\n" and oct(spool.stat().st_mode & 0o777) == "0o600"


def test_old_events_are_refused_by_the_endpoint_window() -> None:
    old = _row(ts=datetime.now(UTC) - timedelta(days=500))
    with pytest.raises(hookevents.BatchError, match="ts: outside the accepted window"):
        hookevents.parse_event(audit.wire_event(old))
