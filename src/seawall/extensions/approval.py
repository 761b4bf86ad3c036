"""Installed extensions against the policy's approved and blocked lists.

Version ranges: npm packages use npm semver ranges (`^1.2`, `~1.2.3`, `1.x`, `>=1 <2`, via node-semver);
Python packages use PEP 440 specifiers (`>=2.0,<3`, `~=1.4`, via packaging). Skills and plugins follow
whichever syntax the range is written in."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from enum import StrEnum

from seawall.extensions.discovery import Extension

OFFICIAL_MARKETPLACES = frozenset({"official", "anthropic", "claude-plugins-official", "anthropics",
                                   "claude-code-plugins"})


class Status(StrEnum):
    APPROVED = "approved"
    UNLISTED = "unlisted"
    BLOCKED = "blocked"
    OUT_OF_RANGE = "version-out-of-range"
    SOURCE_MISMATCH = "source-mismatch"
    VERSION_UNKNOWN = "version-unknown"
    NOT_CHECKED = "-"  # context files, hooks: no approval list applies


PROBLEMS = frozenset({Status.BLOCKED, Status.OUT_OF_RANGE, Status.SOURCE_MISMATCH, Status.VERSION_UNKNOWN})


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    reason: str = ""


_SEMVER_HINT = re.compile(r"[\^~](?!=)|(?:^|[\s.])[xX*](?:$|[\s.])|\s-\s|\|\|")


def version_satisfies(version: str, spec: str, ecosystem: str | None = None) -> bool | None:
    """True/False, or None when the version or the range cannot be parsed."""
    spec = spec.strip()
    if not spec or spec in ("*", "any"):
        return True
    use_semver = ecosystem == "npm" or bool(_SEMVER_HINT.search(spec))
    if ecosystem == "pypi" or not use_semver:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version

        try:
            pep = spec if re.match(r"^[<>=!~]", spec) else f"=={spec}"
            return SpecifierSet(pep.replace(" ", ",") if "," not in pep else pep).contains(
                Version(version), prereleases=True)
        except (InvalidSpecifier, InvalidVersion):
            if ecosystem == "pypi":
                return None
    import nodesemver

    try:
        rng = spec.replace(",", " ")
        return bool(nodesemver.satisfies(version.lstrip("v"), rng, loose=True))
    except Exception:  # node-semver raises plain ValueError/TypeError on junk
        return None


def _names(ext: Extension) -> list[str]:
    names = [ext.name]
    if ext.package:
        names.append(ext.package)
    return names


def _source_ok(want: str, ext: Extension) -> bool:
    want = want.strip().lower()
    if want in ("*", "any"):
        return True
    have = {(ext.source or "").lower(), (ext.ecosystem or "").lower()}
    if want == "official":
        return bool(have & OFFICIAL_MARKETPLACES) or (ext.source in (None, "local") and ext.kind in ("skill", "command",
                                                                                                 "agent"))
    return want in have or any(want in h for h in have if h.startswith("{"))


def check(ext: Extension, allowed: list, blocked: list) -> Verdict:
    """`allowed` / `blocked`: the policy's ApprovedExtension / BlockedExtension items."""
    if ext.kind in ("context", "hooks", "rules", "marketplace"):
        return Verdict(Status.NOT_CHECKED)
    names = _names(ext)
    for b in blocked:
        if any(fnmatch.fnmatchcase(n, b.name) for n in names):
            return Verdict(Status.BLOCKED, b.reason)
    matches = [a for a in allowed if any(fnmatch.fnmatchcase(n, a.name) for n in names)]
    if not matches:
        return Verdict(Status.UNLISTED, "not on the approved list")
    last = Verdict(Status.UNLISTED)
    for a in matches:
        if not _source_ok(a.source, ext):
            last = Verdict(Status.SOURCE_MISMATCH, f"source {ext.source or 'unknown'} is not {a.source}")
            continue
        if a.version:
            if not ext.version:
                last = Verdict(Status.VERSION_UNKNOWN, f"no version to compare with {a.version}")
                continue
            ok = version_satisfies(ext.version, a.version, ext.ecosystem)
            if ok is None:
                last = Verdict(Status.VERSION_UNKNOWN, f"cannot compare {ext.version} with {a.version}")
                continue
            if not ok:
                last = Verdict(Status.OUT_OF_RANGE, f"{ext.version} is outside {a.version}")
                continue
        return Verdict(Status.APPROVED)
    return last
