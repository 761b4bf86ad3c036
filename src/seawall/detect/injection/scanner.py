"""Fast execution of the signal rules: the same matches as running every rule's regex over its keyword
windows, with far less regex work.

``signals.run_rules`` used to run each rule's regex (Python ``re``) over text windows around the rule's
keywords. On ordinary text almost every rule has a keyword somewhere (``use``, ``add``, ``now``, ``user``),
so most of the time went into regexes that could not match. Two exact shortcuts remove that work:

1. **Gate** (Hyperscan, when it loads). Every rule's regex is rewritten into a *looser* Hyperscan
   expression that matches whenever the rule could match: bounded repeats become unbounded, word
   boundaries and look-arounds are dropped, ``\\w``/``\\s``/``.`` are widened to any non-ASCII byte
   (the text is scanned as UTF-8 bytes). One scan of a view tells which rules can match at all; the
   others are skipped. Without Hyperscan every rule passes the gate (same results, slower).
2. **Heads** (Aho-Corasick, ``ahocorasick_rs``). From each regex's syntax tree we derive a finite set of literal
   strings every match must start with (``ignore``/``disregard``/... for the override rule). One
   Aho-Corasick pass over the view finds the rules' keywords (for the windows) and these heads; the
   regex is then tried with ``Pattern.match`` only at head positions inside the windows, in order,
   skipping positions inside the previous match: exactly the matches ``finditer`` yields there.

A rule whose regex has no usable heads (or that would need too many) falls back to ``finditer`` over its
windows. ``tests/unit/detect/injection/test_injection_scanner.py`` checks both shortcuts against the
plain execution on the rules' examples and on generated text.
"""

from __future__ import annotations

import importlib.util
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from seawall.detect.hsscratch import ScratchPerThread

try:  # the parser behind re.compile; its tree is what both shortcuts are derived from
    import re._constants as _C  # type: ignore[import-not-found,unused-ignore]
    import re._parser as _P  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _C  # type: ignore[no-redef,unused-ignore]
    import sre_parse as _P  # type: ignore[no-redef,unused-ignore]

WINDOW = 200  # characters either side of a keyword that a rule's regex reads


class Literals:
    """A set of literal strings, found all at once with every overlapping occurrence (Aho-Corasick, the
    ``ahocorasick_rs`` DFA: several times faster per character than walking a trie from Python's side)."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self._ac: Any = None  # built on first use (a hook process may never need this set)

    def find(self, text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int, int]]:
        """(word index, start, end) of every occurrence inside text[lo:hi], in text offsets."""
        if self._ac is None:
            if not self.words:
                return []
            import ahocorasick_rs

            self._ac = ahocorasick_rs.AhoCorasick(self.words, matchkind=ahocorasick_rs.MatchKind.Standard,
                                                  implementation=ahocorasick_rs.Implementation.DFA)
        if lo == 0 and (hi is None or hi >= len(text)):
            return self._ac.find_matches_as_indexes(text, overlapping=True)
        return [(k, s + lo, e + lo) for k, s, e in self._ac.find_matches_as_indexes(text[lo:hi], overlapping=True)]


def literal_ends(lits: Literals, text: str, regions: Sequence[tuple[int, int]] | None = None) -> dict[int, list[int]]:
    """Per literal (its index in ``lits``): the end offsets (of its last character) of its occurrences, inside
    ``regions`` only when given (the rest holds none)."""
    ends_of: dict[int, list[int]] = {}
    for lo, hi in regions if regions is not None else ((0, len(text)),):
        for k, _start, end in lits.find(text, lo, hi):
            ends = ends_of.get(k)
            if ends is None:
                ends_of[k] = [end - 1]
            else:
                ends.append(end - 1)
    return ends_of


def keyword_windows(lits: Literals, info: Sequence[tuple[int, tuple[int, ...]]], text: str,
                    rules: set[int] | None = None,
                    regions: Sequence[tuple[int, int]] | None = None) -> dict[int, list[tuple[int, int]]]:
    """Per rule (those in ``rules``, default all): merged windows of WINDOW characters either side of its
    keyword occurrences, a keyword closer than WINDOW after the last one kept adding none. ``lits``: the
    keywords, each one's index also its index into ``info``, which gives (keyword length, its rules)."""
    return windows_from_ends(literal_ends(lits, text, regions), info, len(text), rules)


