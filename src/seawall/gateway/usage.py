"""Token usage and the model's tool calls, read from provider answers: whole JSON bodies, or SSE
streams tapped chunk by chunk as they pass through (the bytes are relayed unchanged)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from seawall.gateway.envelope import ToolCall, tool_paths


@dataclass
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    estimated: bool = False


@dataclass
class Answer:
    """What seawall learns from an answer: usage, the tool calls the model asked for, text size."""

    usage: Usage = field(default_factory=Usage)
    tool_calls: list[ToolCall] = field(default_factory=list)
    text_chars: int = 0
    model: str | None = None


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def from_body(fmt: str, body: bytes) -> Answer:
    """Usage and tool calls of a whole answer; an answer of an unexpected shape yields what could be read."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return Answer()
    return from_json(fmt, data)


def from_json(fmt: str, data: Any) -> Answer:
    """from_body() of an answer already parsed."""
    ans = Answer()
    with contextlib.suppress(AttributeError, TypeError, ValueError):
        _from_json(fmt, data, ans)
    return ans


def _from_json(fmt: str, data: Any, ans: Answer) -> Answer:
    if not isinstance(data, dict):
        return ans
    ans.model = data.get("model") if isinstance(data.get("model"), str) else None
    raw_usage = data.get("usage")
    u: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    if fmt == "anthropic":
        _anthropic_usage(ans.usage, u)
        for block in data.get("content") or []:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                ans.tool_calls.append(ToolCall(str(block.get("name")), tool_paths(block.get("input")), block.get("id")))
            elif isinstance(block, dict) and isinstance(block.get("text"), str):
                ans.text_chars += len(block["text"])
    elif fmt == "openai_chat":
        _openai_usage(ans.usage, u, "prompt_tokens", "completion_tokens", "prompt_tokens_details")
        for choice in data.get("choices") or []:
            msg = choice.get("message") if isinstance(choice, dict) else None
            if not isinstance(msg, dict):
                continue
            if isinstance(msg.get("content"), str):
                ans.text_chars += len(msg["content"])
            for tc in msg.get("tool_calls") or []:
                fn = tc.get("function") or {}
                ans.tool_calls.append(ToolCall(str(fn.get("name")), tool_paths(_loads(fn.get("arguments"))),
                                               tc.get("id")))
    else:
        _openai_usage(ans.usage, u, "input_tokens", "output_tokens", "input_tokens_details")
        _responses_output(ans, data.get("output"))
    return ans


def _anthropic_usage(usage: Usage, u: dict[str, Any]) -> None:
    if (v := _int(u.get("input_tokens"))) is not None:
        usage.input_tokens = v
    if (v := _int(u.get("output_tokens"))) is not None:
        usage.output_tokens = v
    if (v := _int(u.get("cache_read_input_tokens"))) is not None:
        usage.cache_read_tokens = v
    if (v := _int(u.get("cache_creation_input_tokens"))) is not None:
        usage.cache_write_tokens = v


def _openai_usage(usage: Usage, u: dict[str, Any], inp: str, out: str, details: str) -> None:
    if (v := _int(u.get(inp))) is not None:
        usage.input_tokens = v
    if (v := _int(u.get(out))) is not None:
        usage.output_tokens = v
    d = u.get(details)
    if isinstance(d, dict) and (v := _int(d.get("cached_tokens"))) is not None:
        usage.cache_read_tokens = v


def _responses_output(ans: Answer, output: Any) -> None:
    for item in output or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_call":
            ans.tool_calls.append(ToolCall(str(item.get("name")), tool_paths(_loads(item.get("arguments"))),
                                           item.get("call_id")))
        elif item.get("type") == "message":
            for part in item.get("content") or []:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    ans.text_chars += len(part["text"])


def _loads(raw: Any) -> Any:
    if not isinstance(raw, str):
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


