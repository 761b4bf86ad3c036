"""`seawall scan skills [PATH...]`: static review of skills, plugins, hooks, MCP server definitions and
the context files assistants load as instructions. Exit 0 clean, 1 findings, 2 usage error."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from seawall.cli.scan import known_baseline, record_baseline, scan_app


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


class MinSeverity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


@scan_app.command("skills")
def skills_cmd(
    paths: list[Path] = typer.Argument(None, help="Extension folders or files (default: the current folder)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to a file."),
    baseline: Path | None = typer.Option(None, "--baseline", help="Known findings (fingerprints) to ignore."),
    update_baseline: bool = typer.Option(False, "--update-baseline",
                                         help="Write all current findings to --baseline and exit 0."),
    min_severity: MinSeverity = typer.Option(MinSeverity.medium, "--min-severity",
                                             help="Report findings at or above this level (low adds the inventory: "
                                                  "every network destination, prompted unpinned installs)."),
    max_bytes: int = typer.Option(5 * 1024 * 1024, "--max-bytes", min=1, help="Skip files larger than this."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List skipped files."),
) -> None:
    """Review extensions for risky behaviour; each finding names the checklist question it answers."""
    from seawall.detect.findings import Severity
    from seawall.extensions.review import review_paths
    from seawall.report import sarif

    known = known_baseline(baseline, update_baseline)
    result = review_paths(paths or [Path(".")], min_severity=Severity(min_severity.value), max_bytes=max_bytes,
                          baseline=known)
    record_baseline(baseline, update_baseline, result.findings)
    if fmt is Format.sarif:
        body = json.dumps(sarif.to_sarif(result.findings, root=Path.cwd(), notes=result.notes), indent=2)
    elif fmt is Format.json:
        body = json.dumps(_json_doc(result), indent=2)
    else:
        body = _text(result, verbose)
    if output:
        output.write_text(body + "\n", "utf-8")
    else:
        sys.stdout.write(body + "\n")
    raise typer.Exit(1 if result.findings else 0)


def _json_doc(result: Any) -> dict[str, Any]:
    from seawall.report.json import finding_dict

    items = []
    for f in result.findings:
        d = finding_dict(f)
        d["question"] = f.extra.get("question")
        d["question_text"] = f.extra.get("question_text")
        d["context"] = f.extra.get("context")
        items.append(d)
    return {"findings": items, "notes": [{"path": n.path, "reason": n.reason} for n in result.notes],
            "summary": {"findings": len(items), "files": result.files, "suppressed": result.suppressed,
                        "below_threshold": result.below_threshold, "skipped": len(result.notes)}}


def _text(result: Any, verbose: bool) -> str:
    from seawall.detect.extensions.checklist import QUESTIONS

    lines: list[str] = []
    by_q: dict[str, list[Any]] = {}
    for f in result.findings:
        by_q.setdefault(f.extra.get("question", ""), []).append(f)
    for key, q in QUESTIONS.items():
        group = by_q.get(key)
        if not group:
            continue
        lines.append(f"{q.title} — {q.text}")
        for f in group:
            lines.append(f"  {f.path}:{f.line}  {f.severity.value}  {f.kind}  {f.preview}  [{f.rule_id}]")
        lines.append("")
    if verbose:
        lines += [f"skipped {n.path}: {n.reason}" for n in result.notes]
    parts = [f"{len(result.findings)} finding{'s' if len(result.findings) != 1 else ''} in {result.files} files"]
    if result.suppressed:
        parts.append(f"{result.suppressed} suppressed by baseline or allow comments")
    if result.below_threshold:
        parts.append(f"{result.below_threshold} below --min-severity")
    lines.append(", ".join(parts))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """The command is attached to `scan_app` at import; nothing more to add."""
