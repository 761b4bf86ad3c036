"""The decision Engine for a hook process: the same rules, a cheaper path matcher.

`Classifier` hands its globs to pathspec's "best" backend, which compiles a Hyperscan database:
worth it for a long-lived gateway, but it costs a hook (a new process per tool call) more than
everything else together. `HookEngine` is the policy's `Engine` with classifiers that use the
pure-Python backend; matching is the same gitignore semantics (a test compares both).
"""

from __future__ import annotations

import posixpath
import types
from typing import Any

import pathspec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from seawall.policy.decide import Engine
from seawall.policy.paths import Classifier


class SimpleClassifier(Classifier):
    """`Classifier` with pathspec's "simple" backend (no Hyperscan compile)."""

    def __init__(self, cls: Any, root: str) -> None:  # mirrors Classifier.__init__ but for the backend
        self.root = posixpath.normpath(root.replace("\\", "/"))
        self.default = cls.default
        self._fold = not cls.case_sensitive
        self._order = []
        for tier, globs in cls.tiers.items():
            for g in globs:
                rx, include = GitIgnoreSpecPattern.pattern_to_regex(g)
                if rx is None or include is False:
                    raise ValueError(f"classification.tiers.{tier.value}: {g!r} is not a usable glob")
                self._order.append((tier, g))
        lines = [g.lower() if self._fold else g for _, g in reversed(self._order)]
        self._spec = pathspec.PathSpec.from_lines("gitignore", lines, backend="simple") if lines else None


def _without_tiers(policy: Any) -> Any:
    """The policy with no classification globs (so the base constructor compiles nothing)."""
    if hasattr(policy, "model_copy"):
        cls = policy.classification.model_copy(update={"tiers": {}})
        return policy.model_copy(update={"classification": cls})
    copy = types.SimpleNamespace(**vars(policy))
    copy.classification = types.SimpleNamespace(**vars(policy.classification))
    copy.classification.tiers = {}
    return copy


class HookEngine(Engine):
    def __init__(self, policy: Any, root: str) -> None:
        super().__init__(_without_tiers(policy), root)
        self.policy = policy
        self.classifier = SimpleClassifier(policy.classification, self.root)

    def classifier_for(self, root: str | None) -> Classifier:
        if not root or root == self.root:
            return self.classifier
        found = self._roots.get(root)
        if found is None:
            if len(self._roots) > 256:
                self._roots.clear()
            found = self._roots[root] = SimpleClassifier(self.policy.classification, root)
        return found
