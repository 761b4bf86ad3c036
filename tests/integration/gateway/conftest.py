"""Fixtures: one fake provider and one gateway per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from seawall.fakeprovider import FakeProvider, run_fake_provider
from support.gateway import LiveGateway, start_gateway


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with run_fake_provider() as fp:
        yield fp


@pytest.fixture(scope="module")
def gateway(fake: FakeProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    gw = start_gateway(fake, tmp_path_factory.mktemp("gw"))
    yield gw
    gw.stop()


@pytest.fixture(autouse=True)
def _clear(fake: FakeProvider, request: pytest.FixtureRequest) -> None:
    fake.clear()
    for name in ("gateway", "gw"):
        if name in request.fixturenames:
            request.getfixturevalue(name).mark()

