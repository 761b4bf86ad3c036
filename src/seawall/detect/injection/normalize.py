"""Normalisation: one input text becomes several *views* that the signal rules read.

An attacker hides instructions from a person (and from naive filters) with invisible or
look-alike characters, encodings, or markup a renderer never shows. Each trick is undone here
and its use is recorded as an obfuscation flag, because the trick itself is evidence:

* ``main``     NFKC, zero-width / invisible characters removed, bidi controls removed,
               Unicode tag characters removed (they are decoded into their own view).
* ``folded``   ``main`` with homoglyphs folded to ASCII (from the Unicode confusables table
               shipped by ``confusable-homoglyphs``; not a hand map) and lower-cased. Same
               length as ``main``, so offsets are shared.
* ``leet``     ``folded`` with leetspeak digits read as letters inside words that mix both.
* ``tags``     text carried in U+E0000 tag characters, decoded to ASCII.
* ``bidi``     text inside a right-to-left override, in display order.
* ``base64``, ``hex``, ``url``  long encoded runs whose decoding is readable text.

Hidden regions (HTML/markdown comments, alt text, link titles, ``display:none`` elements)
are located in the raw text so that rules matching inside them can be weighted as hidden.

Every view keeps a map back to offsets in the raw text, so findings point at the evidence.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import urllib.parse
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from seawall.detect.injection import prescan

# --- character classes --------------------------------------------------------------------

#: zero-width and other invisible format characters (presence inside words is a signal)
ZERO_WIDTH = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f\u115f\u1160\u3164\uffa0"
)
#: bidi embedding / isolate controls (legitimate in RTL i18n text) and overrides (rarely legitimate)
BIDI_EMBED = frozenset("\u202a\u202b\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
BIDI_OVERRIDE = frozenset("\u202d\u202e")
BIDI_POP = "\u202c"
TAG_FIRST, TAG_LAST = 0xE0000, 0xE007F
_TAG_CANCEL = 0xE007F
_BLACK_FLAG = "\U0001f3f4"  # emoji subdivision flags are U+1F3F4 + tags + CANCEL TAG: legitimate

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_PRINTABLE_INVISIBLE = re.compile("[" + "".join(sorted(c for c in ZERO_WIDTH if c.isprintable())) + "]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_MIXED_TOKEN = re.compile(r"\w+")
_LEET_TOKEN = re.compile(r"(?<![a-z0-9@$!|])(?:[a-z][a-z0-9@$!|]*[0134579@$!|]|[0134579@$!|][a-z0-9@$!|]*[a-z])"
                         r"[a-z0-9@$!|]*")
# The same tokens, found as whole runs of token characters: runs with no leet character, runs with no
# letter (line numbers) and what separates runs are consumed in one step each (possessive: no position is
# tried twice); each run left (group 1) is a token when ``_LEET_BODY`` matches all of it.
_LEET_RUN = re.compile(r"(?:[^a-z0-9@$!|]++|[a-z268]++(?![0134579@$!|])|[0-9@$!|]++(?![a-z]))*+"
                       r"(?:([a-z0-9@$!|]++)|\Z)")
_LEET_BODY = re.compile(r"(?:[a-z][a-z0-9@$!|]*[0134579@$!|]|[0134579@$!|][a-z0-9@$!|]*[a-z])[a-z0-9@$!|]*")
_LEET_ANY = re.compile(r"[01345789@$!|]")
_LEET_MAP = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
                           "|": "l", "8": "b", "9": "g"})
_LEET_DIGITS = frozenset("01345789@$!|")
_HEX_TOKEN = re.compile(r"[0-9a-f]+")
# Tokens of code that mix letters with leet characters without being leetspeak: a name with a number
# (f12, sha256, x86), a hex literal or escape (0xe000, u200b, x1b), a decorator (@dataclass), a format
# conversion (value!r), an alternation (passwd|pwd|secret)
_CODE_TOKEN = re.compile(r"[a-z]+[0-9]{2,}|0x[0-9a-f]+|u[0-9a-f]{4}|u[0-9a-f]{8}|x[0-9a-f]{2}|@[a-z]+|[a-z]+![rsa]"
                         r"|[a-z]{2,}(?:\|[a-z]{2,})+\|?")

# A base64 run: 24+ characters of the alphabet and up to two '=', with neither an alphabet character nor
# '=' on either side. Found without look-arounds (so ``re`` skips straight to alphabet characters) and
# the two sides checked after: the same runs as
# (?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{24,}={0,2}(?![A-Za-z0-9+/=_-])
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{24,}={0,2}")
# The same runs (group 1), with the shorter runs and what separates them consumed in one step each
# (possessive, so no position inside a short run is tried again): about twice as fast on prose and code.
_B64_C = "A-Za-z0-9+/_-"
_B64_NEXT = re.compile(rf"[^{_B64_C}]*+(?:[{_B64_C}]{{1,23}}+[^{_B64_C}]++)*+"
                       rf"(?:([{_B64_C}]{{24,}}={{0,2}})|[{_B64_C}]{{0,23}}+\Z)")
_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-=")
_HEX_RUN = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}[ :]?){16,}(?![0-9A-Fa-f])")
_HEX_HINT = re.compile(r"[0-9A-Fa-f]{2}[ :]?[0-9A-Fa-f]{2}[ :]?[0-9A-Fa-f]{2}[ :]?[0-9A-Fa-f]{2}")  # in every hex run
_URL_RUN = re.compile(r"[A-Za-z0-9._~+-]{0,24}(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._~+-]{0,24}){6,}")
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+(?:;[\w=.-]+)*;base64,$", re.I)

_HIDDEN = [
    ("html_comment", re.compile(r"<!--(.*?)(?:-->|$)", re.S)),
    # alt and title are matched in lower-cased text from their first letter (a word start is checked
    # after): ``re`` then jumps to the literal instead of trying a case-insensitive \b at every position
    ("alt_text", re.compile(r"""alt\s*=\s*["']([^"']{8,})["']""")),
    ("title_attr", re.compile(r"""title\s*=\s*["']([^"']{8,})["']""")),
    ("md_image_alt", re.compile(r"!\[([^\]]{8,})\]\(")),
    ("md_link_title", re.compile(r"""\]\([^)\s]+\s+["']([^"']{8,})["']\)""")),
    ("css_hidden", re.compile(r"""<(\w+)[^>]*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|"""
                              r"""\bhidden\b)[^>]*>(.*?)</\1>""", re.I | re.S)),
    ("md_comment", re.compile(r"^\[//\]:\s*#\s*\((.*?)\)\s*$", re.M)),
]


_HIDDEN_TRIGGERS = {
    "html_comment": ("<!--",), "alt_text": ("alt",), "title_attr": ("title",), "md_image_alt": ("![",),
    "md_link_title": ("](",), "css_hidden": ("display", "visibility", "font-size", "hidden"), "md_comment": ("[//]",),
}

# --- data types ---------------------------------------------------------------------------


@dataclass(slots=True)
class View:
    """One reading of the text. ``anchors`` map view offsets back to raw offsets."""

    name: str
    text: str
    # sorted (view_offset, raw_offset) pairs; between anchors offsets advance together
    anchors: list[tuple[int, int]]
    raw_span: tuple[int, int]  # the raw region this view was derived from
    identity: bool = False
    # where this view differs from the view it was derived from (leet: the re-read tokens), when known;
    # the rest was read already, in that view
    changed: list[tuple[int, int]] | None = None

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Raw [start, end) covering view [start, end)."""
        if self.identity:
            return start, end
        if not self.anchors:
            return self.raw_span
        return self._map(start), max(self._map(max(end - 1, start)) + 1, self._map(start) + 1)

    def _map(self, pos: int) -> int:
        i = bisect_right(self.anchors, (pos, 1 << 62)) - 1
        if i < 0:
            return self.raw_span[0]
        vpos, rpos = self.anchors[i]
        nxt = self.anchors[i + 1][1] if i + 1 < len(self.anchors) else self.raw_span[1]
        return min(rpos + (pos - vpos), max(nxt - 1, rpos))


