"""Score `seawall scan skills` on the labelled extension corpus (shared/data/skills).

Prints recall on malicious items, false-positive rate on benign look-alikes, a per-kind table, the scan
time, and the same figures for a naive keyword grep run in the same process (the peer: what a reviewer
gets from `grep -E 'curl|wget|base64|~/.ssh|http://|npx|<!--'` without context). Then cross-checks
with the shared scoring tool on the SARIF this run wrote.

  .venv/bin/python bench/skills_corpus.py [--corpus ../shared/data/skills] [--sarif out.sarif]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from seawall.extensions.review import review_paths
from seawall.report import sarif

ROOT = Path(__file__).resolve().parents[1]
NAIVE = re.compile(r"curl|wget|base64|~/\.ssh|\.aws/credentials|http://|npx|uvx|<!--|eval\(|exec\(|[\u200b\u202e\U000e0000-\U000e007f]")


def _item(path: str, items: Path) -> str | None:
    try:
        rel = Path(path).resolve().relative_to(items.resolve())
    except ValueError:
        return None
    return "items/" + rel.parts[0] if rel.parts else None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "skills")
    ap.add_argument("--sarif", type=Path, default=Path("/tmp/seawall-skills-bench.sarif"))
    args = ap.parse_args()
    items = args.corpus / "items"
    labels = [json.loads(line) for line in (args.corpus / "labels.jsonl").read_text().splitlines() if line.strip()]

    t0 = time.perf_counter()
    result = review_paths([items])
    elapsed = time.perf_counter() - t0
    flagged = {i for f in result.findings if (i := _item(f.path or "", items))}
    args.sarif.write_text(json.dumps(sarif.to_sarif(result.findings, root=Path.cwd(), notes=result.notes)))

    t1 = time.perf_counter()
    naive: set[str] = set()
    for lab in labels:
        for p in (args.corpus / lab["path"]).rglob("*"):
            if p.is_file() and NAIVE.search(p.read_text("utf-8", "replace")):
                naive.add(lab["path"])
                break
    naive_s = time.perf_counter() - t1

    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # items, seawall flagged, grep flagged
    for lab in labels:
        row = per_kind[lab["kind"]]
        row[0] += 1
        row[1] += lab["path"] in flagged
        row[2] += lab["path"] in naive

    def score(hits: set[str]) -> tuple[float, float]:
        mal = [r for r in labels if r["malicious"]]
        ben = [r for r in labels if not r["malicious"]]
        return (sum(r["path"] in hits for r in mal) / len(mal), sum(r["path"] in hits for r in ben) / len(ben))

    rec, fpr = score(flagged)
    nrec, nfpr = score(naive)
    print(f"corpus {args.corpus} ({len(labels)} items, {result.files} files)")
    print(f"{'kind':30} {'label':9} {'items':>5} {'seawall':>8} {'grep':>6}")
    mal_kinds = {r["kind"]: r["malicious"] for r in labels}
    for kind in sorted(per_kind, key=lambda k: (not mal_kinds[k], k)):
        n, s, g = per_kind[kind]
        print(f"{kind:30} {'malicious' if mal_kinds[kind] else 'benign':9} {n:5d} {s:8d} {g:6d}")
    print(f"seawall scan skills: recall {rec:.3f}  FPR {fpr:.3f}  findings {len(result.findings)}  {elapsed:.2f}s")
    print(f"peer (keyword grep): recall {nrec:.3f}  FPR {nfpr:.3f}  {naive_s:.2f}s")
    if nfpr:
        print(f"ratio: false positives seawall/grep = {fpr / nfpr:.3f}")
    ok = rec >= 0.95 and fpr <= 0.05
    print(f"bar (recall >= 0.95, FPR <= 0.05): {'PASS' if ok else 'FAIL'}")
    tool = ROOT.parent / "shared" / "tools" / "score_skills.py"
    if tool.exists():
        out = subprocess.run([sys.executable, str(tool), "--sarif", str(args.sarif), "--corpus", str(args.corpus)],
                             capture_output=True, text=True, cwd=ROOT)
        print("shared scorer: " + out.stdout.strip().replace("\n", " | "))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
