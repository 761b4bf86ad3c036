"""Import the hook audit spool (`seawall audit import-spool`): into a store, or forward to a gateway.

The spool (`audit.spool_path()`) is a JSON-lines file of audit rows that hooks append to under an
exclusive flock. An import:

1. takes an import lock (`<spool>.lock`; a second import at the same time is refused);
2. under the spool's own lock, appends its content to `<spool>.importing` (fsynced) and truncates the
   spool, so hooks keep appending to an empty file meanwhile and nothing written later is touched;
3. validates every line as the gateway's endpoint would (`seawall.gateway.hookevents.parse_event`).
   A line that is not JSON (for instance a half-written last line), not an object or not a valid
   metadata-only event is rejected: reported by line number and reason (never its content) and
   appended verbatim to `<spool>.rejected`, so nothing is lost;
4. sends the valid events in batches to the sink. Events keep their id, and both sinks skip ids they
   already hold, so importing the same lines twice stores them once;
5. only after every batch succeeded removes `<spool>.importing`. When a batch fails (store or gateway
   down, key refused) what was not sent stays in `<spool>.importing` and the next import starts there.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from seawall.gateway.hookevents import HookEvent
    from seawall.store.db import Store

BATCH = 500


class ImportFailed(Exception):
    """Nothing more could be imported now; what was not imported is kept for the next run."""


@dataclass
class Entry:
    line: int
    raw: bytes
    row: dict[str, Any]
    event: HookEvent


@dataclass
class SinkResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: dict[int, str] = field(default_factory=dict)  # index in the batch -> reason


class Sink(Protocol):
    description: str

    def send(self, entries: Sequence[Entry]) -> SinkResult: ...


@dataclass
class ImportResult:
    spool: Path
    lines: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    rejected_path: Path | None = None


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _local_user(row: Mapping[str, Any]) -> str | None:
    user = row.get("user")
    if isinstance(user, str) and 0 < len(user) <= 64 and user.isprintable():
        return user
    return None


class StoreSink:
    """Into a seawall store (SQLite or PostgreSQL), keeping each event's id; ids already there are skipped."""

    def __init__(self, store: Store, description: str) -> None:
        self.store = store
        self.description = description

    def send(self, entries: Sequence[Entry]) -> SinkResult:
        from seawall.gateway.hookevents import existing_ids, to_audit_event

        try:
            have = existing_ids(self.store, [e.event.id for e in entries])
            rows = [to_audit_event(e.event, _local_user(e.row), None, None).row()
                    for e in entries if e.event.id not in have]
            self.store.insert_audit(rows)
        except Exception as exc:
            raise ImportFailed(f"the store refused the events ({type(exc).__name__})") from None
        return SinkResult(len(rows), len(entries) - len(rows))


class GatewaySink:
    """To `POST /seawall/hook-events`; the gateway attributes them to the key's user and skips ids it has."""

    def __init__(self, url: str, key: str, timeout: float = 15.0) -> None:
        self.url = url
        self.key = key
        self.timeout = timeout
        self.description = f"the gateway at {url}"

    def _post(self, entries: Sequence[Entry]) -> SinkResult:
        from seawall.hooks.audit import post_events

        answer = post_events(self.url, self.key, [e.event.model_dump(mode="json") for e in entries], self.timeout)
        return SinkResult(int(answer.get("accepted", 0)), int(answer.get("duplicates", 0)))

    def send(self, entries: Sequence[Entry]) -> SinkResult:
        from seawall.hooks.audit import GatewayRefused

        try:
            return self._post(entries)
        except GatewayRefused as exc:
            if exc.status not in (400, 413, 422):
                hint = " (check the key: --key or $SEAWALL_KEY)" if exc.status in (401, 403) else ""
                raise ImportFailed(f"{self.description} refused the events: {exc}"
                                   + (f": {exc.message}" if exc.message else "") + hint) from None
            if len(entries) == 1:
                return SinkResult(rejected={0: exc.message or str(exc)})
        except OSError as exc:
            raise ImportFailed(f"{self.description} is unreachable ({type(exc).__name__})") from None
        out = SinkResult()  # the batch as a whole was refused: find the events it objects to
        for i, e in enumerate(entries):
            one = self.send([e])
            out.accepted += one.accepted
            out.duplicates += one.duplicates
            if one.rejected:
                out.rejected[i] = one.rejected[0]
        return out


