"""Which of the normaliser's costlier searches can find anything in a text, from one Hyperscan scan:
encoded runs (hex, base64) and hidden-region markers (HTML comments, alt/title attributes, markdown
image alt text and link titles, hidden CSS, markdown comments).

Each expression matches wherever the search it stands for could: the same ASCII bytes the search reads,
and any non-ASCII byte where the search reads Unicode whitespace. A search left out here finds nothing,
so the views are the same with or without this step. Built once per process after enough text went
through (a hook screening one file never pays the ~10 ms build), or by ``warm()``.
"""

from __future__ import annotations

import threading
from typing import Any

from seawall.detect.hsscratch import ScratchPerThread

_WS = rb"[\s\x1c-\x1f\x80-\xff]"
_CASELESS = 1  # stands for hs.HS_FLAG_CASELESS until the module is loaded
EXPRESSIONS: dict[str, tuple[bytes, int]] = {
    "hex": (rb"(?:[0-9A-Fa-f]{2}[ :]?){16}", 0),
    "base64": (rb"[A-Za-z0-9+/_-]{24}", 0),
    "html_comment": (rb"<!--", 0),
    "alt_text": (rb"alt" + _WS + rb"*=", _CASELESS),
    "title_attr": (rb"title" + _WS + rb"*=", _CASELESS),
    "md_image_alt": (rb"!\[", 0),
    "md_link_title": (rb"\]\(", 0),
    "css_hidden": (rb"display|visibility|font-size|hidden", _CASELESS),
    "md_comment": (rb"\[//\]", 0),
}
NAMES = tuple(EXPRESSIONS)
AFTER_CHARS = 64_000  # build after this many characters were normalised in this process
MIN_CHARS = 512  # shorter texts: the searches themselves cost less than a scan

_lock = threading.Lock()
_state: dict[str, Any] = {"chars": 0, "scanner": None, "failed": False}


class _Scanner:
    def __init__(self) -> None:
        import hyperscan as hs

        flags = [hs.HS_FLAG_SINGLEMATCH | (hs.HS_FLAG_CASELESS if f == _CASELESS else 0)
                 for _, f in EXPRESSIONS.values()]
        self._db = hs.Database(mode=hs.HS_MODE_BLOCK)
        self._db.compile(expressions=[e for e, _ in EXPRESSIONS.values()], ids=list(range(len(NAMES))),
                         elements=len(NAMES), flags=flags)
        self._scratch = ScratchPerThread(hs, self._db)

    def scan(self, text: str) -> frozenset[str]:
        found: set[str] = set()

        def on_match(i: int, _frm: int, _to: int, _flags: int, _ctx: object) -> None:
            found.add(NAMES[i])

        data = text.encode("ascii") if text.isascii() else text.encode("utf-8", "surrogatepass")
        self._scratch.scan(data, on_match)
        return frozenset(found)


def warm() -> None:
    """Build the scanner now (a long-running process, at start-up)."""
    _build()


def _build() -> Any:
    with _lock:
        if _state["scanner"] is None and not _state["failed"]:
            try:
                _state["scanner"] = _Scanner()
            except Exception:  # no Hyperscan, or it cannot build: every search runs
                _state["failed"] = True
    return _state["scanner"]


def scan(text: str) -> frozenset[str] | None:
    """The names (of EXPRESSIONS) whose search can find something in ``text``; None when unknown (then
    every search runs)."""
    sc = _state["scanner"]
    if sc is None:
        if _state["failed"]:
            return None
        _state["chars"] += len(text)
        if _state["chars"] < AFTER_CHARS:
            return None
        sc = _build()
        if sc is None:
            return None
    return sc.scan(text) if len(text) >= MIN_CHARS else None
