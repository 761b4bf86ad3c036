"""`seawall policy check|explain|test` and `seawall init`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from seawall.errors import SeawallError

if TYPE_CHECKING:
    from seawall.policy.decide import Engine
    from seawall.policy.load import Loaded

policy_app = typer.Typer(help="Check, explain and test the policy file.", no_args_is_help=True)

ConfigOpt = typer.Option(None, "--config", "-c", help="Policy file (default: $SEAWALL_CONFIG, ./seawall.yaml, "
                                                       "else the embedded defaults).")


def _engine(config: Path | None) -> tuple[Loaded, Engine]:
    from seawall.policy.load import PolicyError, find_policy_file, load
    from seawall.policy.reload import compile_loaded

    path = find_policy_file(config)
    try:
        loaded = load(path)
        return loaded, compile_loaded(loaded)
    except PolicyError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        raise typer.Exit(2) from None


@policy_app.command("check")
def check_cmd(
    file: Path = typer.Argument(None, help="Policy file (default: as for --config)."),
    strict_env: bool = typer.Option(False, "--strict-env", help="Unset ${ENV} variables are errors."),
) -> None:
    """Validate a policy file; every problem with file:line:column. Exit 0 valid, 2 invalid."""
    from seawall.policy.load import PolicyError, find_policy_file, load
    from seawall.policy.reload import compile_loaded

    path = find_policy_file(file)
    try:
        loaded = load(path, allow_missing_env=not strict_env)
        compile_loaded(loaded)
    except PolicyError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        n = len(exc.problems)
        typer.echo(f"{n} problem{'s' if n != 1 else ''}", err=True)
        raise typer.Exit(2) from None
    for w in loaded.warnings:
        typer.echo(f"warning: {w}", err=True)
    pol = loaded.policy
    globs = sum(len(g) for g in pol.classification.tiers.values())
    typer.echo(f"{loaded.source}: valid (version {pol.version}; {globs} tier globs, "
               f"{len(pol.tools.bash.deny)} denied command patterns, {len(pol.tests)} tests)")


@policy_app.command("explain")
def explain_cmd(
    path: str = typer.Option(None, "--path", "-p", help="A file path (project-relative or absolute)."),
    tool: str = typer.Option(None, "--tool", "-t", help="A tool name (Bash, Read, WebFetch, mcp__x__y)."),
    command: str = typer.Option(None, "--command", help="A shell command line."),
    url: str = typer.Option(None, "--url", help="A URL or host name the assistant would reach."),
    write: bool = typer.Option(False, "--write", help="The path is written, not read."),
    content: Path = typer.Option(None, "--content", help="Scan this file's content too (findings count)."),
    config: Path | None = ConfigOpt,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show the tier, the decision and the rules that made it. Exit 0 allowed, 1 blocked."""
    from seawall.detect.registry import scan_text
    from seawall.policy.decide import Context, decide

    if not any((path, tool, command, url, content)):
        raise SeawallError("give at least one of --path, --tool, --command, --url, --content")
    loaded, engine = _engine(config)
    findings = []
    if content is not None:
        try:
            text = content.read_text("utf-8", "replace")
        except OSError as exc:
            raise SeawallError(f"--content {content}: {exc.strerror or exc}") from None
        findings = scan_text(text)
    d = decide(engine, Context(path=path, tool=tool, command=command, url=url, write=write, findings=findings))
    if as_json:
        typer.echo(json.dumps({
            "action": d.action.value, "tier": d.tier.value if d.tier else None, "paths": list(d.paths),
            "reasons": [{"rule": r.rule, "action": r.action.value, "detail": r.detail} for r in d.reasons],
            "policy": loaded.source,
        }, indent=2))
    else:
        typer.echo(f"decision: {d.action.value}")
        if d.tier is not None:
            typer.echo(f"tier:     {d.tier.value}")
        for r in d.reasons:
            typer.echo(f"  {r.action.value:<11} {r.rule}  ({r.detail})")
        if not d.reasons:
            typer.echo("  no rule applies")
        typer.echo(f"policy:   {loaded.source}")
    raise typer.Exit(1 if d.blocked else 0)


@policy_app.command("test")
def test_cmd(
    file: Path = typer.Argument(None, help="Policy file (default: as for --config)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show passing cases too."),
) -> None:
    """Run the policy's `tests:` cases. Exit 0 all pass, 1 a case failed, 2 invalid policy."""
    from seawall.policy.selftest import run_all

    loaded, engine = _engine(file)
    results = run_all(engine)
    failed = [r for r in results if not r.passed]
    for r in results:
        if not r.passed:
            typer.echo(f"FAIL  {r.case.name}: {r.diff}")
        elif verbose:
            typer.echo(f"ok    {r.case.name}: {r.decision.action.value}")
    if not results:
        typer.echo(f"{loaded.source}: no tests (add a `tests:` section)")
        raise typer.Exit(0)
    typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed ({loaded.source})")
    raise typer.Exit(1 if failed else 0)


def init_cmd(
    path: Path = typer.Argument(Path("seawall.yaml"), help="Where to write the starter policy."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter policy (four tiers, restricted secrets files, level-1 defaults)."""
    from seawall.policy.load import starter_text

    if path.exists() and not force:
        raise SeawallError(f"{path} exists; use --force to overwrite it")
    try:
        path.write_text(starter_text(), "utf-8")
    except OSError as exc:
        raise SeawallError(f"cannot write {path}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {path}. Next: seawall policy check {path} && seawall policy test {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
    app.command("init")(init_cmd)
