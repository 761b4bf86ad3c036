"""The request path: auth -> body -> adapter -> (inspection) -> upstream -> relay -> audit.

Streams pass through chunk by chunk (a tap reads usage on the way); a client that disconnects
cancels the upstream request; upstream errors come back as the provider sent them; gateway-side
errors come back in the provider's error shape. Nothing of the content is logged or stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from seawall.audit.events import AuditEvent
from seawall.audit.events import request_id as new_request_id
from seawall.audit.writer import AuditWriter
from seawall.gateway import errors, translate
from seawall.gateway.adapters import anthropic, openai_chat, openai_responses
from seawall.gateway.auth import KeyCache, Principal, presented_key
from seawall.gateway.envelope import Envelope, ToolCall
from seawall.gateway.inspect import Inspection, Inspector
from seawall.gateway.metrics import Metrics
from seawall.gateway.upstream import DROP_RESPONSE, Upstream, UpstreamError, UpstreamResponse, UpstreamTimeout
from seawall.gateway.usage import Answer, StreamTap, estimate_tokens, from_body, from_json
from seawall.limits import accounting
from seawall.limits.accounting import Ticket
from seawall.limits.alerts import BUDGETS, AlertCenter
from seawall.limits.base import MICRO, Amounts, Counter, Limiter, LimiterUnavailable, Reservation
from seawall.limits.memory import MemoryLimiter
from seawall.limits.prices import cost_usd
from seawall.policy.reload import PolicyHolder
from seawall.policy.schema import Policy, Tier
from seawall.redact.restore import SSERewriter, restore_body
from seawall.redact.vault import Vault
from seawall.store.db import Store

log = logging.getLogger("seawall.gateway")

# path -> (upstream kind, wire format, adapter)
ROUTES: dict[str, tuple[str, str, Callable[[dict[str, Any]], Envelope]]] = {
    "/v1/messages": ("anthropic", "anthropic", anthropic.parse),
    "/v1/messages/count_tokens": ("anthropic", "anthropic", anthropic.parse),
    "/v1/chat/completions": ("openai", "openai_chat", openai_chat.parse),
    "/v1/responses": ("openai", "openai_responses", openai_responses.parse),
}
MAX_ANSWER_BYTES = 256 * 1024 * 1024


class GatewayError(Exception):
    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


@dataclass
class Gateway:
    holder: PolicyHolder
    store: Store
    keys: KeyCache
    upstreams: dict[str, Upstream]
    writer: AuditWriter
    limiter: Limiter = field(default_factory=MemoryLimiter)
    alerts: AlertCenter | None = None
    redaction_key: bytes = b""
    inspector: Inspector = field(default_factory=Inspector)
    metrics: Metrics = field(default_factory=Metrics)
    started: float = field(default_factory=time.monotonic)
    inflight: int = 0  # requests being handled (their answers not yet started)
    streams: int = 0  # answers being streamed

    async def drained(self, timeout: float) -> bool:
        """Wait until no request is being handled or streamed (their usage and audit must land)."""
        deadline = time.monotonic() + timeout
        while (self.inflight or self.streams) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return not (self.inflight or self.streams)

    @property
    def max_body(self) -> int:
        return int(self.holder.active.loaded.policy.gateway.max_body_mb * 1024 * 1024)


def error_format(kind: str) -> str:
    return "anthropic" if kind == "anthropic" else "openai"


def kind_for_headers(headers: Any) -> str:
    """Which provider a request without a known route is meant for (GET /v1/models, 404s)."""
    return "anthropic" if "anthropic-version" in headers else "openai"


async def handle(gw: Gateway, request: Request) -> Response:
    path = request.scope["path"]  # routed here: exactly one of ROUTES (request.url parses the whole URL)
    kind, fmt, parse = ROUTES[path]
    gw.inflight += 1
    try:
        return await _proxy(gw, request, kind, fmt, parse)
    finally:
        gw.inflight -= 1


async def handle_models(gw: Gateway, request: Request) -> Response:
    kind = kind_for_headers(request.headers)
    gw.inflight += 1
    try:
        return await _proxy(gw, request, kind, "anthropic" if kind == "anthropic" else "openai_chat", None)
    finally:
        gw.inflight -= 1


async def _proxy(gw: Gateway, request: Request, kind: str, fmt: str,
                 parse: Callable[[dict[str, Any]], Envelope] | None) -> Response:
    t0 = time.perf_counter()
    efmt = error_format(kind)
    path = request.scope["path"]
    event = AuditEvent(request_id=new_request_id(), route=path, status=0, duration_ms=0.0,
                       provider=kind, session_id=_session_id(request))
    env: Envelope | None = None
    ticket: Ticket | None = None
    vault = Vault(gw.redaction_key)
    try:
        principal = await _authenticate(gw, request)
        event.user, event.team, event.key_id = principal.user, principal.team, principal.key_id
        if gw.writer.failing_since is not None and gw.holder.active.loaded.policy.audit.on_error == "block":
            raise GatewayError(503, "seawall cannot write its audit log; the policy refuses requests until it can",
                               "audit_unavailable", {"retry-after": "5"})
        body = b""
        if request.method == "POST":
            body = await read_body(request, gw.max_body)
            env = _envelope(body, parse) if parse else None
            if env is not None:
                event.model, event.stream = env.model, env.stream
                event.tool_calls = _tool_rows(env.tool_calls, "request", gw)
                if event.session_id is None:
                    event.session_id = _metadata_session(env.body)
                insp = _inspect(gw, env, vault, event)
                ticket = await _admit(gw, env, event, path)
                if insp is not None and insp.route_local:
                    return await _route_local(gw, request, env, fmt, vault, event, t0, ticket)
        upstream = gw.upstreams.get(kind)
        if upstream is None:
            raise GatewayError(502, f"no upstream provider is configured for {kind}", "no_upstream")
        if not upstream.api_key:
            raise GatewayError(502, f"the gateway has no API key for {upstream.name}; set it in the policy "
                               "(providers.*.api_key, e.g. ${ANTHROPIC_API_KEY})", "no_upstream_key")
        forward = orjson.dumps(env.body) if env is not None and env.modified else body
        t_up = time.perf_counter()
        try:
            resp = await upstream.open(request.method, path, request.scope["query_string"].decode(), request.headers,
                                       forward)
        except UpstreamTimeout:
            raise GatewayError(504, f"{upstream.name} did not answer in time", "upstream_timeout") from None
        except UpstreamError as exc:
            raise GatewayError(502, f"{upstream.name} is unreachable ({type(exc).__name__})",
                               "upstream_unreachable") from None
        event.upstream_ms = (time.perf_counter() - t_up) * 1000
        gw.metrics.child(gw.metrics.upstream_ttfb, kind).observe(event.upstream_ms / 1000)
        headers = {k: v for k, v in resp.headers.items() if k.lower() not in DROP_RESPONSE}
        headers["x-seawall-request-id"] = event.request_id
        ctype = resp.headers.get("content-type", "")
        if resp.status_code == 200 and "text/event-stream" in ctype:
            return StreamingResponse(_relay(gw, resp, fmt, env, event, t0, vault, None, ticket),
                                     status_code=200, headers=headers)
        try:
            content = await _read_answer(resp)
        except UpstreamTimeout:
            raise GatewayError(504, f"{upstream.name} stopped answering", "upstream_timeout") from None
        except UpstreamError:
            raise GatewayError(502, f"{upstream.name} closed the connection mid-answer",
                               "upstream_cut") from None
        finally:
            await resp.aclose()
        event.status = resp.status_code
        data: Any = _UNREAD
        if resp.status_code == 200 and "json" in ctype:
            data = _json_or(content, _INVALID)
            if data is _INVALID:
                raise GatewayError(502, f"{upstream.name} sent an answer that is not valid JSON", "upstream_invalid")
        if resp.status_code == 200 and parse is not None and not path.endswith("count_tokens"):
            answer = from_body(fmt, content) if data is _UNREAD else from_json(fmt, data)
            _settle(gw, event, env, answer, "request")
            content = restore_body(content, vault)
        elif resp.status_code >= 400:
            event.error_code = f"upstream_{resp.status_code}"
        await _finish(gw, event, t0, ticket)
        return Response(content, status_code=resp.status_code, headers=headers)
    except GatewayError as exc:
        event.status = exc.status
        event.error_code = exc.code
        if event.decision == "allow" or exc.status == 401:
            event.decision = "block" if exc.status in (401, 403) else "error"
        gw.metrics.errors.labels(exc.code).inc()
        await _finish(gw, event, t0, ticket)
        return errors.error_response(efmt, exc.status, exc.message, exc.code,
                                     {"x-seawall-request-id": event.request_id, **exc.headers})


async def _authenticate(gw: Gateway, request: Request) -> Principal:
    key = presented_key(request.headers)
    if not key:
        raise GatewayError(401, "missing API key: send your seawall key as x-api-key or Authorization: Bearer",
                           "missing_key")
    principal = await gw.keys.principal(key)
    if principal is None:
        raise GatewayError(401, "invalid or revoked seawall key", "invalid_key")
    return principal


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (GatewayError 413/415) past `limit` bytes or when compressed."""
    if request.headers.get("content-encoding", "identity").lower() not in ("", "identity"):
        raise GatewayError(415, "compressed request bodies are not supported", "compressed_body")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise GatewayError(413, f"request body larger than {limit} bytes", "body_too_large")
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise GatewayError(413, f"request body larger than {limit} bytes", "body_too_large")
        parts.append(chunk)
    return b"".join(parts)


