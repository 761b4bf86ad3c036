"""`POST /seawall/hook-events`: audit events from workstation hooks (`seawall hook ...`).

A hook process sends its decision here when the workstation is configured for the gateway (see
docs/hooks.md); `seawall audit import-spool --gateway` forwards what was spooled while the gateway
was down. The body is a JSON list of at most `MAX_EVENTS` metadata-only events, validated strictly
(`HookEvent`): ids, names, paths, tiers, rule ids and the decision, never a free-text field; unknown
fields are refused. The user and team come from the virtual key that authenticates the request,
never from the body.

Idempotent by event id: the stored id is derived from the key's user and the client's event id
(`stored_id`), so the same event sent twice (a hook whose answer timed out, then the spool import)
is stored once: duplicates within a batch, ids this process submitted recently, and ids already in
the store are counted as duplicates and not written again. Accepted events go through the gateway's
audit writer like every proxied request.
"""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from seawall.audit.events import AuditEvent
from seawall.limits.base import Amounts, LimiterUnavailable, minute_counter

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from seawall.gateway.auth import Principal
    from seawall.store.db import Store

PATH = "/seawall/hook-events"
MAX_EVENTS = 500
MAX_BODY = 1024 * 1024
# Posts per minute per key: a workstation posts once per hook decision or spool flush. Beyond it the client
# gets 429 and keeps the events in its spool (nothing is lost); a key cannot flood the audit log.
POSTS_PER_MINUTE = 600
MAX_PATHS = 32
MAX_RULES = 32
MAX_AGE = timedelta(days=400)  # a spool may be imported long after it was written
MAX_SKEW = timedelta(minutes=10)  # clocks of workstations run a little ahead
_NAMESPACE = uuid.UUID("6c0e7f0e-4a1b-5d7c-9a57-5ea3a11400c5")
_RECENT_MAX = 100_000

# token-like values only: nothing with spaces or punctuation that prose or a credential would need
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"

Token64 = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_ID)]
Token128 = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=_ID)]
HookEventName = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
TargetPath = Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=_PRINTABLE)]
RuleId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_PRINTABLE)]
ErrorCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Decision = Literal["allow", "log", "redact", "route_local", "block"]
TierName = Literal["public", "internal", "confidential", "restricted"]


