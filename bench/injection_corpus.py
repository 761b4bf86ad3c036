#!/usr/bin/env python3
"""Prompt-injection quality on the held-out part of the development corpus.

    .venv/bin/python bench/injection_corpus.py [--corpus PATH] [--synthetic N]

Held-out = items whose sha256(id) mod 100 >= 70 (`synth.split_of`); training never reads them.
Compares, in the same run: seawall (signals + shipped model, as `score()` runs it: with the cascade
that clears long plain texts without reading n-grams), the same with the full model on every item (no
cascade), seawall signals only, and the naive five-regex blocklist written below. Prints overall
P/R/F1/FPR, then per-channel and per-technique tables (computed by /work/shared/tools/score_injection.py
when it is present). Also scores a synthetic set built with a seed the model never saw (the cross-source
check: the other generator's templates), and prints the embedding variant's figures from the training
report.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from seawall.detect.injection.engine import score  # noqa: E402
from seawall.detect.injection.synth import generate, split_of  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "injection" / "dev.jsonl"
SCORER = ROOT.parent / "shared" / "tools" / "score_injection.py"

# the peer: the classic naive blocklist
NAIVE = [re.compile(p, re.I) for p in (
    r"ignore (all )?previous instructions", r"you are now", r"system prompt", r"disregard", r"jailbreak")]


def naive(text: str) -> tuple[str, float]:
    hit = any(p.search(text) for p in NAIVE)
    return ("injection", 1.0) if hit else ("clean", 0.0)


def run(rows: list[dict], fn) -> list[dict]:
    out = []
    for r in rows:
        verdict, s = fn(r)
        out.append({"id": r["id"], "verdict": verdict, "score": s})
    return out


def metrics(rows: list[dict], verdicts: list[dict]) -> dict:
    pred = {v["id"]: v["verdict"] == "injection" for v in verdicts}
    tp = sum(1 for r in rows if r["label"] == "injection" and pred[r["id"]])
    fp = sum(1 for r in rows if r["label"] == "clean" and pred[r["id"]])
    fn = sum(1 for r in rows if r["label"] == "injection" and not pred[r["id"]])
    tn = sum(1 for r in rows if r["label"] == "clean" and not pred[r["id"]])
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    return {"n": len(rows), "precision": p, "recall": rc, "f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
            "fpr": fp / (fp + tn) if fp + tn else 0.0}


def tables(corpus_rows: list[dict], verdicts: list[dict]) -> dict | None:
    if not SCORER.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        cp, vp = Path(tmp) / "corpus.jsonl", Path(tmp) / "verdicts.jsonl"
        cp.write_text("".join(json.dumps(r) + "\n" for r in corpus_rows), "utf-8")
        vp.write_text("".join(json.dumps(v) + "\n" for v in verdicts), "utf-8")
        res = subprocess.run([sys.executable, str(SCORER), str(cp), str(vp), "--json"], capture_output=True,
                             text=True, check=True)
    return json.loads(res.stdout)


def differ(results: dict[str, list[dict]]) -> int:
    a, b = results["seawall (signals + model)"], results["seawall (model, no cascade)"]
    return sum(x["verdict"] != y["verdict"] for x, y in zip(a, b, strict=True))


def fmt(m: dict) -> str:
    return f"P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  FPR {m['fpr']:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--synthetic", type=int, default=1000)
    args = ap.parse_args(argv)
    rows = [json.loads(x) for x in args.corpus.read_text("utf-8").splitlines() if x.strip()]
    held = [r for r in rows if split_of(r["id"]) == "heldout"]
    n_inj = sum(r["label"] == "injection" for r in held)
    print(f"held-out: {len(held)} items ({n_inj} injection, {len(held) - n_inj} clean) of {len(rows)}")

    systems = {
        "seawall (signals + model)": lambda r: (lambda v: (v.verdict, v.score))(score(r["text"], r.get("channel"))),
        "seawall (model, no cascade)": lambda r: (lambda v: (v.verdict, v.score))(
            score(r["text"], r.get("channel"), cascade=False)),
        "seawall (signals only)": lambda r: (lambda v: (v.verdict, v.score))(
            score(r["text"], r.get("channel"), use_model=False)),
        "naive 5-regex blocklist": lambda r: naive(r["text"]),
    }
    results = {name: run(held, fn) for name, fn in systems.items()}
    print(f"\n{'system':30s} overall on held-out")
    for name, verdicts in results.items():
        print(f"{name:30s} {fmt(metrics(held, verdicts))}")

    t = {name: tables(held, v) for name, v in results.items()}
    if all(x is not None for x in t.values()):
        names = list(results)
        short = ["seawall", "no cascade", "signals", "naive"]
        for title, key in (("per channel", "by_channel"), ("per technique", "by_technique")):
            print(f"\n{title:34s} " + "  ".join(f"{s:>21s}" for s in short))
            print(f"{'':28s} {'n':>5s} " + "  ".join(f"{'F1   R    FPR':>21s}" for _ in short))
            groups = t[names[0]][key]  # type: ignore[index]
            for g in groups:
                cells = []
                for nm in names:
                    m = t[nm][key][g]  # type: ignore[index]
                    cells.append(f"{m['f1']:6.3f} {m['recall']:6.3f} {m['fpr']:6.3f}")
                print(f"{g:28s} {groups[g]['n']:5d} " + "  ".join(f"{c:>21s}" for c in cells))
    else:
        print("(score_injection.py not found: per-channel / per-technique tables skipped)")

    print(f"\ncascade vs full model on held-out: {differ(results)} verdicts differ of {len(held)}")

    syn = list(generate(args.synthetic, seed=99991))
    print(f"\ncross-source check: synthetic set, seed never used in training ({len(syn)} items; other templates "
          "than the corpus, same generator family as the synthetic training data):")
    syn_results = {name: run(syn, fn) for name, fn in systems.items()}
    for name, verdicts in syn_results.items():
        print(f"{name:30s} {fmt(metrics(syn, verdicts))}")
    print(f"cascade vs full model on the cross-source set: {differ(syn_results)} verdicts differ of {len(syn)}")

    rep_path = ROOT / "bench" / "injection_training_report.json"
    if rep_path.exists():
        rep = json.loads(rep_path.read_text("utf-8"))
        e = rep.get("embeddings")
        if e:
            print(f"\nembedding variant (from training, {e['model']}; not shipped):")
            print(f"{'  held-out':30s} {fmt(e['heldout'])}")
            print(f"{'  synthetic validation':30s} {fmt(e['synthetic_val'])}")
            print(f"  embedding latency p50 per 4 KB segment: {e['embed_ms_per_4kb_p50']} ms (torch CPU, 2 threads); "
                  f"weights {e['weights_mb']} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
