"""Scan files with the registered detectors and apply allow markers and the baseline."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Protocol

from seawall.detect.findings import Channel, Finding, Origin
from seawall.detect.registry import scan_text
from seawall.report.notes import Note
from seawall.scanning.suppress import drop_allowed, file_allowed
from seawall.scanning.walk import DEFAULT_MAX_BYTES, SourceFile, iter_targets, read_source

# Workers are forked so they inherit the detectors registered at run time (custom patterns).
_fork: BaseContext | None = (
    multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
)


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
               max_bytes: int = DEFAULT_MAX_BYTES, jobs: int = 1) -> ScanResult:
    """Scan files and folders. `jobs` > 1 (or 0: one per CPU) scans in worker processes; the
    result is the same, in the same order."""
    jobs = jobs or os.cpu_count() or 1
    targets = list(iter_targets(paths))
    files = [t for t in targets if not isinstance(t, Note)]
    if jobs == 1 or len(files) < 2 * jobs or _fork is None:
        result = ScanResult()
        for item in targets:
            if isinstance(item, Note):
                result.notes.append(item)
            else:
                _scan_target(item, detectors, max_bytes, result)
        return result
    result = ScanResult(notes=[t for t in targets if isinstance(t, Note)])
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_fork) as pool:
        parts = pool.map(_scan_chunk, _chunks(files, jobs), repeat(tuple(detectors)), repeat(max_bytes))
        for part in parts:
            result.findings.extend(part.findings)
            result.notes.extend(part.notes)
            result.suppressed += part.suppressed
            result.files += part.files
            result.bytes += part.bytes
    return result


def _scan_target(target: tuple[Path, str], detectors: Sequence[str], max_bytes: int, result: ScanResult) -> None:
    src = read_source(target[0], target[1], max_bytes)
    if isinstance(src, Note):
        result.notes.append(src)
    else:
        scan_source(src, detectors, result)


def _scan_chunk(chunk: list[tuple[Path, str]], detectors: tuple[str, ...], max_bytes: int) -> ScanResult:
    result = ScanResult()
    for target in chunk:
        _scan_target(target, detectors, max_bytes, result)
    return result


def _chunks(files: list[tuple[Path, str]], jobs: int) -> Iterator[list[tuple[Path, str]]]:
    """Runs of files of about equal total size, several per worker so the load evens out."""
    sizes = []
    for path, _ in files:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    goal = max(1, sum(sizes) // (jobs * 8))
    chunk: list[tuple[Path, str]] = []
    acc = 0
    for target, size in zip(files, sizes, strict=True):
        chunk.append(target)
        acc += size
        if acc >= goal:
            yield chunk
            chunk, acc = [], 0
    if chunk:
        yield chunk


def scan_staged_repo(repo: Path, detectors: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES) -> ScanResult:
    from seawall.scanning.staged import iter_staged

    result = ScanResult()
    for item, lines in iter_staged(repo, max_bytes):
        if isinstance(item, Note):
            result.notes.append(item)
        else:
            scan_source(item, detectors, result, only_lines=lines)
    return result


class Filterable(Protocol):
    findings: list[Finding]
    suppressed: int


def apply_baseline(result: Filterable, known: Iterable[str]) -> None:
    """Drop findings whose fingerprints the baseline knows; count them as suppressed."""
    known = set(known)
    kept = [f for f in result.findings if f.fingerprint not in known]
    result.suppressed += len(result.findings) - len(kept)
    result.findings = kept
