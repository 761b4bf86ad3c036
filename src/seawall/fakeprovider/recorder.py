"""In-memory record of the requests that reached the fake provider (auth values masked)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, dataclass
from typing import Any

AUTH_HEADERS = ("x-api-key", "authorization", "api-key", "proxy-authorization")


def mask_secret(value: str) -> str:
    """`<first chars>...<masked N chars>`: keeps at most 10 chars and never more than a quarter."""
    keep = min(10, len(value) // 4)
    return f"{value[:keep]}...<masked {len(value) - keep} chars>"


def key_fingerprint(key: str) -> str:
    """Short sha256 of a presented API key, so tests can tell which key arrived without storing it."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def mask_header(name: str, value: str) -> str:
    """Mask an auth header value; a `Bearer ` (or other) scheme word stays readable."""
    if name.lower() not in AUTH_HEADERS:
        return value
    scheme, sep, token = value.partition(" ")
    return f"{scheme} {mask_secret(token)}" if sep and token else mask_secret(value)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names, auth values masked
    body: Any  # parsed JSON, or None when the body was empty or not JSON
    body_size: int
    key_sha256: str | None  # key_fingerprint() of the presented API key, if any

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Recorder:
    """Thread-safe list of RecordedRequest (the server runs in another thread than the tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def add(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> int:
        with self._lock:
            count = len(self._items)
            self._items.clear()
            return count
