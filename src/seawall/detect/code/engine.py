"""CodeDetector: insecure-code findings for Python (ast) and JavaScript/TypeScript (tree-sitter).

Pure: text in, findings out. The language comes from the origin's path extension. A file that does
not parse yields no findings from the analyser (the CLI notes it); credentials are still looked for.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from seawall.detect.code.common import Hit, preview_line
from seawall.detect.code.rules import Rule
from seawall.detect.findings import Family, Finding, LineIndex, Origin, Severity, Span, fingerprint, mask

PY_EXT = frozenset({".py", ".pyw", ".pyi"})
JS_EXT = frozenset({".js", ".mjs", ".cjs", ".jsx"})
TS_EXT = frozenset({".ts", ".mts", ".cts"})
TSX_EXT = frozenset({".tsx"})


def language_of(path: str | None) -> str | None:
    """'py', 'js', 'ts' or 'tsx' from a file name; None for anything else."""
    if not path:
        return None
    ext = PurePosixPath(path.replace("\\", "/")).suffix.lower()
    if ext in PY_EXT:
        return "py"
    if ext in JS_EXT:
        return "js"
    if ext in TS_EXT:
        return "ts"
    if ext in TSX_EXT:
        return "tsx"
    return None


class CodeSyntaxError(ValueError):
    """The source does not parse; `line` is where the parser gave up (or None)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def analyse(text: str, lang: str) -> list[Hit]:
    """Hits for one source text. Raises CodeSyntaxError when it does not parse."""
    if lang == "py":
        from seawall.detect.code import python

        try:
            return python.analyse(text)
        except SyntaxError as exc:
            raise CodeSyntaxError(f"Python syntax error: {exc.msg}", exc.lineno) from None
        except (ValueError, RecursionError) as exc:
            raise CodeSyntaxError(f"cannot parse: {exc}", None) from None
    from seawall.detect.code import javascript

    return javascript.analyse(text, lang)


def all_rules() -> tuple[Rule, ...]:
    from seawall.detect.code.js_rules import JS_RULES
    from seawall.detect.code.python_rules import PY_RULES

    return PY_RULES + JS_RULES


def rule_by_id(rule_id: str) -> Rule | None:
    return next((r for r in all_rules() if r.id == rule_id), None)


class CodeDetector:
    """Insecure code in Python, JavaScript and TypeScript sources. Pure and thread-safe."""

    name = "code"
    family = Family.CODE

    def __init__(self, use_secrets: bool = True) -> None:
        self.use_secrets = use_secrets

    def scan(self, text: str, origin: Origin | None = None) -> list[Finding]:
        path = origin.path if origin else None
        lang = language_of(path)
        if lang is None or not text:
            return []
        try:
            hits = analyse(text, lang)
        except CodeSyntaxError:
            hits = []
        return self._findings(text, path, lang, hits)

    def scan_strict(self, text: str, path: str) -> list[Finding]:
        """Like scan(), but a source that does not parse raises CodeSyntaxError (the CLI notes it)."""
        lang = language_of(path)
        if lang is None or not text:
            return []
        return self._findings(text, path, lang, analyse(text, lang))

    def _findings(self, text: str, path: str | None, lang: str, hits: list[Hit]) -> list[Finding]:
        out: list[Finding] = []
        seen_secret_lines: set[int] = set()
        if hits:
            lines = text.split("\n")
            starts = _line_starts(text)
            for h in hits:
                out.append(_finding(h, lines, starts, path))
                if h.rule.cwe == "CWE-798":
                    seen_secret_lines.add(h.line)
        if self.use_secrets:
            out.extend(self._secrets(text, path, lang, seen_secret_lines))
        out.sort(key=lambda f: (f.line, f.rule_id))
        return out

    def _secrets(self, text: str, path: str | None, lang: str, skip: set[int]) -> list[Finding]:
        """Credentials found by the secrets detector, reported as CWE-798 code findings."""
        from seawall.detect import registry

        try:
            det = registry.get("secrets")
        except (ImportError, KeyError):
            return []
        rule = rule_by_id("py-hardcoded-credentials" if lang == "py" else "js-hardcoded-credentials")
        if rule is None:
            return []
        out = []
        for s in det.scan(text, Origin(path=path)):
            if s.line in skip:
                continue
            skip.add(s.line)
            out.append(Finding(
                rule_id=rule.id, family=Family.CODE, kind=rule.cwe, severity=Severity.HIGH,
                confidence=s.confidence, span=s.span, line=s.line, end_line=s.end_line,
                message=f"{rule.title} ({s.kind}): {rule.message}. Safe pattern: {rule.safe}",
                fingerprint=s.fingerprint, preview=s.preview, path=path, cwe=rule.cwe,
                extra={"safe": rule.safe, "title": rule.title, "secret_kind": s.kind},
            ))
        return out


