"""Gateway inspection cost on a Claude-Code-sized request (~150 KB: system prompt, 24 tools, 36 turns
of Read/Bash tool calls and results), cold (nothing cached) and warm (the history cached, as on every
later turn of a conversation); and streamed restoration cost per SSE chunk. Peer in the same run:
detect-secrets scanning the same text line by line (the usual pre-commit scanner), for scale.

usage: .venv/bin/python bench/inspection_latency.py
goals (issue 6): warm p50 <= 3 ms, cold p50 <= 15 ms
"""

from __future__ import annotations

import json
import random
import statistics
import string
import time
from pathlib import Path
from typing import Any

import orjson

from seawall.detect.injection import signals
from seawall.gateway.adapters import anthropic
from seawall.gateway.inspect import DetectionCache, Inspector
from seawall.policy.decide import Engine
from seawall.policy.load import load
from seawall.redact.restore import SSERewriter
from seawall.redact.vault import Vault

FIXTURE = Path("/work/shared/fixtures/claude-code/request-1-main-first-turn.json")


def source_file(rng: random.Random, lines: int) -> str:
    words = ["def", "return", "self", "value", "items", "config", "request", "user", "data", "result"]
    out = []
    for i in range(lines):
        out.append("    " * rng.randint(0, 3) + " ".join(rng.choice(words) for _ in range(rng.randint(3, 10))))
        if i % 97 == 13:
            value = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))
            out.append(f'    api_key = "{value}"')
    return "\n".join(f"{n}\t{line}" for n, line in enumerate(out, 1))


def build_request(turns: int = 36, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    body = json.loads(FIXTURE.read_text())["body"]
    for block in body["system"]:
        if block["text"].startswith("<elided"):
            block["text"] = "You are a coding assistant. " * 200
    for tool in body["tools"]:
        if str(tool.get("description", "")).startswith("<elided"):
            tool["description"] = "Tool description. " * 60
    msgs = body["messages"]
    for t in range(turns):
        tid = f"toolu_{t:04d}"
        if t % 3 == 2:
            call = {"type": "tool_use", "id": tid, "name": "Bash", "input": {"command": f"grep -rn TODO src/m{t}"}}
            result = "\n".join(f"src/m{t}/f{i}.py:{i}: # TODO tidy" for i in range(40))
        else:
            call = {"type": "tool_use", "id": tid, "name": "Read", "input": {"file_path": f"/p/src/mod{t}.py"}}
            result = source_file(rng, 70)
        msgs.append({"role": "assistant", "content": [{"type": "text", "text": "Let me look."}, call]})
        msgs.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": result}]})
    return body


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    signals.warm()  # as `seawall serve` does at start-up (Hyperscan gates built off the request path)
    body = build_request()
    size = len(orjson.dumps(body))
    loaded = load(None)
    engine = Engine(loaded.policy, "/p")
    key = b"bench"

    raw = orjson.dumps(body)

    def run(inspector: Inspector) -> float:
        env = anthropic.parse(orjson.loads(raw))  # what the gateway does with the bytes it receives
        t = time.perf_counter()
        inspector.run(env, engine, Vault(key))
        return (time.perf_counter() - t) * 1000

    def without_injection() -> Inspector:
        ins = Inspector(DetectionCache())
        ins._looked_up = True  # as if this build had no injection detector
        return ins

    cold_plain = [run(without_injection()) for _ in range(15)]
    plain = without_injection()
    run(plain)
    warm_plain = [run(plain) for _ in range(50)]
    cold = [run(Inspector(DetectionCache())) for _ in range(15)]
    primed = Inspector(DetectionCache())
    run(primed)
    warm = [run(primed) for _ in range(50)]
    parse_only = []
    for _ in range(50):
        t = time.perf_counter()
        anthropic.parse(orjson.loads(raw))
        parse_only.append((time.perf_counter() - t) * 1000)
    env = anthropic.parse(orjson.loads(raw))
    text = "\n".join(s.text for s in env.segments)
    print(f"request: {size / 1024:.0f} KB, {len(env.segments)} segments, {len(body['messages'])} messages")
    print(f"secrets + PII + classification:  cold p50 {p50(cold_plain):7.2f} ms (goal <= 15)   "
          f"warm p50 {p50(warm_plain):6.2f} ms (goal <= 3)")
    print(f"... plus injection screening of tool results (starter policy): cold p50 {p50(cold):7.2f} ms   "
          f"warm p50 {p50(warm):6.2f} ms")
    print(f"JSON parse + envelope (before inspection, both cases): p50 {p50(parse_only):.2f} ms")
    try:
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import default_settings

        with default_settings():
            t = time.perf_counter()
            for line in text.splitlines():
                list(scan_line(line))
            ds = (time.perf_counter() - t) * 1000
        print(f"detect-secrets, same text line by line: {ds:.1f} ms  "
              f"(cold inspection without injection is {ds / p50(cold_plain):.0f}x faster)")
    except ImportError:
        print("detect-secrets not installed (pip install -e '.[bench]'): no peer figure")

    # streamed restoration: 400 text deltas, one placeholder split across two of them
    vault = Vault(key)
    ph = vault.placeholder("github-pat", "ghp_" + "x" * 36)
    deltas = [f"word{i} " for i in range(400)]
    deltas[200] = ph[:9]
    deltas[201] = ph[9:] + " "
    events = [b"event: content_block_delta\ndata: " + orjson.dumps(
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": d}}) + b"\n\n"
        for d in deltas]
    runs = []
    for _ in range(30):
        rw = SSERewriter("anthropic", vault)
        t = time.perf_counter()
        for ev in events:
            rw.feed(ev)
        rw.flush()
        runs.append((time.perf_counter() - t) * 1000 / len(events))
    print(f"streamed restoration: {p50(runs) * 1000:.1f} us per SSE chunk when the request had redactions "
          "(chunks pass through untouched when it had none)")


if __name__ == "__main__":
    main()
