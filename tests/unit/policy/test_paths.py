"""Path normalisation and tier matching: each bypass someone could try."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.policy.decide import Context, Engine, decide
from seawall.policy.paths import normalise, skeleton
from seawall.policy.schema import Action, Tier

ROOT = "/work/project"


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "./.env",
        "a/../.env",
        "a/b/../../.env",
        "config//.env",
        ".//.env",
        ".ENV",
        ".Env",
        ".env.local",
        ".env.production",
        "config\\.env",
        "services/api/.env",
        f"{ROOT}/.env",
        f"{ROOT}//services/../.env",
        "/etc/app/.env",
        "../other-project/.env",
        "secrets//x",
        "secrets/x",
        "SECRETS/x",
        "deep/secrets/db.txt",
        "secrets",  # the directory itself (ls secrets, Glob in secrets)
        "a/secrets/",
        ".\u0435nv",  # Cyrillic е
        ".\uff45nv",  # fullwidth ｅ
        ".e\u200bnv",  # zero-width space inside
        "keys/server.PEM",
        "~/.ssh/id_rsa",
        "~/.aws/credentials",
        "infra/terraform.tfstate",
        ".env ",
    ],
)
def test_restricted_spellings(starter_engine: Engine, path: str) -> None:
    d = decide(starter_engine, Context(path=path))
    assert d.tier is Tier.RESTRICTED, (path, d)
    assert d.action is Action.BLOCK


@pytest.mark.parametrize(
    ("path", "tier"),
    [
        ("src/app.py", Tier.INTERNAL),
        ("environment.py", Tier.INTERNAL),  # .env is a name, not a prefix of every word
        ("docs/guide.md", Tier.PUBLIC),
        ("README.md", Tier.PUBLIC),
        ("data/customers/a.csv", Tier.CONFIDENTIAL),
        ("docs/../.env", Tier.RESTRICTED),  # `..` cannot borrow the public tier of docs/
        ("docs/secrets/x.md", Tier.RESTRICTED),  # first match wins in the written order: restricted is first
    ],
)
def test_other_tiers(starter_engine: Engine, path: str, tier: Tier) -> None:
    assert decide(starter_engine, Context(path=path)).tier is tier


def test_symlink_to_a_restricted_file(tmp_path: Path) -> None:
    from seawall.policy.load import load

    (tmp_path / ".env").write_text("X=1\n")
    os.symlink(tmp_path / ".env", tmp_path / "notes.txt")
    os.symlink(tmp_path / "missing", tmp_path / "dangling.txt")
    engine = Engine(load(None).policy, tmp_path)
    d = decide(engine, Context(path="notes.txt"))
    assert d.tier is Tier.RESTRICTED and d.blocked
    assert "notes.txt (-> .env)" in d.reasons[0].detail
    assert decide(engine, Context(path="notes.txt"), resolve=False).tier is Tier.INTERNAL
    assert decide(engine, Context(path="dangling.txt")).tier is Tier.INTERNAL


def test_nul_byte_fails_closed(starter_engine: Engine) -> None:
    d = decide(starter_engine, Context(path=".e\x00nv"))
    assert d.blocked and d.reasons[0].rule == "on_error"


def test_normal_forms() -> None:
    assert normalise("a/../.env", ROOT).path == ".env"
    assert normalise(f"{ROOT}/src//x.py", ROOT).path == "src/x.py"
    assert normalise("../x", ROOT).path == "/work/x"
    assert not normalise("../x", ROOT).inside
    assert normalise(".", ROOT).path == "."
    assert skeleton(".\u0435nv") == ".env"
    assert skeleton("caf\u00e9.txt") == "cafe.txt"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", ".", "..", "", ".env", "x y", "\\", "\u0435"]), min_size=1, max_size=8))
def test_normalise_is_idempotent(parts: list[str]) -> None:
    raw = "/".join(parts)
    once = normalise(raw, ROOT, resolve=False)
    twice = normalise(once.path, ROOT, resolve=False)
    assert twice.path == once.path
    assert twice.inside == once.inside
