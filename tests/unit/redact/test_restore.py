"""Placeholders and their restoration, including every split of a stream."""

from __future__ import annotations

import json

import orjson
import pytest

from seawall.redact.restore import SSERewriter, restore_body
from seawall.redact.vault import PLACEHOLDER, StreamRestorer, Vault

SECRET = 'p@ss"word\\with\nnewline'


def vault() -> Vault:
    return Vault(b"test-key")


def test_placeholders_are_stable_and_keyed() -> None:
    a, b = vault(), vault()
    assert a.placeholder("github-pat", "x") == b.placeholder("github-pat", "x")
    assert a.placeholder("github-pat", "x") != a.placeholder("github-pat", "y")
    assert Vault(b"other").placeholder("github-pat", "x") != a.placeholder("github-pat", "x")
    ph = a.placeholder("Weird Kind!", "x")
    assert PLACEHOLDER.fullmatch(ph) and ph.startswith("[[sw:weird-kind-:")


def test_restore_only_own_placeholders() -> None:
    v = vault()
    ph = v.placeholder("email", "a@b.example")
    foreign = "[[sw:email:0123456789ab]]"
    assert v.restore(f"to {ph} and {foreign}") == f"to a@b.example and {foreign}"
    assert v.restore(ph, json_escape=True) == "a@b.example"
    v2 = vault()
    ph2 = v2.placeholder("pw", SECRET)
    assert json.loads('"' + v2.restore(ph2, json_escape=True) + '"') == SECRET


def test_stream_restorer_every_split() -> None:
    v = vault()
    ph = v.placeholder("github-pat", "ghp_REAL")
    text = f"[a] [[b]] {ph}{ph} [[sw:x [[sw:github-pat:zz end ["
    want = v.restore(text)
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1):
            r = StreamRestorer(v)
            assert r.feed(text[:i]) + r.feed(text[i:j]) + r.feed(text[j:]) + r.flush() == want


def _anthropic_stream(texts: list[str], tool_json: list[str]) -> bytes:
    events = [("message_start", {"type": "message_start", "message": {"id": "m", "content": [], "usage": {}}}),
              ("content_block_start", {"type": "content_block_start", "index": 0,
                                       "content_block": {"type": "text", "text": ""}})]
    events += [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                        "delta": {"type": "text_delta", "text": t}}) for t in texts]
    events += [("content_block_stop", {"type": "content_block_stop", "index": 0}),
               ("content_block_start", {"type": "content_block_start", "index": 1,
                                        "content_block": {"type": "tool_use", "id": "t", "name": "Write",
                                                          "input": {}}})]
    events += [("content_block_delta", {"type": "content_block_delta", "index": 1,
                                        "delta": {"type": "input_json_delta", "partial_json": p}}) for p in tool_json]
    events += [("content_block_stop", {"type": "content_block_stop", "index": 1}),
               ("message_stop", {"type": "message_stop"})]
    return b"".join(f"event: {n}\n".encode() + b"data: " + orjson.dumps(d) + b"\n\n" for n, d in events)


def _collect_anthropic(raw: bytes) -> tuple[str, str, list[str]]:
    text, args, names = "", "", []
    for block in raw.split(b"\n\n"):
        if not block.strip():
            continue
        name = block.split(b"\n")[0][len(b"event: "):].decode()
        data = orjson.loads(block.split(b"data: ", 1)[1])
        names.append(name)
        if data["type"] == "content_block_delta":
            d = data["delta"]
            text += d.get("text", "")
            args += d.get("partial_json", "")
    return text, args, names


@pytest.mark.parametrize("piece", [1, 3, 7, 64])
def test_anthropic_stream_split_at_every_byte(piece: int) -> None:
    v = vault()
    ph = v.placeholder("pw", SECRET)
    full_text = f"Your password is {ph}, keep it."
    texts = [full_text[i:i + piece] for i in range(0, len(full_text), piece)]
    args_json = json.dumps({"file_path": "a.env", "content": f"PW={ph}"})
    tool_json = [args_json[i:i + piece] for i in range(0, len(args_json), piece)]
    raw = _anthropic_stream(texts, tool_json)
    for cut in range(len(raw) + 1):  # the network may split the bytes anywhere, too
        rw = SSERewriter("anthropic", v)
        out = rw.feed(raw[:cut]) + rw.feed(raw[cut:]) + rw.flush()
        text, args, names = _collect_anthropic(out)
        assert text == f"Your password is {SECRET}, keep it."
        assert json.loads(args) == {"file_path": "a.env", "content": f"PW={SECRET}"}
        assert names[-1] == "message_stop" and names.count("content_block_stop") == 2
        if piece == 64:
            break  # all byte cuts checked for the finer splits; one pass is enough here


def test_openai_chat_stream() -> None:
    v = vault()
    ph = v.placeholder("pw", SECRET)
    args = json.dumps({"cmd": f"login {ph}"})
    chunks = [{"choices": [{"index": 0, "delta": {"content": c}, "finish_reason": None}]}
              for c in ("key: ", ph[:7], ph[7:])]
    chunks += [{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": a}}]},
                             "finish_reason": None}]} for a in (args[:9], args[9:30], args[30:])]
    chunks += [{"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}]
    raw = b"".join(b"data: " + orjson.dumps(c) + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
    rw = SSERewriter("openai_chat", v)
    out = b"".join(rw.feed(raw[i:i + 5]) for i in range(0, len(raw), 5)) + rw.flush()
    content, arguments = "", ""
    for block in out.split(b"\n\n"):
        if block.startswith(b"data: {"):
            delta = orjson.loads(block[6:])["choices"][0]["delta"]
            content += delta.get("content") or ""
            for tc in delta.get("tool_calls") or []:
                arguments += tc["function"]["arguments"]
    assert content == f"key: {SECRET}"
    assert json.loads(arguments) == {"cmd": f"login {SECRET}"}
    assert out.endswith(b"data: [DONE]\n\n")


def test_bodies() -> None:
    v = vault()
    ph = v.placeholder("pw", SECRET)
    anthropic = {"content": [{"type": "text", "text": f"is {ph}"},
                             {"type": "tool_use", "input": {"content": ph}}]}
    got = orjson.loads(restore_body(orjson.dumps(anthropic), v))
    assert got["content"][0]["text"] == f"is {SECRET}" and got["content"][1]["input"]["content"] == SECRET
    chat = {"choices": [{"message": {"tool_calls": [{"function": {"arguments": json.dumps({"a": ph})}}]}}]}
    got = orjson.loads(restore_body(orjson.dumps(chat), v))
    assert json.loads(got["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]) == {"a": SECRET}
    untouched = b'{"a": "no placeholders"}'
    assert restore_body(untouched, v) is untouched
