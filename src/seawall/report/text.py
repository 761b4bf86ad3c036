"""Human output: file:line, kind, masked preview, then a summary."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from seawall.detect.findings import Finding, Severity
from seawall.report.notes import Note

_STYLE = {Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "cyan"}


def render(findings: Sequence[Finding], notes: Sequence[Note], console: Console, *,
           suppressed: int = 0, verbose: bool = False) -> None:
    for f in findings:
        where = f"{f.path or '<text>'}:{f.line}"
        style = _STYLE[f.severity]
        console.print(f"{escape(where)}  [{style}]{f.severity.value}[/]  {escape(f.kind)}  "
                      f"{escape(f.preview)}  [dim]{escape(f.rule_id)}[/]")
    if verbose:
        for n in notes:
            console.print(f"[dim]skipped {escape(n.path)}: {escape(n.reason)}[/]")
    parts = [f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"]
    if suppressed:
        parts.append(f"{suppressed} suppressed by baseline or allow comments")
    if notes:
        parts.append(f"{len(notes)} file{'s' if len(notes) != 1 else ''} skipped"
                     + ("" if verbose else " (--verbose lists them)"))
    console.print(("[bold red]" if findings else "[green]") + ", ".join(parts) + "[/]")
