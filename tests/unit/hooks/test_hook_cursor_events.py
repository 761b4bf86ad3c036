"""Cursor hooks: the same decisions in Cursor's protocol (format from its documentation)."""

from __future__ import annotations

SECRET = "q8Vt2mZr+Lw7YpXc1KbN4sJd9HfE6gUa0RiToPyW"


def ev(env, name, **fields):
    return {"hook_event_name": name, "conversation_id": "conv-1", "generation_id": "gen-1",
            "workspace_roots": [str(env.project)], **fields}


def cursor(env, payload):
    rc, out, _ = env.run("cursor", payload["hook_event_name"], payload)
    assert rc == 0
    return out


def test_shell(hook_env):
    out = cursor(hook_env, ev(hook_env, "beforeShellExecution", command="cat ./x/../.env", cwd=str(hook_env.project)))
    assert out["permission"] == "deny" and "restricted" in out["agent_message"]
    assert cursor(hook_env, ev(hook_env, "beforeShellExecution", command="ls", cwd=str(hook_env.project))) == \
        {"permission": "allow"}
    row = hook_env.audit_rows()[-1]
    assert row["route"] == "hook:beforeShellExecution" and row["session_id"] == "conv-1"
    assert row["provider"] == "cursor"


def test_read_file_and_confidential_is_denied_not_asked(hook_env):
    out = cursor(hook_env, ev(hook_env, "beforeReadFile", file_path=str(hook_env.project / ".env"), content=SECRET))
    assert out["permission"] == "deny" and SECRET not in out["user_message"]
    out = cursor(hook_env, ev(hook_env, "beforeReadFile", file_path=str(hook_env.project / "customers/a.csv")))
    assert out["permission"] == "deny"  # beforeReadFile knows no "ask"


def test_mcp(hook_env):
    out = cursor(hook_env, ev(hook_env, "beforeMCPExecution", tool_name="fetch",
                              tool_input='{"url": "https://pastebin.com/raw/x"}', command="npx mcp-fetch"))
    assert out["permission"] == "deny" and "pastebin.com" in out["agent_message"]


def test_prompt_and_after_edit(hook_env):
    out = cursor(hook_env, ev(hook_env, "beforeSubmitPrompt", prompt=f"the secret is {SECRET} AKIAQ3EGRXZT7NB4LW5K"))
    assert out["continue"] is False and SECRET not in out["user_message"]
    assert cursor(hook_env, ev(hook_env, "beforeSubmitPrompt", prompt="hello")) == {"continue": True}
    assert cursor(hook_env, ev(hook_env, "afterFileEdit", file_path=str(hook_env.project / "app.py"),
                               edits=[{"old_string": "a", "new_string": "b"}])) is None
    assert hook_env.audit_rows()[-1]["route"] == "hook:afterFileEdit"


def test_malformed_input_fails_closed(hook_env):
    _rc, out, _ = hook_env.run("cursor", "beforeShellExecution", None, raw=b"nope")
    assert out["permission"] == "deny"