@dataclass(slots=True)
class Normalized:
    raw: str
    views: list[View]
    flags: dict[str, int] = field(default_factory=dict)
    hidden: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, raw_start, raw_end)
    unusual_ratio: float = 0.0

    def view(self, name: str) -> View | None:
        for v in self.views:
            if v.name == name:
                return v
        return None

    def in_hidden(self, start: int, end: int) -> str | None:
        for kind, s, e in self.hidden:
            if s <= start and end <= e + 1:
                return kind
        return None


# --- homoglyphs ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def homoglyph_table() -> dict[int, str]:
    """Non-ASCII character -> ASCII letter or digit it is confusable with (Unicode confusables data)."""
    from confusable_homoglyphs import confusables

    table: dict[int, str] = {}
    for ch, glyphs in confusables.confusables_data.items():
        if len(ch) != 1 or ch.isascii():
            continue
        best = None
        for g in glyphs:
            c = g.get("c", "")
            if len(c) == 1 and c.isascii() and c.isalnum():
                best = c
                if c.isalpha():
                    break
        if best is not None:
            table[ord(ch)] = best
    return table


# --- helpers ------------------------------------------------------------------------------


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return cp >= 0x1F000 or 0x2600 <= cp <= 0x27BF or cp == 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF


def _lower_same_len(s: str) -> str:
    low = s.lower()
    if len(low) == len(s):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in s)