class HookEvent(BaseModel):
    """One hook decision on the wire. Every field is an id, a name, a number, a path or a rule id."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: Annotated[str, StringConstraints(min_length=36, max_length=36,
                                         pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    ts: AwareDatetime
    client: Literal["claude-code", "cursor"]
    hook_event: HookEventName
    request_id: Token64 | None = None
    session_id: Token128 | None = None
    tool: Token128 | None = None
    paths: Annotated[list[TargetPath], Field(max_length=MAX_PATHS)] = []
    decision: Decision
    denied: bool = False
    tiers: Annotated[list[TierName], Field(max_length=4)] = []
    rule_ids: Annotated[list[RuleId], Field(max_length=MAX_RULES)] = []
    duration_ms: Annotated[float, Field(ge=0, le=3_600_000)]
    error_code: ErrorCode | None = None


BATCH = TypeAdapter(Annotated[list[HookEvent], Field(min_length=1, max_length=MAX_EVENTS)])


class BatchError(ValueError):
    """The body is not an acceptable batch; the message names the field, never a value."""


def _loc(loc: Iterable[Any]) -> str:
    parts = []
    for p in loc:
        s = str(p)
        s = re.sub(r"[^A-Za-z0-9_.-]", "?", s[:40])
        parts.append(f"[{s}]" if isinstance(p, int) else s)
    return ".".join(parts).replace(".[", "[") or "body"


def _message(exc: ValidationError, prefix: str = "") -> str:
    errs = exc.errors(include_url=False, include_input=False, include_context=False)
    shown = "; ".join(f"{prefix}{_loc(e['loc'])}: {e['msg']}" for e in errs[:5])
    return shown + (f" (and {len(errs) - 5} more)" if len(errs) > 5 else "")


def _check_time(ev: HookEvent, where: str) -> None:
    now = datetime.now(UTC)
    if ev.ts > now + MAX_SKEW or ev.ts < now - MAX_AGE:
        raise BatchError(f"{where}ts: outside the accepted window (now - {MAX_AGE.days} days .. now + "
                         f"{int(MAX_SKEW.total_seconds() // 60)} minutes)")


def parse_batch(body: bytes) -> list[HookEvent]:
    """Validate a request body; BatchError with a short, value-free message otherwise."""
    if not body.strip():
        raise BatchError("empty body: expected a JSON list of hook events")
    try:
        events = BATCH.validate_json(body, strict=True)
    except ValidationError as exc:
        raise BatchError(_message(exc)) from None
    for i, ev in enumerate(events):
        _check_time(ev, f"[{i}].")
    return events


def parse_event(obj: Any) -> HookEvent:
    """One event (a decoded JSON value) validated as the endpoint would (`seawall audit import-spool`)."""
    import json

    try:
        ev = HookEvent.model_validate_json(json.dumps(obj), strict=True)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise BatchError(_message(exc)) from None
        raise BatchError("not JSON-serialisable") from None
    _check_time(ev, "")
    return ev


def stored_id(user: str, event_id: str) -> str:
    """The audit row's id: one per (user, client event id), so a user cannot shadow another's events."""
    return str(uuid.uuid5(_NAMESPACE, f"{user}\n{event_id}"))


def to_audit_event(ev: HookEvent, user: str | None, team: str | None, key_id: str | None,
                   row_id: str | None = None, record_paths: bool = True) -> AuditEvent:
    calls = [{"name": ev.tool, "paths": list(ev.paths) if record_paths else []}] if ev.tool else []
    return AuditEvent(
        id=row_id or ev.id, ts=ev.ts.astimezone(UTC), request_id=ev.request_id or "-", route=f"hook:{ev.hook_event}",
        status=403 if ev.denied else 200, duration_ms=float(ev.duration_ms), decision=ev.decision,
        session_id=ev.session_id, user=user, team=team, key_id=key_id, provider=ev.client, tool_calls=calls,
        tiers=list(ev.tiers), rule_ids=list(ev.rule_ids), error_code=ev.error_code)


def existing_ids(store: Store, ids: Sequence[str]) -> set[str]:
    """Which of `ids` the store already holds (blocking; run it off the event loop)."""
    import sqlalchemy as sa

    from seawall.store.tables import audit_events

    found: set[str] = set()
    with store.guarded(), store.engine.connect() as conn:
        for i in range(0, len(ids), 500):
            chunk = list(ids[i:i + 500])
            found.update(r[0] for r in conn.execute(sa.select(audit_events.c.id).where(audit_events.c.id.in_(chunk))))
    return found


class Recent:
    """Stored ids this process submitted lately (the writer flushes in batches; the store lookup alone
    would miss an id sent twice within one flush interval)."""

    def __init__(self, limit: int = _RECENT_MAX) -> None:
        self.limit = limit
        self._ids: OrderedDict[str, None] = OrderedDict()

    def claim(self, ids: Iterable[str]) -> list[str]:
        """The ids not seen yet; they are marked seen (synchronously: no await between test and set)."""
        fresh = []
        for i in ids:
            if i not in self._ids:
                self._ids[i] = None
                fresh.append(i)
        while len(self._ids) > self.limit:
            self._ids.popitem(last=False)
        return fresh

    def release(self, ids: Iterable[str]) -> None:
        for i in ids:
            self._ids.pop(i, None)


_recent = Recent()


async def receive(request: Request) -> Response:
    """The endpoint (the gateway is `request.app.state.gateway`)."""
    import anyio.to_thread
    from starlette.responses import JSONResponse

    from seawall.gateway import errors
    from seawall.gateway.auth import presented_key
    from seawall.gateway.proxy import GatewayError, read_body

    def fail(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> Response:
        return errors.error_response("anthropic", status, message, code, headers)

    gw = request.app.state.gateway
    key = presented_key(request.headers)
    if not key:
        return fail(401, "missing API key: send your seawall key as x-api-key or Authorization: Bearer",
                    "missing_key")
    principal: Principal | None = await gw.keys.principal(key)
    if principal is None:
        return fail(401, "invalid or revoked seawall key", "invalid_key")
    try:
        room = await gw.limiter.reserve([minute_counter(f"hook:{principal.key_id}", POSTS_PER_MINUTE)], Amounts())
    except LimiterUnavailable:
        room = None  # open: the events are audit rows, and a refused client would only spool them
    if room is not None and not room.ok:
        return fail(429, f"more than {POSTS_PER_MINUTE} hook-event posts a minute for this key; retry later",
                    "rate_limited", {"retry-after": str(room.retry_after)})
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype != "application/json":
        return fail(415, "hook events must be sent as application/json", "unsupported_media_type")
    try:
        body = await read_body(request, MAX_BODY)
    except GatewayError as exc:
        return fail(exc.status, exc.message, exc.code)
    try:
        events = parse_batch(body)
    except BatchError as exc:
        return fail(400, f"invalid hook events: {exc}", "invalid_hook_events")

    by_id: dict[str, HookEvent] = {}
    for ev in events:
        by_id.setdefault(stored_id(principal.user, ev.id), ev)
    fresh = _recent.claim(by_id)
    try:
        stored = await anyio.to_thread.run_sync(existing_ids, gw.store, fresh) if fresh else set()
    except Exception as exc:  # the store is down: nothing was written, the client keeps its events
        _recent.release(fresh)
        return fail(503, f"the audit store is unavailable ({type(exc).__name__}); retry later", "store_unavailable")
    accepted = 0
    record_paths = bool(gw.holder.active.loaded.policy.audit.record_paths)  # the gateway's policy applies
    for rid in fresh:
        if rid in stored:
            continue
        gw.writer.submit(to_audit_event(by_id[rid], principal.user, principal.team, principal.key_id, rid,
                                        record_paths))
        accepted += 1
    return JSONResponse({"received": len(events), "accepted": accepted, "duplicates": len(events) - accepted})
