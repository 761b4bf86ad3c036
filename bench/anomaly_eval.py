"""Anomaly detection measured on generated audit histories (40 users, 14 days of history, a 7-day
window) with planted anomalies and ordinary noise (busy days at 2-3x, late evenings, stray blocks).
Prints precision and recall overall and per kind, and false alarms on histories with nothing planted.

usage: .venv/bin/python bench/anomaly_eval.py [--seeds 50]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from seawall.audit.anomaly import detect
from seawall.audit.simulate import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=50)
    args = ap.parse_args()
    tp = fp = fn = 0
    by_kind: dict[str, Counter[str]] = {}
    took = 0.0
    events = 0
    for seed in range(1, args.seeds + 1):
        hist, win, planted, _ = generate(seed=seed)
        t = time.perf_counter()
        found = {(a.kind, a.user) for a in detect(hist, win)}
        took += time.perf_counter() - t
        events += len(hist) + len(win)
        for kind, _ in planted | found:
            by_kind.setdefault(kind, Counter())
        for k, _ in found & planted:
            by_kind[k]["tp"] += 1
        for k, _ in found - planted:
            by_kind[k]["fp"] += 1
        for k, _ in planted - found:
            by_kind[k]["fn"] += 1
        tp += len(found & planted)
        fp += len(found - planted)
        fn += len(planted - found)
    print(f"{args.seeds} generated histories, {events:,} events, detection {events / took:,.0f} events/s")
    print(f"overall  precision {tp / max(tp + fp, 1):.3f}  recall {tp / max(tp + fn, 1):.3f}  "
          f"(tp {tp}, fp {fp}, fn {fn})")
    for k, c in sorted(by_kind.items()):
        print(f"  {k:18s} precision {c['tp'] / max(c['tp'] + c['fp'], 1):.3f}  recall "
              f"{c['tp'] / max(c['tp'] + c['fn'], 1):.3f}  (tp {c['tp']}, fp {c['fp']}, fn {c['fn']})")
    quiet = sum(len(detect(*generate(seed=1000 + s, plant=False)[:2])) for s in range(args.seeds))
    print(f"false alarms with nothing planted: {quiet} over {args.seeds * 40} user-weeks")


if __name__ == "__main__":
    main()
