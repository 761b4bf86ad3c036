"""Files per second of `seawall scan code` against Bandit on the same generated tree, same run.

usage: python bench/code_throughput.py [--files 5000] [--keep DIR]

The tree holds Python modules of 40-120 lines (handlers, helpers, classes; a few insecure sites
each), generated with a fixed seed. Both tools scan all of it from a cold process:
  seawall: `python -m seawall scan code TREE -f sarif -j 1` (and -j 0: one worker per CPU)
  bandit:  `bandit -r TREE -f json -q` (single process; Bandit has no parallel mode)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HEAD = ["import os", "import subprocess", "import sqlite3", "import hashlib", "import json", "import random",
         "from flask import Flask, request, jsonify", "import requests", "import yaml", "from pathlib import Path"]

_BLOCKS = [
    "def handler_{i}():\n    q = request.args.get('q', '')\n    cur = sqlite3.connect('a.db').cursor()\n"
    "    cur.execute('SELECT * FROM t WHERE name = ?', (q,))\n    return jsonify(cur.fetchall())\n",
    "def run_{i}(host):\n    out = subprocess.run(['ping', '-c', '1', host], capture_output=True)\n"
    "    return out.returncode\n",
    "def load_{i}(name):\n    base = Path('/srv/data').resolve()\n    p = (base / name).resolve()\n"
    "    if not p.is_relative_to(base):\n        raise ValueError(name)\n    return p.read_text()\n",
    "def digest_{i}(data):\n    return hashlib.sha256(data).hexdigest()\n",
    "class Service{i}:\n    def __init__(self, url):\n        self.url = url\n        self.items = []\n\n"
    "    def add(self, item):\n        self.items.append(item)\n        return len(self.items)\n\n"
    "    def total(self):\n        return sum(x.get('n', 0) for x in self.items)\n",
    "def paginate_{i}(items, page=1, size=20):\n    start = (page - 1) * size\n"
    "    return items[start:start + size]\n",
    "def parse_{i}(text):\n    cfg = yaml.safe_load(text)\n"
    "    return {{k: v for k, v in cfg.items() if not k.startswith('_')}}\n",
    "def fetch_{i}(user):\n    r = requests.get(f'https://api.example.com/users/{{user}}', timeout=5)\n"
    "    return r.json()\n",
    "def report_{i}(rows):\n    lines = []\n    for r in rows:\n        if r.get('ok'):\n"
    "            lines.append(f\"{{r['id']}}: ok\")\n        else:\n"
    "            lines.append(f\"{{r['id']}}: failed\")\n"
    "    return '\\n'.join(lines)\n",
    # insecure ones
    "def bad_sql_{i}(name):\n    cur = sqlite3.connect('a.db').cursor()\n"
    "    cur.execute(f\"SELECT * FROM users WHERE name = '{{name}}'\")\n    return cur.fetchall()\n",
    "def bad_cmd_{i}(host):\n    return os.system('ping -c 1 ' + host)\n",
    "def bad_token_{i}():\n    token = str(random.random())\n    return token\n",
]


def generate(root: Path, n: int, seed: int = 20261125) -> int:
    rnd = random.Random(seed)
    total = 0
    for k in range(n):
        d = root / f"pkg{k % 50:02d}" / f"mod{k % 7}"
        d.mkdir(parents=True, exist_ok=True)
        parts = ["\n".join(rnd.sample(_HEAD, 6)), "", "app = Flask(__name__)", ""]
        for j in range(rnd.randint(4, 10)):
            parts.append(rnd.choice(_BLOCKS).format(i=j))
        body = "\n\n".join(parts) + "\n"
        total += len(body)
        (d / f"m{k:05d}.py").write_text(body)
    return total


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return dt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--keep", type=Path)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="seawall-code-bench-"))
    try:
        tree = tmp / "tree"
        size = generate(tree, a.files)
        print(f"tree: {a.files} Python files, {size / 1e6:.1f} MB, {os.cpu_count()} CPUs")
        bandit = next((str(p) for p in (Path(sys.executable).parent / "bandit",
                                        Path.home() / ".cache/seawall-bench/bin/bandit") if p.exists()),
                      shutil.which("bandit"))
        entry = [sys.executable, "-c",
                 "import sys, seawall.cli.scan_code; from seawall.cli.main import app; "
                 "sys.argv=['seawall', *sys.argv[1:]]; app()"]
        sw1 = _time([*entry, "scan", "code", str(tree), "-f", "sarif", "-o", str(tmp / "sw1.sarif"), "-j", "1"])
        swn = _time([*entry, "scan", "code", str(tree), "-f", "sarif", "-o", str(tmp / "swn.sarif"), "-j", "0"])
        print(f"seawall -j 1 : {sw1:7.2f} s  {a.files / sw1:8.0f} files/s")
        print(f"seawall -j 0 : {swn:7.2f} s  {a.files / swn:8.0f} files/s")
        if bandit is None:
            print("bandit not installed; no ratio")
            return 0
        bt = _time([bandit, "-r", str(tree), "-f", "json", "-q", "-o", str(tmp / "bandit.json")])
        print(f"bandit       : {bt:7.2f} s  {a.files / bt:8.0f} files/s")
        print(f"ratio (single process, seawall -j 1 vs bandit): {bt / sw1:.1f}x")
        print(f"ratio (seawall -j 0 vs bandit):                  {bt / swn:.1f}x   goal >= 10x")
    finally:
        if a.keep:
            shutil.copytree(tmp / "tree", a.keep, dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
