"""Pieces shared by both analysers: hits, tag sets, nested-quantifier check, credential heuristics."""

from __future__ import annotations

import re
import re._constants as _sc
import re._parser as _sp
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from seawall.detect.code.rules import FAMILIES, PARAM, SRC, Rule

Taint = frozenset[str]
EMPTY: Taint = frozenset()
SOURCE: Taint = FAMILIES | {SRC}
PARAMETER: Taint = FAMILIES | {PARAM}
# Environment variables are operator-controlled: dangerous in commands, code and SQL, not as URLs or paths.
ENVIRON: Taint = frozenset({"sql", "cmd", "code", SRC})


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    line: int
    confidence: float
    detail: str = ""
    value: str | None = None  # a credential: fingerprinted and masked, never shown


def confidence_of(t: Taint) -> float:
    return 0.9 if SRC in t else 0.75


# --- regular expressions with nested quantifiers (exponential backtracking) ------------------------

_REPEATS = {_sc.MAX_REPEAT, _sc.MIN_REPEAT} | ({_sc.POSSESSIVE_REPEAT} if hasattr(_sc, "POSSESSIVE_REPEAT") else set())
_JS_NAMED = re.compile(r"\(\?<(?![=!])")


def nested_quantifier(pattern: str, js: bool = False) -> bool:
    """True when an unbounded repetition contains another unbounded repetition: (a+)+, (\\w+\\s?)*."""
    if js:
        pattern = _JS_NAMED.sub("(?P<", pattern)
    try:
        parsed = _sp.parse(pattern)
    except Exception:
        return False
    return _walk(list(parsed), False)


def _unbounded(hi: int) -> bool:
    return bool(hi == _sc.MAXREPEAT or hi > 64)


def _walk(items: list[Any], inside: bool) -> bool:
    for op, av in items:
        if op in _REPEATS:
            _lo, hi, sub = av
            unb = _unbounded(hi)
            if unb and inside:
                return True
            if _walk(list(sub), inside or unb):
                return True
        elif op is _sc.SUBPATTERN:
            if _walk(list(av[-1]), inside):
                return True
        elif op is _sc.BRANCH:
            if any(_walk(list(b), inside) for b in av[1]):
                return True
        elif op in (_sc.ASSERT, _sc.ASSERT_NOT) and _walk(list(av[1]), inside):
            return True
    return False


# --- hard-coded credentials ----------------------------------------------------------------------

SECRET_NAME = re.compile(
    r"(?i)(passw(or)?d|passwd|pwd|secret|api_?key|apikey|access_?key|auth_?token|access_?token|"
    r"signing_?key|private_?key|client_?secret|jwt_?key|encryption_?key|enc_?key|^token$|_token$|credentials?$|"
    r"master_?key|db_?pass)")
_NOT_SECRET_NAME = re.compile(
    r"(?i)(_?(field|name|label|header|param|env|var|path|file|url|uri|prefix|suffix|min|max|length|len|pattern|"
    r"regex|type|hint|prompt|placeholder|policy|rules|column|attr|key_name|id|format|example|dir|endpoint|"
    r"message|msg|error|help|text|title|description)s?$)|^(is|has|use|require|enable)_")
_PLACEHOLDER = re.compile(
    r"(?i)^(<.*>|\$\{.*\}|\{\{.*\}\}|%\(.*\)s|x{3,}|\*{3,}|\.{3,}|changeme|change_me|placeholder|redacted|"
    r"your[-_ ].*|.*example.*|dummy|none|null|true|false|todo|tbd|secret|password|passwd|token)$")
URL_CREDENTIALS = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@[^/\s]+", re.I)


def secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


def secret_value(value: str) -> bool:
    """A literal that looks like a real credential rather than a field name or a placeholder."""
    v = value.strip()
    if len(v) < 6 or len(v) > 400 or "\n" in v or " " in v.strip():
        return False
    if _PLACEHOLDER.match(v):
        return False
    if re.fullmatch(r"[a-z_]+", v) or re.fullmatch(r"[A-Z_]+", v):  # field / env-var names
        return False
    if v.startswith(("/", "./", "http://", "https://")) and not URL_CREDENTIALS.match(v):
        return False
    return not re.fullmatch(r"[\w.-]+\.(py|js|ts|json|ya?ml|txt|pem|key|crt)", v)


def url_with_password(value: str) -> bool:
    m = URL_CREDENTIALS.match(value.strip())
    if m is None:
        return False
    return not _PLACEHOLDER.match(m.group(1)) and not m.group(1).startswith(("$", "{", "%"))


_LONG_STRING = re.compile(r"""(["'`])([^"'`\n]{12,})\1""")


def preview_line(line: str) -> str:
    """The source line, trimmed, with long string literals masked (they may hold credentials)."""
    s = _LONG_STRING.sub(lambda m: m.group(1) + m.group(2)[:4] + "…" + m.group(1), line.strip())
    return s if len(s) <= 160 else s[:157] + "…"


class Dependencies(Protocol):
    def get(self, name: str, default: Iterable[str], /) -> Iterable[str]: ...


def dependency_closure(deps: Dependencies | Mapping[str, Iterable[str]], names: set[str],
                       limit: int = 64) -> set[str]:
    """`names` and every variable they were computed from (at most `limit`), for sanitiser checks."""
    out: set[str] = set()
    todo = list(names)
    while todo and len(out) < limit:
        n = todo.pop()
        if n in out:
            continue
        out.add(n)
        todo.extend(deps.get(n, ()))
    return out