def _line_starts(text: str) -> list[int]:
    idx = LineIndex(text)
    return idx._starts


def _finding(h: Hit, lines: list[str], starts: list[int], path: str | None) -> Finding:
    r = h.rule
    n = max(1, min(h.line, len(lines)))
    src = lines[n - 1]
    start = starts[n - 1] if n - 1 < len(starts) else 0
    span = Span(start + (len(src) - len(src.lstrip())), start + len(src.rstrip()))
    msg = f"{r.title}: {r.message}" + (f" ({h.detail})" if h.detail else "") + f". Safe pattern: {r.safe}"
    if h.value is not None:
        fp = fingerprint(r.id, h.value)
        preview = mask(h.value)
    else:
        fp = fingerprint(r.id, f"{path or ''}\x00{' '.join(src.split())}")
        preview = preview_line(src)
    extra = {"safe": r.safe, "title": r.title}
    if h.detail:
        extra["detail"] = h.detail
    return Finding(rule_id=r.id, family=Family.CODE, kind=r.cwe, severity=r.severity, confidence=h.confidence,
                   span=span, line=n, message=msg, fingerprint=fp, preview=preview, path=path, cwe=r.cwe,
                   extra=extra)


# --- hook helpers --------------------------------------------------------------------------------

_DEFAULT = CodeDetector()


def changed_lines(old_text: str, new_text: str) -> set[int]:
    """1-based line numbers in new_text that an edit added or changed."""
    a, b = old_text.split("\n"), new_text.split("\n")
    out: set[int] = set()
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            out.update(range(j1 + 1, j2 + 1))
    return out


def findings_for_edit(path: str, old_text: str, new_text: str,
                      detector: CodeDetector | None = None) -> list[Finding]:
    """Findings on the lines an edit added or changed (for a PostToolUse hook). A finding whose sink
    is unchanged but whose tainted value was just introduced is reported too when its line lies
    within two lines of a change (the data-flow edge the edit created)."""
    det = detector or _DEFAULT
    found = det.scan(new_text, Origin(path=path))
    if not found:
        return []
    changed = changed_lines(old_text, new_text) if old_text else set(range(1, new_text.count("\n") + 2))
    if not changed:
        return []
    before = {(f.rule_id, f.fingerprint) for f in det.scan(old_text, Origin(path=path))} if old_text else set()
    out = []
    for f in found:
        lines = range(f.line, (f.end_line or f.line) + 1)
        near = (f.rule_id, f.fingerprint) not in before and any(abs(f.line - c) <= 2 for c in changed)
        if any(n in changed for n in lines) or near:
            out.append(f)
    return out


def model_message(findings: Sequence[Finding] | Iterable[Finding]) -> str:
    """A short note for the coding model: what is wrong, where, and the pattern to use instead."""
    items = list(findings)
    if not items:
        return ""
    head = (f"Seawall found {len(items)} insecure pattern{'s' if len(items) != 1 else ''} in the code you just "
            "wrote. Fix them before continuing:")
    parts = [head]
    for f in items:
        title = f.extra.get("title", f.kind)
        what = f.message.split(". Safe pattern:", 1)[0]
        if what.startswith(title + ": "):
            what = what[len(title) + 2:]
        safe = f.extra.get("safe", "")
        parts.append(f"- {f.path or '<file>'}:{f.line} {title} ({f.cwe or f.kind}, rule {f.rule_id}): {what}."
                     + (f" Use instead: {safe}." if safe else ""))
    parts.append("If a finding is a false positive, add a `seawall:allow` comment on that line and say why.")
    return "\n".join(parts)
