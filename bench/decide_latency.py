"""decide() cost for a policy with 200 tier globs (goal: <= 20 us per call), against pathspec's
PathSpec.match_file over the same 200 globs (the library most tools use for gitignore matching),
measured in the same run.

usage: .venv/bin/python bench/decide_latency.py
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable

import pathspec

from seawall.policy.decide import Context, Engine, decide
from seawall.policy.schema import Policy


def globs(n: int, seed: int = 5) -> dict[str, list[str]]:
    rng = random.Random(seed)
    words = ["api", "core", "billing", "auth", "infra", "data", "web", "jobs", "ml", "ops", "tools", "shared"]
    exts = ["py", "ts", "go", "sql", "json", "yaml", "csv", "pem", "key", "env", "tfstate", "md"]
    shapes = ["**/{w}/**", "{w}/**/*.{e}", "**/*.{e}", "**/{w}-*.{e}", "services/{w}/config/**", "**/.{w}rc"]
    tiers: dict[str, list[str]] = {"restricted": [], "confidential": [], "public": []}
    names = list(tiers)
    for i in range(n):
        g = rng.choice(shapes).format(w=rng.choice(words) + str(i), e=rng.choice(exts))
        tiers[names[i % 3]].append(g)
    return tiers


def per_call(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t0) / n * 1e6)
    return out


def main() -> None:
    tiers = globs(200)
    policy = Policy.model_validate({"classification": {"tiers": tiers}})
    root = tempfile.mkdtemp()
    engine = Engine(policy, root)
    paths = ["src/app/models/user.py", "services/api7/config/prod.yaml", "a/b/c/d/e/f/g.txt", "docs/x.md",
             "web/static/js/app.min.js", "deploy/keys/server.pem"]
    specs = pathspec.PathSpec.from_lines("gitignore", [g for gs in tiers.values() for g in gs])
    i = 0

    def one_decide() -> None:
        nonlocal i
        i += 1
        decide(engine, Context(path=paths[i % len(paths)]), resolve=False)

    def one_decide_resolve() -> None:
        nonlocal i
        i += 1
        decide(engine, Context(path=paths[i % len(paths)]))

    def one_pathspec() -> None:
        nonlocal i
        i += 1
        specs.match_file(paths[i % len(paths)])

    def one_command() -> None:
        nonlocal i
        i += 1
        decide(engine, Context(tool="Bash", command=f"grep -rn TODO src/{i % 500} | head -n 20"), resolve=False)

    n = 20000
    rows = [("decide(path), 200 globs", per_call(one_decide, n)),
            ("decide(path) + symlink resolution", per_call(one_decide_resolve, n)),
            ("pathspec match_file, same 200 globs", per_call(one_pathspec, n)),
            ("decide(shell command), uncached", per_call(one_command, 2000))]
    for label, xs in rows:
        print(f"{label:40s} median {statistics.median(xs):7.2f} us  (best {min(xs):.2f})")
    ratio = statistics.median(rows[0][1]) / statistics.median(rows[2][1])
    print(f"decide(path) costs {ratio:.1f}x a bare pathspec match (which does no normalisation, look-alike "
          "or symlink handling and builds no reasons)")
    print(f"goal <= 20 us per decide(path): {'met' if statistics.median(rows[0][1]) <= 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
