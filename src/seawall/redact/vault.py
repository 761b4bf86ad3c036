"""Placeholders for redacted values, stable across turns without server state.

A placeholder is `[[sw:<kind>:<12 hex>]]`, the hex a keyed hash (HMAC-SHA256) of the kind and value,
so the same secret gets the same placeholder in every request of a conversation, on every replica
that shares the key, and nothing about the value can be read from it. A Vault lives for one request:
it maps this request's placeholders back to their values, and only those are ever restored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

PLACEHOLDER = re.compile(r"\[\[sw:[a-z0-9][a-z0-9._-]{0,40}:[0-9a-f]{12}\]\]")
MAX_PLACEHOLDER = 2 + 3 + 41 + 1 + 12 + 2  # longest possible placeholder, in characters
_KIND_SAFE = re.compile(r"[^a-z0-9._-]+")


class Vault:
    def __init__(self, key: bytes) -> None:
        self._key = key
        self.values: dict[str, str] = {}  # placeholder -> original value

    def placeholder(self, kind: str, value: str) -> str:
        k = _KIND_SAFE.sub("-", kind.lower())[:41] or "value"
        digest = hmac.new(self._key, f"{k}\x00{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        ph = f"[[sw:{k}:{digest[:12]}]]"
        self.values[ph] = value
        return ph

    def __bool__(self) -> bool:
        return bool(self.values)

    def restore(self, text: str, json_escape: bool = False) -> str:
        """Put the original values back; `json_escape` when `text` is the inside of a JSON string
        (tool-call argument fragments)."""
        if "[[sw:" not in text:
            return text

        def sub(m: re.Match[str]) -> str:
            value = self.values.get(m.group())
            if value is None:
                return m.group()  # not ours: leave it as the model wrote it
            return json.dumps(value)[1:-1] if json_escape else value

        return PLACEHOLDER.sub(sub, text)


class StreamRestorer:
    """Restores placeholders in text that arrives in pieces, split at any character.

    Text is released as soon as it cannot be the beginning of a placeholder; a possible beginning
    (`[`, `[[s`, `[[sw:gith…`) is held until the next piece decides it, or until `flush()`.
    """

    def __init__(self, vault: Vault, json_escape: bool = False) -> None:
        self.vault = vault
        self.json_escape = json_escape
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        cut = _safe_prefix_end(text)
        self._held = text[cut:]
        return self.vault.restore(text[:cut], self.json_escape)

    def flush(self) -> str:
        text, self._held = self._held, ""
        return self.vault.restore(text, self.json_escape)


_PREFIX = "[[sw:"


def _safe_prefix_end(text: str) -> int:
    """Length of the longest prefix of `text` whose placeholders are complete: everything from the
    last unfinished possible placeholder start on is held back."""
    start = text.rfind("[", max(0, len(text) - MAX_PLACEHOLDER))
    while start != -1:
        tail = text[start:]
        if PLACEHOLDER.match(tail):  # a whole placeholder ends inside: nothing to hold from here
            return len(text)
        if _could_begin(tail):
            # an earlier "[" may begin the placeholder ("[[sw" where the last "[" is the second)
            earlier = text.rfind("[", max(0, len(text) - MAX_PLACEHOLDER), start)
            if earlier != -1 and earlier == start - 1 and _could_begin(text[earlier:]):
                return earlier
            return start
        start = text.rfind("[", max(0, len(text) - MAX_PLACEHOLDER), start)
    return len(text)


def _could_begin(tail: str) -> bool:
    """`tail` is a proper prefix of some placeholder."""
    if len(tail) >= MAX_PLACEHOLDER:
        return False
    if len(tail) <= len(_PREFIX):
        return _PREFIX.startswith(tail)
    if not tail.startswith(_PREFIX):
        return False
    return re.fullmatch(r"\[\[sw:[a-z0-9][a-z0-9._-]{0,40}(?::[0-9a-f]{0,12}(?:\](?!\]))?)?|\[\[sw:", tail) is not None
