"""Keyword prefilter: one pass over the text finds every rule keyword (case-insensitive).

Two interchangeable backends: Hyperscan (SIMD literal matcher; used when its wheel is installed,
x86-64 Linux) and pyahocorasick (portable). Measured on a 100 KB source file on the 2-core dev box:
Hyperscan 0.25 ms, pyahocorasick 1.08 ms for the same 1305 hits (bench/scan_text_latency.py --prefilter).
"""

from __future__ import annotations

import importlib.util
import string
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Protocol

import ahocorasick

from seawall.detect.hsscratch import ScratchPerThread

_hs: Any = None  # the hyperscan module, imported on first use (a hook process may never need it)

def _hyperscan() -> Any:
    global _hs
    if _hs is None and importlib.util.find_spec("hyperscan") is not None:
        import hyperscan

        _hs = hyperscan
    return _hs



_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class Prefilter(Protocol):
    name: str

    def hits(self, text: str) -> dict[int, list[int]]:
        """Rule index -> start offsets (in characters) of that rule's keywords in `text`."""
        ...


class AhoCorasickPrefilter:
    name = "pyahocorasick"

    def __init__(self, keywords: Mapping[str, tuple[int, ...]]) -> None:
        auto = ahocorasick.Automaton()
        for kw, rules in keywords.items():
            auto.add_word(kw, (len(kw), rules))
        auto.make_automaton()
        self._auto = auto

    def hits(self, text: str) -> dict[int, list[int]]:
        lowered = text.lower()
        if len(lowered) != len(text):  # rare non-ASCII case changes: keep offsets aligned
            lowered = text.translate(_ASCII_LOWER)
        out: dict[int, list[int]] = defaultdict(list)
        for end, (klen, rules) in self._auto.iter(lowered):
            start = end - klen + 1
            for ri in rules:
                out[ri].append(start)
        return out


class HyperscanPrefilter:
    """Caseless literal matching over the UTF-8 bytes of the text. Keywords are ASCII, so every match
    starts on a character boundary; byte offsets are turned into character offsets in one pass."""

    name = "hyperscan"

    def __init__(self, keywords: Mapping[str, tuple[int, ...]]) -> None:
        assert _hs is not None
        self._kws = list(keywords.items())
        self._db = self._compile([kw.encode("ascii") for kw, _ in self._kws])
        self._scratch = ScratchPerThread(_hs, self._db)

    @staticmethod
    def _compile(patterns: list[bytes]) -> Any:
        assert _hs is not None
        db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        db.compile(
            expressions=patterns,
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=_hs.HS_FLAG_CASELESS,
            literal=True,
        )
        return db

    def hits(self, text: str) -> dict[int, list[int]]:
        found: list[tuple[int, int]] = []
        add = found.append

        def on_match(pid: int, _frm: int, to: int, _flags: int, _ctx: object) -> None:
            add((to, pid))

        ascii_only = text.isascii()
        data = text.encode("ascii") if ascii_only else text.encode("utf-8", "surrogatepass")
        self._scratch.scan(data, on_match)
        out: dict[int, list[int]] = defaultdict(list)
        kws = self._kws
        if not ascii_only:
            found.sort()
        byte_pos = char_pos = 0
        for to, pid in found:
            kw, rules = kws[pid]
            start = to - len(kw)
            if not ascii_only:  # count the characters between the previous hit and this one
                if start >= byte_pos:
                    char_pos += len(data[byte_pos:start].decode("utf-8", "surrogatepass"))
                else:
                    char_pos -= len(data[start:byte_pos].decode("utf-8", "surrogatepass"))
                byte_pos = start
                start = char_pos
            for ri in rules:
                out[ri].append(start)
        return out


def build(keywords: Mapping[str, tuple[int, ...]], backend: str | None = None) -> Prefilter:
    """The fastest available backend, or the named one ("hyperscan" / "pyahocorasick")."""
    if backend == "pyahocorasick" or (backend is None and importlib.util.find_spec("hyperscan") is None):
        return AhoCorasickPrefilter(keywords)
    if _hyperscan() is None:
        raise RuntimeError("hyperscan is not installed")
    return HyperscanPrefilter(keywords)
