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


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
