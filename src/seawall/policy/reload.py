"""A policy that a running process can swap atomically. An invalid new file is refused and the
current policy keeps working."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from seawall.policy.decide import Engine
from seawall.policy.load import Loaded, PolicyError, load


@dataclass(frozen=True, slots=True)
class Active:
    loaded: Loaded
    engine: Engine
    mtime_ns: int | None


def compile_loaded(loaded: Loaded) -> Engine:
    try:
        return Engine(loaded.policy, loaded.root)
    except ValueError as exc:  # e.g. a glob that cannot be compiled
        from seawall.policy.load import Problem

        raise PolicyError([Problem(loaded.source, 0, 0, "classification", str(exc))]) from None


class PolicyHolder:
    """Readers take `holder.active` (one attribute read: always a complete, valid policy)."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self.active = self._build()  # raises PolicyError: a process does not start on a bad policy

    def _build(self) -> Active:
        mtime = _mtime(self.path)
        loaded = load(self.path)
        return Active(loaded, compile_loaded(loaded), mtime)

    def reload(self) -> PolicyError | None:
        """Load the file again; on success swap it in and return None, else keep the old one and
        return the error."""
        with self._lock:
            try:
                new = self._build()
            except PolicyError as exc:
                return exc
            self.active = new
            return None

    def reload_if_changed(self) -> PolicyError | None:
        if self.path is None or _mtime(self.path) == self.active.mtime_ns:
            return None
        return self.reload()


def _mtime(path: Path | None) -> int | None:
    if path is None:
        return None
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
