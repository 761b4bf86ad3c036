"""One fake provider per test module (any key accepted); the recorder is cleared before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from seawall.fakeprovider import FakeProvider, run_fake_provider


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with run_fake_provider() as provider:
        yield provider


@pytest.fixture(autouse=True)
def _fresh_recorder(fake: FakeProvider) -> None:
    fake.clear()