def _envelope(body: bytes, parse: Callable[[dict[str, Any]], Envelope]) -> Envelope:
    if not body:
        raise GatewayError(400, "empty request body: expected a JSON object", "invalid_json")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise GatewayError(400, f"request body is not valid JSON ({exc.args[0] if exc.args else 'parse error'})",
                           "invalid_json") from None
    if not isinstance(data, dict):
        raise GatewayError(400, "request body must be a JSON object", "invalid_json")
    try:
        return parse(data)
    except (AttributeError, TypeError, ValueError, RecursionError):
        raise GatewayError(400, "request body has fields of an unexpected type", "invalid_request") from None


async def _read_answer(resp: UpstreamResponse) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_raw():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise GatewayError(502, "upstream answer too large", "answer_too_large")
        parts.append(chunk)
    return b"".join(parts)


async def _relay(gw: Gateway, resp: UpstreamResponse, fmt: str, env: Envelope | None, event: AuditEvent,
                 t0: float, vault: Vault, translator: translate.ChatToAnthropicStream | None = None,
                 ticket: Ticket | None = None) -> AsyncIterator[bytes]:
    tap = StreamTap(fmt)
    rewriter = SSERewriter(fmt, vault) if vault else None
    gw.metrics.open_streams.inc()
    gw.streams += 1
    event.status = 200
    try:
        async for raw in resp.aiter_raw():
            chunk = translator.feed(raw) if translator is not None else raw
            tap.feed(chunk)
            if rewriter is None:
                yield chunk
            elif out := rewriter.feed(chunk):
                yield out
        if translator is not None and (last := translator.finish()):
            tap.feed(last)
            yield rewriter.feed(last) if rewriter is not None else last
        if rewriter is not None and (rest := rewriter.flush()):
            yield rest
        if not tap.completed:
            event.error_code = "upstream_stream_incomplete"
            yield errors.stream_error_event(fmt, "the upstream stream ended before its final event")
    except UpstreamTimeout:
        event.error_code = "upstream_timeout"
        yield errors.stream_error_event(fmt, "the upstream provider stopped sending (timeout)")
    except UpstreamError:
        event.error_code = "upstream_stream_cut"
        yield errors.stream_error_event(fmt, "the upstream provider cut the stream")
    except (anyio.get_cancelled_exc_class(), GeneratorExit):
        event.error_code = "client_disconnected"
        raise
    finally:
        gw.metrics.open_streams.dec()
        gw.streams -= 1
        with anyio.CancelScope(shield=True):
            await resp.aclose()
        _settle(gw, event, env, tap.answer, "stream")
        with anyio.CancelScope(shield=True):
            await _finish(gw, event, t0, ticket)


