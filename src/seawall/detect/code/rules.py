"""Rule and sink types shared by the Python and the JavaScript/TypeScript analysers.

A rule is data: an id that never changes, a CWE, what is wrong, the safe pattern to use instead,
the sinks (or the named structural check) that detect it, and positive and negative snippets that
the unit tests run. The analysers only interpret these tables.

Sink conditions (`when`: all must hold, `unless`: any one cancels) are small strings:
  `shell=True`        keyword argument / object-literal option `shell` whose source text is `True`
  `Loader~Safe|Base`  the option's source text matches the regular expression
  `Loader`            the option is present;  `!Loader` it is absent
  `@1~MODE_ECB`       the positional argument 1 matches (`@0`, `@1`, ...)
  `Loader@1~Safe`     the keyword `Loader`, or else positional argument 1, matches
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from seawall.detect.findings import Severity

# Taint families: what a tainted value is still dangerous for. Sanitisers remove families.
SQL, CMD, PATH, CODE, XSS, SSRF, REDIRECT, REGEX = "sql", "cmd", "path", "code", "xss", "ssrf", "redirect", "regex"
FAMILIES = frozenset({SQL, CMD, PATH, CODE, XSS, SSRF, REDIRECT, REGEX})
# Markers carried alongside the families.
SRC = "src"  # reached from a real source (request, argv, input ...), not only from a parameter
PARAM = "param"  # reached from a function parameter
RESOLVED = "resolved"  # passed through realpath/resolve/normalize
PREFIX_NOSEP = "prefix-nosep"  # checked with startswith(base) without a trailing separator
UNRESOLVED_CHECK = "unresolved-check"  # containment checked before the path was resolved


@dataclass(frozen=True, slots=True)
class Sink:
    callee: str  # glob over the resolved dotted callee: "subprocess.*", "*.execute", "eval"
    args: tuple[int, ...] = (0,)  # argument positions that must carry taint; -1: the receiver
    kwargs: tuple[str, ...] = ()  # keyword / option names that must carry taint
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    kind: str = "call"  # call | new | assign (property assignment, callee names the property)
    tainted: bool = True  # False: the construct itself is the weakness

    @property
    def last(self) -> str:
        tail = self.callee.rsplit(".", 1)[-1]
        return "*" if any(c in tail for c in "*?[") else tail

    def matches(self, name: str) -> bool:
        return fnmatchcase(name, self.callee)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    lang: str  # "py" or "js" (JavaScript and TypeScript)
    cwe: str
    title: str
    message: str  # what is wrong, phrased so a model can act on it
    safe: str  # the pattern to use instead
    severity: Severity
    family: str | None = None  # taint family the sinks need (None: structural rule)
    sinks: tuple[Sink, ...] = ()
    check: str | None = None  # name of a structural check in the analyser
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)


_COND = re.compile(r"^(!?)([A-Za-z_][\w]*|@\d+)(?:@(\d+))?(?:([=~])(.*))?$", re.S)


@dataclass(frozen=True, slots=True)
class Cond:
    negate: bool
    name: str | None  # keyword / option name
    pos: int | None  # positional index
    op: str | None
    value: str

    @classmethod
    def parse(cls, spec: str) -> Cond:
        m = _COND.match(spec)
        if not m:
            raise ValueError(f"bad sink condition {spec!r}")
        neg, name, pos, op, value = m.groups()
        if name.startswith("@"):
            return cls(bool(neg), None, int(name[1:]), op, value or "")
        return cls(bool(neg), name, int(pos) if pos else None, op, value or "")

    def holds(self, text: str | None) -> bool:
        """`text`: the source text of the option, or None when it is absent."""
        if self.op is None:
            ok = text is not None
        elif text is None:
            ok = False
        elif self.op == "=":
            ok = text.strip() == self.value
        else:
            ok = re.search(self.value, text) is not None
        return ok != self.negate


def conditions(specs: tuple[str, ...]) -> tuple[Cond, ...]:
    return tuple(Cond.parse(s) for s in specs)


@dataclass(frozen=True, slots=True)
class CompiledSink:
    rule: Rule
    sink: Sink
    when: tuple[Cond, ...]
    unless: tuple[Cond, ...]
    keywords: frozenset[str | None]  # keyword names the call must carry for `when` to hold


def index_sinks(rules: tuple[Rule, ...]) -> dict[tuple[str, str], list[CompiledSink]]:
    """(kind, last name segment or '*') -> sinks, so a call only meets the sinks that could match it."""
    out: dict[tuple[str, str], list[CompiledSink]] = {}
    for r in rules:
        for s in r.sinks:
            out.setdefault((s.kind, s.last), []).append(
                CompiledSink(r, s, w := conditions(s.when), conditions(s.unless),
                             frozenset(c.name for c in w if c.name and not c.negate and c.pos is None)))
    return out


# Names that make a value security-sensitive (tokens, passwords, keys).
SENSITIVE_NAME = re.compile(
    r"(?i)(token|passw|passwd|pwd|secret|otp|nonce|salt|api_?key|apikey|session_?id|sessionid|csrf|"
    r"verif\w*_?code|reset_?code|auth_?code|activation|pin_?code|^pin$|private_?key|signing_?key|access_?key|"
    r"credential)")
# Names that make md5/sha1 harmless (non-security uses).
NONSECURITY_HASH_NAME = re.compile(r"(?i)(etag|cache|checksum|fingerprint|content_?hash|file_?hash|dedup|bucket|shard)")
