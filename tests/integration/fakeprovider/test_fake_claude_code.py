"""Replays the request bodies Claude Code really sent (shared fixtures) against the fake provider; checks the
raw SSE it answers, the recorder, directives parsing edge cases, and the `python -m` entry point."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from seawall.fakeprovider import (
    DEFAULT_TEXT,
    DirectiveError,
    FakeProvider,
    key_fingerprint,
    parse_script,
)

pytestmark = pytest.mark.integration

FIXTURES = Path("/work/shared/fixtures/claude-code")
KEY = "sk-ant-api03-test-0123456789"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def replay(fake: FakeProvider, fixture: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """POST the fixture's body with its headers (our key instead of the masked one); return (event, data) pairs."""
    skip = {"host", "content-length", "x-api-key", "authorization"}
    headers = {k: v for k, v in fixture["headers"].items() if k not in skip} | {"x-api-key": KEY}
    assert fixture["body"]["stream"] is True
    with httpx.stream(fixture["method"], fake.url + fixture["path"], headers=headers, json=fixture["body"]) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        raw = reply.read().decode()
    assert raw.endswith("\n\n")
    events = []
    for frame in raw.strip("\n").split("\n\n"):
        name, data = frame.split("\n")
        assert name.startswith("event: ") and data.startswith("data: ")
        events.append((name[7:], json.loads(data[6:])))
    return events


def rebuild(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Check the event grammar, then assemble the message the way a client does."""
    names = [name for name, _ in events]
    assert all(name == data["type"] for name, data in events)
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert names[1:3] == ["content_block_start", "ping"]
    message = events[0][1]["message"]
    assert message["content"] == [] and message["stop_reason"] is None
    blocks: list[dict[str, Any]] = []
    partial: dict[int, str] = {}
    for name, data in events[1:-2]:
        if name == "content_block_start":
            assert data["index"] == len(blocks)
            blocks.append(dict(data["content_block"]))
        elif name == "content_block_delta":
            delta, block = data["delta"], blocks[data["index"]]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            else:
                assert delta["type"] == "input_json_delta"
                partial[data["index"]] = partial.get(data["index"], "") + delta["partial_json"]
        elif name == "content_block_stop" and data["index"] in partial:
            blocks[data["index"]]["input"] = json.loads(partial[data["index"]])
    final = events[-2][1]
    return {"stop_reason": final["delta"]["stop_reason"], "content": blocks, "usage": final["usage"]}


def test_replay_first_turn_with_tool_directive(fake: FakeProvider) -> None:
    fixture = load("request-1-main-first-turn.json")
    expected = fixture["reply"]
    (tool,) = expected["content"]
    prompt = fixture["body"]["messages"][0]["content"][-1]
    prompt["text"] += f" [[fake:tool={tool['name']} input='{json.dumps(tool['input'])}']]"
    got = rebuild(replay(fake, fixture))
    assert got["stop_reason"] == expected["stop_reason"] == "tool_use"
    (block,) = got["content"]
    assert (block["type"], block["name"], block["input"]) == ("tool_use", tool["name"], tool["input"])
    assert block["id"].startswith("toolu_")
    tools_json = json.dumps(fixture["body"]["tools"], ensure_ascii=False)
    assert got["usage"]["input_tokens"] > len(tools_json) // 4  # the tool list counts as input
    (seen,) = fake.requests
    assert (seen.path, seen.query) == ("/v1/messages", {"beta": "true"})
    assert seen.body["messages"][1]["role"] == "system"  # Claude Code's mid-conversation system message
    assert KEY not in seen.headers["x-api-key"] and "...<masked" in seen.headers["x-api-key"]
    assert seen.key_sha256 == key_fingerprint(KEY)


def test_replay_tool_result_turn(fake: FakeProvider) -> None:
    fixture = load("request-2-main-tool-result-turn.json")
    got = rebuild(replay(fake, fixture))
    assert got["stop_reason"] == fixture["reply"]["stop_reason"] == "end_turn"
    assert got["content"] == [{"type": "text", "text": DEFAULT_TEXT}]
    (seen,) = fake.requests
    assert seen.body == fixture["body"]


def test_head_probe_is_quick(fake: FakeProvider) -> None:
    probe = load("request-0-head-probe.json")
    start = time.monotonic()
    reply = httpx.request(probe.get("method", "HEAD"), fake.url + probe.get("path", "/"))
    assert reply.status_code in (200, 404) and time.monotonic() - start < 1
    assert fake.requests[0].method == "HEAD"


def test_unknown_path_is_provider_shaped_404(fake: FakeProvider) -> None:
    reply = httpx.post(fake.url + "/v1/nope", headers={"anthropic-version": "2023-06-01"})
    assert reply.status_code == 404 and reply.json()["error"]["type"] == "not_found_error"
    reply = httpx.get(fake.url + "/v1/nope")
    assert reply.status_code == 404 and set(reply.json()["error"]) == {"message", "type", "param", "code"}


def test_directive_syntax() -> None:
    script = parse_script('x [[fake:tool=Read file_path="a b.env"]] y [[fake:tool=Bash command=ls delay=0.1]] '
                          "[[fake:echo chunks=5 cut_after=2 status=503 chunk_delay=0.01]]")
    tools = [(t.name, t.input) for t in script.tools]
    assert tools == [("Read", {"file_path": "a b.env"}), ("Bash", {"command": "ls"})]
    assert (script.delay, script.echo, script.chunks, script.cut_after, script.status) == (0.1, True, 5, 2, 503)
    assert parse_script("no directive here").tools == []
    for bad in ("[[fake:nonsense]]", "[[fake:delay=soon]]", "[[fake:status=200]]", "[[fake:tool=X input=[1]]]",
                "[[fake:text='unclosed]]"):
        with pytest.raises(DirectiveError):
            parse_script(bad)


def test_module_entry_point_serves(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "seawall.fakeprovider", "--port", str(port), "--key", "k",
                             "--log-level", "warning"], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        ok = httpx.post(url, json=body, headers={"authorization": "Bearer k"})
        assert ok.json()["choices"][0]["message"]["content"] == DEFAULT_TEXT
        denied = httpx.post(url, json=body, headers={"authorization": "Bearer x"})
        assert denied.status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
