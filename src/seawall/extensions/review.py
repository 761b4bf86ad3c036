"""`seawall scan skills`: walk extension folders and context files, review each file, apply inline
`seawall:allow` markers and a baseline. Offline: nothing is fetched or run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from seawall.detect.extensions.engine import review_text
from seawall.detect.findings import Finding, Severity
from seawall.report.notes import Note
from seawall.scanning.suppress import drop_allowed, file_allowed
from seawall.scanning.walk import DEFAULT_MAX_BYTES, iter_targets, read_source

# Files an assistant loads as instructions or runs, looked for when a scan is given a project root
# rather than an extension folder. (A folder scan reads every text file below it.)
CONTEXT_FILES = ("CLAUDE.md", "CLAUDE.local.md", "AGENTS.md", "GEMINI.md", ".cursorrules", ".windsurfrules",
                 ".clinerules", ".github/copilot-instructions.md")


@dataclass
class ReviewResult:
    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    suppressed: int = 0
    below_threshold: int = 0
    files: int = 0


def review_paths(paths: Sequence[Path], *, min_severity: Severity = Severity.MEDIUM,
                 max_bytes: int = DEFAULT_MAX_BYTES, baseline: Iterable[str] | None = None) -> ReviewResult:
    result = ReviewResult()
    known = set(baseline or ())
    for item in iter_targets(paths):
        if isinstance(item, Note):
            result.notes.append(item)
            continue
        src = read_source(item[0], item[1], max_bytes)
        if isinstance(src, Note):
            if src.reason != "binary file":
                result.notes.append(src)
            continue
        result.files += 1
        found = review_text(src.text, src.rel)
        if not found:
            continue
        if file_allowed(src.text):
            result.suppressed += len(found)
            continue
        kept, dropped = drop_allowed(src.text, found)
        result.suppressed += dropped
        for f in kept:
            if f.severity.rank < min_severity.rank:
                result.below_threshold += 1
            elif f.fingerprint in known:
                result.suppressed += 1
            else:
                result.findings.append(f)
    return result
