"""OpenAI wire formats: Chat Completions (objects and chunks), Responses (object and typed events), models."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from starlette.responses import JSONResponse, Response

from seawall.fakeprovider.script import Plan, split_chunks
from seawall.fakeprovider.sse import EventStream, sse

MODELS = ("gpt-4o-mini", "gpt-4.1", "gpt-5")
FINGERPRINT = "fp_fake0000"


def _id(prefix: str, size: int = 24) -> str:
    return f"{prefix}{uuid.uuid4().hex[:size]}"


def validate_chat(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        return "Missing required parameter: 'messages'."
    return None


def validate_responses(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "Missing required parameter: 'model'."
    if not isinstance(body.get("input"), str | list):
        return "Missing required parameter: 'input'."
    return None


def _headers() -> dict[str, str]:
    return {"x-request-id": _id("req_", 32), "openai-processing-ms": "1"}


# ---- Chat Completions ----------------------------------------------------------------------------

def _chat_usage(plan: Plan) -> dict[str, Any]:
    return {"prompt_tokens": plan.input_tokens, "completion_tokens": plan.output_tokens,
            "total_tokens": plan.input_tokens + plan.output_tokens,
            "prompt_tokens_details": {"cached_tokens": plan.script.cache_read, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}


def _tool_calls(plan: Plan) -> list[dict[str, Any]]:
    return [{"id": _id("call_"), "type": "function", "function": {"name": t.name, "arguments": json.dumps(t.input)}}
            for t in plan.tools]


def chat_completion(plan: Plan, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": plan.text or None, "refusal": None, "annotations": []}
    if plan.tools:
        message["tool_calls"] = _tool_calls(plan)
    choice = {"index": 0, "message": message, "logprobs": None,
              "finish_reason": "tool_calls" if plan.tools else "stop"}
    return {"id": _id("chatcmpl-"), "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [choice], "usage": _chat_usage(plan), "service_tier": "default",
            "system_fingerprint": FINGERPRINT}


def chat_frames(plan: Plan, model: str, include_usage: bool) -> list[bytes]:
    """Role chunk, content deltas, tool-call deltas, finish chunk, [usage chunk], `[DONE]`."""
    base = {"id": _id("chatcmpl-"), "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "service_tier": "default", "system_fingerprint": FINGERPRINT}
    if include_usage:
        base["usage"] = None

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return sse({**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]})

    frames = [chunk({"role": "assistant", "content": "" if plan.text else None, "refusal": None})]
    frames += [chunk({"content": piece}) for piece in split_chunks(plan.text, plan.script.chunks)]
    for index, call in enumerate(_tool_calls(plan)):
        fn = call["function"]
        frames.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                             "function": {"name": fn["name"], "arguments": ""}}]}))
        frames += [chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                   for piece in split_chunks(fn["arguments"], plan.script.chunks)]
    frames.append(chunk({}, "tool_calls" if plan.tools else "stop"))
    if include_usage:
        frames.append(sse({**base, "choices": [], "usage": _chat_usage(plan)}))
    frames.append(sse("[DONE]"))
    return frames


def chat_reply(plan: Plan, body: dict[str, Any]) -> Response:
    """The answer to `POST /v1/chat/completions`."""
    model = body["model"]
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        frames = chat_frames(plan, model, include_usage)
        return EventStream(frames, plan.script.chunk_delay, plan.script.cut_after, _headers())
    return JSONResponse(chat_completion(plan, model), headers=_headers())


# ---- Responses -----------------------------------------------------------------------------------

def _output_items(plan: Plan) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if plan.text or not plan.tools:
        part = {"type": "output_text", "text": plan.text, "annotations": [], "logprobs": []}
        items.append({"type": "message", "id": _id("msg_"), "status": "completed", "role": "assistant",
                      "content": [part]})
    items += [{"type": "function_call", "id": _id("fc_"), "call_id": _id("call_"), "name": t.name,
               "arguments": json.dumps(t.input), "status": "completed"} for t in plan.tools]
    return items


def response_object(plan: Plan, body: dict[str, Any], output: list[dict[str, Any]], resp_id: str,
                    done: bool) -> dict[str, Any]:
    usage = {"input_tokens": plan.input_tokens, "input_tokens_details": {"cached_tokens": plan.script.cache_read},
             "output_tokens": plan.output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
             "total_tokens": plan.input_tokens + plan.output_tokens}
    return {"id": resp_id, "object": "response", "created_at": int(time.time()),
            "status": "completed" if done else "in_progress", "error": None, "incomplete_details": None,
            "instructions": body.get("instructions"), "max_output_tokens": body.get("max_output_tokens"),
            "model": body["model"], "output": output if done else [], "parallel_tool_calls": True,
            "previous_response_id": body.get("previous_response_id"), "reasoning": {"effort": None, "summary": None},
            "store": body.get("store", True), "temperature": 1.0, "text": {"format": {"type": "text"}},
            "tool_choice": body.get("tool_choice", "auto"), "tools": body.get("tools") or [], "top_p": 1.0,
            "truncation": "disabled", "usage": usage if done else None, "user": None,
            "metadata": body.get("metadata") or {}}


def _item_events(index: int, item: dict[str, Any], chunks: int) -> list[tuple[str, dict[str, Any]]]:
    """Typed events for one output item, from `output_item.added` to `output_item.done`."""
    at = {"item_id": item["id"], "output_index": index}
    if item["type"] == "message":
        part = item["content"][0]
        text, at_part = part["text"], {**at, "content_index": 0}
        return [("response.output_item.added", {"output_index": index,
                                                "item": {**item, "status": "in_progress", "content": []}}),
                ("response.content_part.added", {**at_part, "part": {**part, "text": ""}}),
                *[("response.output_text.delta", {**at_part, "delta": d, "logprobs": []})
                  for d in split_chunks(text, chunks)],
                ("response.output_text.done", {**at_part, "text": text, "logprobs": []}),
                ("response.content_part.done", {**at_part, "part": part}),
                ("response.output_item.done", {"output_index": index, "item": item})]
    args = item["arguments"]
    return [("response.output_item.added", {"output_index": index,
                                            "item": {**item, "arguments": "", "status": "in_progress"}}),
            *[("response.function_call_arguments.delta", {**at, "delta": d}) for d in split_chunks(args, chunks)],
            ("response.function_call_arguments.done", {**at, "name": item["name"], "arguments": args}),
            ("response.output_item.done", {"output_index": index, "item": item})]


def response_frames(plan: Plan, body: dict[str, Any]) -> list[bytes]:
    """created, in_progress, per-item events, completed; every event carries its `sequence_number`."""
    resp_id, output = _id("resp_", 32), _output_items(plan)
    pending = response_object(plan, body, output, resp_id, done=False)
    events = [("response.created", {"response": pending}), ("response.in_progress", {"response": pending})]
    for index, item in enumerate(output):
        events += _item_events(index, item, plan.script.chunks)
    events.append(("response.completed", {"response": response_object(plan, body, output, resp_id, done=True)}))
    return [sse({"type": name, "sequence_number": seq, **data}, name) for seq, (name, data) in enumerate(events)]


def responses_reply(plan: Plan, body: dict[str, Any]) -> Response:
    """The answer to `POST /v1/responses`."""
    if body.get("stream"):
        return EventStream(response_frames(plan, body), plan.script.chunk_delay, plan.script.cut_after, _headers())
    resp = response_object(plan, body, _output_items(plan), _id("resp_", 32), done=True)
    return JSONResponse(resp, headers=_headers())


def models() -> Response:
    data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "fake-provider"} for m in MODELS]
    return JSONResponse({"object": "list", "data": data})
