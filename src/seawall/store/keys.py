"""Virtual key format: `swk_` + 30 random base62 characters + a 6-character base62 CRC32 of them.

The prefix and checksum let seawall's own secret scanner (rule `seawall-virtual-key`) recognise a
leaked key without false positives. Only an HMAC-SHA256 of a key is ever stored.
"""

from __future__ import annotations

import hmac
import secrets
import string
import zlib

PREFIX = "swk_"
_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase  # base62 digit order
_BODY = 30
_CHECK = 6
LENGTH = len(PREFIX) + _BODY + _CHECK


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _ALPHABET[r] + out
    return out.rjust(width, "0")


def generate() -> str:
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(_BODY))
    return PREFIX + body + _base62(zlib.crc32(body.encode()) & 0xFFFFFFFF, _CHECK)


def well_formed(key: str) -> bool:
    """Prefix, length, alphabet and checksum: a cheap check before any store lookup."""
    if len(key) != LENGTH or not key.startswith(PREFIX):
        return False
    body, check = key[len(PREFIX) : -_CHECK], key[-_CHECK:]
    if not body.isascii() or not body.isalnum():
        return False
    return hmac.compare_digest(check, _base62(zlib.crc32(body.encode()) & 0xFFFFFFFF, _CHECK))


def key_hash(key: str, pepper: bytes) -> str:
    return hmac.digest(pepper, key.encode(), "sha256").hex()  # one-shot: no HMAC object per call
