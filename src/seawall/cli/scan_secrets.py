"""`seawall scan secrets [PATH...]`: secrets and PII in files or in what a commit adds."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from seawall.cli.scan import known_baseline, record_baseline, report_and_exit, scan_app
from seawall.detect import registry
from seawall.errors import SeawallError


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


DEFAULT_DETECTORS = "secrets,pii"


def _detectors(spec: str) -> list[str]:
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise SeawallError("--detectors: give at least one detector name")
    usable = []
    for n in names:
        if n not in registry.names():
            raise SeawallError(f"--detectors: unknown detector {n!r} (known: {', '.join(registry.names())})")
        try:
            registry.get(n)
        except ImportError:
            if spec == DEFAULT_DETECTORS:
                continue  # a default detector not shipped in this build
            raise SeawallError(f"--detectors: detector {n!r} is not available in this build") from None
        usable.append(n)
    return usable


def _custom(specs: list[str], config: Path | None) -> str | None:
    """Custom patterns from the policy file (redaction.custom) and from --pattern."""
    from seawall.detect.pii.custom import CustomPattern, CustomPatternDetector, parse_cli_pattern
    from seawall.policy.load import PolicyError, find_policy_file, load

    patterns: list[CustomPattern] = []
    path = find_policy_file(config)
    if path is not None:
        try:
            loaded = load(path, allow_missing_env=True)
        except PolicyError as exc:
            raise SeawallError(f"policy {path}:\n" + "\n".join(str(p) for p in exc.problems)) from None
        patterns += [CustomPattern(c.name, c.pattern, description=c.description)
                     for c in loaded.policy.redaction.custom]
    try:
        patterns += [parse_cli_pattern(s) for s in specs]
        if not patterns:
            return None
        registry.register(CustomPatternDetector(patterns))
    except ValueError as exc:
        raise SeawallError(str(exc)) from None
    return CustomPatternDetector.name


@scan_app.command("secrets")
def secrets_cmd(
    paths: list[Path] = typer.Argument(None, help="Files or folders (default: the current folder)."),
    staged: bool = typer.Option(False, "--staged", help="Only lines added in the git index (pre-commit)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to a file."),
    baseline: Path | None = typer.Option(None, "--baseline", help="Known findings (fingerprints) to ignore."),
    update_baseline: bool = typer.Option(False, "--update-baseline",
                                         help="Write all current findings to --baseline and exit 0."),
    detectors: str = typer.Option(DEFAULT_DETECTORS, "--detectors", help="Comma-separated detector names."),
    patterns: list[str] = typer.Option(None, "--pattern", help="Extra pattern NAME=REGEX (repeatable)."),
    max_bytes: int = typer.Option(5 * 1024 * 1024, "--max-bytes", min=1, help="Skip files larger than this."),
    config: Path | None = typer.Option(None, "--config", "-c",
                                       help="Policy file for custom patterns (default: ./seawall.yaml if present)."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Worker processes (0: one per CPU)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List skipped files."),
) -> None:
    """Find credentials and personal data. Exit 0 clean, 1 findings, 2 usage error."""
    from seawall.scanning.run import apply_baseline, scan_paths, scan_staged_repo

    names = _detectors(detectors)
    custom = _custom(patterns or [], config)
    if custom:
        names.append(custom)
    if staged and paths:
        raise SeawallError("--staged scans the git index; give no paths with it")
    known = known_baseline(baseline, update_baseline)

    result = scan_staged_repo(Path.cwd(), names, max_bytes) if staged \
        else scan_paths(paths or [Path(".")], names, max_bytes, jobs)
    record_baseline(baseline, update_baseline, result.findings)
    if known is not None:
        apply_baseline(result, known)

    def refused(console: Console) -> None:
        if staged and result.findings:
            console.print("Commit refused: remove the secret (use an environment variable or a secret store), "
                          "or mark a false positive with a `seawall:allow` comment on that line.")

    report_and_exit(result, fmt.value, output, verbose, refused)


def register(app: typer.Typer) -> None:
    """The command is attached to `scan_app` at import; nothing more to add."""
