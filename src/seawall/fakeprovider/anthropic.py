"""Anthropic Messages wire format: message objects, SSE event sequence, count_tokens, models."""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.responses import JSONResponse, Response

from seawall.fakeprovider.script import Plan, split_chunks
from seawall.fakeprovider.sse import EventStream, sse

MODELS = ("claude-opus-4-8", "claude-sonnet-4-5", "claude-haiku-4-5-20251001")


def _id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


def validate(body: dict[str, Any], count_only: bool = False) -> str | None:
    """The first problem with a messages body, worded like the API (`field: reason`), or None."""
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: Field required"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: Field required" if messages is None else "messages: at least one message is required"
    if not count_only and not isinstance(body.get("max_tokens"), int):
        return "max_tokens: Field required"
    return None


def _usage(plan: Plan, output_tokens: int) -> dict[str, Any]:
    return {"input_tokens": plan.input_tokens, "cache_creation_input_tokens": plan.script.cache_write,
            "cache_read_input_tokens": plan.script.cache_read, "output_tokens": output_tokens}


def _blocks(plan: Plan) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": plan.text}] if plan.text or not plan.tools else []
    blocks += [{"type": "tool_use", "id": _id("toolu_"), "name": t.name, "input": t.input} for t in plan.tools]
    return blocks


def _stop_reason(plan: Plan) -> str:
    return "tool_use" if plan.tools else "end_turn"


def message(plan: Plan, model: str) -> dict[str, Any]:
    """A complete (non-streaming) message object."""
    return {"id": _id("msg_"), "type": "message", "role": "assistant", "model": model, "content": _blocks(plan),
            "stop_reason": _stop_reason(plan), "stop_sequence": None, "usage": _usage(plan, plan.output_tokens)}


def stream_frames(plan: Plan, model: str) -> list[bytes]:
    """message_start, per block (content_block_start, [ping], deltas, content_block_stop), message_delta,
    message_stop, as the API orders them."""
    start = {**message(plan, model), "content": [], "stop_reason": None, "usage": _usage(plan, 1)}
    frames = [sse({"type": "message_start", "message": start}, "message_start")]
    blocks = _blocks(plan)
    for index, block in enumerate(blocks):
        opened: dict[str, Any]
        if block["type"] == "text":
            opened = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": p} for p in split_chunks(block["text"], plan.script.chunks)]
        else:
            opened = {**block, "input": {}}
            pieces = split_chunks(json.dumps(block["input"]), plan.script.chunks)
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in ["", *pieces]]
        frames.append(sse({"type": "content_block_start", "index": index, "content_block": opened},
                          "content_block_start"))
        if index == 0:
            frames.append(sse({"type": "ping"}, "ping"))
        frames += [sse({"type": "content_block_delta", "index": index, "delta": d}, "content_block_delta")
                   for d in deltas]
        frames.append(sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
    if not blocks:
        frames.append(sse({"type": "ping"}, "ping"))
    delta = {"type": "message_delta", "delta": {"stop_reason": _stop_reason(plan), "stop_sequence": None},
             "usage": _usage(plan, plan.output_tokens)}
    frames.append(sse(delta, "message_delta"))
    frames.append(sse({"type": "message_stop"}, "message_stop"))
    return frames


def reply(plan: Plan, body: dict[str, Any]) -> Response:
    """The answer to `POST /v1/messages`, streamed when the body says `stream: true`."""
    model, headers = body["model"], {"request-id": _id("req_")}
    if body.get("stream"):
        return EventStream(stream_frames(plan, model), plan.script.chunk_delay, plan.script.cut_after, headers)
    return JSONResponse(message(plan, model), headers=headers)


def count_tokens(plan: Plan) -> Response:
    return JSONResponse({"input_tokens": plan.input_tokens})


def models() -> Response:
    data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"} for m in MODELS]
    return JSONResponse({"data": data, "has_more": False, "first_id": MODELS[0], "last_id": MODELS[-1]})
