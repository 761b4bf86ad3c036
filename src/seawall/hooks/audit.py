"""Audit from the workstation: one metadata-only AuditEvent per hook decision.

Where the row goes, in this order (docs/hooks.md, "Audit"):

1. The gateway, when the workstation is configured for one (`gateway_target`): the event is POSTed to
   `<gateway>/seawall/hook-events` with the virtual key, standard library only, within
   `GATEWAY_TIMEOUT_S`. Any failure (down, slow, refused) appends it to the spool instead.
2. Else, when the policy's store is SQLite: straight into its `audit_events` table with the standard
   library's sqlite3 (no SQLAlchemy import on the hot path); a store file without the table is created
   once through `seawall.store.db` (migrations).
3. Else (PostgreSQL), or when the insert fails: a JSON-lines spool, `$XDG_DATA_HOME/seawall/hook-audit.jsonl`
   (~/.local/share/seawall/, or $SEAWALL_HOOK_SPOOL), that `seawall audit import-spool` imports.

Rows hold names, paths, tiers, rule ids and the decision: never file content, command text, prompt
text or tool output. Spool appends hold an exclusive `flock` on the file for the one write, so an
import can take the file's content and truncate it without losing a line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seawall.audit.events import AuditEvent

SPOOL_NAME = "hook-audit.jsonl"
EVENTS_PATH = "/seawall/hook-events"
GATEWAY_TIMEOUT_S = 0.3  # the whole POST: connect, send, answer
KEY_PREFIX = "swk_"
# A hook process sets this: the connection stays open until the process exits (closing the last
# connection checkpoints the WAL, which costs more than the insert).
KEEP_OPEN = False
_kept: list[sqlite3.Connection] = []

# the wire format's limits (seawall.gateway.hookevents.HookEvent validates them; a test keeps both equal)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9_.:-]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_HOOK_EVENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
DECISIONS = ("allow", "log", "redact", "route_local", "block")
TIERS = ("public", "internal", "confidential", "restricted")
MAX_PATHS = 32
MAX_RULES = 32


class GatewayRefused(Exception):
    """The gateway answered, but not with 200 (`status`, and its error code when it sent one)."""

    def __init__(self, status: int, code: str | None = None, message: str = "") -> None:
        super().__init__(f"HTTP {status}" + (f" ({code})" if code else ""))
        self.status = status
        self.code = code
        self.message = message


def data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) / "seawall" if xdg else Path.home() / ".local" / "share" / "seawall"


def spool_path() -> Path:
    env = os.environ.get("SEAWALL_HOOK_SPOOL")
    return Path(env) if env else data_dir() / SPOOL_NAME


# --- which gateway ---------------------------------------------------------------------------------

def _swk(value: str | None) -> str | None:
    v = (value or "").strip()
    return v if v.startswith(KEY_PREFIX) else None


def gateway_target(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(gateway URL, virtual key) when this workstation sends hook events to a gateway, else None.

    URL: $SEAWALL_GATEWAY_URL, else $ANTHROPIC_BASE_URL (what `seawall install claude-code --gateway`
    writes into Claude Code's settings). Key: $SEAWALL_KEY, else a seawall key (`swk_...`) in
    $ANTHROPIC_AUTH_TOKEN, else in $ANTHROPIC_API_KEY. A provider's own key is never sent: without a
    `swk_` key there is no gateway. SEAWALL_HOOK_GATEWAY=0 turns this off."""
    if env.get("SEAWALL_HOOK_GATEWAY", "").strip().lower() in ("0", "off", "false", "no"):
        return None
    url = (env.get("SEAWALL_GATEWAY_URL") or env.get("ANTHROPIC_BASE_URL") or "").strip()
    if not url.startswith(("http://", "https://")):
        return None
    key = _swk(env.get("SEAWALL_KEY")) or _swk(env.get("ANTHROPIC_AUTH_TOKEN")) or _swk(env.get("ANTHROPIC_API_KEY"))
    return (url, key) if key else None


