"""A broken policy file while serving: refused by the admin reload endpoint and by the file watcher,
the running policy stays in force, the error is reported (422 with file:line; one log line) without
the keys or tokens the file holds; a good file is taken afterwards."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx
import pytest

from seawall.detect.secrets.validators import base62_crc32
from seawall.fakeprovider import FakeProvider, run_fake_provider
from support.gateway import ADMIN_TOKEN, UPSTREAM_KEY, start_gateway

pytestmark = pytest.mark.integration
MODEL = "claude-opus-4-8"
GH = "gh" + "p_" + "Rk3Wq8Zt2Lm7Vb4Nx9Pc1Hd6Jf5Gs0" + base62_crc32("Rk3Wq8Zt2Lm7Vb4Nx9Pc1Hd6Jf5Gs0")  # a fake token


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with run_fake_provider() as fp:
        yield fp


def test_broken_policy_reload_keeps_the_running_policy(fake: FakeProvider, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "seawall")
    g = start_gateway(fake, tmp_path, "redaction: {secrets: block}\n")
    good = g.policy_path.read_text()
    client = anthropic.Anthropic(base_url=g.url, api_key=g.key, max_retries=0, timeout=10)
    admin = {"authorization": f"Bearer {ADMIN_TOKEN}"}

    def blocked() -> bool:
        try:
            client.messages.create(model=MODEL, max_tokens=5, messages=[{"role": "user", "content": f"x {GH}"}])
        except anthropic.PermissionDeniedError:
            return True
        return False

    try:
        assert blocked()
        broken = {
            "schema": good.replace("redaction: {secrets: block}",
                                   "redaction: {secrets: allow}\nlimits: {bakend: redis}"),
            "syntax": good.replace("redaction: {secrets: block}", "redaction: {secrets: [block}"),
        }
        for kind, text in broken.items():
            g.policy_path.write_text(text)
            r = httpx.post(g.url + "/admin/reload", headers=admin, timeout=10)
            assert r.status_code == 422 and r.json()["reloaded"] is False
            problems = r.json()["problems"]
            assert problems and all(p.startswith(f"{g.policy_path}:") for p in problems), problems
            assert ("YAML syntax" in problems[0]) if kind == "syntax" else any("bakend" in p for p in problems)
            assert UPSTREAM_KEY not in r.text and ADMIN_TOKEN not in r.text
            assert blocked()  # the old policy is still the one in force
            assert client.messages.create(model=MODEL, max_tokens=5,
                                          messages=[{"role": "user", "content": "hi"}]).content
        # the file watcher (every 2 s) also refuses it, and says so once, on the error log
        deadline = time.monotonic() + 10
        while not any("invalid; keeping the current policy" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the watcher did not report the broken file"
            time.sleep(0.1)
        assert blocked()
        g.policy_path.write_text(good.replace("redaction: {secrets: block}", "redaction: {secrets: redact}"))
        r = httpx.post(g.url + "/admin/reload", headers=admin, timeout=10)
        assert r.status_code == 200 and r.json()["reloaded"] is True
        assert not blocked()  # the new, valid policy is taken
    finally:
        g.stop()
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("seawall")]
    assert any("invalid" in m and str(g.policy_path) in m for m in ours)
    for text in ours:
        assert UPSTREAM_KEY not in text and ADMIN_TOKEN not in text and g.key not in text and GH not in text
