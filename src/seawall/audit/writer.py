"""Writes audit events off the request path: a queue and one thread inserting batches."""

from __future__ import annotations

import logging
import queue
import threading
import time

from seawall.audit.events import AuditEvent
from seawall.store.db import Store

log = logging.getLogger("seawall.audit")


class AuditWriter:
    def __init__(self, store: Store, batch: int = 200, flush_s: float = 0.5, capacity: int = 100_000) -> None:
        self.store = store
        self.batch = batch
        self.flush_s = flush_s
        self._q: queue.Queue[AuditEvent | None] = queue.Queue(maxsize=capacity)
        self.written = 0
        self.dropped = 0
        self.failed_batches = 0
        self._thread = threading.Thread(target=self._run, name="seawall-audit", daemon=True)
        self._thread.start()

    def submit(self, event: AuditEvent) -> None:
        """Never blocks the request; when the queue is full (store down for long) the event is
        counted as dropped and the drop is logged (metadata only)."""
        try:
            self._q.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            log.error("audit queue full: event %s dropped", event.request_id)

    def _run(self) -> None:
        pending: list[AuditEvent] = []
        stop = False
        while not stop:
            deadline = time.monotonic() + self.flush_s
            while len(pending) < self.batch:
                try:
                    item = self._q.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                pending.append(item)
            if pending:
                pending = self._write(pending)

    def _write(self, events: list[AuditEvent]) -> list[AuditEvent]:
        """Insert a batch; on failure keep it for the next round (bounded), never lose it silently."""
        try:
            self.store.insert_audit([e.row() for e in events])
        except Exception as exc:  # the store may be briefly unreachable
            self.failed_batches += 1
            log.error("audit batch of %d not written (%s); retrying", len(events), type(exc).__name__)
            time.sleep(min(5.0, 0.2 * self.failed_batches))
            if len(events) > 10 * self.batch:
                self.dropped += len(events) - 10 * self.batch
                events = events[-10 * self.batch:]
            return events
        self.written += len(events)
        return []

    def close(self, timeout: float = 10.0) -> None:
        """Flush what is queued, then stop."""
        self._q.put(None)
        self._thread.join(timeout)
