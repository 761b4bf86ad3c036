"""Insecure-code detection on the labelled SAST corpus: seawall vs Bandit, Python and JS/TS separately.

usage: python bench/code_corpus.py [--corpus /work/shared/data/sast] [--json]

Seawall runs through the same code path as `seawall scan code` (run_scan + SARIF); Bandit runs in the
same process tree (`bandit -r corpus/py -f json`, default and -ll). Both SARIF files are scored by the
corpus's own tool (score_sast.py: same file, within +-2 lines, same CWE family).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path("/work/shared/data/sast")
SCORER = Path("/work/shared/tools/score_sast.py")


def _score(labels: Path, sarif: Path, lang: str, any_cwe: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, str(SCORER), "--labels", str(labels), "--sarif", str(sarif), "--lang", lang, "--json"]
    if any_cwe:
        cmd.append("--any-cwe")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out)["scores"][lang])


def _bandit_exe() -> str | None:
    for cand in (Path(sys.executable).parent / "bandit", Path.home() / ".cache/seawall-bench/bin/bandit"):
        if cand.exists():
            return str(cand)
    return shutil.which("bandit")


def _bandit_sarif(exe: str, target: Path, extra: list[str], out: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([exe, "-r", str(target), "-f", "json", "-q", *extra], capture_output=True)
    dt = time.perf_counter() - t0
    doc = json.loads(proc.stdout or b"{}")
    results = []
    for r in doc.get("results", []):
        cwe = (r.get("issue_cwe") or {}).get("id")
        results.append({"ruleId": r["test_id"], "level": "warning", "message": {"text": r.get("issue_text", "")},
                        "properties": {"cwe": f"CWE-{cwe}"} if cwe else {},
                        "locations": [{"physicalLocation": {"artifactLocation": {"uri": r["filename"]},
                                                            "region": {"startLine": r["line_number"]}}}]})
    out.write_text(json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "bandit"}},
                                                              "results": results}]}))
    return dt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    corpus, labels = a.corpus / "corpus", a.corpus / "labels.jsonl"

    from seawall.cli.scan_code import run_scan
    from seawall.report.sarif import to_sarif

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(a.corpus)
        try:
            for lang, dirs in (("py", ["corpus/py"]), ("js", ["corpus/js", "corpus/ts"])):
                t0 = time.perf_counter()
                res = run_scan([Path(d) for d in dirs], jobs=1)
                dt = time.perf_counter() - t0
                sarif = Path(tmp) / f"seawall-{lang}.sarif"
                sarif.write_text(json.dumps(to_sarif(res.findings, root=a.corpus)))
                s = _score(labels, sarif, lang)
                loc = _score(labels, sarif, lang, any_cwe=True)
                rows.append({"tool": "seawall", "lang": lang, **s, "f1_location": loc["f1"], "seconds": round(dt, 3),
                             "files": res.files, "skipped": len(res.notes)})
        finally:
            os.chdir(cwd)
        exe = _bandit_exe()
        if exe is None:
            print("bandit not installed: pip install bandit (or into ~/.cache/seawall-bench)", file=sys.stderr)
        else:
            ver = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
            for label, extra in (("bandit (default)", []), ("bandit -ll", ["-ll"])):
                sarif = Path(tmp) / "bandit.sarif"
                dt = _bandit_sarif(exe, corpus / "py", extra, sarif)
                s = _score(labels, sarif, "py")
                loc = _score(labels, sarif, "py", any_cwe=True)
                rows.append({"tool": f"{label} [{ver.strip()}]", "lang": "py", **s, "f1_location": loc["f1"],
                             "seconds": round(dt, 3)})
    if a.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"corpus: {a.corpus}  (scored by {SCORER.name}: same file, +-2 lines, same CWE family)")
    print(f"{'tool':34} {'lang':5} {'recall':>7} {'prec':>7} {'F1':>7} {'F1 loc':>7} {'tp':>5} {'fp':>4} "
          f"{'safe flagged':>13} {'time s':>7}")
    for r in rows:
        print(f"{r['tool']:34} {r['lang']:5} {r['recall']:7.3f} {r['precision']:7.3f} {r['f1']:7.3f} "
              f"{r['f1_location']:7.3f} {r['tp']:>2}/{r['vuln']:<3} {r['fp']:>4} "
              f"{r['safe_flagged']:>5}/{r['safe']:<7} {r['seconds']:7.2f}")
    sw = {r["lang"]: r for r in rows if r["tool"] == "seawall"}
    bandit_best = max((r["f1"] for r in rows if r["tool"].startswith("bandit")), default=None)
    for lang in ("py", "js"):
        r = sw[lang]
        ok = r["recall"] >= 0.85 and r["precision"] >= 0.90
        print(f"goal {lang}: recall >= 0.85 and precision >= 0.90: {'met' if ok else 'NOT met'}")
    if bandit_best is not None:
        print(f"python F1: seawall {sw['py']['f1']:.3f} vs best bandit {bandit_best:.3f} "
              f"({'beats' if sw['py']['f1'] > bandit_best else 'does NOT beat'} bandit)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
