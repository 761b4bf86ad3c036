"""Errors in each provider's own JSON shape, so every SDK raises its usual exception."""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.responses import Response

ANTHROPIC_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                   404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 500: "api_error",
                   502: "api_error", 503: "overloaded_error", 504: "timeout_error", 529: "overloaded_error"}
OPENAI_TYPES = {400: ("invalid_request_error", None), 401: ("invalid_request_error", "invalid_api_key"),
                403: ("invalid_request_error", "forbidden"), 404: ("invalid_request_error", "not_found"),
                413: ("invalid_request_error", "request_too_large"), 429: ("requests", "rate_limit_exceeded"),
                500: ("server_error", None), 502: ("server_error", "bad_gateway"), 503: ("server_error", None),
                504: ("server_error", "timeout")}


def error_body(fmt: str, status: int, message: str, code: str | None = None) -> bytes:
    if fmt == "anthropic":
        etype = ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
        return orjson.dumps({"type": "error", "error": {"type": etype, "message": message}})
    etype, default_code = OPENAI_TYPES.get(status, ("server_error" if status >= 500 else "invalid_request_error",
                                                    None))
    return orjson.dumps({"error": {"message": message, "type": etype, "param": None, "code": default_code or code}})


def error_response(fmt: str, status: int, message: str, code: str | None = None,
                   headers: Mapping[str, str] | None = None) -> Response:
    h = {"x-seawall-error": code or str(status), **(headers or {})}
    return Response(error_body(fmt, status, message, code), status_code=status, media_type="application/json",
                    headers=h)


def stream_error_event(fmt: str, message: str) -> bytes:
    """An error inside an already-started SSE stream (the status line has been sent)."""
    if fmt == "anthropic":
        data = orjson.dumps({"type": "error", "error": {"type": "api_error", "message": message}})
        return b"event: error\ndata: " + data + b"\n\n"
    if fmt == "openai_responses":
        data = orjson.dumps({"type": "error", "code": "server_error", "message": message, "param": None})
        return b"event: error\ndata: " + data + b"\n\n"
    return b"data: " + orjson.dumps({"error": {"message": message, "type": "server_error", "param": None,
                                               "code": "upstream_error"}}) + b"\n\n"
