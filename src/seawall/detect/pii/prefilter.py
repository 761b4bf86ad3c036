"""Where PII can be: one Hyperscan pass marks the lines that hold a card-, SSN-, IBAN- or phone-shaped
run of digits or a national-id keyword; the exact regexes and the field libraries then look only there.

Without Hyperscan (other platforms) every category's window is the whole text: same results, slower.
Measured on a 100 KB source file (bench/scan_text_latency.py): see the closing notes of issue 3.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from seawall.detect.hsscratch import ScratchPerThread

_hs: Any
try:  # optional fast path
    import hyperscan as _hs
except ImportError:  # pragma: no cover - depends on the platform
    _hs = None

# category -> hyperscan patterns (no look-arounds: these only mark candidate lines)
SHAPES: dict[str, tuple[bytes, ...]] = {
    "credit-card": (rb"\d{4}[ \-]?\d{4}[ \-]?\d{4}", rb"\d{4}[ \-]\d{6}[ \-]\d{4}"),
    "us-ssn": (rb"\d{3}-\d{2}-\d{4}",),
    "iban": (rb"[A-Z]{2}\d{2} ?[A-Z0-9]{4} ?[A-Z0-9]{4}",),
    "phone": (rb"\+\d", rb"\(\d{3}\)", rb"\d{3}[.\-]\d{3}[.\-]\d{4}"),
}

Windows = dict[str, list[tuple[int, int]]]


def available() -> bool:
    return _hs is not None


class LinePrefilter:
    """Candidate line windows per category ("ids" for national-id keywords)."""

    def __init__(self, keywords: Iterable[str]) -> None:
        assert _hs is not None
        self._cats: list[str] = []
        exprs: list[bytes] = []
        flags: list[int] = []
        for cat, pats in SHAPES.items():
            for p in pats:
                self._cats.append(cat)
                exprs.append(p)
                flags.append(0)
        for kw in keywords:
            self._cats.append("ids")
            # not inside a longer word ("sin" in "missing"), but "_" may join ("sample_ssn")
            exprs.append(b"(?:^|[^a-z])" + _literal(kw.encode("utf-8")) + b"(?:[^a-z]|$)")
            flags.append(_hs.HS_FLAG_CASELESS | _hs.HS_FLAG_MULTILINE)
        db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs), flags=flags)
        self._db = db
        self._scratch = ScratchPerThread(_hs, db)

    def windows(self, text: str) -> Windows:
        ends: list[tuple[int, int]] = []
        add = ends.append

        def on_match(pid: int, _frm: int, to: int, _flags: int, _ctx: object) -> None:
            add((to, pid))

        ascii_only = text.isascii()
        data = text.encode("ascii") if ascii_only else text.encode("utf-8", "surrogatepass")
        self._scratch.scan(data, on_match)
        if not ends:
            return {}
        ends.sort()
        out: Windows = defaultdict(list)
        cats = self._cats
        rfind, find, n = text.rfind, text.find, len(text)
        byte_pos = char_pos = 0
        for to, pid in ends:
            pos = to - 1  # last byte of the match: it lies on the candidate's line
            if not ascii_only:
                char_pos += len(data[byte_pos:pos].decode("utf-8", "surrogatepass"))
                byte_pos = pos
                pos = char_pos
            spans = out[cats[pid]]
            if spans and spans[-1][0] <= pos < spans[-1][1]:
                continue
            ls = rfind("\n", 0, pos) + 1
            le = find("\n", pos)
            le = n if le == -1 else le
            if spans and ls <= spans[-1][1] + 1:
                spans[-1] = (spans[-1][0], le)
            else:
                spans.append((ls, le))
        return out


def _literal(raw: bytes) -> bytes:
    return b"".join(b"\\x%02x" % b for b in raw)
