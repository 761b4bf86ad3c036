"""Per-request scripting: `[[fake:...]]` directives in the last user message, and the answer plan.

Syntax: one or more `[[fake:TOKENS]]` blocks; TOKENS are shell-style words (quotes allowed):
`key=value` pairs or bare flags. Keys merge across blocks (last wins); each block holding `tool=`
adds one tool call. Reserved keys are listed in `_KEYS`; any other `key=value` in a tool block is a
string argument of that tool's input (`input=<JSON object>` sets the whole input instead).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TEXT = "Hello from the fake provider."
DEFAULT_CHUNKS = 3
# quoted words may hold "]]" (a redaction placeholder inside a tool input, say)
_DIRECTIVE = re.compile(r"\[\[fake:((?:'[^']*'|\"[^\"]*\"|[^'\"\]]|\](?!\]))*)\]\]", re.DOTALL)
_FLAGS = {"hang", "echo", "malformed"}
_KEYS = {"tool", "input", "delay", "chunk_delay", "cut_after", "status", "retry_after", "text", "chunks",
         "cache_read", "cache_write"} | _FLAGS
# keys whose values may hold the request's text, in the order echo reads them at the top level
_TOP_TEXT_KEYS = ("system", "instructions", "messages", "input")
_TEXT_KEYS = {"text", "content", "input", "arguments", "output", "tool_calls", "function"}


class DirectiveError(ValueError):
    """A `[[fake:...]]` directive that cannot be understood (answered as a 400)."""


@dataclass(frozen=True)
class ToolCall:
    name: str
    input: dict[str, Any]


@dataclass
class Script:
    """What one request asked the fake to do."""

    text: str | None = None
    tools: list[ToolCall] = field(default_factory=list)
    delay: float = 0.0
    chunk_delay: float = 0.0
    cut_after: int | None = None
    status: int | None = None
    retry_after: str = "1"
    hang: bool = False
    malformed: bool = False  # answer 200 with a body that is not JSON
    echo: bool = False
    chunks: int = DEFAULT_CHUNKS
    cache_read: int = 0
    cache_write: int = 0


@dataclass(frozen=True)
class Plan:
    """The resolved answer, independent of wire format."""

    text: str
    tools: list[ToolCall]
    input_tokens: int
    output_tokens: int
    script: Script


def estimate_tokens(text: str) -> int:
    """Deterministic token estimate: one token per four characters, at least one."""
    return max(1, len(text) // 4)


def split_chunks(text: str, n: int) -> list[str]:
    """Split `text` into `n` contiguous non-empty pieces (fewer if the text is shorter)."""
    if not text:
        return []
    n = max(1, min(n, len(text)))
    size, extra = divmod(len(text), n)
    out, pos = [], 0
    for i in range(n):
        end = pos + size + (1 if i < extra else 0)
        out.append(text[pos:end])
        pos = end
    return out


def parse_script(text: str) -> Script:
    """Read every `[[fake:...]]` block of `text` into one Script."""
    script = Script()
    matches = list(_DIRECTIVE.finditer(text))
    if text.count("[[fake:") > len(matches):
        raise DirectiveError("fake directive not closed (an unbalanced quote, or a missing ']]')")
    for match in matches:
        try:
            words = shlex.split(match.group(1))
        except ValueError as exc:
            raise DirectiveError(f"fake directive {match.group(0)!r}: {exc}") from None
        _apply_block(script, words)
    return script


def _apply_block(script: Script, words: list[str]) -> None:
    pairs: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep and key not in _FLAGS:
            flags = ", ".join(sorted(_FLAGS))
            raise DirectiveError(f"fake directive: {word!r} is neither a flag ({flags}) nor key=value")
        pairs[key] = value if sep else "1"
    extra = {k: v for k, v in pairs.items() if k not in _KEYS}
    if "tool" in pairs:
        script.tools.append(ToolCall(pairs["tool"], _tool_input(pairs.get("input"), extra)))
    elif extra or "input" in pairs:
        raise DirectiveError(f"fake directive: unknown key(s) {sorted(extra) or ['input']} without tool=")
    for key, value in pairs.items():
        if key in _KEYS and key not in ("tool", "input"):
            _set(script, key, value)


def _tool_input(raw: str | None, extra: dict[str, str]) -> dict[str, Any]:
    if raw is None:
        return dict(extra)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DirectiveError(f"fake directive: input= is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise DirectiveError("fake directive: input= must be a JSON object")
    return {**value, **extra}


def _set(script: Script, key: str, value: str) -> None:
    try:
        if key in ("delay", "chunk_delay"):
            setattr(script, key, max(0.0, float(value)))
        elif key in ("cut_after", "status", "chunks", "cache_read", "cache_write"):
            setattr(script, key, int(value))
        elif key in _FLAGS:
            setattr(script, key, value not in ("0", "false", "no"))
        else:
            setattr(script, key, value)
    except ValueError:
        raise DirectiveError(f"fake directive: {key}={value!r} is not a number") from None
    if script.status is not None and not 400 <= script.status <= 599:
        raise DirectiveError(f"fake directive: status={script.status} must be an error status (400-599)")


def collect_text(node: Any) -> list[str]:
    """Every piece of conversation text under `node` (tool inputs as JSON), in document order."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [text for item in node for text in collect_text(item)]
    if not isinstance(node, dict):
        return []
    out: list[str] = []
    for key, value in node.items():
        if key in _TEXT_KEYS:
            out.extend([json.dumps(value, ensure_ascii=False)] if key == "input" and isinstance(value, dict)
                       else collect_text(value))
    return out


def request_text(body: dict[str, Any]) -> str:
    """All the text of a request body (system/instructions first, then the conversation), newline-joined."""
    return "\n".join(text for key in _TOP_TEXT_KEYS for text in collect_text(body.get(key)))


def last_user_text(items: Any) -> str:
    """Text of the last `role: user` item of a message list (string content or text parts)."""
    if isinstance(items, str):
        return items
    if not isinstance(items, list):
        return ""
    for item in reversed(items):
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return "\n".join(p["text"] for p in content if isinstance(p, dict)
                                 and p.get("type") in ("text", "input_text") and isinstance(p.get("text"), str))
            return ""
    return ""


def make_plan(script: Script, body: dict[str, Any]) -> Plan:
    """Resolve the answer text and token counts for one request."""
    seen = request_text(body)
    if script.text is not None:
        text = script.text
    elif script.echo:
        text = seen
    else:
        text = "" if script.tools else DEFAULT_TEXT
    tools_json = json.dumps(body.get("tools") or [], ensure_ascii=False) if body.get("tools") else ""
    out = text + "".join(json.dumps(t.input) for t in script.tools)
    return Plan(text, script.tools, estimate_tokens(seen + tools_json), estimate_tokens(out), script)