def windows_from_ends(ends_of: dict[int, list[int]], info: Sequence[tuple[int, tuple[int, ...]]], n: int,
                      rules: set[int] | None) -> dict[int, list[tuple[int, int]]]:
    """``keyword_windows`` from the keywords' end offsets."""
    starts_of: dict[int, list[int]] = {}
    for k, ends in ends_of.items():
        klen, krules = info[k]
        for i in krules:
            if rules is not None and i not in rules:
                continue
            starts = starts_of.get(i)
            if starts is None:
                starts_of[i] = [e - klen + 1 for e in ends]
            else:
                starts += [e - klen + 1 for e in ends]
    wins: dict[int, list[tuple[int, int]]] = {}
    for i, starts in starts_of.items():
        starts.sort()
        out: list[tuple[int, int]] = []
        last = -WINDOW - 1
        for p in starts:
            if p - last <= WINDOW:
                continue
            last = p
            lo, hi = max(0, p - WINDOW), min(n, p + WINDOW)
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
        wins[i] = out
    return wins


def keyword_automaton(keywords: Mapping[str, Sequence[int]]) -> tuple[Literals, list[tuple[int, tuple[int, ...]]]]:
    """The literals and info table ``keyword_windows`` reads, for keyword -> rule indices."""
    info = [(len(k), tuple(idx)) for k, idx in keywords.items()]
    return Literals(list(keywords)), info


class Unsupported(Exception):
    """A regex construct the translation does not handle: the rule is not gated (always runs)."""


# --- gate: regex -> looser Hyperscan expression over UTF-8 bytes ------------------------------------

_ANY_BYTES = r"[\x00-\xff]+"
_CATEGORY = {_C.CATEGORY_WORD: r"\w", _C.CATEGORY_SPACE: r"\s", _C.CATEGORY_DIGIT: r"\d"}


def _byte(b: int) -> str:
    return chr(b) if b < 128 and chr(b).isalnum() else f"\\x{b:02x}"


def _literal(code: int) -> str:
    return "".join(_byte(b) for b in chr(code).encode("utf-8", "surrogatepass"))


def _class(items: Sequence[tuple[Any, Any]]) -> str:
    """One character of a class. A non-ASCII member is a run of bytes >= 0x80, so a class that admits
    any non-ASCII character becomes ``[ascii members and \\x80-\\xff]+`` (looser, never tighter)."""
    negate = False
    members: list[str] = []
    non_ascii = False
    for op, av in items:
        if op is _C.NEGATE:
            negate = True
        elif op is _C.LITERAL:
            if av < 128:
                members.append(_byte(av))
            else:
                non_ascii = True
        elif op is _C.RANGE:
            lo, hi = av
            if lo < 128:
                members.append(_byte(lo) + "-" + _byte(min(hi, 127)))
            if hi >= 128:
                non_ascii = True
        elif op is _C.CATEGORY:
            if av not in _CATEGORY:
                return _ANY_BYTES
            members.append(_CATEGORY[av])
            non_ascii = True
        else:
            raise Unsupported(str(op))
    if negate:
        if any(m in (r"\w", r"\s", r"\d") for m in members):
            return _ANY_BYTES
        return "[^" + "".join(members) + "]+"  # bytes >= 0x80 are not excluded: any non-ASCII passes
    if not members and not non_ascii:
        raise Unsupported("empty class")
    return "[" + "".join(members) + (r"\x80-\xff]+" if non_ascii else "]")


def _emit(seq: Sequence[tuple[Any, Any]]) -> str:
    out: list[str] = []
    for op, av in seq:
        if op is _C.LITERAL:
            out.append(_literal(av))
        elif op is _C.NOT_LITERAL:
            out.append(_class([(_C.NEGATE, None), (_C.LITERAL, av)]))
        elif op is _C.ANY:
            out.append(_ANY_BYTES)
        elif op is _C.IN:
            out.append(_class(av))
        elif op is _C.CATEGORY:
            out.append(_class([(_C.CATEGORY, av)]))
        elif op is _C.BRANCH:
            out.append("(?:" + "|".join(_emit(alt) for alt in av[1]) + ")")
        elif op is _C.SUBPATTERN:
            _, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                raise Unsupported("inline flags")
            out.append("(?:" + _emit(sub) + ")")
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            lo, _hi, sub = av
            if any(o in (_C.BRANCH, _C.SUBPATTERN, _C.MAX_REPEAT, _C.MIN_REPEAT) for o, _ in sub):
                # a repeated group (word gaps, lists of qualifiers) is what makes a Hyperscan database
                # slow to build (seconds): once, then anything, is looser and builds in milliseconds
                out.append(("(?:" + _emit(sub) + ")" if lo else "") + _ANY_BYTES.replace("+", "*"))
            else:
                out.append("(?:" + _emit(sub) + (")*" if lo == 0 else ")+"))
        elif op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue  # zero-width: dropping an assertion only admits more
        else:
            raise Unsupported(str(op))
    return "".join(out)