def _printable_ratio(s: str) -> float:
    if not s:
        return 0.0
    ok = sum(1 for c in s if c.isprintable() or c in "\n\t\r")
    return ok / len(s)


def _readable(s: str) -> bool:
    """Decoded bytes that look like words, not binary or another hash."""
    if len(s) < 8 or _printable_ratio(s) < 0.95:
        return False
    letters = sum(1 for c in s if c.isalpha())
    spaces = s.count(" ")
    return letters / len(s) > 0.55 and spaces >= 1


def _decode_b64(run: str) -> str | None:
    s = run.rstrip("=")
    if len(s) % 4 == 1:
        return None
    if not (any(c.islower() for c in s) and any(c.isupper() for c in s)):
        return None
    pad = s + "=" * (-len(s) % 4)
    try:
        data = base64.urlsafe_b64decode(pad) if ("-" in s or "_" in s) else base64.b64decode(pad, validate=True)
        return data.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _decode_hex(run: str) -> str | None:
    s = re.sub(r"[ :]", "", run)
    if len(s) % 2:
        s = s[:-1]
    try:
        return bytes.fromhex(s).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


# --- the pipeline -------------------------------------------------------------------------


def normalize(text: str, decode_depth: int = 2) -> Normalized:
    """All views of ``text`` with obfuscation flags and hidden regions."""
    flags: dict[str, int] = {}
    views: list[View] = []
    n = len(text)
    ascii_only = text.isascii()

    if ascii_only:
        main = View("main", text, [], (0, n), identity=True)
        folded_text = text.lower()
        unusual = 0
    else:
        main, unusual = _clean_unicode(text, flags, views)
        folded_text = _lower_same_len(_fold_homoglyphs(main.text))
        mixed = _mixed_script_words(main.text)
        if mixed:
            flags["homoglyph_words"] = mixed
    # text recovered from tag characters or a right-to-left override is read like any other text
    for i, v in enumerate(views):
        if v.name in ("tags", "bidi"):
            inner = normalize(v.text, 0)
            views[i] = View(v.name, inner.views[1].text, [], v.raw_span)
            leet = inner.view("leet")
            if leet is not None:
                views.append(View(v.name + "_leet", leet.text, [], v.raw_span, changed=leet.changed))
    views.insert(0, main)
    folded = View("folded", folded_text, main.anchors, (0, n), identity=main.identity)
    views.insert(1, folded)

    leet_text, leet_spans = _leet(folded_text)
    if leet_spans:
        flags["leet_tokens"] = len(leet_spans)
        views.append(View("leet", leet_text, main.anchors, (0, n), identity=main.identity, changed=leet_spans))

    pre = prescan.scan(text)  # which of the searches below can find anything (None: unknown)
    if decode_depth > 0:
        main_pre = pre if pre is None or main.identity else prescan.scan(main.text)
        _decoded_views(main, flags, views, decode_depth, main_pre)

    hidden = _hidden_regions(text, pre)
    if hidden:
        flags["hidden_regions"] = len(hidden)
    out = Normalized(text, views, flags, hidden, unusual / n if n else 0.0)
    return out


