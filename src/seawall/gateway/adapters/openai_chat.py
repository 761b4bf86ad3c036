"""OpenAI Chat Completions: messages (system, developer, user, assistant, tool) with string or
part-list content, assistant tool_calls (function arguments are a JSON string), tool results."""

from __future__ import annotations

from typing import Any

import orjson

from seawall.detect.findings import Channel
from seawall.gateway.envelope import Envelope, Segment, ToolCall, origin, setter, tool_command, tool_paths

_CHANNEL = {"system": Channel.SYSTEM, "developer": Channel.SYSTEM, "assistant": Channel.RESPONSE,
            "tool": Channel.TOOL_RESULT, "function": Channel.TOOL_RESULT}


def parse(body: dict[str, Any]) -> Envelope:
    model = body.get("model")
    env = Envelope("openai_chat", body, model=model if isinstance(model, str) else None,
                   stream=body.get("stream") is True)
    messages = body.get("messages")
    if not isinstance(messages, list):
        return env
    calls: dict[str, ToolCall] = {}
    last_assistant = max((i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"),
                         default=-1)
    for mi, msg in enumerate(messages):
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        channel = _CHANNEL.get(role if isinstance(role, str) else "", Channel.USER_PROMPT)
        call = calls.get(msg.get("tool_call_id") or "") if role == "tool" else None
        tool = call.name if call else None
        path = call.paths[0] if call and call.paths else None
        content = msg.get("content")
        if isinstance(content, str):
            env.segments.append(Segment(content, origin(channel, mi, tool=tool, path=path), setter(msg, "content"),
                                        call))
        elif isinstance(content, list):
            for bi, part in enumerate(content):
                if isinstance(part, dict) and part.get("type") in ("text", "input_text") \
                        and isinstance(part.get("text"), str):
                    env.segments.append(Segment(part["text"], origin(channel, mi, bi, tool, path),
                                                setter(part, "text"), call))
        raw_calls = msg.get("tool_calls")
        for ti, tc in enumerate(raw_calls if isinstance(raw_calls, list) else []):
            fn = tc.get("function") if isinstance(tc, dict) else None
            if not isinstance(fn, dict):
                continue
            args = _json_object(fn.get("arguments"))
            call = ToolCall(str(fn.get("name") or "?"), tool_paths(args), tc.get("id"), tool_command(args))
            if call.id:
                calls[call.id] = call
            if mi == last_assistant:
                env.tool_calls.append(call)
            if isinstance(fn.get("arguments"), str):
                env.segments.append(Segment(fn["arguments"], origin(Channel.TOOL_INPUT, mi, ti, call.name),
                                            setter(fn, "arguments")))
    return env


def _json_object(raw: Any) -> Any:
    if not isinstance(raw, str):
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
