"""`seawall hook claude-code|cursor EVENT`: answer an assistant's hook (the event JSON on stdin).

A hook runs on every tool call, so `seawall.cli.main.run()` sends `seawall hook ...` straight to
`seawall.hooks.runner.run_fast()` without importing typer or the other command groups; the typer command below exists
for `--help` and for callers that go through the app object.
"""

from __future__ import annotations

import typer

hook_app = typer.Typer(help="Answer an AI assistant's hook: the event JSON on stdin, the decision on stdout.",
                       no_args_is_help=True)

EventArg = typer.Argument(..., help="The hook event name, e.g. PreToolUse, UserPromptSubmit, beforeShellExecution.")
ConfigOpt = typer.Option(None, "--config", "-c", help="Policy file (default: $SEAWALL_CONFIG, <project>/seawall.yaml, "
                                                       "~/.config/seawall/seawall.yaml, /etc/seawall/seawall.yaml, "
                                                       "else the embedded defaults).")


def _run(client: str, event: str, config: str | None) -> None:
    from seawall.hooks.runner import main

    argv = [client, event] + (["--config", config] if config else [])
    raise typer.Exit(main(argv))


@hook_app.command("claude-code")
def claude_code_cmd(event: str = EventArg, config: str = ConfigOpt) -> None:
    """Claude Code hooks: PreToolUse, PostToolUse, UserPromptSubmit, SessionStart."""
    _run("claude-code", event, config)


@hook_app.command("cursor")
def cursor_cmd(event: str = EventArg, config: str = ConfigOpt) -> None:
    """Cursor hooks: beforeShellExecution, beforeReadFile, beforeMCPExecution, afterFileEdit, beforeSubmitPrompt."""
    _run("cursor", event, config)


def register(app: typer.Typer) -> None:
    app.add_typer(hook_app, name="hook")