def gate_expression(pattern: str, flags: int = re.S) -> str:
    """A Hyperscan expression (byte mode, DOTALL) matching every UTF-8 text the Python regex matches."""
    if not flags & re.S or flags & (re.I | re.M | re.X):
        raise Unsupported("flags")
    return _drop_common_head(_simplify(_emit(_P.parse(pattern, flags))))


_DOT_STAR = r"[\x00-\xff]*"
_CLASS = r"\[(?:\\.|[^\]\\])*\]"
_REWRITES = (  # (?:X+)+ is X+; X+ next to .* is X (.* takes the rest); a class before .* is dropped (looser)
    (re.compile(rf"\(\?:({_CLASS})\+\)\+(?![?*+{{])"), r"\1+"),
    (re.compile(rf"{_CLASS}\+?{re.escape(_DOT_STAR)}"), _DOT_STAR.replace("\\", "\\\\")),
    (re.compile(rf"{re.escape(_DOT_STAR)}({_CLASS})\+(?![?*+{{])"), _DOT_STAR.replace("\\", "\\\\") + r"\1"),
    (re.compile(rf"(?:{re.escape(_DOT_STAR)}){{2,}}"), _DOT_STAR.replace("\\", "\\\\")),
)


_COMMON_HEAD = 30  # a leading choice of this many words or more (a list of verbs) occurs in nearly any text