def _clean_unicode(text: str, flags: dict[str, int], views: list[View]) -> tuple[View, int]:
    """Remove invisibles, decode tags, reverse RLO runs, NFKC; keep an offset map."""
    out: list[str] = []
    anchors: list[tuple[int, int]] = []
    out_len = 0
    pos = 0
    unusual = 0
    tag_buf: list[str] = []
    tag_start = -1
    rlo_start = -1
    zw_in_word = zw = 0

    def flush_tags(end: int) -> None:
        nonlocal tag_buf, tag_start
        if tag_buf:
            decoded = "".join(tag_buf)
            if decoded.strip():
                views.append(View("tags", decoded, [], (tag_start, end)))
                flags["tag_chars"] = flags.get("tag_chars", 0) + len(tag_buf)
        tag_buf = []
        tag_start = -1

    for m in _NON_ASCII.finditer(text):
        s, e = m.span()
        if s > pos:
            anchors.append((out_len, pos))
            out.append(text[pos:s])
            out_len += s - pos
            if tag_buf:
                flush_tags(pos)
        run = m.group()
        if run.isprintable() and _PRINTABLE_INVISIBLE.search(run) is None and unicodedata.is_normalized("NFKC", run):
            # ordinary letters and marks (no format, private-use or unassigned character, nothing NFKC
            # changes): kept as they are, as the loop below would keep them one by one
            if tag_start == -2:
                tag_start = -1
            if tag_buf:
                flush_tags(s)
            anchors.append((out_len, s))
            out.append(run)
            out_len += e - s
            pos = e
            continue
        for i in range(s, e):
            ch = text[i]
            cp = ord(ch)
            if TAG_FIRST <= cp <= TAG_LAST:
                unusual += 1
                if cp == _TAG_CANCEL:
                    flush_tags(i)
                    continue
                if tag_start == -1:
                    # a flag emoji's subdivision tags follow U+1F3F4 directly
                    tag_start = -2 if i > 0 and text[i - 1] == _BLACK_FLAG else i
                if tag_start != -2:
                    tag_buf.append(chr(cp - TAG_FIRST))
                continue
            if tag_start == -2:
                tag_start = -1
            if tag_buf:
                flush_tags(i)
            if ch in ZERO_WIDTH:
                unusual += 1
                prev = text[i - 1] if i else " "
                nxt = text[i + 1] if i + 1 < len(text) else " "
                if ch == "\u200d" and (_is_emoji(prev) or _is_emoji(nxt)):
                    continue  # emoji ZWJ sequence
                zw += 1
                if prev.isalnum() and nxt.isalnum() and prev.isascii() and nxt.isascii():
                    zw_in_word += 1
                continue
            if ch in BIDI_OVERRIDE:
                unusual += 1
                flags["bidi_override"] = flags.get("bidi_override", 0) + 1
                if ch == "\u202e":
                    rlo_start = i + 1
                continue
            if ch == BIDI_POP or ch in BIDI_EMBED:
                unusual += 1
                flags["bidi_embed"] = flags.get("bidi_embed", 0) + (ch != BIDI_POP)
                if ch == BIDI_POP and rlo_start >= 0:
                    seg = text[rlo_start:i]
                    if seg.strip():
                        views.append(View("bidi", seg[::-1], [], (rlo_start, i)))
                    rlo_start = -1
                continue
            cat = unicodedata.category(ch)
            if cat in ("Cf", "Co", "Cn", "Cs"):
                unusual += 1
                continue
            norm = unicodedata.normalize("NFKC", ch)
            if norm != ch:
                flags["nfkc_changed"] = flags.get("nfkc_changed", 0) + 1
            anchors.append((out_len, i))
            out.append(norm)
            out_len += len(norm)
        pos = e
    if tag_buf:
        flush_tags(pos)
    if rlo_start >= 0:
        seg = text[rlo_start:]
        if seg.strip():
            views.append(View("bidi", seg[::-1], [], (rlo_start, len(text))))
    if pos < len(text):
        anchors.append((out_len, pos))
        out.append(text[pos:])
    if zw:
        flags["zero_width"] = zw
    if zw_in_word:
        flags["zero_width_in_word"] = zw_in_word
    return View("main", "".join(out), anchors, (0, len(text))), unusual


_LATINISH = re.compile(r"[a-z]", re.I)


def _mixed_script_words(text: str) -> int:
    """Words mixing ASCII letters with look-alike letters of another script (Cyrillic, Greek ...)."""
    table = homoglyph_table()
    count = 0
    for line in text.split("\n"):
        if line.isascii():  # most lines: no word in them can mix scripts
            continue
        for m in _WORD.finditer(line):
            w = m.group()
            if w.isascii() or not _LATINISH.search(w):
                continue
            if any(ord(c) in table for c in w if not c.isascii()):
                count += 1
    return count


def _fold_homoglyphs(text: str) -> str:
    """``text`` with look-alike letters replaced by the ASCII ones (the table has only non-ASCII keys,
    so only non-ASCII runs are translated)."""
    table = homoglyph_table()
    return _NON_ASCII.sub(lambda m: m.group().translate(table), text)


