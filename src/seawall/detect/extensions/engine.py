"""The extension reviewer: splits a file into the ways its text is used (shell lines, code, visible
instructions, hidden text, tool descriptions, configuration) and runs the rule table on each part.

Context decides. A skill that says "never read `~/.ssh/id_rsa`" describes; a fenced shell block
that pipes `~/.ssh/id_rsa` into `curl` does. Prose rules skip clauses that negate or describe, and
code blocks introduced as examples of what to avoid are not treated as commands.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from seawall.detect.extensions import mcpconfig, packages
from seawall.detect.extensions.checklist import QUESTIONS
from seawall.detect.extensions.rules import (
    CODE,
    COMMAND,
    HIDDEN,
    HOOK,
    NEGATION,
    PROSE,
    RULES,
    STRUCTURAL,
    TOOL,
    URL,
)
from seawall.detect.extensions.unicode import scan_invisible
from seawall.detect.findings import Family, Finding, LineIndex, Origin, Severity, Span, fingerprint, mask

# --- file kinds -----------------------------------------------------------------------------

_MD_EXT = (".md", ".mdc", ".markdown", ".txt")
_MD_NAMES = {".cursorrules", ".windsurfrules", ".clinerules", "claude.md", "agents.md", "gemini.md"}
_CODE_EXT = (".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx", ".sh", ".bash", ".zsh", ".fish",
             ".ps1", ".psm1", ".rb", ".pl", ".php", ".lua", ".bat", ".cmd", ".go", ".rs")
_SHELL_LANGS = {"", "bash", "sh", "shell", "zsh", "console", "shell-session", "shellsession", "fish", "powershell",
                "ps1", "pwsh", "cmd", "bat", "terminal", "text", "txt", "plain"}
_CODE_LANGS = {"python", "py", "python3", "javascript", "js", "typescript", "ts", "node", "ruby", "rb", "perl",
               "php", "go", "rust", "lua"}
_QUOTED_LANGS = {"diff", "patch", "regex", "log", "output"}


def file_kind(path: str | None, text: str) -> str:
    name = (path or "").rsplit("/", 1)[-1].lower()
    if name in _MD_NAMES or name.endswith(_MD_EXT):
        return "markdown"
    if name.endswith(".json") or name.endswith(".jsonc") or name == ".mcp.json":
        return "json"
    if name.endswith(".toml"):
        return "toml"
    if name.endswith(_CODE_EXT) or text.startswith("#!"):
        return "code"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    return "other"


# --- segments -------------------------------------------------------------------------------


@dataclass(slots=True)
class Segment:
    """A run of text used one way. `offset` is where it starts in the file; a synthetic segment
    (decoded hidden text, a JSON string value) maps every match to `offset`."""

    context: str
    text: str
    offset: int
    synthetic: bool = False
    units_by_line: bool = True
    describing: bool = False  # prose inside a section that explains threats

    def file_span(self, start: int, end: int) -> tuple[int, int]:
        if self.synthetic:
            return self.offset, self.offset + 1
        return self.offset + start, self.offset + end

    def units(self) -> Iterator[tuple[int, str]]:
        if not self.units_by_line:
            yield 0, self.text
            return
        pos = 0
        text = self.text
        # join backslash continuations into one logical line
        for line in re.split(r"(?<!\\)\n", text):
            yield pos, line
            pos += len(line) + 1


_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^[ "
                    r"\t]*(?P=fence)[ \t]*$",
                    re.M | re.S)
_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.S)
_FRONTMATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_INLINE = re.compile(r"(?<!`)(!?)`([^`\n]+)`(?!`)")
_CMD_WORDS = re.compile(
    r"^(?:sudo\s+)?(?:curl|wget|bash|sh|zsh|python3?|node|npx|uvx|pipx|pip3?|npm|pnpm|yarn|bunx?|cat|echo|printf|"
    r"claude|"
    r"codex|gemini|git|tar|nc|ncat|socat|scp|rsync|ssh|chmod|chown|rm|mv|cp|tee|base64|eval|exec|source|crontab|env|"
    r"export|docker|kubectl|brew|apt(?:-get)?|iex|powershell|pwsh|security|open|xdg-open|mkdir|find|jq|perl|ruby)\b")
_DESCRIBING_HEADING = re.compile(
    r"background|red\s+flags?|warning\s+signs?|threat|attack|what\s+to\s+(?:look|watch)\s+for|examples?\s+of|"
    r"anti-?pattern"
    r"|indicators?|don'?ts|avoid|never|security\s+notes?|glossary|definitions?|how\s+attacks?|risks?", re.I)
_DESCRIBING_INTRO = re.compile(
    r"\b(?:example|e\.g\.|for\s+instance|malicious|attack|attacker|never|avoid|don't|do\s+not|looks\s+like|such\s+as"
    r"|flag|detect|bad:|unsafe|dangerous|vulnerable|suspicious|anti-pattern|indicator|beware|refuse|block)\b", re.I)


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, e):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def markdown_segments(text: str) -> tuple[list[Segment], list[tuple[str, int, str]]]:
    """Segments of a Markdown instruction file, plus frontmatter fields (key, offset, value)."""
    segs: list[Segment] = []
    covered: list[tuple[int, int]] = []
    fields: list[tuple[str, int, str]] = []
    fm = _FRONTMATTER.match(text)
    if fm:
        body_start = fm.start(1)
        for m in re.finditer(r"^([\w-]+)\s*:\s*(.*)$", fm.group(1), re.M):
            fields.append((m.group(1).lower(), body_start + m.start(2), m.group(2).strip().strip("\"'")))
            if m.group(1).lower() in ("description", "argument-hint", "when_to_use"):
                segs.append(Segment(PROSE, m.group(2), body_start + m.start(2)))
        covered.append((fm.start(), fm.end()))
    for m in _COMMENT.finditer(text):
        segs.append(Segment(HIDDEN, m.group(1), m.start(1), units_by_line=False))
        covered.append((m.start(), m.end()))
    blanked = _blank(text, covered)
    for m in _FENCE.finditer(blanked):
        lang = m.group("lang").lower()
        covered.append((m.start(), m.end()))
        if lang in _QUOTED_LANGS or lang in ("json", "jsonc", "yaml", "yml", "toml", "markdown", "md"):
            continue
        intro = _intro_line(blanked, m.start())
        if _section_describing(blanked, m.start()):
            continue
        if _DESCRIBING_INTRO.search(intro) and not re.search(r"\b(?:run|execute|required|first|then)\b", intro, re.I):
            continue
        ctx = CODE if lang in _CODE_LANGS else COMMAND
        segs.append(Segment(ctx, m.group("body"), m.start("body"), units_by_line=ctx != CODE))
    blanked = _blank(text, covered)
    describing = False
    pos = 0
    for line in blanked.split("\n"):
        h = _HEADING.match(line)
        if h:
            describing = bool(_DESCRIBING_HEADING.search(h.group(1)))
        elif line.strip():
            segs.append(Segment(PROSE, line, pos, describing=describing))
            stripped = line.lstrip()
            if stripped.startswith("!") and not stripped.startswith("!["):
                segs.append(Segment(COMMAND, stripped[1:], pos + len(line) - len(stripped) + 1))
            for im in _INLINE.finditer(line):
                code = im.group(2).strip()
                if im.group(1) == "!" or _CMD_WORDS.match(code):
                    if not im.group(1) and (describing or _negated(line, im.start())):
                        continue
                    segs.append(Segment(COMMAND, im.group(2), pos + im.start(2)))
        pos += len(line) + 1
    return segs, fields


def _section_describing(text: str, pos: int) -> bool:
    for line in reversed(text[:pos].split("\n")):
        h = _HEADING.match(line)
        if h:
            return bool(_DESCRIBING_HEADING.search(h.group(1)))
    return False


def _intro_line(text: str, fence_start: int) -> str:
    before = text[:fence_start].rstrip()
    return before[before.rfind("\n") + 1:]


_CLAUSE_BREAK = re.compile(r"[.;!?:](?:\s|$)|\n")


def _negated(unit: str, start: int) -> bool:
    """The clause before `start` negates or describes what follows."""
    head = unit[:start]
    breaks = list(_CLAUSE_BREAK.finditer(head))
    clause = head[breaks[-1].end():] if breaks else head
    return bool(re.search(NEGATION, clause, re.I))


_MCP_MARKERS = re.compile(r"FastMCP|MCPServer|McpServer|@\w+\.tool\b|\.tool\(|registerTool|ListToolsRequest|list_tools|"
                          r"mcp\.server|@modelcontextprotocol", re.I)
_PY_STRINGS = re.compile(r"(?P<q>\"\"\"|''')(?P<body>.*?)(?P=q)", re.S)
_JS_STRINGS = re.compile(r"(?P<q>[\"'`])(?P<body>(?:\\.|(?!(?P=q)).){30,}?)(?P=q)", re.S)


def code_segments(text: str) -> list[Segment]:
    segs = [Segment(CODE, text, 0, units_by_line=False)]
    if _MCP_MARKERS.search(text):
        seen: set[int] = set()
        for rx in (_PY_STRINGS, _JS_STRINGS):
            for m in rx.finditer(text):
                if m.start("body") in seen or len(m.group("body")) < 20:
                    continue
                seen.add(m.start("body"))
                segs.append(Segment(TOOL, m.group("body"), m.start("body"), units_by_line=False))
    return segs


# --- config files ---------------------------------------------------------------------------


def _locate(raw: str, value: str, after: int = 0) -> int:
    """Offset of a string value in the raw file (JSON-escaped or not); `after` when not found."""
    for probe in (json.dumps(value)[1:-1][:60], value[:60]):
        if probe:
            i = raw.find(probe, after)
            if i == -1:
                i = raw.find(probe)
            if i != -1:
                return i
    return after


def _walk_hooks(doc: Any) -> Iterator[str]:
    """Hook commands in a hooks.json / settings.json document."""
    hooks = doc.get("hooks") if isinstance(doc, dict) else None
    if not isinstance(hooks, dict):
        return
    for groups in hooks.values():
        for group in groups if isinstance(groups, list) else []:
            for h in (group.get("hooks") or []) if isinstance(group, dict) else []:
                if isinstance(h, dict) and isinstance(h.get("command"), str):
                    yield h["command"]


def _strings(doc: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _strings(v, f"{path}[{i}]")
    elif isinstance(doc, str):
        yield path, doc


# --- the reviewer ---------------------------------------------------------------------------


class _Collector:
    def __init__(self, text: str, path: str | None) -> None:
        self.text = text
        self.path = path
        self.lines = LineIndex(text)
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, int, str]] = set()

    def add(self, rule_id: str, start: int, end: int, *, value: str, preview: str = "", context: str = "",
            detail: str = "", severity: Severity | None = None, confidence: float = 0.8) -> None:
        rule = _RULE_META[rule_id]
        kind, qkey, sev, desc = rule
        line = self.lines.line(start)
        key = (rule_id, line, detail)
        if key in self._seen:
            return
        self._seen.add(key)
        q = QUESTIONS[qkey]
        msg = f"{desc}{' ' + detail if detail else ''} [checklist: {q.text}]"
        end_line = self.lines.line(max(start, end - 1))
        self.findings.append(Finding(
            rule_id=rule_id, family=Family.EXTENSION, kind=kind, severity=severity or sev, confidence=confidence,
            span=Span(start, max(end, start + 1)), line=line, end_line=end_line if end_line > line else None,
            message=msg, fingerprint=fingerprint(f"ext:{rule_id}", f"{self.path or ''}\x00{value}"),
            preview=preview, path=self.path, cwe=_CWE.get(rule_id),
            extra={"question": qkey, "question_text": q.text, "context": context},
        ))


_RULE_META: dict[str, tuple[str, str, Severity, str]] = {
    **{r.id: (r.kind, r.question, r.severity, r.description) for r in RULES}, **STRUCTURAL}
_CWE: dict[str, str] = {r.id: r.cwe for r in RULES if r.cwe}
_CWE.update({"SW-EXT-901": "CWE-798", "SW-EXT-902": "CWE-319", "SW-EXT-501": "CWE-1357", "SW-EXT-502": "CWE-1357",
             "SW-EXT-701": "CWE-1007", "SW-EXT-702": "CWE-1007", "SW-EXT-703": "CWE-1007", "SW-EXT-603": "CWE-506"})


def _preview(s: str, n: int = 80) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    return s if len(s) <= n else s[: n - 1] + "…"


def run_rules(col: _Collector, seg: Segment) -> None:
    low = seg.text.lower()
    ctx = seg.context
    for rule in RULES:
        if ctx not in rule.contexts and not (ctx == HOOK and COMMAND in rule.contexts):
            continue
        if rule.keywords and not any(k in low for k in rule.keywords):
            continue
        for ustart, unit in seg.units():
            m = rule.rx.search(unit)
            if not m:
                continue
            if rule.rx_requires is not None and not rule.rx_requires.search(unit):
                continue
            if rule.rx_unless is not None and rule.rx_unless.search(unit[max(0, m.start() - 200): m.end() + 200]):
                continue
            if ctx == PROSE and rule.negatable and (seg.describing or _negated(unit, m.start())):
                continue
            s, e = seg.file_span(ustart + m.start(), ustart + m.end())
            col.add(rule.id, s, e, value=m.group(0), preview=_preview(m.group(0)), context=ctx)
            if not seg.units_by_line:
                break


_B64_RUN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{40,}={0,2}(?![A-Za-z0-9+/=_-])")
_CODEISH = re.compile(r"\b(?:import|require\(|exec|eval|subprocess|os\.environ|process\.env|urlopen|https?://|curl|wget"
                      r"|/bin/(?:ba)?sh|socket|child_process|powershell|Invoke-)", re.I)


def encoded_payloads(col: _Collector, seg: Segment) -> None:
    for m in _B64_RUN.finditer(seg.text):
        run = m.group(0)
        pre = seg.text[max(0, m.start() - 40): m.start()]
        if "data:" in pre and "base64," in pre:
            continue
        decoded = _b64(run)
        if decoded and _CODEISH.search(decoded):
            s, e = seg.file_span(m.start(), m.end())
            col.add("SW-EXT-603", s, e, value=run, preview=_preview("decodes to: " + decoded, 90), context=seg.context)


def _b64(run: str) -> str | None:
    s = run.rstrip("=")
    if len(s) % 4 == 1:
        return None
    pad = s + "=" * (-len(s) % 4)
    try:
        raw = base64.urlsafe_b64decode(pad) if ("-" in s or "_" in s) else base64.b64decode(pad, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not text or sum(c.isprintable() or c in "\n\t\r" for c in text) / len(text) < 0.95:
        return None
    return text


def minified(col: _Collector, text: str) -> None:
    pos = 0
    for line in text.split("\n"):
        if len(line) > 1500:
            spaces = line.count(" ") + line.count("\t")
            longest = max((len(t) for t in re.findall(r"[A-Za-z0-9+/=_-]+", line)), default=0)
            if spaces / len(line) < 0.03 and longest < 0.8 * len(line):
                col.add("SW-EXT-604", pos, pos + len(line), value=line[:200], preview=f"{len(line)}-character line",
                        context=CODE)
                return
        pos += len(line) + 1


def network_inventory(col: _Collector, seg: Segment) -> None:
    for m in re.finditer(URL, seg.text):
        try:
            host = urlsplit(m.group(0)).hostname or ""
        except ValueError:
            continue
        if not host or "{" in host or "$" in host:
            continue
        s, e = seg.file_span(m.start(), m.end())
        col.add("SW-EXT-001", s, e, value=host, preview=host, context=seg.context, detail=f"({host})")


def hidden_text(col: _Collector, text: str, code: bool, offset: int = 0, synthetic: bool = False) -> list[Segment]:
    """Invisible-character findings; returns the decoded hidden text as HIDDEN segments."""
    extra: list[Segment] = []
    for hit in scan_invisible(text, code):
        s, e = (offset, offset + 1) if synthetic else (offset + hit.start, offset + hit.end)
        preview = _preview(hit.decoded, 100) if hit.decoded else hit.detail
        col.add(hit.rule_id, s, e, value=text[hit.start:hit.end], preview=preview, context=HIDDEN,
                detail=f"({hit.detail})")
        if hit.decoded and hit.rule_id != "SW-EXT-705":
            extra.append(Segment(HIDDEN, hit.decoded, s, synthetic=True, units_by_line=False))
    return extra


def _check_packages(col: _Collector, line: str, offset: int, ctx: str, *, launch: tuple[str, list[str]] | None = None
                    ) -> None:
    if launch is not None:
        refs, auto = packages.launch_packages(*launch)
        items = [(r, True) for r in refs]
    else:
        items = []
        for sub in re.split(r"&&|\|\||;|\|", line):
            argv = packages.split_command(sub.strip())
            if argv and argv[0] == "sudo":
                argv = argv[1:]
            if argv:
                refs, auto = packages.launch_packages(argv[0], argv[1:])
                items += [(r, auto or argv[0] != "npx") for r in refs if r.ecosystem != "docker"]
        items += packages.install_packages(line)
    for ref, strict in items:
        squat = packages.typosquat_of(ref.ecosystem, ref.name)
        where = offset + max(0, line.find(ref.name)) if launch is None else offset
        if squat:
            col.add("SW-EXT-502", where, where + len(ref.name), value=ref.name, context=ctx,
                    preview=f"{ref.name} (looks like {squat})", detail=f"({ref.raw})")
        if not ref.pinned:
            rid = "SW-EXT-501" if strict else "SW-EXT-503"
            why = "floating tag" if ref.version else "no version"
            col.add(rid, where, where + len(ref.name), value=ref.raw, context=ctx, preview=f"{ref.raw} ({why})",
                    detail=f"({ref.ecosystem} {ref.raw})")


def _config(col: _Collector, raw: str, doc: Any) -> list[Segment]:
    segs: list[Segment] = []
    cursor = 0
    for cmd in _walk_hooks(doc):
        off = _locate(raw, cmd, cursor)
        cursor = off
        segs.append(Segment(HOOK, cmd, off, synthetic=_locate(raw, cmd) != off or json.dumps(cmd)[1:-1] != cmd))
        _check_packages(col, cmd, off, HOOK)
    for spec in mcpconfig.servers_in(doc):
        off = _locate(raw, spec.name)
        if spec.command:
            line = spec.launch_line()
            segs.append(Segment(COMMAND, line, off, synthetic=True))
            _check_packages(col, line, off, COMMAND, launch=(spec.command, spec.args))
            # a stdio bridge to a remote URL (npx mcp-remote http://...)
            for a in spec.args:
                host = mcpconfig.plain_http_remote(a) if a.startswith("http://") else None
                if host:
                    o = _locate(raw, a, off)
                    col.add("SW-EXT-902", o, o + len(a), value=a, preview=a, context="config", detail=f"({host})")
        if spec.url:
            host = mcpconfig.plain_http_remote(spec.url)
            o = _locate(raw, spec.url, off)
            if host:
                col.add("SW-EXT-902", o, o + len(spec.url), value=spec.url, preview=spec.url, context="config",
                        detail=f"({spec.name} → {host})")
            else:
                h = urlsplit(spec.url).hostname or ""
                if h and not mcpconfig.is_loopback(h):
                    col.add("SW-EXT-001", o, o + len(spec.url), value=h, preview=h, context="config", detail=f"({h})")
        for where, mapping in (("env", spec.env), ("headers", spec.headers)):
            for k, v in mapping.items():
                lit = mcpconfig.literal_value(v)
                if lit is None:
                    continue
                if _is_secret(k, lit):
                    o = _locate(raw, v, off)
                    col.add("SW-EXT-901", o, o + len(v), value=lit, preview=f"{where}.{k} = {mask(lit)}",
                            context="config", detail=f"({spec.name}: {where}.{k})")
        if spec.options.get("trust") is True:
            o = _locate(raw, '"trust"', off)
            col.add("SW-EXT-903", o, o + 5, value=spec.name, preview=f"{spec.name}: trust = true", context="config")
    if isinstance(doc, dict):
        _settings(col, raw, doc)
        for group in ("tools", "prompts"):
            items = doc.get(group)
            if isinstance(items, list):
                for t in items:
                    if isinstance(t, dict) and isinstance(t.get("description"), str):
                        d = t["description"]
                        segs.append(Segment(TOOL, d, _locate(raw, d), synthetic=True, units_by_line=False))
    return segs


def _settings(col: _Collector, raw: str, doc: dict[str, Any]) -> None:
    perms = doc.get("permissions")
    if isinstance(perms, dict):
        allow = perms.get("allow")
        for a in allow if isinstance(allow, list) else []:
            if isinstance(a, str) and a.strip() in ("Bash", "Bash(*)", "Bash(*:*)", "*", "Bash(:*)"):
                o = _locate(raw, a)
                col.add("SW-EXT-904", o, o + len(a), value=a, preview=f"permissions.allow: {a}", context="config")
        mode = perms.get("defaultMode")
        if mode == "bypassPermissions":
            o = _locate(raw, "bypassPermissions")
            col.add("SW-EXT-904", o, o + 17, value=mode, preview="defaultMode: bypassPermissions", context="config")
    if doc.get("enableAllProjectMcpServers") is True:
        o = _locate(raw, "enableAllProjectMcpServers")
        col.add("SW-EXT-905", o, o + 26, value="enableAllProjectMcpServers", context="config",
                preview="enableAllProjectMcpServers: true")


def _is_secret(key: str, literal: str) -> bool:
    if mcpconfig.looks_secret(key, literal):
        return True
    try:
        from seawall.detect.registry import scan_text
    except ImportError:  # pragma: no cover
        return False
    try:
        return bool(scan_text(literal, detectors=("secrets",)))
    except Exception:  # a detector that is not built in this install
        return False


def review_text(text: str, path: str | None = None) -> list[Finding]:
    """All extension findings for one file's text. `path` decides how the text is read."""
    col = _Collector(text, path)
    kind = file_kind(path, text)
    is_code = kind == "code"
    segs: list[Segment] = hidden_text(col, text, code=is_code)
    if kind == "markdown":
        md, fields = markdown_segments(text)
        segs += md
        for key, off, value in fields:
            if key in ("allowed-tools", "tools") and re.search(r"(?:^|[,\s\[\"'])Bash(?:\(\*\)|\s*(?:,|$|\]))", value):
                col.add("SW-EXT-906", off, off + len(value), value=value, preview=f"{key}: {_preview(value, 60)}",
                        context="config")
    elif is_code:
        segs += code_segments(text)
        minified(col, text)
    elif kind in ("json", "toml"):
        doc: Any = None
        try:
            doc = json.loads(text) if kind == "json" else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError):
            doc = None
        if doc is None and kind == "json":
            try:
                doc = json.loads(_strip_jsonc(text))
            except ValueError:
                doc = None
        if doc is not None:
            segs += _config(col, text, doc)
            if "\\u" in text:  # escaped invisible characters inside JSON strings
                for _p, value in _strings(doc):
                    if not value.isascii():
                        segs += hidden_text(col, value, code=False, offset=_locate(text, value), synthetic=True)
    for seg in segs:
        run_rules(col, seg)
        if seg.context in (CODE, COMMAND, HOOK, HIDDEN, TOOL):
            encoded_payloads(col, seg)
        if seg.context in (CODE, COMMAND, HOOK):
            network_inventory(col, seg)
            if seg.context in (COMMAND, HOOK):
                for ustart, unit in seg.units():
                    s, _ = seg.file_span(ustart, ustart)
                    _check_packages(col, unit, s, seg.context)
            elif is_code and ((path or "").endswith((".sh", ".bash", ".zsh")) or text.startswith(_SHEBANGS)):
                pos = 0
                for line in seg.text.split("\n"):
                    _check_packages(col, line, seg.offset + pos, CODE)
                    pos += len(line) + 1
            else:
                for m in re.finditer(r"[\"'`]([^\"'`\n]*\b(?:pip3?|npm|npx|uvx)\s+[^\"'`\n]+)[\"'`]", seg.text):
                    _check_packages(col, m.group(1), seg.offset + m.start(1), CODE)
    col.findings.sort(key=lambda f: (f.span.start, f.rule_id))
    return col.findings


_SHEBANGS = ("#!/bin/", "#!/usr/bin/env bash", "#!/usr/bin/env sh")


def _strip_jsonc(text: str) -> str:
    text = re.sub(r"(?m)^\s*//.*$", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r",(\s*[}\]])", r"\1", text)


class ExtensionDetector:
    """Detector protocol adapter: `scan(text, origin)`; the origin's path picks the reading."""

    name = "extensions"
    family = Family.EXTENSION

    def scan(self, text: str, origin: Origin | None = None) -> Iterable[Finding]:
        return review_text(text, origin.path if origin else None)
