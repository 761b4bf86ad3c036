#!/usr/bin/env python3
"""Prompt-injection scoring latency per 4 KB segment.

    .venv/bin/python bench/injection_latency.py [--rounds N]

Segments are 4,096 characters cut from the development corpus (clean and injected text, code and
prose, obfuscated items included). Measures p50/p95 of: signals only (normalise + rules), signals +
the shipped model (what `score()` does), and the naive five-regex blocklist as the peer, in one run.
Goals: signals <= 1 ms, with model <= 10 ms.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from seawall.detect.injection.engine import score  # noqa: E402
from seawall.detect.injection.model import load_model, signals_score  # noqa: E402
from seawall.detect.injection.signals import analyse  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "injection" / "dev.jsonl"
NAIVE = [re.compile(p, re.I) for p in (
    r"ignore (all )?previous instructions", r"you are now", r"system prompt", r"disregard", r"jailbreak")]


def _cut(blob: str, size: int, limit: int) -> list[str]:
    return [blob[i:i + size] for i in range(0, len(blob) - size, size)][:limit]


def segments(corpus: Path, size: int = 4096, limit: int = 120) -> list[str]:
    """4 KB cuts of the whole corpus: about half the items are injections (a worst case)."""
    texts = [json.loads(x)["text"] for x in corpus.read_text("utf-8").splitlines() if x.strip()]
    return _cut("\n\n".join(texts), size, limit)


def code_segments(size: int = 4096, limit: int = 120) -> list[str]:
    """4 KB cuts of this repository's own Python sources: ordinary clean traffic (files an assistant reads)."""
    files = sorted((ROOT / "src" / "seawall").rglob("*.py"))
    files = [f for f in files if "injection" not in f.parts]  # our own rule table is not ordinary code
    return _cut("\n\n".join(f.read_text("utf-8") for f in files), size, limit)


def measure(fn, segs: list[str], rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        for s in segs:
            t0 = time.perf_counter()
            fn(s)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    corpus_segs = segments(args.corpus)
    load_model()
    for s in corpus_segs[:5]:
        score(s)  # warm caches (homoglyph table, regexes, automaton)
    rows = [
        ("seawall signals only", lambda s: signals_score(analyse(s)), 1.0),
        ("seawall signals + model", lambda s: score(s, "tool_result"), 10.0),
        ("naive 5-regex blocklist", lambda s: any(p.search(s) for p in NAIVE), None),
    ]
    for title, segs in (("corpus cuts (injection-dense)", corpus_segs), ("repository source cuts (clean code)",
                                                                         code_segments())):
        print(f"\n{title}: {len(segs)} segments of 4096 chars, {args.rounds} rounds each")
        for name, fn, goal in rows:
            p50, p95 = measure(fn, segs, args.rounds)
            g = f"(goal <= {goal:g} ms: {'met' if p50 <= goal else 'MISSED'})" if goal else "(peer)"
            print(f"  {name:26s} p50 {p50:7.3f} ms   p95 {p95:7.3f} ms  {g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
