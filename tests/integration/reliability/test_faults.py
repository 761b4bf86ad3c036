"""Faults: a SIGTERM drains open streams (unready first), an upstream that sends broken JSON, an
audit store that fails for a while (nothing lost), and no key or secret in logs at DEBUG."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from seawall.audit.events import AuditEvent
from seawall.audit.writer import AuditWriter
from seawall.fakeprovider import FakeProvider, run_fake_provider
from seawall.store.db import open_store
from support.gateway import UPSTREAM_KEY, start_gateway
from support.serve_process import wait_healthy
from support.services import free_port

pytestmark = pytest.mark.integration
SEAWALL = str(Path(sys.executable).with_name("seawall"))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with run_fake_provider() as fp:
        yield fp


def test_sigterm_drains_open_streams(fake: FakeProvider, tmp_path: Path) -> None:
    policy = tmp_path / "seawall.yaml"
    policy.write_text(f"providers:\n  anthropic: {{base_url: '{fake.url}', api_key: '{UPSTREAM_KEY}'}}\n"
                      f"store: 'sqlite:///{tmp_path}/s.db'\ngateway: {{drain_delay_s: 1.5}}\n")
    env = {**os.environ, "HOME": str(tmp_path)}
    key = subprocess.run([SEAWALL, "keys", "create", "--user", "u", "--config", str(policy)], env=env,
                         capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([SEAWALL, "serve", "--config", str(policy), "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(proc, url, 20, "/readyz")
        events: list[str] = []

        def stream() -> None:
            body = {"model": "claude-opus-4-8", "max_tokens": 10, "stream": True,
                    "messages": [{"role": "user", "content": "[[fake:chunks=30 chunk_delay=0.1]]"}]}
            with httpx.stream("POST", url + "/v1/messages", json=body, headers={"x-api-key": key}, timeout=30) as r:
                events.extend(line for line in r.iter_lines() if line.startswith("event:"))

        t = threading.Thread(target=stream)
        t.start()
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert httpx.get(url + "/readyz", timeout=2).status_code == 503  # unready first, still serving
        t.join(30)
        assert events and events[-1] == "event: message_stop"  # the open stream finished
        assert proc.wait(30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once drained
    finally:
        if proc.poll() is None:
            proc.kill()


def test_upstream_broken_json_is_a_provider_error(fake: FakeProvider, tmp_path: Path) -> None:
    g = start_gateway(fake, tmp_path)
    try:
        with pytest.raises(anthropic.APIStatusError) as err:
            anthropic.Anthropic(base_url=g.url, api_key=g.key, max_retries=0).messages.create(
                model="claude-opus-4-8", max_tokens=5, messages=[{"role": "user", "content": "[[fake:malformed]]"}])
        assert err.value.status_code == 502 and "not valid JSON" in str(err.value)
        with pytest.raises(openai.APIStatusError):
            openai.OpenAI(base_url=g.url + "/v1", api_key=g.key, max_retries=0).chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "[[fake:malformed]]"}])
        assert g.audit(2)[0]["error_code"] == "upstream_invalid"
    finally:
        g.stop()


def test_audit_survives_a_store_outage(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/a.db")
    real = store.insert_audit
    down = threading.Event()
    down.set()

    def flaky(rows: list[dict[str, object]]) -> None:
        if down.is_set():
            raise OSError("disk unavailable")
        real(rows)

    store.insert_audit = flaky  # type: ignore[method-assign]
    writer = AuditWriter(store, batch=10, flush_s=0.05)
    for i in range(25):
        writer.submit(AuditEvent(request_id=f"r{i}", route="/v1/messages", status=200, duration_ms=1.0))
    time.sleep(0.6)
    assert writer.written == 0 and writer.failed_batches >= 1
    down.clear()
    deadline = time.monotonic() + 10
    while writer.written < 25 and time.monotonic() < deadline:
        time.sleep(0.05)
    writer.close()
    assert writer.written == 25 and writer.dropped == 0
    assert sorted(r["request_id"] for r in store.audit()) == sorted(f"r{i}" for i in range(25))


def test_no_key_or_secret_in_logs_at_debug(fake: FakeProvider, tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    g = start_gateway(fake, tmp_path)
    secret = "gh" + "p_" + "Q" * 36
    try:
        client = anthropic.Anthropic(base_url=g.url, api_key=g.key, max_retries=0)
        client.messages.create(model="claude-opus-4-8", max_tokens=5,
                               messages=[{"role": "user", "content": f"token {secret}"}])
        httpx.post(g.url + "/v1/messages", content=b"{", headers={"x-api-key": g.key})
        httpx.post(g.url + "/v1/messages", json={}, headers={"x-api-key": g.key[:-2] + "zz"})
        g.audit(3)
    finally:
        g.stop()
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith(("anthropic", "httpx2", "httpcore2"))]
    assert ours
    for text in ours:
        assert g.key not in text and UPSTREAM_KEY not in text and secret not in text
