"""Audit from the workstation: one metadata-only AuditEvent per hook decision.

When the policy's store is SQLite the row goes straight into its `audit_events` table with the
standard library's sqlite3 (no SQLAlchemy import on the hot path); a store file without the table
is created once through `seawall.store.db` (migrations). Any other store (PostgreSQL), or a failed
insert, appends the row to a JSON-lines spool, `$XDG_DATA_HOME/seawall/hook-audit.jsonl`
(~/.local/share/seawall/). Rows hold names, paths, tiers, rule ids and the decision: never file
content, command text, prompt text or tool output.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seawall.audit.events import AuditEvent

SPOOL_NAME = "hook-audit.jsonl"
# A hook process sets this: the connection stays open until the process exits (closing the last
# connection checkpoints the WAL, which costs more than the insert).
KEEP_OPEN = False
_kept: list[sqlite3.Connection] = []


def data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) / "seawall" if xdg else Path.home() / ".local" / "share" / "seawall"


def spool_path() -> Path:
    env = os.environ.get("SEAWALL_HOOK_SPOOL")
    return Path(env) if env else data_dir() / SPOOL_NAME


def _sql_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as SQLAlchemy stores DateTime on SQLite: naive UTC text
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(", ", ": "))
    if isinstance(value, bool):
        return int(value)
    return value


def write(event: AuditEvent, store: dict[str, str]) -> str:
    """Record one event; returns where it went ("sqlite:PATH" or "spool:PATH"). Never raises."""
    row = event.row()
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


def _spool(row: dict[str, Any]) -> str:
    path = spool_path()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        line = json.dumps({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()},
                          separators=(",", ":"))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    return str(path)