def _drop_common_head(expr: str) -> str:
    """``(?:w1|w2|...)[\x00-\xff]*rest`` -> ``rest`` (looser) when the choice is long: Hyperscan tracks every
    occurrence of those words for no selectivity (about a third of the gate's time went to three rules)."""
    if not expr.startswith("(?:"):
        return expr
    depth, alternatives, i = 0, 1, 0
    while i < len(expr):
        c = expr[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = expr.index("]", i + 1) + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                rest = expr[i + 1:]
                if alternatives >= _COMMON_HEAD and rest.startswith(_DOT_STAR) and len(rest) > len(_DOT_STAR):
                    return rest[len(_DOT_STAR):]
                return expr
        elif c == "|" and depth == 1:
            alternatives += 1
        i += 1
    return expr


def _simplify(expr: str) -> str:
    """Hyperscan keeps ``X+`` next to ``.*`` as written, and states for it stay live across the text: the
    same language (or, for a class before ``.*``, a slightly looser one) without them scans several times
    faster for the rules that have them."""
    while True:
        out = expr
        for rx, repl in _REWRITES:
            out = rx.sub(repl, out)
        if out == expr:
            return out
        expr = out


# --- heads: literal strings every match starts with -------------------------------------------------

_HEAD_CAP = 400  # more alternatives than this: the rule gets no heads
_HEAD_LEN = 8  # stop extending a head at this length
BOS = "\x00^"  # a head that can only match at the start of the text


def _small_class(items: Sequence[tuple[Any, Any]]) -> list[str] | None:
    """The characters a class admits, when they are few."""
    chars: list[str] = []
    for op, av in items:
        if op is _C.LITERAL:
            chars.append(chr(av))
        elif op is _C.RANGE and av[1] - av[0] <= 8:
            chars += [chr(c) for c in range(av[0], av[1] + 1)]
        else:
            return None
    return chars if len(chars) <= 8 else None


def _expand(seq: list[tuple[Any, Any]], prefixes: frozenset[str]) -> frozenset[str]:
    """Prefixes extended by every way ``seq`` (the rest of the pattern) can begin. Extension stops at
    the first element that is not a short literal choice: what is collected so far is still a prefix of
    every match."""
    cur = prefixes
    for i, (op, av) in enumerate(seq):
        if len(cur) > _HEAD_CAP:
            raise Unsupported("too many heads")
        if all(len(p) >= _HEAD_LEN and not p.startswith(BOS) for p in cur):
            return cur
        if op is _C.LITERAL:
            cur = frozenset(p + chr(av) for p in cur)
        elif op is _C.IN:
            chars = _small_class(av)
            if chars is None:
                return cur
            cur = frozenset(p + c for p in cur for c in chars)
        elif op is _C.AT:
            if av in (_C.AT_BEGINNING, _C.AT_BEGINNING_STRING):
                cur = frozenset(BOS + p for p in cur if p == "" or p.startswith(BOS))
                if not cur:
                    return frozenset()  # cannot match after text was consumed: no head here
            continue  # other anchors and boundaries are zero-width
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            continue
        elif op is _C.BRANCH:
            rest = seq[i + 1:]
            return frozenset().union(*(_expand(list(alt) + rest, cur) for alt in av[1]))
        elif op is _C.SUBPATTERN:
            _, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return cur
            return _expand(list(sub) + seq[i + 1:], cur)
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            lo, hi, sub = av
            if lo == 1 and hi == 1:
                return _expand(list(sub) + seq[i + 1:], cur)
            once = _expand(list(sub), cur)  # at least one repetition, then stop extending
            if lo >= 1:
                return once
            return once | _expand(seq[i + 1:], cur)  # or none
        else:
            return cur  # a category (\s, \w), any character, a negated class: the heads end here
    return cur


def literal_heads(pattern: str, flags: int = re.S) -> tuple[tuple[str, ...], bool] | None:
    """(heads, at_start): every match begins with one of ``heads``, or (when ``at_start``) may begin at
    offset 0 with anything. None when no useful set exists (an empty head, or too many)."""
    if flags & (re.I | re.M | re.X):
        return None
    try:
        found = _expand(list(_P.parse(pattern, flags)), frozenset({""}))
    except Unsupported:
        return None
    if not found:
        return (), False  # no text can match
    at_start = any(h.startswith(BOS) for h in found)
    heads = sorted({h[len(BOS):] if h.startswith(BOS) else h for h in found}, key=len)
    heads = [h for h in heads if h] if at_start else heads
    if "" in heads or (not heads and not at_start):
        return None
    minimal: list[str] = []
    for h in heads:  # a head that extends another adds no position
        if not any(h.startswith(m) for m in minimal):
            minimal.append(h)
    return tuple(minimal), at_start


# --- the scanner ------------------------------------------------------------------------------------

_hs: Any = None


def _hyperscan() -> Any:
    global _hs
    if _hs is None and importlib.util.find_spec("hyperscan") is not None:
        import hyperscan

        _hs = hyperscan
    return _hs


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What the scanner needs of one rule."""

    index: int  # position in the rule table (results are produced in this order)
    regex: re.Pattern[str]
    keywords: tuple[str, ...]


class Gate:
    """Hyperscan database of the looser expressions: which rules can match a text at all."""

    def __init__(self, specs: Sequence[RuleSpec]) -> None:
        hs = _hyperscan()
        if hs is None:
            raise RuntimeError("hyperscan is not installed")
        exprs: list[bytes] = []
        ids: list[int] = []
        always: list[int] = []
        for s in specs:
            try:
                exprs.append(gate_expression(s.regex.pattern, s.regex.flags & ~re.U).encode("ascii"))
                ids.append(s.index)
            except Unsupported:
                always.append(s.index)
        self.always = frozenset(always)
        self._db = hs.Database(mode=hs.HS_MODE_BLOCK)
        flag = hs.HS_FLAG_DOTALL | hs.HS_FLAG_SINGLEMATCH | hs.HS_FLAG_ALLOWEMPTY
        self._db.compile(expressions=exprs, ids=ids, elements=len(exprs), flags=[flag] * len(exprs))
        self._scratch = ScratchPerThread(hs, self._db)

    def passing(self, text: str) -> set[int]:
        found = set(self.always)
        add = found.add

        def on_match(rid: int, _frm: int, _to: int, _flags: int, _ctx: object) -> None:
            add(rid)

        data = text.encode("ascii") if text.isascii() else text.encode("utf-8", "surrogatepass")
        self._scratch.scan(data, on_match)
        return found


_RARE_CHARS = frozenset("~^")  # characters that seldom occur in prose or code: fine heads on their own


class RuleScanner:
    """The matches of a family of rules over one text, rule by rule, as ``finditer`` over keyword windows
    would give them."""

    def __init__(self, specs: Sequence[RuleSpec], use_gate: bool | None = None) -> None:
        self.specs = {s.index: s for s in specs}
        self.heads: dict[int, tuple[tuple[str, ...], bool]] = {}
        keywords: dict[str, list[int]] = {}
        heads: dict[str, list[int]] = {}
        for s in specs:
            for k in s.keywords:
                keywords.setdefault(k, []).append(s.index)
            h = literal_heads(s.regex.pattern, s.regex.flags & ~re.U)
            # a one-character head (a space, a quote, a newline) occurs almost everywhere: tracking its
            # positions costs more than running the rule over its keyword windows (a rare one, ``~``, not)
            if h is not None and all(len(lit) >= 2 or lit in _RARE_CHARS for lit in h[0]):
                self.heads[s.index] = h
                for lit in h[0]:
                    heads.setdefault(lit, []).append(s.index)
        self._kw_lits, self._kw_info = keyword_automaton(keywords)
        # keywords and heads in one set of literals, for texts where many rules are left to run: one pass finds both
        both = {k: (tuple(v), tuple(heads.get(k, ()))) for k, v in keywords.items()}
        both.update({h: ((), tuple(v)) for h, v in heads.items() if h not in keywords})
        self._both_lits, self._both_kw = keyword_automaton({k: v[0] for k, v in both.items()})
        self._both_heads = [both[k][1] for k in both]  # same order as the literals
        self._head_rules = frozenset(i for i, h in self.heads.items() if h[0])
        self._rule_heads: dict[int, Literals] = {}
        self.gate: Gate | None = None
        if use_gate is None:
            use_gate = _hyperscan() is not None
        if use_gate:
            self.gate = Gate(specs)

    def passing(self, text: str) -> set[int]:
        return self.gate.passing(text) if self.gate is not None else set(self.specs)

    def prepare(self) -> None:
        """Build the literal matchers now rather than on first use."""
        for lits in (self._kw_lits, self._both_lits):
            lits.find("")

    def _heads_of(self, ri: int) -> Literals:
        lits = self._rule_heads.get(ri)
        if lits is None:
            lits = self._rule_heads[ri] = Literals(self.heads[ri][0])
        return lits

    def windows(self, text: str, rules: set[int] | None = None, regions: Sequence[tuple[int, int]] | None = None
                ) -> tuple[dict[int, list[tuple[int, int]]], dict[int, list[int]]]:
        """Per rule: merged windows around its keywords (as the plain prefilter computes them) and the
        start offsets of its heads. Only rules in ``rules`` (default: all); ``regions``: where the text can
        hold keywords (the rest is masked), when known."""
        head_starts: dict[int, list[int]] = {}
        if rules is not None and len(rules & self._head_rules) <= 4:
            # few rules: the keywords, then each rule's own heads inside its own windows (a head that does
            # not end inside a window cannot start a match that does)
            wins = keyword_windows(self._kw_lits, self._kw_info, text, rules, regions)
            for i in wins:
                if i not in self._head_rules:
                    continue
                lits = self._heads_of(i)
                found: list[int] = []
                for lo, hi in wins[i]:
                    found += [start for _k, start, _end in lits.find(text, lo, hi)]
                head_starts[i] = found
            return wins, head_starts
        ends_of = literal_ends(self._both_lits, text, regions)  # many: keywords and heads in one pass
        wins = windows_from_ends(ends_of, self._both_kw, len(text), rules)
        for k, ends in ends_of.items():
            hlen = self._both_kw[k][0]
            for i in self._both_heads[k]:
                if i in wins:
                    starts = head_starts.get(i)
                    if starts is None:
                        head_starts[i] = [e - hlen + 1 for e in ends]
                    else:
                        starts += [e - hlen + 1 for e in ends]
        return wins, head_starts

    def matches(self, text: str, skip: frozenset[int] = frozenset(), regions: Sequence[tuple[int, int]] | None = None
                ) -> Iterator[tuple[int, Iterator[re.Match[str]]]]:
        """Per rule that can match, in rule order: (rule index, its matches in window order, then text
        order), as running the rule's ``finditer`` over its windows yields them (lazily: a consumer
        may stop early). ``skip``: rules left out; ``regions``: see ``windows``."""
        rules = self.passing(text) - skip
        if not rules:
            return
        wins, starts = self.windows(text, rules, regions)
        heads = self.heads
        for ri in sorted(wins):
            yield ri, self._rule_matches(ri, text, wins[ri], heads.get(ri), starts.get(ri, []))

    def _rule_matches(self, ri: int, text: str, wins: list[tuple[int, int]], heads: tuple[tuple[str, ...], bool] | None,
                      starts: list[int]) -> Iterator[re.Match[str]]:
        rx = self.specs[ri].regex
        if heads is None:
            for lo, hi in wins:
                yield from rx.finditer(text, lo, hi)
            return
        cands = sorted(set(starts) | {0}) if heads[1] else sorted(set(starts))
        if not cands:
            return
        match = rx.match
        n = len(cands)
        for lo, hi in wins:
            i = bisect_left(cands, lo)
            nxt = lo
            while i < n:
                p = cands[i]
                i += 1
                if p >= hi:
                    break
                if p < nxt:
                    continue
                m = match(text, p, hi)
                if m is not None:
                    yield m
                    nxt = m.end() if m.end() > p else p + 1


__all__ = ["BOS", "WINDOW", "Gate", "Literals", "RuleScanner", "RuleSpec", "Unsupported", "gate_expression",
           "keyword_automaton", "keyword_windows", "literal_ends", "literal_heads", "windows_from_ends"]