class StreamTap:
    """Reads SSE events from relayed chunks; keeps only metadata (usage, tool names and paths)."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.answer = Answer()
        self._buf = b""
        self._data: list[bytes] = []
        self._tools: dict[int, tuple[str, str | None, list[str]]] = {}  # index -> (name, id, json parts)
        self.completed = False  # the provider's terminating event was seen

    def feed(self, chunk: bytes) -> None:
        buf = self._buf + chunk
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl == -1:
                break
            line = buf[start:nl].rstrip(b"\r")
            start = nl + 1
            if not line:
                if self._data:
                    self._event(b"\n".join(self._data))
                    self._data = []
            elif line.startswith(b"data:"):
                self._data.append(line[5:].lstrip(b" "))
        self._buf = buf[start:]
        if len(self._buf) > 1 << 20:  # a line this long is no SSE we know: stop buffering it
            self._buf = b""

    def _event(self, data: bytes) -> None:
        if data == b"[DONE]":
            self.completed = True
            return
        try:
            ev = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if not isinstance(ev, dict):
            return
        try:
            if self.fmt == "anthropic":
                self._anthropic(ev)
            elif self.fmt == "openai_chat":
                self._chat(ev)
            else:
                self._responses(ev)
        except (AttributeError, TypeError, ValueError):
            pass  # an event of an unexpected shape: the bytes are still relayed; only metadata is lost

    def _anthropic(self, ev: dict[str, Any]) -> None:
        t = ev.get("type")
        if t == "message_start" and isinstance(ev.get("message"), dict):
            msg = ev["message"]
            self.answer.model = msg.get("model")
            _anthropic_usage(self.answer.usage, msg.get("usage") or {})
        elif t == "message_delta":
            _anthropic_usage(self.answer.usage, ev.get("usage") or {})
        elif t == "content_block_start":
            block = ev.get("content_block") or {}
            if block.get("type") == "tool_use":
                self._tools[int(ev.get("index") or 0)] = (str(block.get("name")), block.get("id"), [])
        elif t == "content_block_delta":
            delta = ev.get("delta") or {}
            if delta.get("type") == "input_json_delta":
                tool = self._tools.get(int(ev.get("index") or 0))
                if tool is not None and isinstance(delta.get("partial_json"), str):
                    tool[2].append(delta["partial_json"])
            elif isinstance(delta.get("text"), str):
                self.answer.text_chars += len(delta["text"])
        elif t == "content_block_stop":
            tool = self._tools.pop(int(ev.get("index") or 0), None)
            if tool is not None:
                self.answer.tool_calls.append(ToolCall(tool[0], tool_paths(_loads("".join(tool[2]))), tool[1]))
        elif t == "message_stop":
            self.completed = True

    def _chat(self, ev: dict[str, Any]) -> None:
        if isinstance(ev.get("model"), str):
            self.answer.model = ev["model"]
        if isinstance(ev.get("usage"), dict):
            _openai_usage(self.answer.usage, ev["usage"], "prompt_tokens", "completion_tokens",
                          "prompt_tokens_details")
        for choice in ev.get("choices") or []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            if not isinstance(delta, dict):
                continue
            if isinstance(delta.get("content"), str):
                self.answer.text_chars += len(delta["content"])
            for tc in delta.get("tool_calls") or []:
                idx = int(tc.get("index") or 0)
                fn = tc.get("function") or {}
                name, tid, parts = self._tools.get(idx, ("", None, []))
                if fn.get("name"):
                    name = fn["name"]
                self._tools[idx] = (name, tc.get("id") or tid, parts)
                if isinstance(fn.get("arguments"), str):
                    parts.append(fn["arguments"])
            if choice.get("finish_reason"):
                for name, tid, parts in self._tools.values():
                    self.answer.tool_calls.append(ToolCall(name or "?", tool_paths(_loads("".join(parts))), tid))
                self._tools.clear()

    def _responses(self, ev: dict[str, Any]) -> None:
        t = ev.get("type")
        if t == "response.output_text.delta" and isinstance(ev.get("delta"), str):
            self.answer.text_chars += len(ev["delta"])
        elif t in ("response.completed", "response.incomplete", "response.failed"):
            resp = ev.get("response") or {}
            self.answer.model = resp.get("model")
            _openai_usage(self.answer.usage, resp.get("usage") or {}, "input_tokens", "output_tokens",
                          "input_tokens_details")
            calls = Answer()
            _responses_output(calls, resp.get("output"))
            self.answer.tool_calls = calls.tool_calls
            self.completed = True


def estimate_tokens(chars: int) -> int:
    """About four characters a token: used only when a provider reports no usage."""
    return max(1, chars // 4) if chars else 0
