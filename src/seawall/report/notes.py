"""Notes about files a scan passed over (binary, too large, unreadable)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Note:
    path: str
    reason: str
