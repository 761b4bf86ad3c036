"""The decision Engine for a hook process: the same rules, a cheaper path matcher.

The policy's `Classifier` hands its globs to pathspec's "best" backend, which compiles a Hyperscan
database: worth it for a long-lived gateway, but it costs a hook (a new process per tool call) more
than everything else together. `HookEngine` is the policy's `Engine` with the pure-Python backend;
matching is the same gitignore semantics (a test compares both).
"""

from __future__ import annotations

from typing import Any

from seawall.policy.decide import Engine


class HookEngine(Engine):
    def __init__(self, policy: Any, root: str) -> None:
        super().__init__(policy, root, backend="simple")
