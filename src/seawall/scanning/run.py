"""Scan files with the registered detectors and apply allow markers and the baseline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from seawall.detect.findings import Channel, Finding, Origin
from seawall.detect.registry import scan_text
from seawall.report.notes import Note
from seawall.scanning.suppress import drop_allowed, file_allowed
from seawall.scanning.walk import DEFAULT_MAX_BYTES, SourceFile, iter_sources


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    suppressed: int = 0
    files: int = 0
    bytes: int = 0


def scan_source(src: SourceFile, detectors: Sequence[str], result: ScanResult,
                only_lines: set[int] | None = None) -> None:
    """Scan one file's text into `result`."""
    result.files += 1
    result.bytes += len(src.text)
    found = scan_text(src.text, Origin(channel=Channel.FILE, path=src.rel), detectors=detectors)
    if not found:
        return
    if file_allowed(src.text):
        result.suppressed += len(found)
        return
    if only_lines is not None:
        found = [f for f in found if any(n in only_lines for n in range(f.line, (f.end_line or f.line) + 1))]
    kept, dropped = drop_allowed(src.text, found)
    result.suppressed += dropped
    result.findings.extend(f.with_path(src.rel) for f in kept)


def scan_paths(paths: Sequence[Path], detectors: Sequence[str],
               max_bytes: int = DEFAULT_MAX_BYTES) -> ScanResult:
    result = ScanResult()
    for item in iter_sources(paths, max_bytes):
        if isinstance(item, Note):
            result.notes.append(item)
        else:
            scan_source(item, detectors, result)
    return result


def scan_staged_repo(repo: Path, detectors: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES) -> ScanResult:
    from seawall.scanning.staged import iter_staged

    result = ScanResult()
    for item, lines in iter_staged(repo, max_bytes):
        if isinstance(item, Note):
            result.notes.append(item)
        else:
            scan_source(item, detectors, result, only_lines=lines)
    return result


def apply_baseline(result: ScanResult, known: Iterable[str]) -> None:
    known = set(known)
    kept = [f for f in result.findings if f.fingerprint not in known]
    result.suppressed += len(result.findings) - len(kept)
    result.findings = kept