_UNREAD, _INVALID = object(), object()


def _json_or(content: bytes, invalid: object) -> Any:
    """The parsed answer, or `invalid` when it is not JSON."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return invalid


def _settle(gw: Gateway, event: AuditEvent, env: Envelope | None, answer: Answer, _how: str) -> None:
    """Usage, cost and the model's tool calls into the audit event (estimates when not reported)."""
    u = answer.usage
    if u.input_tokens is None and env is not None:
        u.input_tokens = estimate_tokens(sum(len(s.text) for s in env.segments))
        u.estimated = True
    if u.output_tokens is None:
        u.output_tokens = estimate_tokens(answer.text_chars)
        u.estimated = True
    event.model = answer.model or event.model
    event.input_tokens, event.output_tokens = u.input_tokens, u.output_tokens
    event.cache_read_tokens, event.cache_write_tokens = u.cache_read_tokens, u.cache_write_tokens
    event.usage_estimated = u.estimated
    event.cost_usd = cost_usd(event.model, u, cached_in_input=event.provider == "openai")
    event.tool_calls = event.tool_calls + _tool_rows(answer.tool_calls, "answer", gw)
    provider = event.provider or "?"
    gw.metrics.child(gw.metrics.tokens, provider, "input").inc(u.input_tokens or 0)
    gw.metrics.child(gw.metrics.tokens, provider, "output").inc(u.output_tokens or 0)


