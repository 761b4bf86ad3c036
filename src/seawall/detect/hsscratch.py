"""Hyperscan scratch space per thread, shared by the detectors that scan with a Hyperscan database: a
scratch cannot serve two scans at once, and a gateway scans from its event loop and from helper
threads (start-up warm-up, audit)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class ScratchPerThread:
    def __init__(self, hs: Any, db: Any) -> None:
        self._hs = hs
        self._db = db
        self._local = threading.local()

    def get(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hs.Scratch(self._db)
        return scratch

    def scan(self, data: bytes, on_match: Callable[..., Any]) -> None:
        self._db.scan(data, match_event_handler=on_match, scratch=self.get())
