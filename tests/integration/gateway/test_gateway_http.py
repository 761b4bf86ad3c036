"""The gateway over plain HTTP: Claude Code's real requests, bad input, admin API, metrics."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from support.gateway import ADMIN_TOKEN, LiveGateway

pytestmark = pytest.mark.integration
FIXTURES = Path("/work/shared/fixtures/claude-code")


def _fixture(name: str) -> dict[str, object]:
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize("auth_style", ["x-api-key", "bearer"])
def test_claude_code_requests_pass_through(gateway: LiveGateway, auth_style: str) -> None:
    probe = httpx.head(gateway.url + "/")
    assert probe.status_code == 200
    for name in ("request-1-main-first-turn.json", "request-2-main-tool-result-turn.json"):
        rec = _fixture(name)
        headers = {k: v for k, v in rec["headers"].items()  # type: ignore[union-attr]
                   if k not in ("x-api-key", "host", "content-length", "connection", "accept-encoding")}
        headers["anthropic-beta"] = "claude-code-20250219,context-1m-2025-08-07"
        if auth_style == "x-api-key":
            headers["x-api-key"] = gateway.key
        else:
            headers["authorization"] = f"Bearer {gateway.key}"
        body = dict(rec["body"])  # type: ignore[arg-type]
        body["future_field"] = {"kept": True}
        with httpx.stream("POST", gateway.url + "/v1/messages?beta=true", headers=headers, json=body,
                          timeout=10) as res:
            assert res.status_code == 200, res.read()
            assert res.headers["content-type"].startswith("text/event-stream")
            events = [line for line in res.iter_lines() if line.startswith("event:")]
        assert events[0] == "event: message_start" and events[-1] == "event: message_stop"
        seen = gateway.fake.requests[-1]
        assert seen.query == {"beta": "true"}
        assert seen.headers["anthropic-beta"] == "claude-code-20250219,context-1m-2025-08-07"
        assert seen.headers["anthropic-version"] == "2023-06-01"
        assert seen.body["future_field"] == {"kept": True}  # type: ignore[index]
        assert [m["role"] for m in seen.body["messages"]] == [m["role"] for m in body["messages"]]  # type: ignore[index]
        assert "authorization" not in seen.headers or auth_style == "x-api-key"
    rows = gateway.audit(2)
    assert rows[0]["session_id"] == "fab1973b-64ad-48f0-93d9-09ccbc864a0a"
    assert rows[0]["tool_calls"] and rows[0]["tool_calls"][0]["side"] == "request"


def _post(gw: LiveGateway, path: str, content: bytes, **headers: str) -> httpx.Response:
    return httpx.post(gw.url + path, content=content, headers={"x-api-key": gw.key, **headers}, timeout=10)


def test_malformed_json_gets_a_provider_shaped_400(gateway: LiveGateway) -> None:
    res = _post(gateway, "/v1/messages", b'{"model": "x", "messages": [', **{"anthropic-version": "2023-06-01"})
    assert res.status_code == 400
    err = res.json()
    assert err["type"] == "error" and err["error"]["type"] == "invalid_request_error"
    assert "not valid JSON" in err["error"]["message"]
    res = _post(gateway, "/v1/chat/completions", b"[1, 2]")
    assert res.status_code == 400 and res.json()["error"]["type"] == "invalid_request_error"
    assert gateway.fake.requests == []


def test_oversized_body_is_refused(gateway: LiveGateway) -> None:
    big = json.dumps({"model": "m", "messages": [{"role": "user", "content": "x" * (1024 * 1024 + 10)}]}).encode()
    res = _post(gateway, "/v1/messages", big)
    assert res.status_code == 413 and res.json()["error"]["type"] == "request_too_large"
    assert gateway.fake.requests == []


def test_unknown_route_and_health(gateway: LiveGateway) -> None:
    res = httpx.get(gateway.url + "/v1/nope", headers={"anthropic-version": "2023-06-01"})
    assert res.status_code == 404 and res.json()["error"]["type"] == "not_found_error"
    assert httpx.get(gateway.url + "/v1/nope").json()["error"]["code"] == "not_found"
    assert httpx.get(gateway.url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(gateway.url + "/readyz").json()["status"] == "ready"


def test_metrics(gateway: LiveGateway) -> None:
    _post(gateway, "/v1/messages", json.dumps({"model": "claude-opus-4-8", "max_tokens": 5,
                                               "messages": [{"role": "user", "content": "hi"}]}).encode())
    text = httpx.get(gateway.url + "/metrics").text
    assert 'seawall_requests_total{provider="anthropic",route="/v1/messages",status="200"}' in text
    assert "seawall_request_duration_seconds_bucket" in text


def test_admin_api(gateway: LiveGateway) -> None:
    auth = {"authorization": f"Bearer {ADMIN_TOKEN}"}
    assert httpx.get(gateway.url + "/admin/keys").status_code == 401
    assert httpx.get(gateway.url + "/admin/keys", headers={"authorization": "Bearer nope"}).status_code == 401
    made = httpx.post(gateway.url + "/admin/keys", headers=auth, json={"user": "bob", "team": "web"})
    assert made.status_code == 201
    key = made.json()["key"]
    listed = httpx.get(gateway.url + "/admin/keys?user=bob", headers=auth).json()["keys"]
    assert [k["user"] for k in listed] == ["bob"] and key not in json.dumps(listed)
    ok = _post(gateway, "/v1/messages", b'{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]}',
               **{"x-api-key": key})
    assert ok.status_code == 200
    bad = httpx.post(gateway.url + "/admin/keys", headers=auth, json={"user": "bob smith"})
    assert bad.status_code == 400 and "user" in bad.json()["error"]["message"]


def test_client_disconnect_cancels_the_stream(gateway: LiveGateway) -> None:
    body = {"model": "m", "max_tokens": 5, "stream": True,
            "messages": [{"role": "user", "content": "[[fake:chunks=50 chunk_delay=0.2]]"}]}
    with httpx.stream("POST", gateway.url + "/v1/messages", json=body, headers={"x-api-key": gateway.key},
                      timeout=10) as res:
        first = next(res.iter_raw())
        assert first
    t0 = time.monotonic()
    row = gateway.audit()[0]
    assert row["error_code"] == "client_disconnected"
    assert time.monotonic() - t0 < 5  # recorded at once, not after the 10 s the stream would take
