"""Envelope: a provider request seen as text segments with their origin, written back in place.

Every inspection (detectors, redaction, classification) works on segments, so it is written once
for all wire formats; an adapter knows where the text lives in its format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from seawall.detect.findings import Channel, Origin


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    paths: tuple[str, ...] = ()
    id: str | None = None
    command: str | None = None  # a shell tool's command line (classified, never audited)


@dataclass(slots=True)
class Segment:
    text: str
    origin: Origin
    _set: Callable[[str], None]
    call: ToolCall | None = None  # for a tool result: the call it answers

    def replace(self, text: str) -> None:
        """Write new text back into the request body (e.g. after redaction)."""
        self._set(text)
        self.text = text


@dataclass
class Envelope:
    fmt: str  # anthropic | openai_chat | openai_responses
    body: dict[str, Any]
    model: str | None
    stream: bool
    segments: list[Segment] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)  # calls whose results this request carries
    modified: bool = False


PATH_KEYS = ("file_path", "path", "notebook_path", "filename", "file", "target_file", "directory", "cwd")


def tool_paths(args: Any) -> tuple[str, ...]:
    """File paths named in a tool call's arguments (never the other values)."""
    if not isinstance(args, dict):
        return ()
    out = [v for k in PATH_KEYS if isinstance(v := args.get(k), str) and v]
    paths = args.get("paths")
    if isinstance(paths, list):
        out.extend(p for p in paths if isinstance(p, str))
    return tuple(out)


def tool_command(args: Any) -> str | None:
    """The command line of a shell tool call: a string, or an argv list (Codex: ["bash", "-lc", "..."])."""
    if not isinstance(args, dict):
        return None
    cmd = args.get("command") if "command" in args else args.get("cmd")
    if isinstance(cmd, str):
        return cmd
    if isinstance(cmd, list) and all(isinstance(c, str) for c in cmd):
        import shlex

        return shlex.join(cmd)
    return None


def setter(container: Any, key: Any) -> Callable[[str], None]:
    def put(value: str) -> None:
        container[key] = value
    return put


def origin(channel: Channel, index: int | None = None, block: int | None = None, tool: str | None = None,
           path: str | None = None) -> Origin:
    return Origin(channel=channel, path=path, tool=tool, message_index=index, block_index=block)
