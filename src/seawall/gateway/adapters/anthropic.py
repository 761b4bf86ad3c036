"""Anthropic Messages: system (string or blocks), messages with string or block content (text,
tool_use, tool_result with string or block content, images passed through), `role: system` messages
inside `messages` (Claude Code), and the count_tokens body (same shape)."""

from __future__ import annotations

from typing import Any

import orjson

from seawall.detect.findings import Channel
from seawall.gateway.envelope import Envelope, Segment, ToolCall, origin, setter, tool_command, tool_paths


def parse(body: dict[str, Any]) -> Envelope:
    env = Envelope("anthropic", body, model=_str(body.get("model")), stream=body.get("stream") is True)
    segs = env.segments
    system = body.get("system")
    if isinstance(system, str):
        segs.append(Segment(system, origin(Channel.SYSTEM), setter(body, "system")))
    elif isinstance(system, list):
        for bi, block in enumerate(system):
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                segs.append(Segment(block["text"], origin(Channel.SYSTEM, block=bi), setter(block, "text")))
    names: dict[str, ToolCall] = {}
    messages = body.get("messages")
    if not isinstance(messages, list):
        return env
    last_assistant = _last_assistant(messages)
    for mi, msg in enumerate(messages):
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        channel = Channel.SYSTEM if role == "system" else Channel.RESPONSE if role == "assistant" \
            else Channel.USER_PROMPT
        content = msg.get("content")
        if isinstance(content, str):
            segs.append(Segment(content, origin(channel, mi), setter(msg, "content")))
            continue
        if not isinstance(content, list):
            continue
        for bi, block in enumerate(content):
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "text" and isinstance(block.get("text"), str):
                segs.append(Segment(block["text"], origin(channel, mi, bi), setter(block, "text")))
            elif kind == "tool_use":
                args = block.get("input")
                call = ToolCall(_str(block.get("name")) or "?", tool_paths(args), _str(block.get("id")),
                                tool_command(args))
                if call.id:
                    names[call.id] = call
                if role == "assistant" and mi == last_assistant:
                    env.tool_calls.append(call)
                _tool_input_segments(block, segs, mi, bi, call.name)
            elif kind == "tool_result":
                found = names.get(_str(block.get("tool_use_id")) or "")
                tool = found.name if found else None
                path = found.paths[0] if found and found.paths else None
                inner = block.get("content")
                if isinstance(inner, str):
                    segs.append(Segment(inner, origin(Channel.TOOL_RESULT, mi, bi, tool, path),
                                        setter(block, "content"), found))
                elif isinstance(inner, list):
                    for sub in inner:
                        if isinstance(sub, dict) and sub.get("type") == "text" and isinstance(sub.get("text"), str):
                            segs.append(Segment(sub["text"], origin(Channel.TOOL_RESULT, mi, bi, tool, path),
                                                setter(sub, "text"), found))
    return env


def _tool_input_segments(block: dict[str, Any], segs: list[Segment], mi: int, bi: int, tool: str) -> None:
    """String values of a tool call's input (commands, file content being written)."""
    args = block.get("input")
    if isinstance(args, dict):
        for key, value in args.items():
            if isinstance(value, str) and value:
                segs.append(Segment(value, origin(Channel.TOOL_INPUT, mi, bi, tool), setter(args, key)))


def _last_assistant(messages: list[Any]) -> int:
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if isinstance(m, dict) and m.get("role") == "assistant":
            return i
    return -1


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def dumps(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body)
