"""Limits through the gateway: 429s in each provider's shape, exact budgets under concurrency,
Redis failures (fail open or closed, then recovery), and two gateway processes sharing Redis and
PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anthropic
import httpx
import openai
import pytest
import redis

from seawall.fakeprovider import FakeProvider, run_fake_provider
from support.gateway import UPSTREAM_KEY, start_gateway
from support.serve_process import wait_healthy
from support.services import free_port, pg_database

pytestmark = pytest.mark.integration
MODEL = "claude-opus-4-8"
BODY = {"model": MODEL, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
SEAWALL = str(Path(sys.executable).with_name("seawall"))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with run_fake_provider() as fp:
        yield fp


def _fire(urls: list[str], key: str, n: int) -> list[int]:
    def one(i: int) -> int:
        return httpx.post(urls[i % len(urls)] + "/v1/messages", json=BODY, timeout=20,
                          headers={"x-api-key": key, "anthropic-version": "2023-06-01"}).status_code
    with ThreadPoolExecutor(max_workers=25) as pool:
        return list(pool.map(one, range(n)))


def test_exactly_k_succeed_and_429_shapes(fake: FakeProvider, tmp_path: Path) -> None:
    g = start_gateway(fake, tmp_path, "teams: {payments: {members: [alice], rpm: 7}}\n")
    try:
        if time.time() % 60 > 50:  # keep the burst inside one rate-limit minute
            time.sleep(61 - time.time() % 60)
        codes = _fire([g.url], g.key, 50)
        assert codes.count(200) == 7 and codes.count(429) == 43
        res = httpx.post(g.url + "/v1/messages", json=BODY, headers={"x-api-key": g.key})
        assert res.status_code == 429 and res.json()["error"]["type"] == "rate_limit_error"
        assert 1 <= int(res.headers["retry-after"]) <= 60
        assert res.headers["anthropic-ratelimit-requests-limit"] == "7"
        assert res.headers["anthropic-ratelimit-requests-remaining"] == "0"
        with pytest.raises(anthropic.RateLimitError):
            anthropic.Anthropic(base_url=g.url, api_key=g.key, max_retries=0).messages.create(**BODY)  # type: ignore[arg-type]
        with pytest.raises(openai.RateLimitError) as err:
            openai.OpenAI(base_url=g.url + "/v1", api_key=g.key, max_retries=0).chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "x"}])
        assert err.value.response.headers["x-ratelimit-limit-requests"] == "7"
        assert err.value.body["code"] == "rate_limit_exceeded"  # type: ignore[index]
        rows = g.audit(50)
        assert sum(1 for r in rows if r["error_code"] == "rate_limited") >= 43
    finally:
        g.stop()


def test_token_budget_settles_to_real_usage(fake: FakeProvider, tmp_path: Path) -> None:
    # reservations are estimates (input + max_tokens); settling gives back what was not used
    # each request reserves 1 + 40 tokens and uses 8 (the fake's usage): without settling, the second
    # of a 50-token minute would be refused; with it, two pass and the third (16 used + 41) does not
    g = start_gateway(fake, tmp_path, "teams: {payments: {members: [alice], tpm: 50}}\n")
    try:
        body = {**BODY, "max_tokens": 40}
        if time.time() % 60 > 55:
            time.sleep(61 - time.time() % 60)
        codes = [httpx.post(g.url + "/v1/messages", json=body, headers={"x-api-key": g.key}).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        g.stop()


def _redis(port: int) -> subprocess.Popen[bytes]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed") if os.environ.get("CI") else pytest.skip("no redis-server")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)


@pytest.mark.parametrize("on_error", ["allow", "block"])
def test_redis_down_then_back(fake: FakeProvider, tmp_path: Path, on_error: str) -> None:
    port = free_port()
    server = _redis(port)
    extra = (f"limits: {{backend: redis, url: 'redis://127.0.0.1:{port}/0', on_error: {on_error}, timeout_ms: 2000}}\n"
             "teams: {payments: {members: [alice], rpm: 3}}\n")
    g = start_gateway(fake, tmp_path, extra)
    try:
        if time.time() % 60 > 35:  # the rpm counter must not roll over mid-test
            time.sleep(61 - time.time() % 60)
        post = lambda: httpx.post(g.url + "/v1/messages", json=BODY, headers={"x-api-key": g.key},  # noqa: E731
                                  timeout=10)
        assert post().status_code == 200
        time.sleep(0.5)  # its settle (after the answer) lands before Redis goes away
        server.kill()
        server.wait()
        down = post()
        if on_error == "allow":
            assert down.status_code == 200
        else:
            assert down.status_code == 503 and down.json()["error"]["type"] == "overloaded_error"
        server = _redis(port)  # back, empty
        key = f"sw:l:team:payments:rpm:{int(time.time() // 60)}"
        charged = 0
        deadline = time.monotonic() + 12
        while on_error == "allow" and charged < 1 and time.monotonic() < deadline:
            time.sleep(0.1)  # the request served while Redis was down is charged once it is back
            charged = int(redis.Redis(port=port).get(key) or 0)
        assert charged == (1 if on_error == "allow" else 0)
        codes = [post().status_code for _ in range(5)]
        room = 3 - charged
        assert codes == [200] * room + [429] * (5 - room)
    finally:
        g.stop()
        server.kill()


def test_two_gateways_share_redis_and_postgres(fake: FakeProvider, tmp_path: Path) -> None:
    with pg_database() as url:
        _two_gateways(fake, tmp_path, url)


def _two_gateways(fake: FakeProvider, tmp_path: Path, store_url: str) -> None:
    team = "team" + uuid.uuid4().hex[:6]
    policy = tmp_path / "seawall.yaml"
    policy.write_text(
        "providers:\n"
        f"  anthropic: {{base_url: '{fake.url}', api_key: '{UPSTREAM_KEY}'}}\n"
        f"store: '{store_url}'\n"
        "limits: {backend: redis, url: 'redis://127.0.0.1:6379/0'}\n"
        f"teams: {{{team}: {{members: [carol], rpm: 9}}}}\n")
    env = {**os.environ, "HOME": str(tmp_path)}
    key = subprocess.run([SEAWALL, "keys", "create", "--user", "carol", "--team", team, "--config", str(policy)],
                         capture_output=True, text=True, env=env, timeout=60, check=True).stdout.strip()
    procs, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            procs.append(subprocess.Popen([SEAWALL, "serve", "--config", str(policy), "--port", str(port),
                                           "--log-level", "warning"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(procs, urls, strict=True):
            wait_healthy(proc, url, 20, "/readyz")
        if time.time() % 60 > 50:  # keep the burst inside one rate-limit minute
            time.sleep(61 - time.time() % 60)
        codes = _fire(urls, key, 40)
        assert codes.count(200) == 9 and codes.count(429) == 31
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