def _leet_tokens(folded: str) -> Iterator[tuple[int, int]]:
    """Spans of the tokens ``_LEET_TOKEN.finditer`` finds."""
    body = _LEET_BODY.fullmatch
    for m in _LEET_RUN.finditer(folded):
        run = m.group(1)
        if run is not None and body(run):
            yield m.span(1)


def _leet(folded: str) -> tuple[str, list[tuple[int, int]]]:
    """Read leetspeak digits as letters, only in tokens that mix letters and leet digits. Returns the
    text (same length) and the spans of the tokens read."""
    if not _LEET_ANY.search(folded):
        return folded, []
    spans: list[tuple[int, int]] = []
    parts: list[str] = []
    last = 0
    for s, e in _leet_tokens(folded):
        # the token pattern guarantees an ASCII letter and a leet character in every match
        tok = folded[s:e]
        if len(tok) < 3 or (len(tok) >= 8 and _HEX_TOKEN.fullmatch(tok)) or _CODE_TOKEN.fullmatch(tok):
            continue  # too short to read, a hex digest, or code
        spans.append((s, e))
        parts.append(folded[last:s])
        parts.append(tok.translate(_LEET_MAP))
        last = e
    if not spans:
        return folded, []
    parts.append(folded[last:])
    return "".join(parts), spans


def _runs(name: str, rx: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    if name == "base64":
        for m in _B64_NEXT.finditer(text):
            if m.group(1) is not None:
                yield m.span(1)
    else:
        for m in rx.finditer(text):
            yield m.span()


def _decoded_views(main: View, flags: dict[str, int], views: list[View], depth: int,
                   pre: frozenset[str] | None = None) -> None:
    text = main.text
    for name, rx, dec in (("base64", _B64_RUN, _decode_b64), ("hex", _HEX_RUN, _decode_hex),
                          ("url", _URL_RUN, lambda s: urllib.parse.unquote(s, errors="strict"))):
        if name == "url" and text.count("%") < 6:
            continue
        if pre is not None and name != "url" and name not in pre:
            continue
        if name == "hex" and pre is None and not _HEX_HINT.search(text):
            continue
        for s0, e0 in _runs(name, rx, text):
            run = text[s0:e0]
            if name == "base64":
                if (s0 and text[s0 - 1] in _B64_CHARS) or (e0 < len(text) and text[e0] in _B64_CHARS):
                    continue
                if _DATA_URI.search(text[max(0, s0 - 80):s0]):
                    flags["data_uri"] = flags.get("data_uri", 0) + 1
                    continue
                if run.isalpha() or run.isdigit() or re.fullmatch(r"[0-9a-fA-F]+", run):
                    continue
            try:
                decoded = dec(run)
            except (UnicodeDecodeError, ValueError):
                decoded = None
            if not decoded or not _readable(decoded):
                continue
            flags[f"decoded_{name}"] = flags.get(f"decoded_{name}", 0) + 1
            raw_span = main.to_raw(s0, e0)
            inner = normalize(decoded, depth - 1)
            for v in inner.views:
                if v.name == "main":
                    continue
                vname = name if v.name == "folded" else f"{name}_{v.name}"
                views.append(View(vname, v.text, [], raw_span, changed=v.changed))
            for k, val in inner.flags.items():
                flags[k] = flags.get(k, 0) + val


_LOWER_CASE_HIDDEN = frozenset({"alt_text", "title_attr"})


def _hidden_regions(text: str, pre: frozenset[str] | None = None) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    if "<" not in text and "[" not in text and "=" not in text:
        return out
    if pre is not None and pre.isdisjoint(_HIDDEN_TRIGGERS):
        return out
    low = _lower_same_len(text) if pre is None or not pre.isdisjoint(_LOWER_CASE_HIDDEN) else text
    for kind, rx in _HIDDEN:
        if (kind not in pre) if pre is not None else not any(t in low for t in _HIDDEN_TRIGGERS[kind]):
            continue
        for m in (_word_start_matches(rx, low) if kind in _LOWER_CASE_HIDDEN else rx.finditer(text)):
            g = m.lastindex or 0
            s, e = m.span(g)
            if e - s >= 8:
                out.append((kind, s, e))
    return out


def _word_start_matches(rx: re.Pattern[str], low: str) -> Iterator[re.Match[str]]:
    """``finditer`` of ``\b`` + ``rx``: matches that start where a word starts."""
    pos = 0
    while (m := rx.search(low, pos)) is not None:
        s = m.start()
        if s and (low[s - 1].isalnum() or low[s - 1] == "_"):
            pos = s + 1
            continue
        yield m
        pos = max(m.end(), s + 1)
