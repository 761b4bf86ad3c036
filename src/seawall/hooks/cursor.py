"""Cursor's hook protocol (`.cursor/hooks.json`, version 1): the same decisions as for Claude Code.

In: JSON on stdin with `hook_event_name`, `conversation_id`, `generation_id`, `workspace_roots` and
per event `command`/`cwd` (beforeShellExecution), `tool_name`/`tool_input`/`url`/`command`
(beforeMCPExecution), `file_path`/`content` (beforeReadFile), `file_path`/`edits` (afterFileEdit),
`prompt` (beforeSubmitPrompt). Out (exit 0): `{"permission": "allow"|"deny"|"ask", "user_message",
"agent_message"}` for the before* events (beforeReadFile knows no "ask": approval-tier files are
denied there), `{"continue": bool, "user_message"}` for beforeSubmitPrompt, nothing otherwise.
Cursor's format is taken from its documentation, not from a captured run (see docs/hooks.md).
"""

from __future__ import annotations

import json
from typing import Any

from seawall.hooks import core
from seawall.hooks.runner import Outcome, Situation

EVENTS = ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile", "afterFileEdit", "beforeSubmitPrompt")
_PERMISSION_EVENTS = ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile")


def session_id(event: dict[str, Any]) -> str | None:
    s = event.get("conversation_id")
    return s if isinstance(s, str) else None


def request_id(event: dict[str, Any]) -> str | None:
    for k in ("generation_id", "conversation_id"):
        if isinstance(event.get(k), str):
            return str(event[k])[:64]
    return None


def _permission(event_name: str, v: core.Verdict) -> dict[str, Any]:
    perm = v.permission or "allow"
    if perm == "ask" and event_name == "beforeReadFile":
        perm = "deny"
    out: dict[str, Any] = {"permission": perm}
    if perm != "allow":
        out["user_message"] = v.reason
        out["agent_message"] = v.reason
    return out


def _mcp_input(event: dict[str, Any]) -> Any:
    raw = event.get("tool_input")
    if isinstance(raw, str):  # some versions send the arguments as a JSON string
        try:
            return json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def handle(event_name: str, event: dict[str, Any], s: Situation) -> Outcome:
    if event_name == "beforeShellExecution":
        cwd = event.get("cwd") if isinstance(event.get("cwd"), str) and event["cwd"].startswith("/") else None
        v = core.check_tool_call(s.engine, "Bash", {"command": event.get("command")}, s.project_dir, cwd,
                                 s.policy_source)
        return Outcome(v, _permission(event_name, v), tool="Shell")
    if event_name == "beforeReadFile":
        v = core.check_tool_call(s.engine, "Read", {"file_path": event.get("file_path")}, s.project_dir,
                                 policy_source=s.policy_source)
        return Outcome(v, _permission(event_name, v), tool="Read")
    if event_name == "beforeMCPExecution":
        name = event.get("tool_name") if isinstance(event.get("tool_name"), str) else "unknown"
        inp = _mcp_input(event)
        verdicts = [core.check_tool_call(s.engine, f"mcp__{name}", inp, s.project_dir)]
        if isinstance(event.get("url"), str):
            verdicts.append(core.check_tool_call(s.engine, "WebFetch", {"url": event["url"]}, s.project_dir))
        v = core.merge(verdicts)
        return Outcome(v, _permission(event_name, v), tool=f"mcp:{name}"[:64])
    if event_name == "afterFileEdit":
        path = event.get("file_path")
        v = core.check_tool_call(s.engine, "Edit", {"file_path": path}, s.project_dir, policy_source=s.policy_source) \
            if isinstance(path, str) else core.Verdict()
        return Outcome(v, None, tool="Edit")  # after the fact: audited, nothing to answer
    if event_name == "beforeSubmitPrompt":
        prompt = event.get("prompt")
        v = core.check_prompt(s.lazy, prompt) if isinstance(prompt, str) else core.Verdict()
        out: dict[str, Any] = {"continue": not v.denied}
        if v.denied:
            out["user_message"] = v.reason
        return Outcome(v, out)
    return Outcome(core.Verdict(), None, audit=False)


def failure_output(event_name: str, message: str, fail_closed: bool) -> dict[str, Any] | None:
    if event_name in _PERMISSION_EVENTS:
        if not fail_closed:
            return {"permission": "allow"}
        return {"permission": "deny", "user_message": message, "agent_message": message}
    if event_name == "beforeSubmitPrompt":
        return {"continue": not fail_closed, **({"user_message": message} if fail_closed else {})}
    return None
