"""`seawall install claude-code|cursor`: hooks (and for Claude Code, permission rules and the gateway
URL) in the assistant's settings, generated from the policy. Attached to `seawall install`."""

from __future__ import annotations

from pathlib import Path

import typer

from seawall.cli.install import install_app

ScopeOpt = typer.Option("user", "--scope", help="user (~/.claude), project (./.claude) or managed (/etc, admins).")
DryRunOpt = typer.Option(False, "--dry-run", help="Print the change as a unified diff; write nothing.")
UninstallOpt = typer.Option(False, "--uninstall", help="Remove exactly what seawall added.")
ConfigOpt = typer.Option(None, "--config", "-c", help="Policy file to generate from, and to bake into the hook "
                                                       "commands (default: found as the hooks find it).")
ProjectOpt = typer.Option(Path("."), "--project", help="Project directory for --scope project.")
ExeOpt = typer.Option(None, "--exe", help="Command that runs seawall (default: this installation, absolute).")


def _policy(config: Path | None, project: Path):
    from seawall.hooks.policycache import locate
    from seawall.policy.load import PolicyError, load

    path = locate(str(config) if config else None, str(project.absolute()))
    try:
        return load(path, allow_missing_env=True, scan_secrets=False).policy, path
    except PolicyError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        raise typer.Exit(2) from None


def _report(res, dry_run: bool) -> None:
    if dry_run:
        if res.diff:
            typer.echo(res.diff, nl=False)
        typer.echo(res.message, err=True)
    else:
        typer.echo(res.message)
        if res.backup:
            typer.echo(f"  previous version kept as {res.backup}")
    for s in res.skipped:
        typer.echo(f"  not expressible as a settings rule, enforced by the hook: {s}", err=True)


def _check_scope(scope: str) -> None:
    if scope not in ("user", "project", "managed"):
        typer.echo(f"seawall: error: --scope must be user, project or managed (got {scope!r})", err=True)
        raise typer.Exit(2)


@install_app.command("claude-code")
def claude_code_cmd(
    scope: str = ScopeOpt, dry_run: bool = DryRunOpt, uninstall: bool = UninstallOpt,
    gateway: str = typer.Option(None, "--gateway", help="Point Claude Code at the seawall gateway "
                                                        "(sets env.ANTHROPIC_BASE_URL)."),
    config: Path = ConfigOpt, project: Path = ProjectOpt, exe: str = ExeOpt,
) -> None:
    """Claude Code: hooks for PreToolUse, PostToolUse, UserPromptSubmit and SessionStart, permission
    rules from the policy (restricted files, denied commands, tools and domains), and the gateway URL."""
    from seawall.hooks import settings

    _check_scope(scope)
    if gateway and not gateway.startswith(("http://", "https://")):
        typer.echo("seawall: error: --gateway must be an http(s) URL", err=True)
        raise typer.Exit(2)
    path = settings.claude_settings_path(scope, project.absolute())
    if uninstall:
        plan = settings.Plan()
    else:
        policy, _ = _policy(config, project)
        plan = settings.claude_plan(policy, exe or settings.seawall_command(),
                                    config.absolute() if config else None, scope, gateway)
    _report(settings.install(path, plan, dry_run=dry_run, uninstall=uninstall), dry_run)


@install_app.command("cursor")
def cursor_cmd(
    scope: str = ScopeOpt, dry_run: bool = DryRunOpt, uninstall: bool = UninstallOpt,
    config: Path = ConfigOpt, project: Path = ProjectOpt, exe: str = ExeOpt,
) -> None:
    """Cursor: hooks for beforeShellExecution, beforeMCPExecution, beforeReadFile, afterFileEdit and
    beforeSubmitPrompt in hooks.json (user ~/.cursor, project ./.cursor, managed /etc/cursor)."""
    from seawall.hooks import settings

    _check_scope(scope)
    path = settings.cursor_hooks_path(scope, project.absolute())
    if uninstall:
        plan = settings.Plan()
    else:
        _policy(config, project)  # a policy that does not load is reported now, not on the first tool call
        plan = settings.cursor_plan(exe or settings.seawall_command(), config.absolute() if config else None)
    _report(settings.install(path, plan, dry_run=dry_run, uninstall=uninstall), dry_run)


def register(app: typer.Typer) -> None:
    """The commands live on `install_app`, which seawall.cli.install registers."""