def _tool_rows(calls: list[ToolCall], side: str, gw: Gateway) -> list[dict[str, Any]]:
    record_paths = gw.holder.active.loaded.policy.audit.record_paths
    return [{"name": c.name, "side": side, "paths": list(c.paths) if record_paths else []} for c in calls]


_SETTLING: set[asyncio.Task[None]] = set()


SETTLE_RETRY_S = (0.5, 1.0, 2.0, 4.0, 8.0)  # the limiter may be back within seconds (a restart)


async def _settle_ticket(gw: Gateway, ticket: Ticket, status: int, used: int | None, cost: float | None,
                         request_id: str) -> None:
    values = None
    for delay in (*SETTLE_RETRY_S, None):
        try:
            if status == 200:
                values = await accounting.settle(gw.limiter, ticket, used, cost)
            else:
                await accounting.release(gw.limiter, ticket)
            break
        except LimiterUnavailable:
            gw.metrics.errors.labels("limiter_unavailable").inc()
            if delay is None:
                log.error("limiter unreachable while settling %s; its usage is not counted", request_id)
                return
            await asyncio.sleep(delay)  # retrying is safe: a settle applies once per request id
    if values is not None:
        with contextlib.suppress(LimiterUnavailable):
            await _budget_alerts(gw, ticket, values)


async def _finish(gw: Gateway, event: AuditEvent, t0: float, ticket: Ticket | None = None) -> None:
    if ticket is not None:  # settled after the answer: the client does not wait for this round trip
        used = None if event.input_tokens is None else (event.input_tokens or 0) + (event.output_tokens or 0)
        task = asyncio.create_task(_settle_ticket(gw, ticket, event.status, used, event.cost_usd, event.request_id))
        _SETTLING.add(task)
        task.add_done_callback(_SETTLING.discard)
    event.duration_ms = round((time.perf_counter() - t0) * 1000, 3)
    m = gw.metrics
    m.child(m.requests, event.route, event.provider or "-", str(event.status)).inc()
    m.child(m.duration, event.route).observe(event.duration_ms / 1000)
    gw.writer.submit(event)
    log.info("%s %s %s %d %.1fms%s", event.request_id, event.user or "-", event.route, event.status,
             event.duration_ms, f" error={event.error_code}" if event.error_code else "")


async def _admit(gw: Gateway, env: Envelope | None, event: AuditEvent, path: str) -> Ticket | None:
    """Reserve this request on every limit that applies; 429 in the provider's shape when one is full."""
    if env is None or event.user is None:
        return None
    pol = gw.holder.active.loaded.policy
    if path.endswith("count_tokens"):
        amounts = Amounts(requests=1)
    else:
        body = env.body
        max_tokens = next((v for k in ("max_tokens", "max_completion_tokens", "max_output_tokens")
                           if isinstance(v := body.get(k), int)), None)
        amounts = accounting.estimate(pol, env.model, sum(len(s.text) for s in env.segments), max_tokens)
    try:
        return await accounting.admit(gw.limiter, pol, event.user, event.team, amounts, event.request_id)
    except accounting.LimitExceeded as exc:
        res = exc.reservation
        failed = res.failed
        event.decision = "block"
        event.rule_ids = [*event.rule_ids, f"limits.{failed.scope}.{failed.metric}" if failed else "limits"]
        what = f"{failed.metric} limit for {failed.scope} ({_shown_limit(failed)})" if failed else "a limit"
        if failed is not None and failed.metric in BUDGETS and gw.alerts is not None:
            # a refused request means the budget is spent: the 100 % alert, if not sent yet
            with contextlib.suppress(LimiterUnavailable):
                await gw.alerts.check(pol.alerts, [failed], {failed.key: failed.limit})
        raise GatewayError(429, f"seawall: {what} reached; retry after {res.retry_after} s", "rate_limited",
                           rate_limit_headers(event.provider or "openai", res)) from None
    except LimiterUnavailable as exc:
        gw.metrics.errors.labels("limiter_unavailable").inc()
        on_error = pol.limits.on_error or pol.on_error
        if on_error == "block":
            log.warning("limiter unavailable (%s); %s refused (on_error: block)", exc, event.request_id)
            raise GatewayError(503, "seawall: the rate limiter is unavailable and the policy fails closed",
                               "limiter_unavailable", {"retry-after": "5"}) from None
        log.error("limiter unavailable (%s); %s admitted without limits (on_error: allow)", exc, event.request_id)
        event.rule_ids = [*event.rule_ids, "limits.on_error: allow"]
        # still charged: its usage is added once the limiter answers again (exactly once)
        return accounting.unconfirmed(pol, event.user, event.team, amounts, event.request_id)


