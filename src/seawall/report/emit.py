"""Writing a scan's machine-readable report (JSON or SARIF) to a file or standard output."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from seawall.detect.findings import Finding
from seawall.report import json as json_report
from seawall.report import sarif
from seawall.report.notes import Note


def machine_report(fmt: str, findings: Sequence[Finding], notes: Sequence[Note], output: Path | None) -> None:
    """`fmt` is "json" or "sarif"; SARIF paths are relative to the current directory."""
    body = json_report.render(list(findings), list(notes)) if fmt == "json" \
        else json.dumps(sarif.to_sarif(list(findings), root=Path.cwd(), notes=list(notes)), indent=2)
    if output:
        output.write_text(body + "\n", "utf-8")
    else:
        sys.stdout.write(body + "\n")
