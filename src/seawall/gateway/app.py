"""The gateway application: routes, start-up and shut-down, policy hot reload."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from seawall import __version__
from seawall.audit.events import AuditEvent
from seawall.audit.writer import AuditWriter
from seawall.gateway import admin, errors, proxy
from seawall.gateway.auth import KeyCache
from seawall.gateway.hookevents import receive as hook_events
from seawall.gateway.proxy import Gateway
from seawall.gateway.upstream import Upstream
from seawall.limits import prices
from seawall.limits.alerts import AlertCenter
from seawall.limits.base import Limiter
from seawall.limits.memory import MemoryLimiter
from seawall.policy.reload import PolicyHolder
from seawall.policy.schema import Policy
from seawall.store.db import Store, StoreUnavailable, open_store

log = logging.getLogger("seawall.gateway")
RELOAD_CHECK_S = 2.0


def build_upstreams(policy: Policy) -> dict[str, Upstream]:
    """anthropic- and openai-format upstreams from `providers` (the local model comes with routing)."""
    out: dict[str, Upstream] = {}
    for name, prov in policy.providers.items():
        if name == "local":
            out["local"] = Upstream(name, prov, "openai")  # local servers speak chat completions
            continue
        fmt = prov.format or ("anthropic" if name == "anthropic" else "openai" if name == "openai" else None)
        if fmt is None or fmt in out:
            continue
        out[fmt] = Upstream(name, prov, fmt)
    return out


def create_app(holder: PolicyHolder, store: Store | None = None) -> Starlette:
    state: dict[str, Gateway] = {}

    def gw() -> Gateway:
        return state["gw"]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pol = holder.active.loaded.policy
        st: Store = store if store is not None else await anyio.to_thread.run_sync(open_store, pol.store)
        writer = AuditWriter(st, pol.gateway.audit_batch, pol.gateway.audit_flush_s)
        limiter = build_limiter(pol)
        g = Gateway(holder, st, KeyCache(st, pol.gateway.key_cache_s), build_upstreams(pol), writer,
                    limiter=limiter, redaction_key=await anyio.to_thread.run_sync(redaction_key, st))
        g.alerts = AlertCenter(limiter, lambda fields: writer.submit(alert_event(fields)))
        writer.register_metrics(g.metrics.registry)
        g.metrics.audit_dropped.set_function(lambda: writer.dropped)  # read at scrape time
        prices.set_overrides({k: v.model_dump() for k, v in pol.limits.prices.items()})
        state["gw"] = g
        app.state.gateway = g
        watcher = asyncio.create_task(_watch_policy(g))
        if pol.injection.channels:  # the rule gates take ~0.5 s to build: not on a request's time
            threading.Thread(target=_warm_injection, name="seawall-warm", daemon=True).start()
        anomalies = asyncio.create_task(_anomaly_loop(g))
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, lambda: _reload(g, "SIGHUP"))
        try:
            yield
        finally:
            # the server may have dropped connections whose requests are still running: let them end,
            # so every reservation is settled and every request audited
            if not await g.drained(30.0):
                log.error("shutdown: %d requests and %d streams still open after 30 s", g.inflight, g.streams)
            watcher.cancel()
            anomalies.cancel()
            if proxy._SETTLING:  # usage of the last answers is counted before the limiter closes
                await asyncio.wait(set(proxy._SETTLING), timeout=10)
            if g.alerts is not None:
                await g.alerts.close()
            await g.limiter.close()
            for up in g.upstreams.values():
                await up.close()
            await anyio.to_thread.run_sync(writer.close)
            if store is None:
                st.close()

    async def messages(request: Request) -> Response:
        return await proxy.handle(gw(), request)

    async def models(request: Request) -> Response:
        return await proxy.handle_models(gw(), request)

    async def root(request: Request) -> Response:
        return JSONResponse({"service": "seawall", "version": __version__})

    async def whoami(request: Request) -> Response:
        """Which user a key belongs to (for `seawall doctor`); nothing is forwarded upstream."""
        from seawall.gateway.auth import presented_key

        key = presented_key(request.headers)
        principal = await gw().keys.principal(key) if key else None
        if principal is None:
            return errors.error_response("anthropic", 401, "invalid or revoked seawall key", "invalid_key")
        return JSONResponse({"user": principal.user, "team": principal.team, "key_id": principal.key_id})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        if getattr(request.app.state, "draining", False):
            return JSONResponse({"status": "draining"}, status_code=503)

        def ping() -> None:
            with gw().store.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        try:
            with anyio.fail_after(3):  # abandon: a connection attempt that hangs must not hang the probe
                await anyio.to_thread.run_sync(ping, abandon_on_cancel=True)
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "store": type(exc).__name__}, status_code=503)
        writer = gw().writer
        if writer.failing_since is not None:  # reachable, but audit events cannot be written (read-only?)
            failing = round(time.monotonic() - writer.failing_since, 1)
            return JSONResponse({"status": "unavailable", "audit": {"pending": writer.pending, "failing_s": failing}},
                                status_code=503)
        return JSONResponse({"status": "ready", "policy": holder.active.loaded.source})

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(gw().metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def not_found(request: Request) -> Response:
        fmt = proxy.error_format(proxy.kind_for_headers(request.headers))
        return errors.error_response(fmt, 404, f"no route {request.method} {request.url.path}", "not_found")

    async def admin_keys(request: Request) -> Response:
        return await admin.keys(gw(), request)

    async def admin_revoke(request: Request) -> Response:
        return await admin.revoke(gw(), request)

    async def admin_reload(request: Request) -> Response:
        return await admin.reload(gw(), request)

    async def admin_audit(request: Request) -> Response:
        return await admin.audit(gw(), request)

    async def admin_openapi(request: Request) -> Response:
        from importlib import resources

        spec = resources.files("seawall.gateway").joinpath("admin_openapi.json").read_bytes()
        return Response(spec, media_type="application/json")

    routes = [Route(p, messages, methods=["POST"]) for p in proxy.ROUTES]
    routes += [
        Route("/v1/models", models, methods=["GET"]),
        Route("/", root, methods=["GET", "HEAD"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/seawall/whoami", whoami, methods=["GET"]),
        Route("/seawall/hook-events", hook_events, methods=["POST"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/admin/keys", admin_keys, methods=["GET", "POST"]),
        Route("/admin/keys/{key_id}", admin_revoke, methods=["DELETE"]),
        Route("/admin/reload", admin_reload, methods=["POST"]),
        Route("/admin/audit", admin_audit, methods=["GET"]),
        Route("/admin/openapi.json", admin_openapi, methods=["GET"]),
    ]
    from seawall.web.app import routes as ui_routes

    routes += ui_routes(gw)
    async def crashed(request: Request, exc: Exception) -> Response:
        """A bug must still answer in the provider's shape, without a trace or any content."""
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        fmt = proxy.error_format(proxy.kind_for_headers(request.headers))
        return errors.error_response(fmt, 500, "seawall internal error; the request was not forwarded",
                                     "internal_error")

    async def store_down(request: Request, exc: Exception) -> Response:
        """The store is unreachable for a lookup the cache cannot answer (a key not seen lately, the admin
        API): a provider-shaped 503 with Retry-After, audited, one log line; no trace."""
        path = request.url.path
        kind = proxy.ROUTES[path][0] if path in proxy.ROUTES else proxy.kind_for_headers(request.headers)
        event = AuditEvent(request_id="req_" + uuid.uuid4().hex[:24], route=path, status=503, duration_ms=0.0,
                           provider=kind, decision="error", error_code="store_unavailable")
        log.error("%s %s %s: %s", event.request_id, request.method, path, exc)
        gw().metrics.errors.labels("store_unavailable").inc()
        gw().writer.submit(event)
        return errors.error_response(proxy.error_format(kind), 503, "seawall cannot reach its store; retry shortly",
                                     "store_unavailable",
                                     {"retry-after": "5", "x-seawall-request-id": event.request_id})

    exception_handlers: dict[Any, Any] = {404: _wrap(not_found), 405: _wrap(not_found),
                                          StoreUnavailable: store_down, Exception: crashed}
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=exception_handlers)


