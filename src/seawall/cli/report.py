"""`seawall report maturity|weekly`."""

from __future__ import annotations

from pathlib import Path

import typer

from seawall.errors import SeawallError

report_app = typer.Typer(help="Reports for the security team.", no_args_is_help=True)


@report_app.command("maturity")
def maturity_cmd(
    repo: Path = typer.Option(Path("."), "--repo", help="The repository to check."),
    fmt: str = typer.Option("text", "--format", "-f", help="text, markdown or json."),
    config: Path = typer.Option(None, "--config", "-c"),
) -> None:
    """Which of the three maturity levels is reached, with the evidence and the fix for each gap."""
    from seawall.policy.load import PolicyError, find_policy_file, load
    from seawall.report import maturity

    if fmt not in ("text", "markdown", "json"):
        raise SeawallError("--format: text, markdown or json")
    if not repo.is_dir():
        raise SeawallError(f"--repo {repo}: not a directory")
    try:
        loaded = load(find_policy_file(config or (repo / "seawall.yaml" if (repo / "seawall.yaml").is_file()
                                                  else None)), allow_missing_env=True)
    except PolicyError as exc:
        raise SeawallError("policy:\n" + "\n".join(str(p) for p in exc.problems)) from None
    ctx = maturity.Context(repo.resolve(), loaded, maturity.count_recent(loaded.policy.store), Path.home())
    checks, level = maturity.run(ctx)
    if fmt == "json":
        typer.echo(maturity.as_json(checks, level))
    elif fmt == "markdown":
        typer.echo(maturity.markdown(checks, level))
    else:
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"seawall maturity: level {level} of 3", box=None, pad_edge=False)
        for col in ("level", "control", "result", "evidence", "fix"):
            t.add_column(col)
        for c in checks:
            t.add_row(str(c.level), c.control, "[green]pass[/]" if c.passed else "[red]FAIL[/]", c.evidence, c.fix)
        Console(highlight=False).print(t)


@report_app.command("weekly")
def weekly_cmd(
    since: str = typer.Option("7d", "--since"),
    fmt: str = typer.Option("markdown", "--format", "-f", help="markdown or html."),
    output: Path = typer.Option(None, "--output", "-o"),
    store: str = typer.Option(None, "--store"),
    config: Path = typer.Option(None, "--config", "-c"),
) -> None:
    """The weekly digest: usage against budgets, blocks by rule, anomalies, key changes."""
    from seawall.audit.query import parse_time
    from seawall.cli.keys import open_configured_store
    from seawall.policy.load import find_policy_file, load
    from seawall.report import weekly

    if fmt not in ("markdown", "html"):
        raise SeawallError("--format: markdown or html")
    try:
        start = parse_time(since)
    except ValueError as exc:
        raise SeawallError(str(exc)) from None
    loaded = load(find_policy_file(config), allow_missing_env=True)
    digest = weekly.build(open_configured_store(store, config), loaded.policy, start)
    text = weekly.markdown(digest) if fmt == "markdown" else weekly.html(digest)
    if output:
        output.write_text(text, "utf-8")
        typer.echo(f"wrote {output}", err=True)
    else:
        typer.echo(text)


def doctor_cmd(
    gateway: str = typer.Option("http://127.0.0.1:8787", "--gateway", envvar="SEAWALL_GATEWAY"),
    key: str = typer.Option(None, "--key", envvar="ANTHROPIC_API_KEY"),
    explain: str = typer.Option(None, "--explain", help="An error message from an assistant or SDK."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check this machine's set-up end to end, or explain an error message."""
    from seawall.report import doctor

    if explain is not None:
        found = doctor.explain(explain)
        if not found:
            typer.echo("This message does not come from a seawall rule I know. If it names x-seawall-request-id, "
                       "`seawall audit query` on the gateway shows the request's decision and rules.")
            raise typer.Exit(1)
        for cause, fix, _ in found:
            typer.echo(f"cause: {cause}\nfix:   {fix}")
        return
    steps = doctor.check(gateway, key, Path.cwd())
    if as_json:
        typer.echo(doctor.as_json(steps))
    else:
        for s in steps:
            typer.echo(f"{'ok  ' if s.ok else 'FAIL'} {s.name:8s} {s.detail}" + (f"\n     fix: {s.fix}" if not s.ok
                                                                                and s.fix else ""))
    raise typer.Exit(0 if all(s.ok for s in steps) else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.command("doctor")(doctor_cmd)
