"""Custom patterns from configuration: internal host names, project code names, customer ids."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from seawall.detect.findings import Family, Finding, LineIndex, Origin, Severity, Span, fingerprint, mask

_NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,62}")


@dataclass(frozen=True, slots=True)
class CustomPattern:
    name: str
    pattern: str
    severity: Severity = Severity.MEDIUM
    description: str = ""


class CustomPatternDetector:
    """One regex per named pattern. Invalid names or regexes fail at construction, naming the pattern."""

    name = "custom"
    family = Family.PII

    def __init__(self, patterns: Iterable[CustomPattern]) -> None:
        self.patterns = tuple(patterns)
        self._compiled: list[tuple[CustomPattern, re.Pattern[str]]] = []
        seen: set[str] = set()
        for p in self.patterns:
            if not _NAME.fullmatch(p.name):
                raise ValueError(f"custom pattern name {p.name!r}: use lower-case letters, digits, '-', '_' or '.'")
            if p.name in seen:
                raise ValueError(f"custom pattern {p.name!r} is defined twice")
            seen.add(p.name)
            try:
                rx = re.compile(p.pattern)
            except re.error as exc:
                raise ValueError(f"custom pattern {p.name!r}: invalid regular expression: {exc}") from None
            if rx.match(""):
                raise ValueError(f"custom pattern {p.name!r} matches the empty string")
            self._compiled.append((p, rx))

    def scan(self, text: str, origin: Origin | None = None) -> list[Finding]:
        out: list[Finding] = []
        index: LineIndex | None = None
        path = origin.path if origin else None
        for p, rx in self._compiled:
            for m in rx.finditer(text):
                index = index or LineIndex(text)
                out.append(
                    Finding(
                        rule_id=f"custom.{p.name}",
                        family=Family.PII,
                        kind=p.name,
                        severity=p.severity,
                        confidence=0.9,
                        span=Span(m.start(), m.end()),
                        line=index.line(m.start()),
                        message=p.description or f"Custom pattern {p.name}",
                        fingerprint=fingerprint(f"custom.{p.name}", m.group()),
                        preview=mask(m.group()),
                        path=path,
                    )
                )
        out.sort(key=lambda f: (f.span.start, f.span.end))
        return out


def parse_cli_pattern(spec: str) -> CustomPattern:
    """`NAME=REGEX` as given on the command line."""
    name, sep, pattern = spec.partition("=")
    if not sep or not name.strip() or not pattern:
        raise ValueError(f"--pattern {spec!r}: expected NAME=REGEX")
    return CustomPattern(name.strip(), pattern)