def _warm_injection() -> None:
    try:
        from seawall.detect.injection.signals import warm

        warm()
    except Exception as exc:  # a missing optional engine: requests build what they need themselves
        log.warning("injection warm-up skipped (%s)", type(exc).__name__)


def alert_event(fields: dict[str, Any]) -> AuditEvent:
    scope = str(fields.get("scope", ""))
    kind, _, name = scope.partition(":")
    return AuditEvent(request_id="alert_" + uuid.uuid4().hex[:20], route=str(fields["route"]), status=0,
                      duration_ms=0.0, decision="alert", rule_ids=list(fields.get("rule_ids", [])),
                      user=name if kind == "user" else None, team=name if kind == "team" else None)


def build_limiter(policy: Policy) -> Limiter:
    lim = policy.limits
    if lim.backend == "redis":
        from seawall.limits.redis import RedisLimiter

        assert lim.url is not None
        return RedisLimiter(lim.url, lim.timeout_ms / 1000)
    return MemoryLimiter()


def redaction_key(store: Store) -> bytes:
    """Keys the placeholders: $SEAWALL_REDACTION_KEY, else derived from the store's pepper, so every
    replica sharing the store makes the same placeholder for the same value."""
    env = os.environ.get("SEAWALL_REDACTION_KEY")
    if env:
        return env.encode()
    return hmac.new(store.pepper(), b"seawall-redaction-v1", hashlib.sha256).digest()


