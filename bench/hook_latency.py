"""Hook start-up latency: `seawall hook claude-code EVENT` per invocation, measured with hyperfine,
against `true` and `python -c pass` as floors in the same run.

    python bench/hook_latency.py [--runs 50] [--warmup 5] [--bytecode] [--compare-src DIR]

Needs hyperfine (Debian: apt-get install -y hyperfine). Each case feeds one captured-shape event on
stdin; the policy is the embedded default with a private HOME and cache (warm cache: the first,
warm-up run fills it). Prompt cases: `prompt` names a file (its words hold secret-rule keywords such
as "pat", so a few rules run), `prompt-plain` holds no keyword at all, `prompt-secret` holds a
credential (blocked). Prints median/min/mean per case, the p50 against the 120 ms goal, and the load
average before and after (other work on the machine shows up in the figures).

--bytecode: run with compiled bytecode (a private PYTHONPYCACHEPREFIX filled by the warm-up), as an
installed package has it; without it the interpreter's setting applies (PYTHONDONTWRITEBYTECODE=1
compiles every seawall module from source on each run). --compare-src DIR: also run every hook case
with PYTHONPATH=DIR (another checkout's `src`, e.g. `git archive HEAD src | tar -x -C /tmp/base`),
in the same hyperfine run, as "base ..." cases.
"""

from __future__ import annotations

import argparse
import json
import os
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
    ap.add_argument("--bytecode", action="store_true", help="compiled bytecode, as an installed package has it")
    ap.add_argument("--compare-src", type=Path, default=None, help="also run the hook cases from this src tree")
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
        "prompt-plain": {**base, "hook_event_name": "UserPromptSubmit", "prompt": "rename the build target"},
        "prompt-secret": {**base, "hook_event_name": "UserPromptSubmit",
                          "prompt": "use aws_secret_access_key = q8Vt2mZr+Lw7YpXc1KbN4sJd9HfE6gUa0RiToPyW"},
    }
    # the audit row goes to a private store; never to a gateway configured in this shell
    common = (f"HOME={home} SEAWALL_HOOK_GATEWAY=0 "
              + (f"PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX={tmp / 'pyc'} " if args.bytecode else ""))
    cmds = {"true": "true", "python -c pass": f"{common}{sys.executable} -c pass"}
    trees = [("", "", tmp / "cache")]
    if args.compare_src is not None:
        trees.append(("base ", f"PYTHONPATH={args.compare_src.absolute()} ", tmp / "cache-base"))
    for name, ev in events.items():
        f = tmp / f"{name}.json"
        f.write_text(json.dumps(ev))
        hook_event = ev["hook_event_name"]
        for label, pythonpath, cache in trees:
            cmds[f"{label}hook {name}"] = (f"{common}{pythonpath}SEAWALL_CACHE_DIR={cache} "
                                           f"{seawall} hook claude-code {hook_event} < {f}")
    out = tmp / "hyperfine.json"
    cmd = [hyperfine, "-w", str(args.warmup), "-r", str(args.runs), "--export-json", str(out), "--style", "basic"]
    for name, c in cmds.items():
        cmd += ["-n", name, c]
    load_before = os.getloadavg()
    subprocess.run(cmd, check=True)
    load_after = os.getloadavg()
    results = json.loads(out.read_text())["results"]
    print(f"\n{'case':<26}{'median ms':>10}{'min ms':>9}{'mean ms':>9}{'user ms':>9}{'sys ms':>8}")
    for r in results:
        print(f"{r['command']:<26}{r['median'] * 1000:>10.1f}{r['min'] * 1000:>9.1f}{r['mean'] * 1000:>9.1f}"
              f"{r['user'] * 1000:>9.1f}{r['system'] * 1000:>8.1f}")
    floor = next(r for r in results if r["command"] == "python -c pass")["median"] * 1000
    hooks = [r for r in results if r["command"].startswith("hook ")]
    worst = max(r["median"] * 1000 for r in hooks)
    print("\nload average before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}; bytecode {}".format(
        *load_before, *load_after, "compiled" if args.bytecode else "as the interpreter is set"))
    print(f"python floor p50 {floor:.1f} ms; worst hook p50 {worst:.1f} ms "
          f"({worst / floor:.1f}x the floor); goal p50 <= {GOAL_MS:.0f} ms: {'met' if worst <= GOAL_MS else 'NOT met'}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
