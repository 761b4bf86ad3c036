from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.policy.decide import Engine
from seawall.policy.load import load, load_text
from seawall.policy.reload import compile_loaded


@pytest.fixture(scope="session")
def starter_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    root = tmp_path_factory.mktemp("project")
    loaded = load(None)
    return Engine(loaded.policy, root)


@pytest.fixture()
def make_engine(tmp_path: Path) -> Callable[[str], Engine]:
    """A compiled policy from YAML text, rooted in a temp project folder."""
    return lambda text: compile_loaded(load_text(text, "t.yaml", tmp_path))
