"""The fake provider's starlette app: record → auth → validate → directives → answer in the wire format."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from seawall.fakeprovider import anthropic, openai
from seawall.fakeprovider.errors import anthropic_error, openai_error
from seawall.fakeprovider.recorder import RecordedRequest, Recorder, key_fingerprint, mask_header
from seawall.fakeprovider.script import DirectiveError, Plan, last_user_text, make_plan, parse_script

_POLL = 0.02  # seconds between checks while hanging or delaying


@dataclass(frozen=True)
class Dialect:
    """How one endpoint validates, finds its directives, and answers."""

    error: Callable[..., Response]
    validate: Callable[[dict[str, Any]], str | None]
    directives: Callable[[dict[str, Any]], str]
    reply: Callable[[Plan, dict[str, Any]], Response]


MESSAGES = Dialect(anthropic_error, anthropic.validate, lambda b: last_user_text(b.get("messages")), anthropic.reply)
COUNT_TOKENS = Dialect(anthropic_error, lambda b: anthropic.validate(b, count_only=True),
                       lambda b: last_user_text(b.get("messages")), lambda plan, _: anthropic.count_tokens(plan))
CHAT = Dialect(openai_error, openai.validate_chat, lambda b: last_user_text(b.get("messages")), openai.chat_reply)
RESPONSES = Dialect(openai_error, openai.validate_responses, lambda b: last_user_text(b.get("input")),
                    openai.responses_reply)


def presented_key(request: Request) -> str | None:
    """The API key from `x-api-key`, else from `Authorization: Bearer`."""
    if key := request.headers.get("x-api-key", "").strip():
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


async def _record(request: Request) -> tuple[Any, bytes]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    key = presented_key(request)
    request.app.state.recorder.add(RecordedRequest(
        method=request.method, path=request.url.path, query=dict(request.query_params),
        headers={k: mask_header(k, v) for k, v in request.headers.items()}, body=body, body_size=len(raw),
        key_sha256=key_fingerprint(key) if key else None))
    return body, raw


def _auth_error(request: Request, error: Callable[..., Response]) -> Response | None:
    key, keys = presented_key(request), request.app.state.keys
    if not key:
        return error(401, "x-api-key header is required" if error is anthropic_error else
                     "You didn't provide an API key. Use an Authorization header with Bearer auth.")
    if keys is not None and key not in keys:
        return error(401, "invalid x-api-key" if error is anthropic_error else "Incorrect API key provided.")
    return None


async def _wait(request: Request, seconds: float | None) -> bool:
    """Sleep `seconds` (None: forever); False as soon as the client disconnects or the server stops."""
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    stopping: threading.Event = request.app.state.stopping
    while deadline is None or loop.time() < deadline:
        if stopping.is_set() or await request.is_disconnected():
            return False
        await asyncio.sleep(_POLL if deadline is None else min(_POLL, max(0.0, deadline - loop.time())))
    return True


async def _answer(request: Request, dialect: Dialect) -> Response:
    body, raw = await _record(request)
    if denied := _auth_error(request, dialect.error):
        return denied
    if not isinstance(body, dict):
        return dialect.error(400, "The request body is not valid JSON." if raw else "Request body is required.")
    if problem := dialect.validate(body):
        return dialect.error(400, problem)
    try:
        script = parse_script(dialect.directives(body))
    except DirectiveError as exc:
        return dialect.error(400, str(exc))
    if (script.hang or script.delay) and not await _wait(request, None if script.hang else script.delay):
        return dialect.error(500, "fake provider: client went away or server stopping")
    if script.status is not None:
        return dialect.error(script.status, retry_after=script.retry_after)
    if script.malformed:
        return Response(b'{"id": "msg_1", "content": [ {"type": "te', media_type="application/json")
    return dialect.reply(make_plan(script, body), body)


def _route(dialect: Dialect) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        return await _answer(request, dialect)
    return endpoint


def _dialect_error(request: Request) -> Callable[..., Response]:
    return anthropic_error if "anthropic-version" in request.headers else openai_error


async def models(request: Request) -> Response:
    """`GET /v1/models`: Anthropic's list shape when `anthropic-version` is sent, else OpenAI's."""
    await _record(request)
    error = _dialect_error(request)
    if denied := _auth_error(request, error):
        return denied
    return anthropic.models() if error is anthropic_error else openai.models()


async def root(request: Request) -> Response:
    await _record(request)
    return PlainTextResponse("fake provider")


async def not_found(request: Request) -> Response:
    await _record(request)
    return _dialect_error(request)(404, f"Not found: {request.method} {request.url.path}")


async def recorded(request: Request) -> Response:
    """`GET /_fake/requests` lists what was received; `DELETE` clears it."""
    recorder: Recorder = request.app.state.recorder
    if request.method == "DELETE":
        return JSONResponse({"cleared": recorder.clear()})
    return JSONResponse({"requests": [r.to_dict() for r in recorder.requests]})


def create_app(keys: Iterable[str] | None = None) -> Starlette:
    """Build the app. `keys=None` accepts any non-empty key; otherwise only the given keys.

    `app.state.recorder` is the Recorder; setting `app.state.stopping` releases hanging requests."""
    routes = [
        Route("/", root, methods=["GET", "HEAD"]),
        Route("/_fake/requests", recorded, methods=["GET", "DELETE"]),
        Route("/v1/messages", _route(MESSAGES), methods=["POST"]),
        Route("/v1/messages/count_tokens", _route(COUNT_TOKENS), methods=["POST"]),
        Route("/v1/chat/completions", _route(CHAT), methods=["POST"]),
        Route("/v1/responses", _route(RESPONSES), methods=["POST"]),
        Route("/v1/models", models, methods=["GET"]),
        Route("/{path:path}", not_found, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    ]
    app = Starlette(routes=routes)
    app.state.recorder = Recorder()
    app.state.keys = None if keys is None else frozenset(keys)
    app.state.stopping = threading.Event()
    return app
