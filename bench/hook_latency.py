"""Hook start-up latency: `seawall hook claude-code PreToolUse` per invocation, measured with hyperfine,
against `true` and `python -c pass` as floors in the same run.

    python bench/hook_latency.py [--runs 50] [--warmup 5]

Needs hyperfine (Debian: apt-get install -y hyperfine). Each case feeds one captured-shape event on
stdin; the policy is the embedded default with a private HOME and cache (warm cache: the first,
warm-up run fills it). Prints median/min/mean per case and the p50 against the 120 ms goal.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

GOAL_MS = 120.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    hyperfine = shutil.which("hyperfine")
    if hyperfine is None:
        print("hyperfine is not installed (apt-get install -y hyperfine)", file=sys.stderr)
        return 2
    seawall = Path(sys.executable).parent / "seawall"
    tmp = Path(tempfile.mkdtemp(prefix="seawall-hook-bench-"))
    proj, home = tmp / "project", tmp / "home"
    proj.mkdir()
    home.mkdir()
    (proj / ".env").write_text("A=1\n")
    base = {"session_id": "bench", "transcript_path": "/dev/null", "cwd": str(proj), "prompt_id": "p",
            "permission_mode": "default"}
    events = {
        "read-denied": {**base, "hook_event_name": "PreToolUse", "tool_name": "Read",
                        "tool_input": {"file_path": str(proj / ".env")}, "tool_use_id": "t1"},
        "read-allowed": {**base, "hook_event_name": "PreToolUse", "tool_name": "Read",
                         "tool_input": {"file_path": str(proj / "app.py")}, "tool_use_id": "t2"},
        "bash-denied": {**base, "hook_event_name": "PreToolUse", "tool_name": "Bash",
                        "tool_input": {"command": "sh -c 'cat ./x/../.env'"}, "tool_use_id": "t3"},
        "prompt": {**base, "hook_event_name": "UserPromptSubmit", "prompt": "refactor app.py to use pathlib"},
    }
    env_prefix = f"HOME={home} SEAWALL_CACHE_DIR={tmp / 'cache'} "
    cmds = {"true": "true", "python -c pass": f"{sys.executable} -c pass"}
    for name, ev in events.items():
        f = tmp / f"{name}.json"
        f.write_text(json.dumps(ev))
        hook_event = ev["hook_event_name"]
        cmds[f"hook {name}"] = f"{env_prefix}{seawall} hook claude-code {hook_event} < {f}"
    out = tmp / "hyperfine.json"
    cmd = [hyperfine, "-w", str(args.warmup), "-r", str(args.runs), "--export-json", str(out), "--style", "basic"]
    for name, c in cmds.items():
        cmd += ["-n", name, c]
    subprocess.run(cmd, check=True)
    results = json.loads(out.read_text())["results"]
    print(f"\n{'case':<22}{'median ms':>10}{'min ms':>9}{'mean ms':>9}{'user ms':>9}{'sys ms':>8}")
    for r in results:
        print(f"{r['command']:<22}{r['median'] * 1000:>10.1f}{r['min'] * 1000:>9.1f}{r['mean'] * 1000:>9.1f}"
              f"{r['user'] * 1000:>9.1f}{r['system'] * 1000:>8.1f}")
    floor = next(r for r in results if r["command"] == "python -c pass")["median"] * 1000
    hooks = [r for r in results if r["command"].startswith("hook ")]
    worst = max(r["median"] * 1000 for r in hooks)
    print(f"\npython floor p50 {floor:.1f} ms; worst hook p50 {worst:.1f} ms "
          f"({worst / floor:.1f}x the floor); goal p50 <= {GOAL_MS:.0f} ms: {'met' if worst <= GOAL_MS else 'NOT met'}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