def _lock(path: Path) -> int:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(_sidecar(path, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ImportFailed(f"another import of {path} is running") from None
    return fd


def _append(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _take(spool: Path, work: Path) -> bytes:
    """Move the spool's content to the end of `work`, under the lock hooks append with (a last line
    without its newline gets one). Returns what was taken."""
    import fcntl

    try:
        fd = os.open(spool, os.O_RDWR)
    except FileNotFoundError:
        return b""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        parts = []
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
        data = b"".join(parts)
        if data:
            _append(work, data if data.endswith(b"\n") else data + b"\n")
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)
    return data


def _rewrite(path: Path, lines: Sequence[bytes]) -> None:
    if not lines:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    tmp = _sidecar(path, f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"".join(raw + b"\n" for raw in lines))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _parse(data: bytes, result: ImportResult, incomplete: int = 0) -> tuple[list[Entry], list[tuple[int, bytes, str]]]:
    """Valid entries, and rejected lines (number, bytes, reason). `incomplete`: the number of a line
    that had no newline (a hook that died while writing it)."""
    from seawall.gateway.hookevents import BatchError, parse_event
    from seawall.hooks.audit import wire_event

    entries: list[Entry] = []
    rejected: list[tuple[int, bytes, str]] = []
    seen: set[str] = set()
    for n, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        result.lines += 1
        try:
            row = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            rejected.append((n, raw, "not valid JSON" + (" (incomplete last line)" if n == incomplete else "")))
            continue
        if not isinstance(row, dict):
            rejected.append((n, raw, "not a JSON object"))
            continue
        try:
            ev = parse_event(wire_event(row))
        except BatchError as exc:
            rejected.append((n, raw, f"not a valid hook event: {exc}"))
            continue
        if ev.id in seen:
            result.duplicates += 1
            continue
        seen.add(ev.id)
        entries.append(Entry(n, raw, row, ev))
    return entries, rejected


def import_spool(spool: Path, sink: Sink, batch: int = BATCH) -> ImportResult:
    """Import what the spool holds (see the module's docstring). Raises ImportFailed when a batch
    could not be delivered; what was imported before stays imported, the rest is kept."""
    result = ImportResult(spool)
    work = _sidecar(spool, ".importing")
    rejected_path = _sidecar(spool, ".rejected")
    lock = _lock(spool)
    try:
        taken = _take(spool, work)
        try:
            data = work.read_bytes()
        except FileNotFoundError:
            return result
        incomplete = data.count(b"\n") if taken and not taken.endswith(b"\n") else 0
        entries, rejected = _parse(data, result, incomplete)
        done = 0
        failure: ImportFailed | None = None
        for i in range(0, len(entries), max(1, batch)):
            chunk = entries[i:i + batch]
            try:
                res = sink.send(chunk)
            except ImportFailed as exc:
                failure = exc
                break
            result.imported += res.accepted
            result.duplicates += res.duplicates
            for j, reason in sorted(res.rejected.items()):
                rejected.append((chunk[j].line, chunk[j].raw, reason))
            done = i + len(chunk)
        rejected.sort()
        if rejected:  # kept before the work file changes: a crash in between duplicates, never loses
            _append(rejected_path, b"".join(raw + b"\n" for _, raw, _ in rejected))
            result.rejected = [(n, reason) for n, _, reason in rejected]
            result.rejected_path = rejected_path
        rejected_lines = {n for n, _, _ in rejected}
        _rewrite(work, [e.raw for e in entries[done:] if e.line not in rejected_lines])
        if failure is not None:
            left = len(entries) - done
            raise ImportFailed(f"{failure}; {result.imported} event(s) imported, {left} kept in {work} for the "
                               "next import")
        return result
    finally:
        os.close(lock)
