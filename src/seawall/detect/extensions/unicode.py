"""Invisible and direction-changing characters in text the model or a reviewer reads.

Reuses the character classes of the injection normaliser when it is importable, so both detectors
agree on what "invisible" means; falls back to its own copy otherwise."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

try:  # the prompt-injection detector's normalisation (another team's module)
    from seawall.detect.injection import normalize as _inj

    ZERO_WIDTH: frozenset[str] = frozenset(_inj.ZERO_WIDTH) - {"\u00ad"}
    BIDI_EMBED: frozenset[str] = frozenset(_inj.BIDI_EMBED) - {"\u200e", "\u200f", "\u061c"}
    BIDI_OVERRIDE: frozenset[str] = frozenset(_inj.BIDI_OVERRIDE)
except Exception:  # pragma: no cover - depends on the other package being present
    _inj = None  # type: ignore[assignment]
    ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u034f\u115f\u1160\u3164\uffa0")
    BIDI_EMBED = frozenset("\u202a\u202b\u2066\u2067\u2068\u2069")
    BIDI_OVERRIDE = frozenset("\u202d\u202e")

BIDI_POP = "\u202c"
_BIDI_ALL = BIDI_EMBED | BIDI_OVERRIDE | {BIDI_POP}
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_BLACK_FLAG = "\U0001f3f4"
_SCRIPT_JOINERS = re.compile(r"[\u0600-\u06ff\u0900-\u0dff\u0e00-\u0e7f\u1780-\u17ff\u0f00-\u0fff]")


def _is_tag(ch: str) -> bool:
    return 0xE0000 <= ord(ch) <= 0xE007F


def _is_vs_supplement(ch: str) -> bool:
    return 0xE0100 <= ord(ch) <= 0xE01EF


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return cp >= 0x1F000 or 0x2600 <= cp <= 0x27BF or cp in (0xFE0F, 0x20E3) or 0x1F3FB <= cp <= 0x1F3FF


@dataclass(frozen=True, slots=True)
class Hit:
    rule_id: str
    start: int
    end: int
    decoded: str  # what the hidden run says, when it can be read
    detail: str


def decode_tags(run: str) -> str:
    return "".join(chr(ord(c) - 0xE0000) for c in run if 0xE0020 <= ord(c) <= 0xE007E)


def decode_zero_width(run: str) -> str:
    """Zero-width binary: U+200B / U+200C as bits, U+2060 (or U+200D) between characters."""
    bits_sets = [b for b in re.split("[\u2060\u200d]", run) if b]
    out = []
    for bits in bits_sets:
        s = "".join("0" if c == "\u200b" else "1" if c == "\u200c" else "" for c in bits)
        if 7 <= len(s) <= 21:
            try:
                out.append(chr(int(s, 2)))
            except (ValueError, OverflowError):
                return ""
    text = "".join(out)
    return text if text and sum(c.isprintable() for c in text) / len(text) > 0.9 else ""


def display_order(line: str) -> str:
    """The line roughly as a renderer shows it: text after a right-to-left override reversed up to
    its pop (or the end of the line); all controls removed."""
    out: list[str] = []
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\u202e":
            j = line.find(BIDI_POP, i + 1)
            j = len(line) if j == -1 else j
            out.append("".join(ch for ch in reversed(line[i + 1:j]) if ch not in _BIDI_ALL))
            i = j + 1
            continue
        if c not in _BIDI_ALL:
            out.append(c)
        i += 1
    return "".join(out)


def scan_invisible(text: str, code: bool) -> Iterator[Hit]:
    """Hidden-text hits in `text`. `code`: the file is source code (bidi isolates there are Trojan Source)."""
    if text.isascii():
        return
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if _is_tag(ch):
            j = i
            while j < n and _is_tag(text[j]):
                j += 1
            if not (i > 0 and text[i - 1] == _BLACK_FLAG and text[j - 1] == "\U000e007f"):
                yield Hit("SW-EXT-701", i, j, decode_tags(text[i:j]), f"{j - i} tag characters")
            i = j
            continue
        if _is_vs_supplement(ch):
            j = i
            while j < n and _is_vs_supplement(text[j]):
                j += 1
            if j - i >= 4:
                yield Hit("SW-EXT-704", i, j, "", f"{j - i} variation selectors")
            i = j
            continue
        if ch in ZERO_WIDTH:
            j = i
            while j < n and text[j] in ZERO_WIDTH:
                j += 1
            run = text[i:j]
            prev = text[i - 1] if i else ""
            nxt = text[j] if j < n else ""
            if j - i >= 4:
                yield Hit("SW-EXT-702", i, j, decode_zero_width(run), f"{j - i} zero-width characters")
            elif set(run) <= {"\u200d", "\ufe0f"} and (_is_emoji(prev) or _is_emoji(nxt)):
                pass  # emoji ZWJ sequence
            elif set(run) <= {"\u200c", "\u200d"} and (_SCRIPT_JOINERS.match(prev or " ")
                                                      or _SCRIPT_JOINERS.match(nxt or " ")):
                pass  # joiners in scripts that need them (Persian, Indic)
            elif not (i == 0 and ch == "\ufeff"):
                yield Hit("SW-EXT-705", i, j, "", f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".strip())
            i = j
            continue
        if ch in _BIDI_ALL:
            line_start = text.rfind("\n", 0, i) + 1
            line_end = text.find("\n", i)
            line_end = n if line_end == -1 else line_end
            line = text[line_start:line_end]
            controls = [c for c in line if c in _BIDI_ALL]
            risky = any(c in BIDI_OVERRIDE for c in controls) or code or not _RTL.search(line)
            if risky:
                shown = display_order(line).strip()
                names = sorted({f"U+{ord(c):04X}" for c in controls})
                yield Hit("SW-EXT-703", line_start + (i - line_start), line_end, shown[:120], " ".join(names))
            i = line_end
            continue
        i += 1