async def _budget_alerts(gw: Gateway, ticket: Ticket, values: list[int]) -> None:
    """`values`: the ticket's counters after settling (the settle returns them: no extra round trip)."""
    budgets = [(c, v) for c, v in zip(ticket.counters, values, strict=True) if c.metric in BUDGETS]
    if gw.alerts is None or not budgets:
        return
    await gw.alerts.check(gw.holder.active.loaded.policy.alerts, [c for c, _ in budgets],
                          {c.key: v for c, v in budgets})


def _shown_limit(c: Counter) -> str:
    return f"${c.limit / MICRO:g}" if c.metric.endswith("_usd") else str(c.limit)


def rate_limit_headers(provider: str, res: Reservation) -> dict[str, str]:
    """Retry-After plus the rate-limit headers each provider's clients read to back off."""
    c = res.failed
    retry = res.retry_after
    h = {"retry-after": str(retry)}
    if c is None:
        return h
    kind = "requests" if c.metric in ("rpm", "concurrent") else "tokens"
    if provider == "anthropic":
        reset = (datetime.now(UTC) + timedelta(seconds=retry)).isoformat(timespec="seconds").replace("+00:00", "Z")
        h.update({f"anthropic-ratelimit-{kind}-limit": str(c.limit), f"anthropic-ratelimit-{kind}-remaining": "0",
                  f"anthropic-ratelimit-{kind}-reset": reset})
    else:
        h.update({f"x-ratelimit-limit-{kind}": str(c.limit), f"x-ratelimit-remaining-{kind}": "0",
                  f"x-ratelimit-reset-{kind}": f"{retry}s"})
    return h


def _inspect(gw: Gateway, env: Envelope, vault: Vault, event: AuditEvent) -> Inspection | None:
    """Apply the policy to the request's content; errors and overruns go to the policy's on_error."""
    engine = gw.holder.active.engine
    pol = engine.policy
    t = time.perf_counter()
    try:
        insp = gw.inspector.run(env, engine, vault)
    except Exception as exc:  # a detector or adapter bug must not let content through unchecked
        log.error("inspection failed (%s) on %s", type(exc).__name__, event.request_id)
        if pol.on_error == "block":
            raise GatewayError(503, "seawall could not inspect this request and the policy fails closed",
                               "inspection_error") from None
        event.error_code = "inspection_error"
        return None
    took_ms = (time.perf_counter() - t) * 1000
    event.tiers = sorted(insp.tiers)
    event.rule_ids = insp.rule_ids
    event.decision = insp.action.value
    if took_ms > pol.gateway.inspect_budget_ms and pol.on_error == "block":
        raise GatewayError(503, f"inspection took {took_ms:.0f} ms, over the policy's budget; failing closed",
                           "inspection_budget")
    if insp.refuse:
        event.decision = "block"
        raise GatewayError(403, f"blocked by the seawall policy: {insp.refuse}", "policy_block")
    _model_rules(pol, env.model, insp, event)
    return insp


