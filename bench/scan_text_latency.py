"""scan_text latency on a ~100 KB source file: seawall's registry.scan_text (secrets, plus pii when
it is importable) against detect-secrets' per-line scan of the same text, in the same process.

usage: .venv/bin/python bench/scan_text_latency.py [--file PATH] [--runs N] [--detectors secrets,pii]
Prints p50/p99 in ms for both and the ratio. Needs the bench extra for detect-secrets.
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import string
import time
from collections.abc import Callable
from pathlib import Path

from seawall.detect.registry import scan_text
from seawall.detect.secrets.validators import base62_crc32

B62 = string.ascii_letters + string.digits


def synthetic_source(size: int = 100_000, seed: int = 3) -> str:
    """Python-like source with the usual noise (env lookups, hashes, URLs, ids) and a few secrets."""
    rng = random.Random(seed)

    def r(n: int, alphabet: str = B62) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    body = r(30)
    gh = "gh" + "p_" + body + base62_crc32(body)
    blocks = [
        'def handler_{i}(request, token=None):\n    """Handle request {i}."""\n'
        "    password = os.environ.get('DB_PASSWORD')\n"
        "    if not token:\n        raise ValueError('missing token')\n"
        "    url = 'https://api.service.example/v1/items/{i}?page=2'\n"
        "    return {{'id': {i}, 'ok': True}}\n\n",
        "class Model{i}(Base):\n    __tablename__ = 'model_{i}'\n    id = Column(Integer, primary_key=True)\n"
        "    checksum = '{hexd}'\n    created_at = Column(DateTime)\n\n",
        "CONFIG_{i} = {{\n    'timeout': {i},\n    'retries': 3,\n    'api_key': settings.API_KEY,\n"
        "    'request_id': '{uuid}',\n}}\n\n",
        "# TODO(team): refactor loop {i}\nfor item in items[{i}:]:\n    total += item.price * item.qty\n"
        "    logger.debug('processed %s', item.secret_name)\n\n",
    ]
    parts: list[str] = []
    i = 0
    while sum(map(len, parts)) < size:
        tpl = blocks[i % len(blocks)]
        uuid = "-".join(r(n, "0123456789abcdef") for n in (8, 4, 4, 4, 12))
        parts.append(tpl.format(i=i, hexd=r(64, "0123456789abcdef"), uuid=uuid))
        if i % 150 == 75:
            parts.append(f"GITHUB_TOKEN = '{gh}'\nDB_URL = 'postgres://app:{r(16)}@db:5432/app'\n\n")
        i += 1
    return "".join(parts)


def timeit(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up (lazy imports, compiled patterns)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def detect_secrets_scanner(text: str) -> Callable[[], object] | None:
    try:
        scan = importlib.import_module("detect_secrets.core.scan")
        settings = importlib.import_module("detect_secrets.settings")
    except ImportError:
        print("detect-secrets: not installed (pip install -e '.[bench]'); no ratio")
        return None
    lines = text.splitlines()

    def run() -> int:
        n = 0
        with settings.default_settings():
            for line in lines:
                n += sum(1 for _ in scan.scan_line(line))
        return n

    return run


def report(label: str, xs: list[float]) -> None:
    print(f"{label:26s} p50 {pct(xs, 0.5):8.2f} ms   p99 {pct(xs, 0.99):8.2f} ms   ({len(xs)} runs)")


def prefilter_figures(text: str, runs: int) -> None:
    """The keyword pass alone, per backend (the choice recorded in detect/secrets/prefilter.py)."""
    from seawall.detect.secrets.engine import SecretDetector

    for backend in ("hyperscan", "pyahocorasick"):
        try:
            det = SecretDetector(backend=backend)
        except RuntimeError as exc:
            print(f"prefilter {backend}: unavailable ({exc})")
            continue
        report(f"prefilter {backend}", timeit(lambda d=det: d._hits(text), runs))  # type: ignore[misc]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--peer-runs", type=int, default=5)
    ap.add_argument("--detectors", default="")
    a = ap.parse_args()
    text = a.file.read_text("utf-8") if a.file else synthetic_source()
    names = tuple(a.detectors.split(",")) if a.detectors else ("secrets",)
    if not a.detectors:
        try:
            importlib.import_module("seawall.detect.pii.engine")
            names = ("secrets", "pii")
        except Exception:
            pass
    n_findings = len(scan_text(text, detectors=names))
    print(f"text: {len(text) / 1000:.1f} KB, {text.count(chr(10))} lines; {n_findings} findings")
    ours = timeit(lambda: scan_text(text, detectors=names), a.runs)
    report(f"seawall scan_text ({'+'.join(names)})", ours)
    if names != ("secrets",):
        report("seawall secrets only", timeit(lambda: scan_text(text, detectors=("secrets",)), a.runs))
    prefilter_figures(text, a.runs)
    peer = detect_secrets_scanner(text)
    if peer is not None:
        theirs = timeit(peer, a.peer_runs)
        report("detect-secrets per line", theirs)
        print(f"ratio (detect-secrets p50 / seawall p50): {statistics.median(theirs) / pct(ours, 0.5):.1f}x")
    print(f"goal p50 <= 5 ms: {'met' if pct(ours, 0.5) <= 5.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
