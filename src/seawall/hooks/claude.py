"""Claude Code's hook protocol (observed with the real CLI; see the fixtures' README).

In: one JSON object on stdin (`hook_event_name`, `session_id`, `cwd`, and per event `tool_name`,
`tool_input`, `tool_response`, `prompt`, `source`). Out, exit status 0:
* PreToolUse: `{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny"|"ask",
  "permissionDecisionReason": R}}`; the model receives R verbatim as the tool result. Nothing is
  printed when seawall has no objection, so Claude Code's own permission rules still apply.
* UserPromptSubmit: `{"decision": "block", "reason": R}`: the prompt is not sent at all.
* PostToolUse: `{"decision": "block", "reason": R}` or `hookSpecificOutput.additionalContext`.
  The output has already been produced; this only warns the model.
* SessionStart: `hookSpecificOutput.additionalContext` states the active policy.
"""

from __future__ import annotations

from typing import Any

from seawall.hooks import core
from seawall.hooks.runner import Outcome, Situation

EVENTS = ("PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart")


def session_id(event: dict[str, Any]) -> str | None:
    s = event.get("session_id")
    return s if isinstance(s, str) else None


def request_id(event: dict[str, Any]) -> str | None:
    for k in ("tool_use_id", "prompt_id", "session_id"):
        if isinstance(event.get(k), str):
            return str(event[k])[:64]
    return None


def tool_name(event: dict[str, Any]) -> str | None:
    t = event.get("tool_name")
    return t if isinstance(t, str) else None


def handle(event_name: str, event: dict[str, Any], s: Situation) -> Outcome:
    if event_name == "PreToolUse":
        tool = tool_name(event)
        if tool is None:
            v = core.Verdict("block" if s.fail_closed else "log", "deny" if s.fail_closed else None,
                             "seawall blocked the tool call: the hook input has no tool_name and the policy fails "
                             "closed (on_error: block).", rule_ids=["on_error"], error_code="bad_input")
        else:
            cwd = event.get("cwd") if isinstance(event.get("cwd"), str) else None
            v = core.check_tool_call(s.engine, tool, event.get("tool_input"), s.project_dir, cwd, s.policy_source)
        return Outcome(v, pre_tool_output(v), tool=tool)
    if event_name == "UserPromptSubmit":
        prompt = event.get("prompt")
        v = core.check_prompt(s.lazy, prompt) if isinstance(prompt, str) else core.Verdict()
        return Outcome(v, {"decision": "block", "reason": v.reason} if v.denied else None)
    if event_name == "PostToolUse":
        tool = tool_name(event) or "tool"
        v, note = core.check_output(s.lazy, tool, event.get("tool_response"), s.project_dir,
                                    event.get("tool_input"))
        out: dict[str, Any] | None = None
        if v.denied:
            out = {"decision": "block", "reason": v.reason}
        elif note:
            out = {"hookSpecificOutput": {"hookEventName": "PostToolUse", "additionalContext": note}}
        return Outcome(v, out, tool=tool)
    if event_name == "SessionStart":
        return Outcome(core.Verdict(), {"hookSpecificOutput": {"hookEventName": "SessionStart",
                                                               "additionalContext": s.summary()}})
    return Outcome(core.Verdict(), None, audit=False)


def pre_tool_output(v: core.Verdict) -> dict[str, Any] | None:
    if v.permission not in ("deny", "ask"):
        return None
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": v.permission,
                                   "permissionDecisionReason": v.reason}}


def failure_output(event_name: str, message: str, fail_closed: bool) -> dict[str, Any] | None:
    """What to answer when the event could not be checked at all (bad input, unusable policy)."""
    if not fail_closed:
        return None
    if event_name == "PreToolUse":
        return pre_tool_output(core.Verdict("block", "deny", message))
    if event_name == "UserPromptSubmit":
        return {"decision": "block", "reason": message}
    return None
