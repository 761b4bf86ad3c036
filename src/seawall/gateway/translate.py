"""Anthropic Messages <-> OpenAI Chat Completions, for routing a request to a local model (Ollama,
vLLM, llama.cpp server all speak chat completions) while the client keeps speaking Anthropic.

Covered: system prompts (string or blocks), text, tool_use / tool_result (as tool_calls and `tool`
messages), tools and tool_choice, stop sequences, sampling settings, usage, stop reasons, and
streaming (chat chunks become message_start / content_block_* / message_delta / message_stop).
Images and thinking blocks have no chat-completions equivalent in local servers and are left out
(an image becomes a short text marker so the model knows one was there).
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson

_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "function_call": "tool_use",
         "content_filter": "refusal"}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if isinstance(block, dict):
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                parts.append(block["text"])
            elif block.get("type") == "image":
                parts.append("[image omitted: not sent to the local model]")
    return "\n".join(parts)


def anthropic_to_chat(body: dict[str, Any], model: str) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    system = _text_of(body.get("system"))
    if system:
        messages.append({"role": "system", "content": system})
    for msg in body.get("messages") or []:
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        content = msg.get("content")
        if role == "system":
            messages.append({"role": "system", "content": _text_of(content)})
        elif role == "assistant":
            out: dict[str, Any] = {"role": "assistant", "content": _text_of(content) or None}
            calls = [{"id": b.get("id"), "type": "function",
                      "function": {"name": b.get("name"), "arguments": orjson.dumps(b.get("input") or {}).decode()}}
                     for b in (content if isinstance(content, list) else []) if isinstance(b, dict)
                     and b.get("type") == "tool_use"]
            if calls:
                out["tool_calls"] = calls
            messages.append(out)
        else:
            texts: list[str] = []
            for block in content if isinstance(content, list) else [{"type": "text", "text": content or ""}]:
                if not isinstance(block, dict):
                    continue
                if block.get("type") == "tool_result":
                    result = _text_of(block.get("content"))
                    if block.get("is_error"):
                        result = "[tool error] " + result
                    messages.append({"role": "tool", "tool_call_id": block.get("tool_use_id"), "content": result})
                else:
                    t = _text_of([block])
                    if t:
                        texts.append(t)
            if texts:
                messages.append({"role": "user", "content": "\n".join(texts)})
    chat: dict[str, Any] = {"model": model, "messages": messages}
    if isinstance(body.get("max_tokens"), int):
        chat["max_tokens"] = body["max_tokens"]
    for key in ("temperature", "top_p"):
        if isinstance(body.get(key), (int, float)):
            chat[key] = body[key]
    if body.get("stop_sequences"):
        chat["stop"] = body["stop_sequences"]
    tools = [{"type": "function", "function": {"name": t.get("name"), "description": t.get("description", ""),
                                               "parameters": t.get("input_schema") or {"type": "object"}}}
             for t in body.get("tools") or [] if isinstance(t, dict) and t.get("name")]
    if tools:
        chat["tools"] = tools
        choice = body.get("tool_choice")
        if isinstance(choice, dict):
            kind = choice.get("type")
            if kind == "any":
                chat["tool_choice"] = "required"
            elif kind == "tool" and choice.get("name"):
                chat["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
            elif kind in ("auto", "none"):
                chat["tool_choice"] = kind
    if body.get("stream") is True:
        chat["stream"] = True
        chat["stream_options"] = {"include_usage": True}
    return chat


def chat_to_anthropic(data: dict[str, Any], model: str) -> dict[str, Any]:
    choice = (data.get("choices") or [{}])[0]
    msg = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    if msg.get("content"):
        content.append({"type": "text", "text": msg["content"]})
    for tc in msg.get("tool_calls") or []:
        fn = tc.get("function") or {}
        content.append({"type": "tool_use", "id": tc.get("id") or _tool_id(), "name": fn.get("name"),
                        "input": _json_object(fn.get("arguments"))})
    usage = data.get("usage") or {}
    return {"id": "msg_" + uuid.uuid4().hex[:24], "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": _STOP.get(choice.get("finish_reason") or "stop", "end_turn"),
            "stop_sequence": None,
            "usage": {"input_tokens": usage.get("prompt_tokens", 0),
                      "output_tokens": usage.get("completion_tokens", 0)}}


def chat_error_to_anthropic(status: int, body: bytes) -> bytes:
    from seawall.gateway.errors import error_body

    try:
        msg = orjson.loads(body).get("error", {}).get("message") or "local model error"
    except (orjson.JSONDecodeError, AttributeError):
        msg = "local model error"
    return error_body("anthropic", status, f"local model: {msg}")


class ChatToAnthropicStream:
    """Chat-completion SSE chunks in, Anthropic Messages SSE events out."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._buf = b""
        self._started = False
        self._block: tuple[str, int] | None = None  # ("text", index) or ("tool", openai tool index)
        self._index = -1
        self._stop: str | None = None
        self._usage: dict[str, int] = {}
        self._done = False

    def feed(self, chunk: bytes) -> bytes:
        self._buf += chunk
        out: list[bytes] = []
        while b"\n\n" in self._buf:
            block, self._buf = self._buf.split(b"\n\n", 1)
            for line in block.splitlines():
                if line.startswith(b"data:"):
                    out.append(self._data(line[5:].strip()))
        return b"".join(out)

    def finish(self) -> bytes:
        """Close the message (also when the local server ended without [DONE])."""
        if self._done:
            return b""
        self._done = True
        out = [self._start()]
        if self._block is not None:
            out.append(_ev("content_block_stop", {"type": "content_block_stop", "index": self._index}))
        out.append(_ev("message_delta", {"type": "message_delta",
                                         "delta": {"stop_reason": self._stop or "end_turn", "stop_sequence": None},
                                         "usage": {"output_tokens": self._usage.get("completion_tokens", 0)}}))
        out.append(_ev("message_stop", {"type": "message_stop"}))
        return b"".join(out)

    def _start(self) -> bytes:
        if self._started:
            return b""
        self._started = True
        return _ev("message_start", {"type": "message_start", "message": {
            "id": "msg_" + uuid.uuid4().hex[:24], "type": "message", "role": "assistant", "model": self.model,
            "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": self._usage.get("prompt_tokens", 0), "output_tokens": 0}}})

    def _open(self, kind: str, key: int, start: dict[str, Any]) -> bytes:
        out = b""
        if self._block is not None and self._block != (kind, key):
            out += _ev("content_block_stop", {"type": "content_block_stop", "index": self._index})
            self._block = None
        if self._block is None:
            self._index += 1
            self._block = (kind, key)
            out += _ev("content_block_start", {"type": "content_block_start", "index": self._index,
                                               "content_block": start})
        return out

    def _data(self, data: bytes) -> bytes:
        if data == b"[DONE]":
            return self.finish()
        try:
            ev = orjson.loads(data)
        except orjson.JSONDecodeError:
            return b""
        if isinstance(ev.get("usage"), dict):
            self._usage = ev["usage"]
        out = [self._start()]
        for choice in ev.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                out.append(self._open("text", 0, {"type": "text", "text": ""}))
                out.append(_ev("content_block_delta", {"type": "content_block_delta", "index": self._index,
                                                       "delta": {"type": "text_delta", "text": delta["content"]}}))
            for tc in delta.get("tool_calls") or []:
                fn = tc.get("function") or {}
                key = int(tc.get("index") or 0)
                if self._block != ("tool", key):
                    out.append(self._open("tool", key, {"type": "tool_use", "id": tc.get("id") or _tool_id(),
                                                        "name": fn.get("name"), "input": {}}))
                if fn.get("arguments"):
                    out.append(_ev("content_block_delta", {"type": "content_block_delta", "index": self._index,
                                                           "delta": {"type": "input_json_delta",
                                                                     "partial_json": fn["arguments"]}}))
            if choice.get("finish_reason"):
                self._stop = _STOP.get(choice["finish_reason"], "end_turn")
        return b"".join(out)


def _ev(name: str, payload: dict[str, Any]) -> bytes:
    return f"event: {name}\n".encode() + b"data: " + orjson.dumps(payload) + b"\n\n"


def _tool_id() -> str:
    return "toolu_" + uuid.uuid4().hex[:24]


def _json_object(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            val = orjson.loads(raw)
            return val if isinstance(val, dict) else {"value": val}
        except orjson.JSONDecodeError:
            return {"raw": raw}
    return {}
