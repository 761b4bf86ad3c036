"""Error bodies in each provider's shape, chosen from status-code tables."""

from __future__ import annotations

import uuid

from starlette.responses import JSONResponse

# status -> (error.type, default message), as the Anthropic API answers
ANTHROPIC_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "Not found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of requests has exceeded your rate limit."),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}

# status -> (error.type, error.code, default message), as the OpenAI API answers
OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Forbidden."),
    404: ("invalid_request_error", "not_found", "Not found."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    503: ("server_error", "overloaded", "The engine is currently overloaded, please try again later."),
    529: ("server_error", "overloaded", "The engine is currently overloaded, please try again later."),
}


def _fallback(status: int) -> int:
    return 500 if status >= 500 else 400


def anthropic_error(status: int, message: str | None = None, retry_after: str = "1") -> JSONResponse:
    """`{"type": "error", "error": {"type", "message"}, "request_id"}` with a `request-id` header."""
    kind, default = ANTHROPIC_ERRORS.get(status) or ANTHROPIC_ERRORS[_fallback(status)]
    request_id = f"req_{uuid.uuid4().hex[:24]}"
    headers = {"request-id": request_id, "x-should-retry": "true" if status in (429, 500, 529) else "false"}
    if status == 429:
        headers["retry-after"] = retry_after
    body = {"type": "error", "error": {"type": kind, "message": message or default}, "request_id": request_id}
    return JSONResponse(body, status_code=status, headers=headers)


def openai_error(status: int, message: str | None = None, retry_after: str = "1", param: str | None = None,
                 code: str | None = None) -> JSONResponse:
    """`{"error": {"message", "type", "param", "code"}}` with an `x-request-id` header."""
    kind, default_code, default = OPENAI_ERRORS.get(status) or OPENAI_ERRORS[_fallback(status)]
    headers = {"x-request-id": f"req_{uuid.uuid4().hex}"}
    if status == 429:
        headers["retry-after"] = retry_after
    body = {"error": {"message": message or default, "type": kind, "param": param, "code": code or default_code}}
    return JSONResponse(body, status_code=status, headers=headers)
