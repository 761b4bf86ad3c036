"""OpenAI Responses: `instructions`, `input` as a string or a list of items (messages with string or
part-list content, function_call, function_call_output)."""

from __future__ import annotations

from typing import Any

from seawall.detect.findings import Channel
from seawall.gateway.adapters.openai_chat import _json_object
from seawall.gateway.envelope import Envelope, Segment, ToolCall, origin, setter, tool_command, tool_paths

_ROLE = {"system": Channel.SYSTEM, "developer": Channel.SYSTEM, "assistant": Channel.RESPONSE}


def parse(body: dict[str, Any]) -> Envelope:
    model = body.get("model")
    env = Envelope("openai_responses", body, model=model if isinstance(model, str) else None,
                   stream=body.get("stream") is True)
    if isinstance(body.get("instructions"), str):
        env.segments.append(Segment(body["instructions"], origin(Channel.SYSTEM), setter(body, "instructions")))
    items = body.get("input")
    if isinstance(items, str):
        env.segments.append(Segment(items, origin(Channel.USER_PROMPT), setter(body, "input")))
        return env
    if not isinstance(items, list):
        return env
    calls: dict[str, ToolCall] = {}
    for ii, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind == "message" or "role" in item:
            role = item.get("role")
            channel = _ROLE.get(role if isinstance(role, str) else "", Channel.USER_PROMPT)
            content = item.get("content")
            if isinstance(content, str):
                env.segments.append(Segment(content, origin(channel, ii), setter(item, "content")))
            elif isinstance(content, list):
                for bi, part in enumerate(content):
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        env.segments.append(Segment(part["text"], origin(channel, ii, bi), setter(part, "text")))
        elif kind == "function_call":
            args = _json_object(item.get("arguments"))
            call = ToolCall(str(item.get("name") or "?"), tool_paths(args), item.get("call_id"), tool_command(args))
            if call.id:
                calls[call.id] = call
            env.tool_calls.append(call)
            if isinstance(item.get("arguments"), str):
                env.segments.append(Segment(item["arguments"], origin(Channel.TOOL_INPUT, ii, tool=call.name),
                                            setter(item, "arguments")))
        elif kind == "function_call_output":
            found = calls.get(item.get("call_id") or "")
            if isinstance(item.get("output"), str):
                env.segments.append(Segment(item["output"], origin(
                    Channel.TOOL_RESULT, ii, tool=found.name if found else None,
                    path=found.paths[0] if found and found.paths else None), setter(item, "output"), found))
    return env
