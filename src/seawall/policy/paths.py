"""Paths are a security boundary: normalise them once, the same way everywhere, then match tiers.

Normalisation: backslashes become slashes, `~` expands, relative paths join the project root,
`.`/`..`/duplicate slashes collapse (lexically), and when the file exists its symlinks are resolved
too; both forms are classified and the stricter tier wins. Matching is case-insensitive by default
(`classification.case_sensitive`), and non-ASCII names are also matched by their look-alike
skeleton (NFKC, invisible characters dropped, confusable letters mapped to Latin), so `.ｅnv` and
`.еnv` (Cyrillic е) classify like `.env`.
"""

from __future__ import annotations

import os
import posixpath
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pathspec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from seawall.policy.schema import Classification, Tier


@dataclass(frozen=True, slots=True)
class NormalPath:
    path: str  # project-relative ("src/app.py", "." for the root) or absolute when outside
    inside: bool
    real: str | None  # the same after resolving symlinks, when that differs


def normalise(raw: str, root: str, resolve: bool = True) -> NormalPath:
    """Normalise `raw` against the project `root` (an absolute, normalised path)."""
    if "\x00" in raw:
        raise ValueError("path contains a NUL byte")
    p = raw.strip().replace("\\", "/")
    if p.startswith("~"):
        p = os.path.expanduser(p)
    if not p.startswith("/"):
        p = root + "/" + p
    p = posixpath.normpath(p)
    if p.startswith("//"):
        p = "/" + p.lstrip("/")
    lexical = _relative(p, root)
    real = None
    if resolve and os.path.lexists(p):
        rp = os.path.realpath(p)
        if rp != p:
            real = _relative(rp, root)[0]
    return NormalPath(lexical[0], lexical[1], real)


def _relative(p: str, root: str) -> tuple[str, bool]:
    if p == root:
        return ".", True
    if root == "/":
        return p[1:], True
    if p.startswith(root + "/"):
        return p[len(root) + 1 :], True
    return p, False


@lru_cache(maxsize=4096)
def skeleton(name: str) -> str:
    """A look-alike-free form of a non-ASCII path (unchanged for ASCII)."""
    if name.isascii():
        return name
    from confusable_homoglyphs import confusables

    s = unicodedata.normalize("NFKC", name)
    s = "".join(c for c in s if unicodedata.category(c) != "Cf")  # zero-width and direction marks
    out = []
    for c in s:
        if c.isascii():
            out.append(c)
            continue
        found = confusables.is_confusable(c, greedy=True, preferred_aliases=["latin"]) or []
        latin = next((h["c"] for f in found for h in f["homoglyphs"] if h["c"].isascii()), None)
        if latin is None:  # accents: é -> e
            latin = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x)) or c
        out.append(latin)
    return "".join(out)


class Classifier:
    """Path -> tier. Tiers are tried in the order the policy lists them; within one, any glob.

    All globs go into one pathspec matcher (its Hyperscan backend when installed: one pass for
    every glob). pathspec follows gitignore, where the last matching pattern wins, so the globs are
    given in reverse order and the winner is the first one in policy order.
    """

    def __init__(self, cls: Classification, root: str, backend: str = "best") -> None:
        """`backend`: pathspec's matcher; "best" compiles Hyperscan (worth it in a long-lived
        gateway), "simple" starts at once (a hook process per tool call)."""
        self.root = posixpath.normpath(root.replace("\\", "/"))
        self.default = cls.default
        self._fold = not cls.case_sensitive
        self._order: list[tuple[Tier, str]] = []
        for tier, globs in cls.tiers.items():
            for g in globs:
                rx, include = GitIgnoreSpecPattern.pattern_to_regex(g)
                if rx is None or include is False:
                    raise ValueError(f"classification.tiers.{tier.value}: {g!r} is not a usable glob")
                self._order.append((tier, g))
        lines = [g.lower() if self._fold else g for _, g in reversed(self._order)]
        self._spec = pathspec.PathSpec.from_lines("gitignore", lines, backend=backend) if lines else None

    def tier_of(self, raw: str, resolve: bool = True) -> tuple[Tier, str | None, NormalPath]:
        """The tier of a path, the glob that decided it (None: the default tier), and the normal form."""
        norm = normalise(raw, self.root, resolve)
        forms = {norm.path}
        if norm.real is not None:
            forms.add(norm.real)
        for f in list(forms):
            sk = skeleton(f)
            if sk != f:
                forms.add(sk)
        best: tuple[Tier, str | None] = (self.default, None)
        for form in forms:
            tier, glob = self._match(form.lstrip("/") if form != "." else form)
            if glob is not None and (best[1] is None or tier.rank > best[0].rank):
                best = (tier, glob)
        return best[0], best[1], norm

    def _match(self, form: str) -> tuple[Tier, str | None]:
        if self._spec is None:
            return self.default, None
        key = form.lower() if self._fold else form
        res = self._spec.check_file(key)
        if (res.index is None or not res.include) and not key.endswith("/") and "." not in key.rsplit("/", 1)[-1]:
            # a directory has the tier of what is in it: `secrets` (listed, globbed) is `secrets/**`
            res = self._spec.check_file(key + "/")
        if res.index is None or not res.include:
            return self.default, None
        return self._order[len(self._order) - 1 - res.index]