def _wrap(fn: Any) -> Any:
    async def handler(request: Request, exc: Exception) -> Response:
        return await fn(request)
    return handler


def _reload(g: Gateway, why: str) -> None:
    error = g.holder.reload()
    if error is None:
        g.upstreams = build_upstreams(g.holder.active.loaded.policy)  # old clients finish their streams
        prices.set_overrides({k: v.model_dump() for k, v in g.holder.active.loaded.policy.limits.prices.items()})
        log.warning("policy reloaded (%s) from %s", why, g.holder.active.loaded.source)
    else:
        log.error("policy reload refused (%s); keeping the current policy:\n%s", why, error)


async def _anomaly_loop(g: Gateway) -> None:
    """When audit.anomaly_detection is on: judge the last day against the 30 before it, every interval;
    each anomaly is audited and sent to the alert webhooks once."""
    from datetime import UTC, datetime, timedelta

    from seawall.audit.anomaly import detect
    from seawall.audit.query import events_between

    while True:
        pol = g.holder.active.loaded.policy
        await asyncio.sleep(pol.audit.anomaly_interval_min * 60)
        pol = g.holder.active.loaded.policy
        if not pol.audit.anomaly_detection or g.alerts is None:
            continue
        try:
            now = datetime.now(UTC)
            start = now - timedelta(days=1)
            hist = await anyio.to_thread.run_sync(events_between, g.store, start - timedelta(days=30), start)
            win = await anyio.to_thread.run_sync(events_between, g.store, start, now)
            for a in detect(hist, win):
                if await g.limiter.once(f"sw:an:{a.kind}:{a.user}:{a.since.isoformat()}", 40 * 86400):
                    g.writer.submit(alert_event({"route": "alert:anomaly", "scope": f"user:{a.user}",
                                                 "rule_ids": [f"anomaly.{a.kind}"]}))
                    await g.alerts.send(pol.alerts, a.as_dict())
        except Exception as exc:  # detection must never take the gateway down
            log.error("anomaly detection failed: %s", type(exc).__name__)


async def _watch_policy(g: Gateway) -> None:
    """Reload when the policy file changes on disk; a bad file is refused, the old one stays."""
    last_error: str | None = None
    while True:
        await asyncio.sleep(RELOAD_CHECK_S)
        holder = g.holder
        if holder.path is None:
            continue
        before = holder.active
        error = await anyio.to_thread.run_sync(holder.reload_if_changed)
        if error is not None and str(error) != last_error:
            last_error = str(error)
            log.error("policy file changed but is invalid; keeping the current policy:\n%s", error)
        elif holder.active is not before:
            last_error = None
            g.upstreams = build_upstreams(holder.active.loaded.policy)
            prices.set_overrides({k: v.model_dump() for k, v in holder.active.loaded.policy.limits.prices.items()})
            log.warning("policy reloaded from %s", holder.active.loaded.source)