def _model_rules(pol: Policy, model: str | None, insp: Inspection, event: AuditEvent) -> None:
    """Per-team/user model allow-lists, and which models may receive content of each tier."""
    name = (model or "").lower()
    for who, limits in (("teams", pol.teams.get(event.team or "")), ("users", pol.users.get(event.user or ""))):
        if limits is not None and limits.models is not None \
                and not any(fnmatch.fnmatchcase(name, m.lower()) for m in limits.models):
            event.decision = "block"
            event.rule_ids = [*event.rule_ids, f"{who}.models"]
            raise GatewayError(403, f"model {model!r} is not in the allowed models for your "
                               f"{'team' if who == 'teams' else 'user'} ({who}.models)", "model_not_allowed")
    if insp.route_local:
        return
    for tier in insp.tiers:
        allowed = pol.classification.models.get(Tier(tier))
        if allowed is not None and not any(fnmatch.fnmatchcase(name, m.lower()) for m in allowed):
            if "local" in pol.providers:
                insp.route_local = True
                event.rule_ids = [*event.rule_ids, f"classification.models.{tier}"]
                return
            event.decision = "block"
            raise GatewayError(403, f"{tier} content may not go to model {model!r} "
                               f"(classification.models.{tier})", "model_not_allowed")


async def _route_local(gw: Gateway, request: Request, env: Envelope, fmt: str, vault: Vault, event: AuditEvent,
                       t0: float, ticket: Ticket | None) -> Response:
    """Confidential content goes to the configured local model only; Anthropic requests are
    translated to chat completions and the answer back, streaming included."""
    local = gw.upstreams.get("local")
    if local is None:  # inspection already withheld the content when no local model is configured
        raise GatewayError(403, "confidential content may only go to a local model, and none is configured",
                           "route_local_unavailable")
    if fmt not in ("anthropic", "openai_chat") or request.url.path.endswith("count_tokens"):
        raise GatewayError(403, "confidential content may only go to a local model, which this API cannot reach "
                           "(use Messages or Chat Completions)", "route_local_unsupported")
    model = local.provider.model or env.model or "local"
    event.provider = "local"
    if fmt == "anthropic":
        body = orjson.dumps(translate.anthropic_to_chat(env.body, model))
    else:
        env.body["model"] = model
        body = orjson.dumps(env.body)
    t_up = time.perf_counter()
    try:
        resp = await local.open("POST", "/v1/chat/completions", "", request.headers, body)
    except UpstreamTimeout:
        raise GatewayError(504, "the local model did not answer in time", "upstream_timeout") from None
    except UpstreamError as exc:
        raise GatewayError(502, f"the local model is unreachable ({type(exc).__name__})",
                           "upstream_unreachable") from None
    event.upstream_ms = (time.perf_counter() - t_up) * 1000
    headers = {"x-seawall-request-id": event.request_id, "x-seawall-route": "local"}
    if resp.status_code == 200 and "text/event-stream" in resp.headers.get("content-type", ""):
        translator = translate.ChatToAnthropicStream(env.model or model) if fmt == "anthropic" else None
        return StreamingResponse(_relay(gw, resp, fmt, env, event, t0, vault, translator, ticket),
                                 status_code=200,
                                 headers={**headers, "content-type": "text/event-stream"})
    try:
        content = await _read_answer(resp)
    except UpstreamError:
        raise GatewayError(502, "the local model closed the connection mid-answer", "upstream_cut") from None
    finally:
        await resp.aclose()
    event.status = resp.status_code
    if resp.status_code == 200 and fmt == "anthropic":
        try:
            content = orjson.dumps(translate.chat_to_anthropic(orjson.loads(content), env.model or model))
        except (orjson.JSONDecodeError, AttributeError):
            raise GatewayError(502, "the local model sent an answer that is not JSON", "upstream_invalid") from None
    elif resp.status_code != 200 and fmt == "anthropic":
        content = translate.chat_error_to_anthropic(resp.status_code, content)
    if resp.status_code == 200:
        _settle(gw, event, env, from_body(fmt, content), "request")
        content = restore_body(content, vault)
    else:
        event.error_code = f"upstream_{resp.status_code}"
    await _finish(gw, event, t0, ticket)
    return Response(content, status_code=resp.status_code, headers=headers, media_type="application/json")


def _metadata_session(body: dict[str, Any]) -> str | None:
    """Claude Code's metadata.user_id is a JSON string holding session_id."""
    meta = body.get("metadata")
    raw = meta.get("user_id") if isinstance(meta, dict) else None
    if not isinstance(raw, str) or "session_id" not in raw:
        return None
    try:
        sid = orjson.loads(raw).get("session_id")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return sid[:128] if isinstance(sid, str) and sid else None


def _session_id(request: Request) -> str | None:
    sid = request.headers.get("x-claude-code-session-id") or request.headers.get("x-session-id")
    return sid[:128] if sid else None
