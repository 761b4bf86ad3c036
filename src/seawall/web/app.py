"""Dashboard routes under /ui. Sign-in with the admin token; the session is a signed, HttpOnly,
SameSite=Strict cookie (itsdangerous); every form carries a CSRF token bound to the session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from seawall.web import data

if TYPE_CHECKING:
    from seawall.gateway.proxy import Gateway

SESSION = "sw_ui"
PRELOGIN = "sw_ui_csrf"
MAX_AGE = 8 * 3600
_env = Environment(loader=PackageLoader("seawall.web", "templates"), autoescape=select_autoescape(["html"]))


def _serializer(gw: Gateway) -> URLSafeTimedSerializer | None:
    token = gw.holder.active.loaded.policy.gateway.admin_token
    if not token:
        return None
    secret = hmac.new(gw.redaction_key, b"seawall-ui\x00" + token.encode(), hashlib.sha256).hexdigest()
    return URLSafeTimedSerializer(secret, salt="seawall-ui-session")


def _session(gw: Gateway, request: Request) -> dict[str, Any] | None:
    ser = _serializer(gw)
    raw = request.cookies.get(SESSION)
    if ser is None or not raw:
        return None
    try:
        value = ser.loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    return value if isinstance(value, dict) and value.get("auth") else None


def _render(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(_env.get_template(name).render(**ctx), status_code=status,
                        headers={"cache-control": "no-store", "x-frame-options": "DENY",
                                 "content-security-policy": "default-src 'self'; style-src 'unsafe-inline'",
                                 "referrer-policy": "no-referrer"})


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int = MAX_AGE) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/ui")


def _bar_chart(rows: list[data.Usage]) -> str:
    """Horizontal bars: tokens today, against each user's daily budget (the dark tick at 100 %)."""
    top = max([max(u.tokens, u.budget or 0) for u in rows] + [1])
    h, width, label_w = 22, 760, 150
    parts = [f'<svg role="img" aria-label="tokens per user today" width="{width}" height="{h * len(rows) + 10}" '
             f'xmlns="http://www.w3.org/2000/svg" style="font:12px system-ui">']
    for i, u in enumerate(rows):
        y = 5 + i * h
        w = (width - label_w - 90) * u.tokens / top
        color = "#b3261e" if u.share is not None and u.share >= 1 else "#d98c1a" if (u.share or 0) >= 0.8 \
            else "#2f6fa8"
        name = _env.filters["e"](u.name)
        parts.append(f'<text x="0" y="{y + 14}">{name}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="14" fill="{color}"/>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 14}">{u.tokens:,}</text>')
        if u.budget:
            bx = label_w + (width - label_w - 90) * u.budget / top
            parts.append(f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{y}" y2="{y + 20}" stroke="#14324a" '
                         'stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def routes(gw_of: Callable[[], Gateway]) -> list[Route]:
    async def login_page(request: Request) -> Response:
        gw = gw_of()
        if _serializer(gw) is None:
            return _render("login.html", 404, title="sign in", csrf="", signed_in=False,
                           error="The dashboard is off: set gateway.admin_token in the policy.")
        if _session(gw, request):
            return RedirectResponse("/ui", 303)
        csrf = secrets.token_urlsafe(24)
        resp = _render("login.html", title="sign in", csrf=csrf, signed_in=False)
        _cookie(resp, request, PRELOGIN, csrf, 900)
        return resp

    async def login(request: Request) -> Response:
        gw = gw_of()
        ser = _serializer(gw)
        form = await request.form()
        token = str(form.get("token", ""))
        csrf_ok = hmac.compare_digest(str(form.get("csrf", "")), request.cookies.get(PRELOGIN, "") or "x")
        admin = gw.holder.active.loaded.policy.gateway.admin_token or ""
        if ser is None or not csrf_ok or not admin or not hmac.compare_digest(token.encode(), admin.encode()):
            await anyio.sleep(0.5)  # slows guessing
            csrf = secrets.token_urlsafe(24)
            page = _render("login.html", 401, title="sign in", csrf=csrf, signed_in=False,
                           error="Wrong token, or the form expired; try again.")
            _cookie(page, request, PRELOGIN, csrf, 900)
            return page
        done = RedirectResponse("/ui", 303)
        _cookie(done, request, SESSION, ser.dumps({"auth": True, "csrf": secrets.token_urlsafe(24)}))
        done.delete_cookie(PRELOGIN, path="/ui")
        return done

    def guard(request: Request, post: bool = False) -> tuple[dict[str, Any] | None, Response | None]:
        sess = _session(gw_of(), request)
        if sess is None:
            return None, RedirectResponse("/ui/login", 303)
        return sess, None

    async def check_csrf(request: Request, sess: dict[str, Any]) -> Any:
        form = await request.form()
        if not hmac.compare_digest(str(form.get("csrf", "")), str(sess.get("csrf", ""))):
            return None
        return form

    async def overview(request: Request) -> Response:
        sess, redirect = guard(request)
        if redirect:
            return redirect
        assert sess is not None
        gw = gw_of()
        pol = gw.holder.active.loaded.policy
        users = await anyio.to_thread.run_sync(data.usage_today, gw.store, pol, "user")
        teams = await anyio.to_thread.run_sync(data.usage_today, gw.store, pol, "team")
        from seawall.report import maturity

        ctx = maturity.Context(Path.cwd(), gw.holder.active.loaded, None, Path.home())
        checks = [f(ctx) for f in (maturity.extensions_list, maturity.sanitisation, maturity.budgets,
                                   maturity.anomalies_on)]
        return _render("overview.html", title="overview", page="overview", signed_in=True, csrf=sess["csrf"],
                       users=users, teams=teams, chart=_bar_chart(users), maturity=checks,
                       flash=request.query_params.get("flash"))

    async def keys_page(request: Request, new_key: str | None = None, new_user: str | None = None,
                        flash: str | None = None) -> Response:
        sess, redirect = guard(request)
        if redirect:
            return redirect
        assert sess is not None
        gw = gw_of()
        recs = await anyio.to_thread.run_sync(gw.store.list_keys)
        return _render("keys.html", title="keys", page="keys", signed_in=True, csrf=sess["csrf"], keys=recs,
                       new_key=new_key, new_key_user=new_user, flash=flash or request.query_params.get("flash"))

    async def keys_create(request: Request) -> Response:
        sess, redirect = guard(request)
        if redirect:
            return redirect
        assert sess is not None
        form = await check_csrf(request, sess)
        if form is None:
            return Response("CSRF check failed", status_code=403)
        from pydantic import TypeAdapter, ValidationError

        from seawall.policy.schema import Name

        try:
            user = TypeAdapter(Name).validate_python(str(form.get("user", "")).strip())
            team_raw = str(form.get("team", "")).strip()
            team = TypeAdapter(Name).validate_python(team_raw) if team_raw else None
        except ValidationError:
            return await keys_page(request, flash="User and team: letters, digits, '.', '_', '-', '@'.")
        label = str(form.get("name", "")).strip()[:128] or None
        gw = gw_of()
        key, _ = await anyio.to_thread.run_sync(gw.store.create_key, user, team, label)
        return await keys_page(request, new_key=key, new_user=user)

    async def keys_revoke(request: Request) -> Response:
        sess, redirect = guard(request)
        if redirect:
            return redirect
        assert sess is not None
        if await check_csrf(request, sess) is None:
            return Response("CSRF check failed", status_code=403)
        gw = gw_of()
        key_id = request.path_params["key_id"]
        done = await anyio.to_thread.run_sync(gw.store.revoke_key, key_id)
        gw.keys.forget(key_id)
        return RedirectResponse(f"/ui/keys?flash={'Revoked ' + key_id if done else 'No such active key'}", 303)

    async def activity(request: Request) -> Response:
        sess, redirect = guard(request)
        if redirect:
            return redirect
        assert sess is not None
        gw = gw_of()
        from seawall.store.tables import audit_events as ae

        blocks = await anyio.to_thread.run_sync(data.recent, gw.store, ae.c.decision == "block")
        alerts = await anyio.to_thread.run_sync(data.recent, gw.store, ae.c.route.like("alert:%"))
        rules = await anyio.to_thread.run_sync(data.blocks_by_rule, gw.store)
        return _render("activity.html", title="activity", page="activity", signed_in=True, csrf=sess["csrf"],
                       blocks=blocks, alerts=alerts, rules=rules)

    async def logout(request: Request) -> Response:
        sess = _session(gw_of(), request)
        if sess is not None and await check_csrf(request, sess) is None:
            return Response("CSRF check failed", status_code=403)
        resp = RedirectResponse("/ui/login", 303)
        resp.delete_cookie(SESSION, path="/ui")
        return resp

    return [
        Route("/ui/login", login_page, methods=["GET"]),
        Route("/ui/login", login, methods=["POST"]),
        Route("/ui/logout", logout, methods=["POST"]),
        Route("/ui", overview, methods=["GET"]),
        Route("/ui/keys", keys_page, methods=["GET"]),
        Route("/ui/keys", keys_create, methods=["POST"]),
        Route("/ui/keys/{key_id}/revoke", keys_revoke, methods=["POST"]),
        Route("/ui/activity", activity, methods=["GET"]),
    ]
