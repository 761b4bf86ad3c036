"""`seawall serve` and `seawall keys` as a user runs them: zero-config start, keys, a request."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import anthropic
import pytest

from seawall.fakeprovider import FakeProvider
from support.serve_process import wait_healthy
from support.services import free_port

pytestmark = pytest.mark.integration
SEAWALL = str(Path(sys.executable).with_name("seawall"))


def test_zero_config_serve(tmp_path: Path, fake: FakeProvider) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "ANTHROPIC_API_KEY": "upstream-key", "SEAWALL_CONFIG": ""}
    env.pop("SEAWALL_CONFIG")
    made = subprocess.run([SEAWALL, "keys", "create", "--user", "dev"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("swk_") and key not in made.stderr
    assert (tmp_path / ".local/share/seawall/seawall.db").exists()  # the embedded default store
    listed = subprocess.run([SEAWALL, "keys", "list"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    assert "dev" in listed.stdout and key not in listed.stdout

    port = free_port()
    # the embedded policy forwards to api.anthropic.com; point it at the fake with a one-line policy
    (tmp_path / "seawall.yaml").write_text(
        f"providers:\n  anthropic: {{base_url: '{fake.url}', api_key: '${{ANTHROPIC_API_KEY}}'}}\n")
    t0 = time.monotonic()
    proc = subprocess.Popen([SEAWALL, "serve", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(proc, url, 20)
        startup = time.monotonic() - t0
        msg = anthropic.Anthropic(base_url=url, api_key=key, max_retries=0).messages.create(
            model="claude-opus-4-8", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
        assert msg.content[0].text
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert f"ANTHROPIC_BASE_URL={url}" in err
    assert key not in out + err
    print(f"start-up to healthy: {startup:.2f} s")


def test_serve_refuses_a_bad_policy(tmp_path: Path) -> None:
    (tmp_path / "seawall.yaml").write_text("providrs: {}\n")
    res = subprocess.run([SEAWALL, "serve", "--port", "0"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "HOME": str(tmp_path)})
    assert res.returncode == 2
    assert "seawall.yaml:1:1: providrs: unknown key 'providrs'; did you mean 'providers'?" in res.stderr


def test_serve_refuses_several_workers_with_either_server(tmp_path: Path) -> None:
    for server in ("uvicorn", "granian"):
        res = subprocess.run([SEAWALL, "serve", "--port", "0", "--workers", "2", "--server", server], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(tmp_path)})
        assert res.returncode == 2, (server, res.stderr)
        assert "--workers > 1" in res.stderr
