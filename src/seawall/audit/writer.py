"""Writes audit events off the request path: a queue and one thread inserting batches.

The thread is woken only when a batch is full (or at close); otherwise it sleeps out `flush_s`. A
queue.Queue would wake it on every event, and each wake-up takes the GIL from the event loop while it
serves the next request.

When the store cannot be written (database unreachable, read-only file or disk), no event is lost
silently: the batch in hand is retried with a growing pause (up to 5 s) and later events wait in the
queue (up to `capacity`), so everything is written once the store is back, exactly once (inserts are
idempotent). Each failed attempt is logged on one line (the reason, never content) and counted
(`failed_batches`, `pending`, `failing_since`; the gateway exports them as metrics and in /readyz).
What cannot be kept is written to the log as the event's metadata row (JSON), at ERROR level, so an
operator can still load it: an event that finds the queue full, and the events still unwritten when
the process stops. A row the database refuses outright (a bug, not an outage) is isolated from its
batch, counted in `rejected` and logged the same way, so it cannot hold back the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import orjson
import sqlalchemy as sa

from seawall.audit.events import AuditEvent
from seawall.errors import SeawallError
from seawall.store.db import Store

log = logging.getLogger("seawall.audit")
MAX_PAUSE_S = 5.0
_REFUSED = (sa.exc.IntegrityError, sa.exc.DataError)  # the row itself is wrong: retrying cannot help


class AuditWriter:
    def __init__(self, store: Store, batch: int = 200, flush_s: float = 0.5, capacity: int = 100_000) -> None:
        self.store = store
        self.batch = batch
        self.flush_s = flush_s
        self.capacity = capacity
        self._q: deque[AuditEvent] = deque()  # appended by submit(), taken by the thread (both atomic)
        self._wake = threading.Event()  # set when a batch is waiting, or at close
        self.written = 0
        self.dropped = 0  # not written, logged as JSON instead: queue full, or unwritten at shutdown
        self.rejected = 0  # refused by the database (logged as JSON)
        self.failed_batches = 0  # failed attempts since start
        self.failing_since: float | None = None  # time.monotonic() of the first failure of the current run
        self.last_error: str | None = None
        self._streak = 0
        self._holding = 0  # events taken from the queue, not yet written
        self._stop = threading.Event()
        self._abandon = threading.Event()
        self._thread = threading.Thread(target=self._run, name="seawall-audit", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Events accepted and not yet written."""
        return len(self._q) + self._holding

    def submit(self, event: AuditEvent) -> None:
        """Never blocks the request; when the queue is full (store down for long) the event is
        counted as dropped and logged as its metadata row."""
        q = self._q
        if len(q) >= self.capacity:
            self.dropped += 1
            log.error("audit queue full (%d events waiting): event not stored: %s", self.capacity, _line(event))
            return
        q.append(event)
        if len(q) >= self.batch and not self._wake.is_set():
            self._wake.set()

    def register_metrics(self, registry: Any) -> None:
        """Gauges read at scrape time: events waiting, failed write attempts, rows refused."""
        from prometheus_client import Gauge

        Gauge("seawall_audit_pending", "Audit events not yet written to the store",
              registry=registry).set_function(lambda: self.pending)
        Gauge("seawall_audit_write_failures", "Failed audit batch writes since start (retried)",
              registry=registry).set_function(lambda: self.failed_batches)
        Gauge("seawall_audit_rejected", "Audit events the database refused (logged instead)",
              registry=registry).set_function(lambda: self.rejected)

    def _run(self) -> None:
        pending: list[AuditEvent] = []
        q = self._q
        while True:
            stopping = self._stop.is_set()  # close(): take what is queued without waiting for more
            if not stopping and len(pending) + len(q) < self.batch:
                self._wake.wait(self.flush_s)  # a full batch, close(), or flush_s
                stopping = self._stop.is_set()
            self._wake.clear()
            while len(pending) < self.batch and q:
                pending.append(q.popleft())
            self._holding = len(pending)
            if pending:
                pending = self._write(pending)
                self._holding = len(pending)
            if self._abandon.is_set():
                self._log_unwritten(pending)
                return
            if stopping and not pending and not q:
                return

    def _write(self, events: list[AuditEvent]) -> list[AuditEvent]:
        """Insert a batch; what is not written comes back to be retried."""
        try:
            self.store.insert_audit([e.row() for e in events])
        except _REFUSED:
            return self._write_each(events)
        except Exception as exc:  # the store may be unreachable or read-only for a while
            self._failed(exc, len(events))
            return events
        self._succeeded(len(events))
        return []

    def _write_each(self, events: list[AuditEvent]) -> list[AuditEvent]:
        """One row at a time, to keep the rows the database accepts and set aside the ones it refuses."""
        for i, event in enumerate(events):
            try:
                self.store.insert_audit([event.row()])
            except _REFUSED as exc:
                self.rejected += 1
                log.error("audit event refused by the database (%s): %s", _reason(exc), _line(event))
                continue
            except Exception as exc:
                self._failed(exc, len(events) - i)
                return events[i:]
            self._succeeded(1)
        return []

    def _failed(self, exc: Exception, n: int) -> None:
        self.failed_batches += 1
        self._streak += 1
        if self.failing_since is None:
            self.failing_since = time.monotonic()
        self.last_error = _reason(exc)
        pause = min(MAX_PAUSE_S, 0.2 * self._streak)
        log.error("audit: %d events not written (%s); %d waiting; retrying in %.1f s",
                  n, self.last_error, self.pending, pause)
        self._abandon.wait(pause)

    def _succeeded(self, n: int) -> None:
        if self.failing_since is not None:
            log.warning("audit: the store is writable again after %.1f s", time.monotonic() - self.failing_since)
        self.written += n
        self._streak = 0
        self.failing_since = None
        self.last_error = None

    def _log_unwritten(self, held: list[AuditEvent]) -> None:
        rest = list(held)
        while self._q:
            rest.append(self._q.popleft())
        self._holding = 0
        if not rest:
            return
        self.dropped += len(rest)
        log.error("audit: stopping with %d events not written (%s); their rows follow", len(rest),
                  self.last_error or "store unavailable")
        for event in rest:
            log.error("audit event not stored: %s", _line(event))

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, retrying for up to `timeout` seconds; then log what is left and stop."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._abandon.set()
            self._thread.join(timeout)


def _line(event: AuditEvent) -> str:
    """The event's metadata row as one JSON line (the audit event has no content field)."""
    return orjson.dumps(event.row(), default=str).decode()


def _reason(exc: Exception) -> str:
    """The first line of the driver's message (no SQL, no parameters), with the error's class."""
    if isinstance(exc, SeawallError):  # StoreUnavailable: already one line naming the store and the cause
        return str(exc)
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    first = text[0][:200] if text else ""
    return f"{type(orig).__name__}: {first}" if first else type(orig).__name__
