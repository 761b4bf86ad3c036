"""`seawall scan code [PATH...]`: insecure code (injection, traversal, weak crypto ...) in Python,
JavaScript and TypeScript files, or only in the lines a change adds (`--diff BASE`)."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from seawall.cli.scan import known_baseline, record_baseline, report_and_exit, scan_app
from seawall.detect.code.engine import CodeDetector
from seawall.detect.findings import Family, Finding, Severity, Span, fingerprint
from seawall.errors import SeawallError
from seawall.report.notes import Note
from seawall.scanning.staged import DIFF_ARGS, git, lines_added_by


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


ENGINES = ("bandit", "semgrep")


@dataclass
class CodeScan:
    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    suppressed: int = 0
    files: int = 0
    scanned: list[tuple[Path, str]] = field(default_factory=list)  # (path on disk, reported path)


# --- scanning ------------------------------------------------------------------------------------


def _scan_one(target: tuple[Path, str], max_bytes: int, only: frozenset[int] | None) -> CodeScan:
    from seawall.detect.code.engine import CodeSyntaxError, language_of
    from seawall.scanning.suppress import drop_allowed, file_allowed
    from seawall.scanning.walk import read_source

    out = CodeScan()
    path, rel = target
    src = read_source(path, rel, max_bytes)
    if isinstance(src, Note):
        out.notes.append(src)
        return out
    out.files = 1
    out.scanned.append(target)
    try:
        found = _detector().scan_strict(src.text, src.rel)
    except CodeSyntaxError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        out.notes.append(Note(rel, f"not scanned: {exc}{where}"))
        return out
    if language_of(rel) is None:
        return out
    if found and file_allowed(src.text):
        out.suppressed += len(found)
        return out
    if only is not None:
        found = [f for f in found if any(n in only for n in range(f.line, (f.end_line or f.line) + 1))]
    kept, dropped = drop_allowed(src.text, found)
    out.suppressed += dropped
    out.findings.extend(kept)
    return out


_DET: CodeDetector | None = None


def _detector() -> CodeDetector:
    global _DET
    if _DET is None:
        from seawall.detect.code.engine import CodeDetector

        _DET = CodeDetector()
    return _DET


def _merge(into: CodeScan, part: CodeScan) -> None:
    into.findings.extend(part.findings)
    into.notes.extend(part.notes)
    into.suppressed += part.suppressed
    into.files += part.files
    into.scanned.extend(part.scanned)


def _chunk_scan(chunk: list[tuple[Path, str]], max_bytes: int,
                only: dict[str, frozenset[int]] | None) -> CodeScan:
    res = CodeScan()
    # Parsing allocates millions of AST nodes that reference counting frees (syntax trees hold no
    # cycles); the cyclic collector would walk them again and again (about 15% of the scan).
    paused = gc.isenabled()
    gc.disable()
    try:
        for t in chunk:
            _merge(res, _scan_one(t, max_bytes, only.get(t[1]) if only is not None else None))
    finally:
        if paused:
            gc.enable()
    return res


# Below this many files one process is faster than starting workers (fork, a pipe per chunk, results
# sent back); measured on the 2-core dev box with bench/code_throughput.py.
PARALLEL_MIN_FILES = 200
# From this many files on, compiling the prefilter's Hyperscan database (about 0.3 s, then cached in
# the user's cache folder) pays for itself.
BATCH_MIN_FILES = 50


def scan_targets(targets: Sequence[tuple[Path, str]], max_bytes: int = 5 * 1024 * 1024, jobs: int = 1,
                 only: dict[str, frozenset[int]] | None = None) -> CodeScan:
    """Scan code files (already filtered by language); `only`: reported path -> lines to keep.
    `jobs`: worker processes (0: one per CPU); small scans run in this process whatever `jobs` says."""
    jobs = jobs or os.cpu_count() or 1
    result = CodeScan()
    import multiprocessing

    if len(targets) >= BATCH_MIN_FILES:
        _warm()  # compiled once here (and shared by forked workers)
    if jobs == 1 or len(targets) < PARALLEL_MIN_FILES or "fork" not in multiprocessing.get_all_start_methods():
        _merge(result, _chunk_scan(list(targets), max_bytes, only))
        return result
    # Small chunks, handed out in order, keep both workers busy to the end (files differ in cost);
    # each chunk costs one round trip, so not too small either.
    n = max(16, len(targets) // (jobs * 16))
    chunks = [list(targets[i:i + n]) for i in range(0, len(targets), n)]
    gc.freeze()  # forked workers then share the parent's objects without copying their pages
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            for part in pool.map(_chunk_scan, chunks, [max_bytes] * len(chunks), [only] * len(chunks)):
                _merge(result, part)
    finally:
        gc.unfreeze()
    return result


def _warm() -> None:
    """Load what every file needs (rule tables, the prefilter, the secrets detector) before forking."""
    from seawall.detect import registry
    from seawall.detect.code import python

    _detector()
    python.prefilter(batch=True)
    with contextlib.suppress(ImportError, KeyError):
        registry.get("secrets")


def collect(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[Note]]:
    """Code files under `paths` (Python, JavaScript, TypeScript); notes for what cannot be scanned."""
    from seawall.detect.code.engine import language_of
    from seawall.scanning.walk import iter_targets

    files: list[tuple[Path, str]] = []
    notes: list[Note] = []
    explicit = {Path(os.path.abspath(p)) for p in paths if p.is_file()}
    for item in iter_targets(paths):
        if isinstance(item, Note):
            notes.append(item)
        elif language_of(item[1]) is not None:
            files.append(item)
        elif Path(os.path.abspath(item[0])) in explicit:
            notes.append(Note(item[1], "not Python, JavaScript or TypeScript"))
    return files, notes


# --- --diff BASE -----------------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    return git(repo, *args, option="--diff").decode("utf-8", "surrogateescape")


def diff_lines(base: str, repo: Path | None = None) -> tuple[Path, dict[str, set[int]]]:
    """(repository top, repo-relative path -> lines added) between the merge base of BASE and HEAD and
    the working tree: what a pull request adds."""
    repo = repo or Path.cwd()
    top = Path(_git(repo, "rev-parse", "--show-toplevel").strip())
    _git(top, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    try:
        ref = _git(top, "merge-base", base, "HEAD").strip() or base
    except SeawallError:
        ref = base
    added = lines_added_by(_git(top, "diff", *DIFF_ARGS, ref, "--"))
    # untracked files are new in their entirety
    for rel in _git(top, "ls-files", "--others", "--exclude-standard", "-z").split("\0"):
        if rel:
            try:
                n = (top / rel).read_bytes().count(b"\n") + 1
            except OSError:
                continue
            added[rel] = set(range(1, n + 1))
    return top, {p: s for p, s in added.items() if s}


# --- external engines ----------------------------------------------------------------------------


_SEV = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW,
        "ERROR": Severity.HIGH, "WARNING": Severity.MEDIUM, "INFO": Severity.LOW}


def run_bandit(files: Sequence[tuple[Path, str]], notes: list[Note]) -> list[Finding]:
    py = [(p, rel) for p, rel in files if rel.endswith((".py", ".pyw"))]
    exe = shutil.which("bandit") or (str(Path(sys.executable).parent / "bandit")
                                     if (Path(sys.executable).parent / "bandit").exists() else None)
    if not py:
        return []
    if exe is None:
        notes.append(Note("bandit", "engine not installed; skipped"))
        return []
    by_abs = {os.path.abspath(p): rel for p, rel in py}
    try:
        proc = subprocess.run([exe, "-q", "-f", "json", *by_abs], capture_output=True, timeout=1800)
        doc = json.loads(proc.stdout or b"{}")
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        notes.append(Note("bandit", f"engine failed ({type(exc).__name__}); skipped"))
        return []
    out = []
    for r in doc.get("results", []):
        rel = by_abs.get(os.path.abspath(r.get("filename", "")), r.get("filename", ""))
        cwe = (r.get("issue_cwe") or {}).get("id")
        line = int(r.get("line_number") or 1)
        out.append(_external("bandit", r.get("test_id", "B000"), rel, line, f"CWE-{cwe}" if cwe else None,
                             r.get("issue_text", ""), _SEV.get(r.get("issue_severity", ""), Severity.MEDIUM),
                             {"HIGH": 0.9, "MEDIUM": 0.6, "LOW": 0.3}.get(r.get("issue_confidence", ""), 0.5),
                             r.get("code", "")))
    return out


def run_semgrep(files: Sequence[tuple[Path, str]], notes: list[Note], config: str) -> list[Finding]:
    exe = shutil.which("semgrep")
    if not files:
        return []
    if exe is None:
        notes.append(Note("semgrep", "engine not installed; skipped"))
        return []
    by_abs = {os.path.abspath(p): rel for p, rel in files}
    try:
        proc = subprocess.run([exe, "scan", "--json", "--quiet", "--metrics=off", "--config", config, *by_abs],
                              capture_output=True, timeout=3600)
        doc = json.loads(proc.stdout or b"{}")
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        notes.append(Note("semgrep", f"engine failed ({type(exc).__name__}); skipped"))
        return []
    out = []
    for r in doc.get("results", []):
        extra = r.get("extra", {})
        cwes = (extra.get("metadata") or {}).get("cwe") or []
        cwe_m = re.search(r"CWE-\d+", " ".join(cwes) if isinstance(cwes, list) else str(cwes))
        rel = by_abs.get(os.path.abspath(r.get("path", "")), r.get("path", ""))
        out.append(_external("semgrep", r.get("check_id", "rule"), rel, int(r.get("start", {}).get("line", 1)),
                             cwe_m.group(0) if cwe_m else None, extra.get("message", ""),
                             _SEV.get(extra.get("severity", ""), Severity.MEDIUM), 0.7, extra.get("lines", "")))
    return out


def _external(engine: str, rule: str, path: str, line: int, cwe: str | None, message: str, sev: Severity,
              conf: float, code: str) -> Finding:
    return Finding(rule_id=f"{engine}.{rule}", family=Family.CODE, kind=cwe or rule, severity=sev,
                   confidence=conf, span=Span(0, 0), line=line, message=f"[{engine}] {message}".strip(),
                   fingerprint=fingerprint(f"{engine}.{rule}", f"{path}\x00{' '.join(code.split())}"),
                   path=path, cwe=cwe, extra={"engine": engine})


def _cwe_family(cwe: str | None) -> frozenset[int]:
    groups = [{89, 564, 943}, {78, 77, 88}, {22, 23, 36, 73}, {798, 259, 321, 522}, {502}, {94, 95, 1336},
              {79, 80, 116}, {918}, {327, 328, 326, 916}, {330, 338}, {295, 297}, {611, 776}, {1333, 400, 730},
              {601}, {352}, {942, 346}, {347, 345}]
    m = re.search(r"(\d+)", cwe or "")
    if not m:
        return frozenset()
    n = int(m.group(1))
    return frozenset(next((g for g in groups if n in g), {n}))


def merge_external(own: list[Finding], extra: list[Finding]) -> list[Finding]:
    """Add findings of other engines unless seawall (or an earlier engine) already reported the same
    weakness within two lines of the same file."""
    out = list(own)
    seen: list[tuple[str | None, int, frozenset[int]]] = [(f.path, f.line, _cwe_family(f.cwe)) for f in own]
    for f in extra:
        fam = _cwe_family(f.cwe)
        if any(p == f.path and abs(n - f.line) <= 2 and (fam & c or not fam) for p, n, c in seen):
            continue
        seen.append((f.path, f.line, fam))
        out.append(f)
    return out


# --- command -------------------------------------------------------------------------------------


def run_scan(paths: Sequence[Path], *, diff: str | None = None, max_bytes: int = 5 * 1024 * 1024, jobs: int = 1,
             engines: Sequence[str] = (), semgrep_config: str = "auto") -> CodeScan:
    """What `seawall scan code` computes, without rendering (benchmarks and tests call it)."""
    only: dict[str, frozenset[int]] | None = None
    if diff is not None:
        top, added = diff_lines(diff)
        cwd = Path.cwd().resolve()
        wanted = [Path(os.path.abspath(p)) for p in paths] if paths else None
        targets: list[tuple[Path, str]] = []
        only = {}
        notes: list[Note] = []
        from seawall.detect.code.engine import language_of

        for rel, lines in sorted(added.items()):
            full = top / rel
            if wanted is not None and not any(full == w or w in full.parents for w in wanted):
                continue
            if language_of(rel) is None:
                continue
            try:
                shown = full.resolve().relative_to(cwd).as_posix()
            except ValueError:
                shown = full.as_posix()
            targets.append((full, shown))
            only[shown] = frozenset(lines)
    else:
        targets, notes = collect(paths or [Path(".")])
    result = scan_targets(targets, max_bytes, jobs, only)
    result.notes = notes + result.notes
    extra: list[Finding] = []
    for e in engines:
        got = run_bandit(result.scanned, result.notes) if e == "bandit" \
            else run_semgrep(result.scanned, result.notes, semgrep_config)
        if only is not None:
            got = [f for f in got if f.line in only.get(f.path or "", frozenset())]
        extra.extend(got)
    if extra:
        result.findings = merge_external(result.findings, extra)
    result.findings.sort(key=lambda f: (f.path or "", f.line, f.rule_id))
    return result


def _engines(spec: str | None) -> list[str]:
    if not spec:
        return []
    names = [n.strip().lower() for n in spec.split(",") if n.strip()]
    bad = [n for n in names if n not in ENGINES]
    if bad:
        raise SeawallError(f"--engine: unknown engine {bad[0]!r} (known: {', '.join(ENGINES)})")
    return names


@scan_app.command("code")
def code_cmd(
    paths: list[Path] = typer.Argument(None, help="Files or folders (default: the current folder)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to a file."),
    baseline: Path | None = typer.Option(None, "--baseline", help="Known findings (fingerprints) to ignore."),
    update_baseline: bool = typer.Option(False, "--update-baseline",
                                         help="Write all current findings to --baseline and exit 0."),
    diff: str | None = typer.Option(None, "--diff", metavar="BASE",
                                    help="Only lines added relative to git ref BASE (pull requests)."),
    engine: str | None = typer.Option(None, "--engine",
                                      help="Also run these engines when installed and merge: bandit,semgrep."),
    semgrep_config: str = typer.Option("auto", "--semgrep-config", help="Semgrep --config value."),
    max_bytes: int = typer.Option(5 * 1024 * 1024, "--max-bytes", min=1, help="Skip files larger than this."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Worker processes (0: one per CPU)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List skipped files."),
) -> None:
    """Find insecure code (CWE-89, 78, 22, 798, 502, 94, 79, 918, 327, 330, 295, 611, 347, 942 ...).
    Exit 0 clean, 1 findings, 2 usage error."""
    from seawall.scanning.run import apply_baseline

    engines = _engines(engine)
    known = known_baseline(baseline, update_baseline)
    result = run_scan(paths or [], diff=diff, max_bytes=max_bytes, jobs=jobs, engines=engines,
                      semgrep_config=semgrep_config)
    record_baseline(baseline, update_baseline, result.findings)
    if known is not None:
        apply_baseline(result, known)

    def safe_patterns(console: Console) -> None:
        if result.findings and verbose:
            for f in result.findings:
                if f.extra.get("safe"):
                    console.print(f"  {f.path}:{f.line} {f.rule_id}: use instead: {f.extra['safe']}",
                                  markup=False)

    report_and_exit(result, fmt.value, output, verbose, safe_patterns)


def register(app: typer.Typer) -> None:
    """The command is attached to `scan_app` at import; nothing more to add."""
