#!/usr/bin/env python3
"""Prompt-injection scoring latency per 4 KB segment.

    .venv/bin/python bench/injection_latency.py [--rounds N]

Segments are 4,096 characters cut from the development corpus (clean and injected text, code and
prose, obfuscated items included) and from this repository's sources. Measures p50/p99 of: signals only
(normalise + rules), signals + the shipped model as `score()` runs it (cascade on), the full model on
every segment (cascade off), and the naive five-regex blocklist as the peer, in one run. Then a 150 KB
mix of source files, grep/test output and a few prose pages, screened segment by segment as the gateway
screens tool results (one detector call per segment; nothing cached). Prints the load average before
and after: other work on the machine moves these figures.
Goals: signals <= 1 ms, with model <= 10 ms per 4 KB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from seawall.detect.findings import Channel, Origin  # noqa: E402
from seawall.detect.injection import signals as _signals  # noqa: E402
from seawall.detect.injection.engine import InjectionDetector, score  # noqa: E402
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


def tool_results(seed: int = 1, size: int = 150_000) -> list[str]:
    """About `size` characters of what a coding session's tool results hold: source files (this
    repository's, 60-90 lines each), grep and test-runner output, and a few prose pages (corpus items,
    injections included), in random order."""
    rng = random.Random(seed)
    files = [f for f in sorted((ROOT / "src" / "seawall").rglob("*.py")) if "injection" not in f.parts]
    corpus = [json.loads(x)["text"] for x in DEFAULT_CORPUS.read_text("utf-8").splitlines() if x.strip()]
    out: list[str] = []
    total = 0
    while total < size:
        kind = rng.random()
        if kind < 0.6:
            lines = rng.choice(files).read_text("utf-8").splitlines()
            start = rng.randrange(max(1, len(lines) - 90))
            n = rng.randint(60, 90)
            seg = "\n".join(f"{i:6d}\t{line}" for i, line in enumerate(lines[start:start + n], start + 1))
        elif kind < 0.85:
            t = rng.randrange(100)
            seg = "\n".join(f"src/m{t}/f{i}.py:{i * 7}: # TODO tidy the {rng.choice(['parser', 'cache'])}"
                            for i in range(40))
            if rng.random() < 0.5:
                seg = f"===== {rng.randint(50, 400)} passed, {rng.randint(0, 3)} skipped in 4.{t}s =====\n" + seg
        else:
            seg = "\n\n".join(rng.sample(corpus, 6))
        out.append(seg)
        total += len(seg)
    return out


def measure(fn, segs: list[str], rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        for s in segs:
            t0 = time.perf_counter()
            fn(s)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return pct(times, 50), pct(times, 99)


def pct(sorted_times: list[float], p: float) -> float:
    return sorted_times[min(len(sorted_times) - 1, int(len(sorted_times) * p / 100))]


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"{load()} (2 cores)")
    corpus_segs = segments(args.corpus)
    load_model()
    _signals.use_gate(True, after_chars=0)  # what a long-lived process (the gateway) has after its first requests
    _signals.warm()  # as `seawall serve` does at start-up: gates, prescan and literal matchers built
    for s in corpus_segs[:5]:
        score(s)  # warm caches (homoglyph table, regexes, automaton, Hyperscan gate)
    rows = [
        ("seawall signals only", lambda s: signals_score(analyse(s)), 1.0),
        ("seawall signals + model", lambda s: score(s, "tool_result"), 10.0),
        ("  full model, no cascade", lambda s: score(s, "tool_result", cascade=False), 10.0),
        ("naive 5-regex blocklist", lambda s: any(p.search(s) for p in NAIVE), None),
    ]
    for title, segs in (("corpus cuts (injection-dense)", corpus_segs), ("repository source cuts (clean code)",
                                                                         code_segments())):
        print(f"\n{title}: {len(segs)} segments of 4096 chars, {args.rounds} rounds each")
        for name, fn, goal in rows:
            p50, p99 = measure(fn, segs, args.rounds)
            g = f"(goal <= {goal:g} ms: {'met' if p50 <= goal else 'MISSED'})" if goal else "(peer)"
            print(f"  {name:26s} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms  {g}")

    results = tool_results()
    size = sum(map(len, results))
    print(f"\n150 KB of tool results ({size / 1000:.0f} KB in {len(results)} segments: source files, grep/test "
          "output, prose): all segments, one detector call each, nothing cached")
    for name, det in (("signals + model (cascade)", InjectionDetector()),
                      ("full model, no cascade", InjectionDetector(cascade=False)),
                      ("signals only", InjectionDetector(use_model=False))):
        origin = Origin(channel=Channel.TOOL_RESULT, tool="Read")
        runs = []
        found = 0
        for _ in range(max(5, args.rounds * 3)):
            t0 = time.perf_counter()
            found = sum(len(det.scan(seg, origin)) for seg in results)
            runs.append((time.perf_counter() - t0) * 1000)
        runs.sort()
        print(f"  {name:26s} p50 {pct(runs, 50):7.2f} ms   p99 {pct(runs, 99):7.2f} ms   ({found} findings)")
    print(f"\n{load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
