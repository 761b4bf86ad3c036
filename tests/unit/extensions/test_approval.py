"""Approved list, blocked list and version ranges (PEP 440 for Python, npm semver for npm)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.extensions.approval import Status, check, version_satisfies
from seawall.extensions.discovery import Extension
from seawall.policy.schema import ApprovedExtension, BlockedExtension


@pytest.mark.parametrize(("version", "spec", "eco", "ok"), [
    ("1.4.0", ">=1.2,<2", "pypi", True),
    ("2.0.0", ">=1.2,<2", "pypi", False),
    ("1.4.2", "~=1.4.0", "pypi", True),
    ("2025.4.7", ">=2025.1", "pypi", True),
    ("1.2.3", "^1.0.0", "npm", True),
    ("2.0.0", "^1.0.0", "npm", False),
    ("0.2.5", "~0.2.1", "npm", True),
    ("1.9.0", "1.x", "npm", True),
    ("1.2.0", ">=1.0.0 <1.2.0", "npm", False),
    ("2.1.0", ">=2.0.0", None, True),
    ("3.0.0", "^2.0.0", None, False),
])
def test_version_ranges(version, spec, eco, ok):
    assert version_satisfies(version, spec, eco) is ok


def test_unparseable_is_none():
    assert version_satisfies("not-a-version", ">=1.0", "pypi") is None


def _server(name, package, version, eco):
    return Extension("claude-code", "mcp-server", name, "project", Path("."), version=version, source=eco,
                     package=package, ecosystem=eco)


def test_statuses():
    allowed = [ApprovedExtension(name="@playwright/mcp", source="npm", version="^1.2.0"),
               ApprovedExtension(name="tdd", source="official", version=">=2.0.0")]
    blocked = [BlockedExtension(name="unofficial-*", reason="unverified source")]
    assert check(_server("web", "@playwright/mcp", "1.3.0", "npm"), allowed, blocked).status is Status.APPROVED
    assert check(_server("web", "@playwright/mcp", "2.0.0", "npm"), allowed, blocked).status is Status.OUT_OF_RANGE
    assert check(_server("x", "unofficial-http-client", "1.0.0", "npm"), allowed, blocked).status is Status.BLOCKED
    assert check(_server("y", "other", "1.0.0", "npm"), allowed, blocked).status is Status.UNLISTED
    assert check(_server("web", "@playwright/mcp", None, "npm"), allowed, blocked).status is Status.VERSION_UNKNOWN
    plugin = Extension("claude-code", "plugin", "tdd", "user", Path("."), version="2.1.0", source="some-fork")
    assert check(plugin, allowed, blocked).status is Status.SOURCE_MISMATCH
    plugin.source = "claude-plugins-official"
    assert check(plugin, allowed, blocked).status is Status.APPROVED
