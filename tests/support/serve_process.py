"""A real `seawall serve` process on 127.0.0.1 for fault tests: started from a policy file, its stderr
kept in a file (read it with `log()`), stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from support.services import free_port

SEAWALL = str(Path(sys.executable).with_name("seawall"))


def wait_healthy(proc: subprocess.Popen[Any], url: str, timeout: float, path: str = "/healthz") -> None:
    """Until `url` + `path` answers 200; fails with the process's stderr if it exits first, or on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url + path, timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "seawall serve did not start"
        time.sleep(0.05)


class ServeProcess:
    def __init__(self, policy: Path, workdir: Path, env: dict[str, str] | None = None, ready_s: float = 25.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"serve-{self.port}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [SEAWALL, "serve", "--config", str(policy), "--port", str(self.port)],
            env={**os.environ, "HOME": str(workdir), **(env or {})},
            stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + ready_s
        while True:
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"seawall serve did not become ready:\n{self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def readyz(self) -> httpx.Response:
        return httpx.get(self.url + "/readyz", timeout=10)

    def metric(self, name: str) -> float:
        """One unlabelled sample from /metrics."""
        for line in httpx.get(self.url + "/metrics", timeout=10).text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError(f"no metric {name}")

    def wait_ready(self, ready: bool, timeout: float) -> httpx.Response:
        """Poll /readyz until it answers 200 (ready) or 503 (not ready)."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.readyz()
            if (r.status_code == 200) == ready or time.monotonic() > deadline:
                return r
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (drains, flushes the audit log), then the exit code; killed after `timeout`."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode
