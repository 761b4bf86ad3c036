"""Throughput of `seawall scan secrets` on a generated source tree (default 60 MB), against
detect-secrets and gitleaks run on the same tree in the same run. Prints MB/s and ratios.

usage: .venv/bin/python bench/scan_throughput.py [--mb 60] [--peer-mb 60] [--keep DIR]

Every tool runs as its command-line program, walking the tree itself. detect-secrets is slow, so
`--peer-mb` can point it at a prefix of the tree (MB/s stays comparable; the figure says so).
Needs the bench extra (`.venv/bin/pip install -e '.[bench]'`); gitleaks comes as in secrets_corpus.py.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from secrets_corpus import gitleaks_binary

from seawall.detect.secrets.validators import base62_crc32

B62 = string.ascii_letters + string.digits
HEX = "0123456789abcdef"

PY = '''def handler_{i}(request, token=None):
    """Handle request {i}: validate, load, render."""
    password = os.environ.get("DB_PASSWORD")
    if not token:
        raise ValueError("missing token")
    items = repo.load(request.user_id, limit={n}, offset=request.page * {n})
    url = "https://api.service.example/v1/items/{i}?page=2"
    logger.info("loaded %d items for %s", len(items), request.user_id)
    return {{"id": {i}, "ok": True, "checksum": "{hexd}"}}

'''
JS = '''export async function fetch{i}(client, opts = {{}}) {{
  const res = await client.get(`/api/v2/resource/{i}`, {{ headers: {{ "x-request-id": "{uuid}" }} }});
  if (!res.ok) throw new Error(`request failed: ${{res.status}}`);
  const data = await res.json();
  return data.items.map((x) => ({{ ...x, index: {i}, apiKey: process.env.API_KEY }}));
}}

'''
YAML = '''service_{i}:
  image: registry.internal/app:{i}.{n}.0
  replicas: {n}
  env:
    - name: DATABASE_PASSWORD
      valueFrom: {{secretKeyRef: {{name: db, key: password}}}}
    - name: REQUEST_TIMEOUT
      value: "{n}s"
  integrity: sha512-{b64}

'''
MD = '''## Section {i}

The service reads its token from the environment; never commit it. See ticket OPS-{n} for the
rotation schedule. Build {i}.{n} was deployed on 2024-03-{d:02d} at 10:{d:02d} UTC by the release bot.

'''
TEMPLATES = [(".py", PY), (".js", JS), (".yaml", YAML), (".md", MD)]


def generate(root: Path, megabytes: int, seed: int = 7) -> tuple[int, int]:
    """Write about `megabytes` MB of source-like files with a few real-shaped secrets. Returns
    (bytes written, secrets planted)."""
    rng = random.Random(seed)
    target, written, planted, file_no = megabytes * 1_000_000, 0, 0, 0
    while written < target:
        ext, tpl = TEMPLATES[file_no % len(TEMPLATES)]
        parts = []
        size = rng.randint(4_000, 60_000)
        i = 0
        while sum(map(len, parts)) < size:
            parts.append(tpl.format(
                i=i, n=rng.randint(1, 500), d=rng.randint(1, 28),
                hexd="".join(rng.choice(HEX) for _ in range(64)),
                uuid="-".join("".join(rng.choice(HEX) for _ in range(k)) for k in (8, 4, 4, 4, 12)),
                b64="".join(rng.choice(B62 + "+/") for _ in range(86)) + "==",
            ))
            i += 1
        if file_no % 25 == 0:
            body = "".join(rng.choice(B62) for _ in range(30))
            parts.insert(len(parts) // 2, f'GITHUB_TOKEN = "{"gh" + "p_" + body + base62_crc32(body)}"\n\n')
            planted += 1
        text = "".join(parts)
        folder = root / f"pkg{file_no // 100:03d}" / f"mod{file_no % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"file{file_no}{ext}").write_text(text)
        written += len(text)
        file_no += 1
    return written, planted


def tree_prefix(root: Path, megabytes: int, dest: Path) -> int:
    """Copy whole files from `root` until `megabytes` MB; returns bytes copied."""
    total = 0
    for p in sorted(root.rglob("*")):
        if total >= megabytes * 1_000_000:
            break
        if p.is_file():
            target = dest / p.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
            total += p.stat().st_size
    return total


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - t0, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=60)
    ap.add_argument("--peer-mb", type=int, default=None, help="size given to detect-secrets (default: all)")
    ap.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="seawall-bench-"))
    root = args.keep or tmp / "tree"
    if not (root.exists() and any(root.iterdir())):
        size, planted = generate(root, args.mb)
    else:
        size, planted = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()), -1
    mb = size / 1e6
    print(f"tree: {mb:.1f} MB, {sum(1 for _ in root.rglob('*.*'))} files, {planted} planted tokens")
    rates: dict[str, float] = {}

    exe = str(Path(sys.executable).with_name("seawall"))
    for jobs in ("1", "0"):
        took, res = timed([exe, "scan", "secrets", str(root), "--format", "json", "--jobs", jobs,
                           "--max-bytes", "100000000"])
        if res.returncode not in (0, 1):
            print("seawall failed:", res.stderr[-400:])
            return
        n = len(json.loads(res.stdout)["findings"])
        label = "seawall (1 process)" if jobs == "1" else "seawall (all cores)"
        rates[label] = mb / took
        print(f"{label:26s} {took:7.2f} s  {mb / took:7.2f} MB/s  findings {n}")

    gl = gitleaks_binary()
    if gl is not None:
        out = tmp / "gl.json"
        took, res = timed([str(gl), "dir", str(root), "--report-format", "json", "--report-path", str(out),
                           "--no-banner", "--exit-code", "0", "--log-level", "error",
                           "--max-target-megabytes", "100"])
        if res.returncode == 0 and out.exists():
            rates["gitleaks"] = mb / took
            n = len(json.loads(out.read_text() or "[]"))
            print(f"{'gitleaks 8 (all cores)':26s} {took:7.2f} s  {mb / took:7.2f} MB/s  findings {n}")
        else:
            print("gitleaks failed:", res.stderr[-300:])

    ds = Path(sys.executable).with_name("detect-secrets")
    if ds.exists():
        target, peer_mb = root, mb
        if args.peer_mb and args.peer_mb < mb:
            target = tmp / "prefix"
            peer_mb = tree_prefix(root, args.peer_mb, target) / 1e6
        took, res = timed([str(ds), "scan", "--all-files", "."], cwd=target)
        if res.returncode == 0:
            rates["detect-secrets"] = peer_mb / took
            n = sum(len(v) for v in json.loads(res.stdout)["results"].values())
            print(f"{'detect-secrets':26s} {took:7.2f} s  {peer_mb / took:7.2f} MB/s  findings {n}"
                  + (f"  (on the first {peer_mb:.1f} MB)" if target is not root else ""))
        else:
            print("detect-secrets failed:", res.stderr[-300:])
    else:
        print("detect-secrets: not installed (pip install -e '.[bench]')")

    for label in ("seawall (1 process)", "seawall (all cores)"):
        for peer in ("detect-secrets", "gitleaks"):
            if peer in rates and label in rates:
                print(f"{label} / {peer}: {rates[label] / rates[peer]:.2f}x")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