def gateway_timeout(env: Mapping[str, str]) -> float:
    """$SEAWALL_HOOK_GATEWAY_TIMEOUT_MS, clamped to 10..300 ms (default 300 ms)."""
    raw = env.get("SEAWALL_HOOK_GATEWAY_TIMEOUT_MS", "")
    try:
        ms = float(raw) if raw else GATEWAY_TIMEOUT_S * 1000
    except ValueError:
        ms = GATEWAY_TIMEOUT_S * 1000
    return min(max(ms, 10.0), GATEWAY_TIMEOUT_S * 1000) / 1000


# --- the wire format -------------------------------------------------------------------------------

def _token(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or len(value) > limit or not _TOKEN.fullmatch(value):
        return None
    return value


def _printable(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    value = _CONTROL.sub("?", value)
    return value if len(value) <= limit else None


def wire_event(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored or spooled audit row as the gateway's hook-event format: only the fields it accepts,
    each clamped to its limits (an id that is not token-like is left out, not rewritten). The local
    user name is not sent: the gateway takes the user from the key."""
    ts = row.get("ts")
    if isinstance(ts, datetime):
        ts = (ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)).isoformat()
    route = str(row.get("route") or "")
    calls = row.get("tool_calls") or []
    call = calls[0] if isinstance(calls, list) and calls and isinstance(calls[0], dict) else {}
    name = call.get("name")
    tool = (_NOT_TOKEN.sub("_", name).lstrip("_.:-")[:128] or None) if isinstance(name, str) else None
    raw_paths = call.get("paths")
    if not isinstance(raw_paths, list):
        raw_paths = []
    paths = [p for p in (_printable(x, 1024) for x in raw_paths) if p][:MAX_PATHS]
    rules = [r for r in (_printable(x, 200) for x in (row.get("rule_ids") or [])) if r][:MAX_RULES]
    decision = row.get("decision")
    error_code = row.get("error_code")
    hook_event = route[5:] if route.startswith("hook:") else route
    try:
        duration = max(0.0, min(float(row.get("duration_ms") or 0.0), 3_600_000.0))
    except (TypeError, ValueError):
        duration = 0.0
    return {
        "id": row.get("id"),
        "ts": ts,
        "client": row.get("provider"),
        "hook_event": hook_event if _HOOK_EVENT.fullmatch(hook_event) else "unknown",
        "request_id": _token(row.get("request_id"), 64),
        "session_id": _token(row.get("session_id"), 128),
        "tool": tool,
        "paths": paths if tool else [],
        "decision": decision if decision in DECISIONS else "log",
        "denied": row.get("status") == 403,
        "tiers": [t for t in (row.get("tiers") or []) if t in TIERS][:4],
        "rule_ids": rules,
        "duration_ms": duration,
        "error_code": error_code if isinstance(error_code, str) and _ERROR_CODE.fullmatch(error_code) else None,
    }


def post_events(url: str, key: str, events: list[dict[str, Any]], timeout: float = GATEWAY_TIMEOUT_S) -> dict[str, Any]:
    """POST a batch to the gateway within `timeout` seconds in all (standard library only).
    Returns the gateway's counts; raises OSError (unreachable, too slow) or GatewayRefused."""
    import http.client
    from urllib.parse import urlsplit

    deadline = time.monotonic() + timeout
    u = urlsplit(url)
    if u.scheme not in ("http", "https") or not u.hostname:
        raise GatewayRefused(0, "bad_url")
    try:
        port = u.port
    except ValueError:
        raise GatewayRefused(0, "bad_url") from None
    conn: http.client.HTTPConnection
    if u.scheme == "https":
        conn = http.client.HTTPSConnection(u.hostname, port, timeout=timeout)
    else:
        conn = http.client.HTTPConnection(u.hostname, port, timeout=timeout)

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the gateway did not answer in time")
        return left

    body = json.dumps(events, separators=(",", ":"), ensure_ascii=True).encode()
    try:
        conn.connect()
        sock = conn.sock  # getresponse() may drop conn.sock; the response reads from this socket
        assert sock is not None
        sock.settimeout(remaining())
        conn.request("POST", u.path.rstrip("/") + EVENTS_PATH, body=body, headers={
            "content-type": "application/json", "authorization": f"Bearer {key}",
            "user-agent": "seawall-hook"})
        sock.settimeout(remaining())
        resp = conn.getresponse()
        sock.settimeout(remaining())
        data = resp.read(64 * 1024)
    except http.client.HTTPException as exc:
        raise ConnectionError(f"bad answer from the gateway ({type(exc).__name__})") from None
    finally:
        conn.close()
    try:
        answer = json.loads(data) if data else {}
    except ValueError:
        answer = {}
    if resp.status != 200 or not isinstance(answer, dict) or "accepted" not in answer:
        err = answer.get("error") if isinstance(answer, dict) else None
        code = resp.getheader("x-seawall-error")
        message = str(err.get("message", ""))[:500] if isinstance(err, dict) else ""
        raise GatewayRefused(resp.status, code, message)
    return answer


# --- writing ---------------------------------------------------------------------------------------

def _sql_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as SQLAlchemy stores DateTime on SQLite: naive UTC text
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(", ", ": "))
    if isinstance(value, bool):
        return int(value)
    return value


def write(event: AuditEvent, store: Mapping[str, str], env: Mapping[str, str] | None = None) -> str:
    """Record one event; returns where it went ("gateway:URL", "sqlite:PATH" or "spool:PATH").
    Never raises."""
    row = event.row()
    target = gateway_target(os.environ if env is None else env)
    if target is not None:
        try:
            post_events(target[0], target[1], [wire_event(row)], gateway_timeout(os.environ if env is None else env))
            return "gateway:" + target[0]
        except Exception:  # down, slow, refused: the spool keeps it for `seawall audit import-spool`
            return "spool:" + _spool(row)
    if store.get("kind") == "sqlite":
        raw = store.get("path", "")
        if raw and raw != ":memory:":
            path = os.path.abspath(os.path.expanduser(raw))
            with contextlib.suppress(Exception):
                _insert_sqlite(path, row)
                return "sqlite:" + path
    return "spool:" + _spool(row)


def _insert_sqlite(path: str, row: dict[str, Any]) -> None:
    if not os.path.exists(path):
        _create_store(path)
    conn = sqlite3.connect(path, timeout=2.0)
    try:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(audit_events)")]
        if not cols:
            conn.close()
            _create_store(path)
            conn = sqlite3.connect(path, timeout=2.0)
            cols = [r[1] for r in conn.execute("PRAGMA table_info(audit_events)")]
        conn.execute("PRAGMA synchronous=NORMAL")  # the store runs in WAL mode: no fsync per event
        use = [c for c in cols if c in row]
        sql = "INSERT INTO audit_events ({}) VALUES ({})".format(
            ", ".join(f'"{c}"' for c in use), ", ".join("?" for _ in use))
        with conn:
            conn.execute(sql, [_sql_value(row[c]) for c in use])
    finally:
        if KEEP_OPEN:
            _kept.append(conn)
        else:
            conn.close()


def _create_store(path: str) -> None:
    """The store's schema through its migrations (slow, once per machine)."""
    from seawall.store.db import open_store

    open_store("sqlite:///" + path).close()


def spool_line(row: Mapping[str, Any]) -> bytes:
    return (json.dumps({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()},
                       separators=(",", ":")) + "\n").encode("utf-8")


def append_locked(path: Path, data: bytes) -> None:
    """Append under an exclusive flock. An import empties the file under the same lock, so a line
    is either in the import's copy or in the file afterwards; the inode check covers a spool that
    was moved away between open and lock."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for _ in range(5):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                return
        finally:
            os.close(fd)  # releases the lock
    raise OSError("the spool kept moving")


def _spool(row: dict[str, Any]) -> str:
    path = spool_path()
    with contextlib.suppress(OSError):
        append_locked(path, spool_line(row))
    return str(path)
