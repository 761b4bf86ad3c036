"""Admin API (/admin/...): keys and policy reload. Off unless the policy sets gateway.admin_token;
the token travels as Authorization: Bearer and is compared in constant time."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

import anyio.to_thread
import orjson
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from seawall.policy.schema import Name
from seawall.store.db import KeyRecord

if TYPE_CHECKING:
    from seawall.gateway.proxy import Gateway


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: Name
    team: Name | None = None
    name: str | None = None


def _err(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "admin_error"}}, status_code=status)


def _authorised(gw: Gateway, request: Request) -> Response | None:
    token = gw.holder.active.loaded.policy.gateway.admin_token
    if not token:
        return _err(404, "the admin API is off (set gateway.admin_token in the policy)")
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        return _err(401, "admin token required (Authorization: Bearer ...)")
    return None


def _key_json(r: KeyRecord) -> dict[str, object]:
    return {"id": r.id, "user": r.user, "team": r.team, "name": r.name, "key_hint": f"swk_…{r.last4}",
            "created_at": r.created_at.isoformat(), "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None}


async def keys(gw: Gateway, request: Request) -> Response:
    if (denied := _authorised(gw, request)) is not None:
        return denied
    if request.method == "GET":
        user = request.query_params.get("user")
        everything = request.query_params.get("all") in ("1", "true")
        recs = await anyio.to_thread.run_sync(gw.store.list_keys, user, everything)
        return JSONResponse({"keys": [_key_json(r) for r in recs]})
    try:
        spec = NewKey.model_validate(orjson.loads(await request.body()))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()) \
            if isinstance(exc, ValidationError) else "body is not valid JSON"
        return _err(400, msg)
    key, rec = await anyio.to_thread.run_sync(gw.store.create_key, spec.user, spec.team, spec.name)
    return JSONResponse({"key": key, **_key_json(rec)}, status_code=201)


async def revoke(gw: Gateway, request: Request) -> Response:
    if (denied := _authorised(gw, request)) is not None:
        return denied
    key_id = request.path_params["key_id"]
    done = await anyio.to_thread.run_sync(gw.store.revoke_key, key_id)
    gw.keys.forget(key_id)
    if not done:
        return _err(404, f"no active key {key_id}")
    return JSONResponse({"revoked": key_id})


async def audit(gw: Gateway, request: Request) -> Response:
    """GET /admin/audit?user=&team=&since=&until=&decision=&rule=&tool=&path=&model=&limit=&cursor="""
    if (denied := _authorised(gw, request)) is not None:
        return denied
    from seawall.audit.query import AuditFilter, parse_time, query

    q = request.query_params
    try:
        f = AuditFilter(user=q.get("user"), team=q.get("team"),
                        since=parse_time(q["since"]) if q.get("since") else None,
                        until=parse_time(q["until"]) if q.get("until") else None, decision=q.get("decision"),
                        rule=q.get("rule"), tool=q.get("tool"), path=q.get("path"), model=q.get("model"))
        limit = int(q.get("limit", "50"))
        page = await anyio.to_thread.run_sync(query, gw.store, f, limit, q.get("cursor"))
    except ValueError as exc:
        return _err(400, str(exc))
    events = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()} for e in page.events]
    return JSONResponse({"events": events, "next_cursor": page.next_cursor})


async def reload(gw: Gateway, request: Request) -> Response:
    if (denied := _authorised(gw, request)) is not None:
        return denied
    error = await anyio.to_thread.run_sync(gw.holder.reload)
    if error is not None:
        return JSONResponse({"reloaded": False, "problems": [str(p) for p in error.problems]}, status_code=422)
    return JSONResponse({"reloaded": True, "policy": gw.holder.active.loaded.source})
