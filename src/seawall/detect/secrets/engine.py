"""SecretDetector: keyword prefilter → rule regexes at or near the hits → validation → findings.

Only the rules whose keywords occur in the text run, and each runs only over the lines around its
keyword hits, so the cost of a scan grows with the number of candidates, not with the rule count.
"""

from __future__ import annotations

import re
from collections import defaultdict

from seawall.detect.findings import Family, Finding, Origin, Span, fingerprint, mask
from seawall.detect.secrets import prefilter
from seawall.detect.secrets.entropy import shannon
from seawall.detect.secrets.rules import Rule, RuleTable, default_table

_MULTILINE_REACH = 3000  # characters a multi-line rule may extend past its keyword
_BLOCK_REACH = 40000  # how far to look for the END line of a PEM block
_GENERIC_MIN_LEN = 8  # shorter values of generic assignments are never reported
_STRONG_VALIDATORS = frozenset({"crc32-base62", "jwt"})


class SecretDetector:
    """Detects credentials with the built-in rule table (or a given one). Pure and thread-safe."""

    name = "secrets"
    family = Family.SECRET

    def __init__(self, table: RuleTable | None = None, backend: str | None = None) -> None:
        self.table = table or default_table()
        self._rules: tuple[Rule, ...] = self.table.rules
        by_kw: dict[str, set[int]] = defaultdict(set)
        for i, rule in enumerate(self._rules):
            for kw in rule.keywords:
                by_kw[kw].add(i)
        self._prefilter = prefilter.build({kw: tuple(sorted(idx)) for kw, idx in by_kw.items()}, backend)
        subs = "|".join(re.escape(x) for x in self.table.suppress_substrings) or "(?!)"
        self._suppressed = re.compile(subs)

    # -- public API ------------------------------------------------------------------------------

    def scan(self, text: str, origin: Origin | None = None) -> list[Finding]:
        if not text:
            return []
        raw: list[tuple[int, int, int, str]] = []  # (rule index, start, end, value)
        seen: set[tuple[int, int, int]] = set()
        for ri, starts in self._hits(text).items():
            rule = self._rules[ri]
            if rule.anchor:
                match = rule.pattern.match
                matches = [m for s in set(starts) if (m := match(text, s))]
            else:
                matches = [
                    m
                    for ws, we in self._windows(text, rule, starts)
                    for m in rule.pattern.finditer(text, ws, we)
                ]
            for m in matches:
                hit = self._check(rule, text, m)
                if hit is None:
                    continue
                start, end, value = hit
                if (ri, start, end) not in seen:
                    seen.add((ri, start, end))
                    raw.append((ri, start, end, value))
        if not raw:
            return []
        return self._findings(text, self._resolve(raw), origin)

    # -- prefilter -------------------------------------------------------------------------------

    def _hits(self, text: str) -> dict[int, list[int]]:
        """Per rule, the start offsets of its keywords in the text (one prefilter pass)."""
        return self._prefilter.hits(text)

    def _windows(self, text: str, rule: Rule, starts: list[int]) -> list[tuple[int, int]]:
        """Merged [start, end) line ranges around a rule's keyword hits (longer for multi-line rules)."""
        n = len(text)
        rfind, find = text.rfind, text.find
        spans: list[tuple[int, int]] = []
        for start in starts:
            ls = rfind("\n", 0, start) + 1
            reach = start + _MULTILINE_REACH if rule.multiline else start
            le = find("\n", min(n, reach))
            spans.append((ls, n if le == -1 else le))
        spans.sort()
        out = [spans[0]]
        for s, e in spans[1:]:
            ps, pe = out[-1]
            if s <= pe + 1:
                if e > pe:
                    out[-1] = (ps, e)
            else:
                out.append((s, e))
        if rule.requires:
            out = [(s, e) for s, e in out if all(find(r, s, e) != -1 for r in rule.requires)]
        return out

    # -- candidate checks ------------------------------------------------------------------------

    def _check(self, rule: Rule, text: str, m: re.Match[str]) -> tuple[int, int, str] | None:
        groups = m.groupdict()
        if "q" in groups or "u" in groups:
            name = "q" if groups.get("q") is not None else "u"
        elif "secret" in groups:
            name = "secret"
        else:
            name = ""
        if name:
            value, start, end = m.group(name), m.start(name), m.end(name)
        elif m.re.groups:
            gi = next((i for i in range(1, m.re.groups + 1) if m.group(i) is not None), 0)
            value, start, end = m.group(gi), m.start(gi), m.end(gi)
        else:
            value, start, end = m.group(0), m.start(), m.end()
        if value is None or (rule.generic and len(value) < _GENERIC_MIN_LEN):
            return None
        if rule.anchor and "key" in groups:  # widen the key to the whole identifier before it
            ks = m.start("key")
            while ks > 0 and (text[ks - 1].isalnum() or text[ks - 1] in "_.-"):
                ks -= 1
            groups["key_prefix"] = text[ks : m.start("key")]
            groups["key"] = text[ks : m.end("key")]
        table = self.table
        if value in table.suppress_values:
            return None
        low = value.lower()
        if self._suppressed.search(low):
            return None
        if rule.defer and low.startswith(table.defer_prefixes):
            return None
        if rule.validator is not None and not rule.validator(value, groups):
            return None
        if rule.entropy and shannon(value) < rule.entropy:
            return None
        if value.startswith("-----BEGIN"):  # report the whole PEM block
            stop = text.find("-----END", end, end + _BLOCK_REACH)
            if stop != -1:
                close = text.find("-----", stop + 8)
                end = close + 5 if close != -1 and close - stop < 80 else stop + 8
                value = text[start:end]
        return start, end, value

    def _resolve(self, raw: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, str]]:
        """Drop generic hits overlapping a specific one, and hits inside an earlier rule's span."""
        raw.sort(key=lambda r: (self._rules[r[0]].generic, r[0], r[1]))
        kept: list[tuple[int, int, int, str]] = []
        for cand in raw:
            ri, s, e, _ = cand
            generic = self._rules[ri].generic
            clash = False
            for ki, ks, ke, _ in kept:
                if s < ke and ks < e and (generic or (ks <= s and e <= ke and ki != ri)):
                    clash = True
                    break
            if not clash:
                kept.append(cand)
        return kept

    def _findings(
        self, text: str, hits: list[tuple[int, int, int, str]], origin: Origin | None
    ) -> list[Finding]:
        path = origin.path if origin else None
        out: list[Finding] = []
        count = text.count
        pos, line = 0, 1  # offsets visited in order, so each newline is counted once
        for ri, start, end, value in sorted(hits, key=lambda h: h[1]):
            line += count("\n", pos, start)
            pos = start
            end_line = line + count("\n", start, max(start, end - 1))
            rule = self._rules[ri]
            if rule.generic:
                confidence = round(min(0.85, 0.4 + shannon(value) / 10), 2)
            elif rule.validator_name in _STRONG_VALIDATORS:
                confidence = 0.99
            else:
                confidence = 0.9
            out.append(
                Finding(
                    rule_id=rule.id,
                    family=Family.SECRET,
                    kind=rule.kind,
                    severity=rule.severity,
                    confidence=confidence,
                    span=Span(start, end),
                    line=line,
                    end_line=end_line,
                    message=f"{rule.description} ({rule.kind})",
                    fingerprint=fingerprint(rule.kind, value),
                    preview=mask(value),
                    path=path,
                    cwe="CWE-798",
                )
            )
        out.sort(key=lambda f: (f.span.start, f.span.end, f.rule_id))
        return out
