"""`seawall scan secrets|code|skills|prompt`. Other scan modules add their commands to `scan_app`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import typer

from seawall.detect.findings import Finding
from seawall.errors import SeawallError

scan_app = typer.Typer(help="Scan files or text for secrets, insecure code, risky extensions, injections.",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(scan_app, name="scan")


def known_baseline(baseline: Path | None, update_baseline: bool) -> set[str] | None:
    """The fingerprints to ignore (None: no baseline, or it is being rewritten); checked before scanning."""
    from seawall.scanning.suppress import load_baseline

    if update_baseline and baseline is None:
        raise SeawallError("--update-baseline needs --baseline FILE")
    return load_baseline(baseline) if baseline is not None and not update_baseline else None


def record_baseline(baseline: Path | None, update_baseline: bool, findings: Sequence[Finding]) -> None:
    """With --update-baseline: write every current finding to the baseline and exit 0."""
    from seawall.scanning.suppress import write_baseline

    if update_baseline and baseline is not None:
        write_baseline(baseline, list(findings))
        typer.echo(f"baseline {baseline}: {len(findings)} finding(s) recorded", err=True)
        raise typer.Exit(0)


def report_and_exit(result: Any, fmt: str, output: Path | None, verbose: bool,
                    footer: Callable[[Any], None] | None = None) -> NoReturn:
    """Text (with an optional footer written to the same console), json or SARIF; exit 1 on findings."""
    from rich.console import Console

    from seawall.report import text
    from seawall.report.emit import machine_report

    if fmt == "text":
        console = Console(file=open(output, "w", encoding="utf-8") if output else sys.stdout,  # noqa: SIM115
                          highlight=False, soft_wrap=True)
        text.render(result.findings, result.notes, console, suppressed=result.suppressed, verbose=verbose)
        if footer is not None:
            footer(console)
        if output:
            console.file.close()
    else:
        machine_report(fmt, result.findings, result.notes, output)
    raise typer.Exit(1 if result.findings else 0)
