"""Central detection types: Finding, Span, Origin and the Detector protocol.

Detectors are pure: text in, findings out. A Finding never carries the raw matched value;
it carries a keyed fingerprint and a masked preview, so findings can be logged, stored and
rendered without leaking what they found.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Family(StrEnum):
    SECRET = "secret"
    PII = "pii"
    INJECTION = "injection"
    CODE = "code"
    EXTENSION = "extension"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


class Channel(StrEnum):
    USER_PROMPT = "user_prompt"
    SYSTEM = "system"
    TOOL_RESULT = "tool_result"
    TOOL_INPUT = "tool_input"
    FILE = "file"
    RESPONSE = "response"
    COMMIT = "commit"


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character offsets [start, end) into the scanned text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a piece of text came from."""

    channel: Channel = Channel.FILE
    path: str | None = None
    tool: str | None = None
    message_index: int | None = None
    block_index: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One detection. Holds no raw secret: `preview` is masked, `fingerprint` is a keyed hash."""

    rule_id: str
    family: Family
    kind: str
    severity: Severity
    confidence: float
    span: Span
    line: int
    message: str
    fingerprint: str
    preview: str = ""
    path: str | None = None
    cwe: str | None = None
    end_line: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def with_path(self, path: str | None) -> Finding:
        return replace(self, path=path)


@runtime_checkable
class Detector(Protocol):
    """A pure, thread-safe detector. No I/O."""

    name: str
    family: Family

    def scan(self, text: str, origin: Origin | None = None) -> Iterable[Finding]: ...


# --- helpers shared by detectors -------------------------------------------------------------

_DEFAULT_FP_KEY = b"seawall-fingerprint-v1"


def _fingerprint_key() -> bytes:
    env = os.environ.get("SEAWALL_FINGERPRINT_KEY")
    return env.encode() if env else _DEFAULT_FP_KEY


def fingerprint(kind: str, value: str) -> str:
    """Keyed hash of a matched value, stable across runs (baselines, de-duplication).

    The key can be set per organisation with SEAWALL_FINGERPRINT_KEY so that fingerprints in a
    committed baseline cannot be brute-forced with the public default key.
    """
    mac = hmac.new(_fingerprint_key(), f"{kind}\x00{value}".encode("utf-8", "surrogatepass"), hashlib.sha256)
    return mac.hexdigest()[:32]


def mask(value: str, keep: int = 4) -> str:
    """Masked preview of a value: a few leading characters, then its length. Never the whole value."""
    value = value.strip()
    if len(value) <= 8:
        return "*" * min(len(value), 8)
    shown = min(keep, len(value) // 4)
    return f"{value[:shown]}…({len(value)} chars)"


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


class LineIndex:
    """Fast offset → line lookups for many findings in one text."""

    __slots__ = ("_starts",)

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._starts = starts

    def line(self, offset: int) -> int:
        from bisect import bisect_right

        return bisect_right(self._starts, offset)
