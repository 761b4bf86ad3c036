"""What `seawall serve` adds on the request path, against calling the upstream directly and against the LiteLLM
proxy, all three in front of the same fake upstream in one run. Prints figures, the issue's goals next to them,
and ratios; nothing here gates anything.

usage: .venv/bin/python bench/gateway_overhead.py [--no-litellm] [--quick] [--granian]

Measured, in OpenAI chat-completions format (LiteLLM's native one) with ~5 KB request bodies:
  * added latency p50/p99 per non-streamed request, sequential, peers interleaved request by request;
  * requests/s at concurrency 16, peers alternated in rounds (median of the rounds);
  * streams of 10 and 200 chunks: time to first byte and added cost per chunk (wall time, and the
    gateway's CPU time per chunk);
  * peak RSS (VmHWM) of the gateway process with 100 streams open at once;
  * start-up to healthy (seawall: median of 3 starts; LiteLLM: median of 2).

seawall runs twice: with a policy that sets only `providers` and `store`, so whatever its defaults inspect is
part of the figures (every request repeats the same body, so a detection cache, where there is one, hits), and
as "seawall-off" with inspection off (redaction and injection screening off), which the latency goal names.
With --granian, a third seawall, "seawall-off (granian)", runs the same off policy under `seawall serve --server
granian` (granian must be installed), in the same sequential and requests/s phases. granian serves from a
worker process under a supervisor, so CPU figures count every process of the target's group.

The fake provider (`python -m seawall.fakeprovider`), seawall and LiteLLM each run in their own process;
the load generator is a minimal asyncio HTTP/1.1 keep-alive client in this process, so that what it costs
stays small next to what it measures. Everything listens on and talks to 127.0.0.1 only.

LiteLLM is installed once from PyPI into its own venv, ~/.cache/seawall-bench/litellm-venv (never into the
project's). The version is pinned: litellm 1.82.7 and 1.82.8 on PyPI were compromised (credential stealers),
so the bench installs a release from before them. LiteLLM runs with a minimal environment (none of this
shell's variables), no database, no master key, telemetry off, the bundled model-cost map, and the URLs it
would fetch pointed at 127.0.0.1; the bench also checks its sockets for any non-loopback peer. If the
install fails, the run goes on without LiteLLM and says why.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv" / "bin" / "seawall").exists() else Path(sys.executable).parent
PY = str(BIN / "python") if (BIN / "python").exists() else sys.executable
LITELLM_VENV = Path.home() / ".cache" / "seawall-bench" / "litellm-venv"
LITELLM_SPEC = "litellm[proxy]==1.82.6"  # last release before the compromised 1.82.7/1.82.8
MODEL = "gpt-4o-mini"
HOST = "127.0.0.1"
BODY_BYTES = 5 * 1024
ANSWER = "Looks right to me: the loop is bounded, the file is closed, and the test covers the empty case."

# "inspection off": no redaction, no injection screening (tool control and classification stay: with no
# tools and no files in the request they have nothing to do)
OFF_POLICY = "redaction: {secrets: allow, pii: allow}\ninjection: {channels: []}\n"
GRANIAN = "seawall-off (granian)"
GOALS = {
    "p50": "<= 1 ms added and <= 1/10 of LiteLLM's",
    "rps": ">= 10x LiteLLM and >= 40% of direct",
    "chunk": "<= 0.05 ms added per streamed chunk",
    "rss": "<= 150 MB with 100 open streams",
    "start": "<= 1.5 s to healthy",
}


# ---- processes ------------------------------------------------------------------------------------

class Procs:
    """Subprocesses started by this bench, each in its own session so its whole group can be stopped."""

    def __init__(self) -> None:
        self.items: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: Sequence[str], log: Path, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
        with open(log, "ab") as out:
            proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, cwd=cwd, start_new_session=True)
        self.items.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # also any child left in the group
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        self.items = [(n, p) for n, p in self.items if p is not proc]

    def stop_all(self) -> None:
        for _, proc in reversed(list(self.items)):
            self.stop(proc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def http_status(port: int, path: str, method: str = "GET", timeout: float = 1.0) -> int | None:
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        conn.request(method, path)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.status
    except OSError:
        return None


def wait_healthy(proc: subprocess.Popen[bytes], port: int, path: str, timeout: float, log: Path) -> float:
    """Seconds from now until GET `path` answers 200 (polled every 5 ms)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before healthy; log tail:\n{tail(log)}")
        if http_status(port, path, timeout=0.5) == 200:
            return time.perf_counter() - t0
        time.sleep(0.005)
    raise RuntimeError(f"not healthy after {timeout:.0f} s; log tail:\n{tail(log)}")


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(x[:300] for x in path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def proc_status_kb(pid: int, field_name: str) -> int:
    """A /proc/PID/status figure in kB (0 once the process is gone)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process and every live process in its group (its session leader's group: a
    server's workers), in seconds (clock-tick resolution; 0 once the process is gone)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[2]) == pid:  # fields[2]: process group id
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def non_loopback_peers(pid: int) -> set[str]:
    """Remote addresses of the process's TCP sockets that are not loopback (nor unset, for listeners)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
    peers = set()
    for table, v6 in (("tcp", False), ("tcp6", True)):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/net/{table}") as f:
            for line in list(f)[1:]:
                parts = line.split()
                if parts[9] not in inodes:
                    continue
                addr_hex, port_hex = parts[2].split(":")
                raw = bytes.fromhex(addr_hex)
                if v6:
                    words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
                    ip = socket.inet_ntop(socket.AF_INET6, b"".join(words))
                    if ip.startswith("::ffff:"):
                        ip = ip[7:]
                else:
                    ip = socket.inet_ntop(socket.AF_INET, raw[::-1])
                if ip.startswith("127.") or ip in ("0.0.0.0", "::", "::1"):
                    continue
                peers.add(f"{ip}:{int(port_hex, 16)}")
    return peers


# ---- a small HTTP/1.1 client ---------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    body: bytes
    ttfb: float  # seconds to the first body bytes
    total: float  # seconds to the end of the body
    pieces: int  # body pieces received (chunks for chunked encoding)


class Conn:
    """One keep-alive connection; sends prepared request bytes and reads one response (length or chunked)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes, timeout: float = 60.0) -> Reply:
        try:
            async with asyncio.timeout(timeout):
                return await self._request(raw)
        except BaseException:
            self.close()
            raise

    async def _request(self, raw: bytes) -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        reader, writer = self.reader, self.writer
        assert reader is not None
        t0 = time.perf_counter()
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers: dict[str, str] = {}
        for line in head.split(b"\r\n")[1:]:
            name, sep, value = line.partition(b":")
            if sep:
                headers[name.strip().lower().decode()] = value.strip().decode()
        pieces: list[bytes] = []
        ttfb = 0.0
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass  # trailers
                    break
                data = await reader.readexactly(size + 2)
                if not pieces:
                    ttfb = time.perf_counter() - t0
                pieces.append(data[:-2])
        else:
            n = int(headers.get("content-length", "0"))
            ttfb = time.perf_counter() - t0
            if n:
                pieces.append(await reader.readexactly(n))
        total = time.perf_counter() - t0
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Reply(status, b"".join(pieces), ttfb, total, len(pieces))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Target:
    name: str
    port: int
    key: str
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def raw(self, body: bytes) -> bytes:
        head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                f"Content-Type: application/json\r\nAccept: */*\r\nAuthorization: Bearer {self.key}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        return head.encode() + body

    def note(self, what: str, detail: str) -> None:
        self.errors[what] += 1
        if len(self.samples) < 5:
            self.samples.append(f"{what}: {detail[:300]}")


def filler(n: int) -> str:
    words = ("def", "return", "self", "value", "items", "config", "request", "for", "in", "if", "None", "path",
             "load", "parse", "raise", "ValueError", "async", "await", "client", "result", "index", "# note")
    out, i = [], 0
    while sum(len(w) + 1 for w in out) < n:
        out.append(words[(i * 7 + i // 5) % len(words)])
        i += 1
        if i % 12 == 0:
            out.append("\n   ")
    return " ".join(out)[:n]


def chat_body(directive: str, stream: bool = False, size: int = BODY_BYTES) -> bytes:
    def build(pad: str) -> bytes:
        body: dict[str, object] = {
            "model": MODEL, "max_tokens": 512,
            "messages": [{"role": "system", "content": "You are a careful coding assistant."},
                         {"role": "user", "content": f"Review this change:\n{pad}\n{directive}"}]}
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return json.dumps(body).encode()
    base = len(build(""))
    return build(filler(max(0, size - base)))


def stream_body(chunks: int, delay: float = 0.0) -> bytes:
    text = filler(max(2 * chunks, 40)).replace("\n", " ").replace("#", "n").replace("  ", " ")
    extra = f" chunk_delay={delay}" if delay else ""
    return chat_body(f'[[fake:text="{text}" chunks={chunks}{extra}]]', stream=True)


def stream_complete(body: bytes) -> bool:
    return body.rstrip().endswith(b"data: [DONE]")


# ---- measurements --------------------------------------------------------------------------------

def pct(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def rotate(items: list[Target], i: int) -> list[Target]:
    k = i % len(items)
    return items[k:] + items[:k]


async def one(t: Target, conn: Conn, raw: bytes, stream: bool = False) -> Reply | None:
    try:
        r = await conn.request(raw)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
        t.note(type(exc).__name__, str(exc))
        return None
    if r.status != 200:
        t.note(f"HTTP {r.status}", r.body.decode(errors="replace"))
        return None
    if stream and not stream_complete(r.body):
        t.note("stream incomplete", r.body[-200:].decode(errors="replace"))
        return None
    return r


async def sequential(targets: list[Target], n: int, warmup: int) -> dict[str, list[float]]:
    """Latency of n requests per target, one at a time, targets interleaved request by request."""
    body = chat_body(f'[[fake:text="{ANSWER}"]]')
    conns = {t.name: Conn(t.port) for t in targets}
    raws = {t.name: t.raw(body) for t in targets}
    lat: dict[str, list[float]] = {t.name: [] for t in targets}
    for i in range(warmup + n):
        for t in rotate(targets, i):
            r = await one(t, conns[t.name], raws[t.name])
            if r is not None and i >= warmup:
                lat[t.name].append(r.total)
    for c in conns.values():
        c.close()
    return lat


async def load(t: Target, seconds: float, concurrency: int) -> tuple[float, float]:
    """Requests/s (200s only) with `concurrency` connections sending back to back for `seconds`, and the
    target process's CPU seconds per request meanwhile."""
    raw = t.raw(chat_body(f'[[fake:text="{ANSWER}"]]'))
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        conn = Conn(t.port)
        while time.perf_counter() < deadline:
            if await one(t, conn, raw) is not None:
                done += 1
        conn.close()

    pid = t.proc.pid if t.proc is not None else None
    c0 = proc_cpu_s(pid) if pid else 0.0
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    cpu = (proc_cpu_s(pid) - c0) / max(1, done) if pid else 0.0
    return done / elapsed, cpu


async def streams(t: Target, raw: bytes, count: int, concurrency: int) -> list[Reply]:
    sem = asyncio.Semaphore(concurrency)
    out: list[Reply] = []

    async def run() -> None:
        async with sem:
            conn = Conn(t.port)
            r = await one(t, conn, raw, stream=True)
            conn.close()
            if r is not None:
                out.append(r)

    await asyncio.gather(*(run() for _ in range(count)))
    return out


async def open_streams_rss(t: Target, n: int, chunks: int, delay: float) -> dict[str, float]:
    """n streams open at once through `t` (each ~chunks*delay s); the process's RSS meanwhile."""
    assert t.proc is not None
    pid = t.proc.pid
    raw = t.raw(stream_body(chunks, delay))
    before = proc_status_kb(pid, "VmRSS")
    peak_open = 0
    live = 0

    async def run() -> bool:
        nonlocal live, peak_open
        conn = Conn(t.port)
        live += 1
        peak_open = max(peak_open, live)
        try:
            return await one(t, conn, raw, stream=True) is not None
        finally:
            live -= 1
            conn.close()

    peak_rss = before
    tasks = [asyncio.create_task(run()) for _ in range(n)]
    while not all(task.done() for task in tasks):
        peak_rss = max(peak_rss, proc_status_kb(pid, "VmRSS"))
        await asyncio.sleep(0.05)
    ok = sum(1 for task in tasks if task.result())
    return {"before_mb": before / 1024, "peak_rss_mb": peak_rss / 1024,
            "hwm_mb": proc_status_kb(pid, "VmHWM") / 1024, "ok": ok, "open": peak_open}


def clear_fake(port: int) -> None:
    http_status(port, "/_fake/requests", "DELETE", timeout=10)


# ---- set-up --------------------------------------------------------------------------------------

def start_fake(procs: Procs, work: Path) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    log = work / "fake.log"
    proc = procs.start("fake", [PY, "-m", "seawall.fakeprovider", "--port", str(port), "--log-level", "warning"],
                       log)
    wait_healthy(proc, port, "/", 20, log)
    return port, proc


def seawall_setup(work: Path, fake_port: int) -> tuple[Path, str]:
    policy = work / "seawall.yaml"
    policy.write_text(
        "providers:\n"
        f'  anthropic: {{base_url: "http://{HOST}:{fake_port}", api_key: "upstream-key"}}\n'
        f'  openai: {{base_url: "http://{HOST}:{fake_port}/v1", api_key: "upstream-key"}}\n'
        f'store: "sqlite:///{work / "seawall.db"}"\n')
    out = subprocess.run([str(BIN / "seawall"), "keys", "create", "--user", "bench", "--config", str(policy)],
                         capture_output=True, text=True, check=True, timeout=60)
    return policy, out.stdout.strip().splitlines()[-1]


def start_seawall(procs: Procs, work: Path, policy: Path, runs: int, log_name: str = "seawall.log",
                  server: str = "uvicorn") -> tuple[int, subprocess.Popen[bytes], list[float], Path]:
    """Start `runs` times (stopping all but the last), timing each from spawn to /healthz 200."""
    times: list[float] = []
    log = work / log_name
    port, proc = 0, None
    for i in range(runs):
        port = free_port()
        t0 = time.perf_counter()
        proc = procs.start("seawall", [str(BIN / "seawall"), "serve", "--config", str(policy), "--port", str(port),
                                       "--log-level", "warning", "--server", server], log, cwd=work)
        wait_healthy(proc, port, "/healthz", 30, log)
        times.append(time.perf_counter() - t0)
        if i < runs - 1:
            procs.stop(proc)
    assert proc is not None
    return port, proc, times, log


def ensure_litellm(work: Path) -> str | None:
    """The LiteLLM venv, made and installed once; None when ready, else why not."""
    exe = LITELLM_VENV / "bin" / "litellm"
    stamp = LITELLM_VENV / ".seawall-bench-spec"
    if exe.exists() and stamp.exists() and stamp.read_text().strip() == LITELLM_SPEC:
        return None
    print(f"installing {LITELLM_SPEC} into {LITELLM_VENV} (once) ...", flush=True)
    log = work / "litellm-install.log"
    try:
        LITELLM_VENV.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as out:
            if not (LITELLM_VENV / "bin" / "pip").exists():
                subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], stdout=out,
                               stderr=subprocess.STDOUT, check=True, timeout=300)
            subprocess.run([str(LITELLM_VENV / "bin" / "pip"), "install", "--disable-pip-version-check", "-q",
                            LITELLM_SPEC], stdout=out, stderr=subprocess.STDOUT, check=True, timeout=1200)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"install failed ({exc}); log tail:\n{tail(log, 15)}"
    if not exe.exists():
        return f"installed, but {exe} is missing"
    stamp.write_text(LITELLM_SPEC + "\n")
    return None


def litellm_env(work: Path) -> dict[str, str]:
    """A minimal environment: nothing of this shell's (no keys), every fetch LiteLLM knows of kept local."""
    dead = f"http://{HOST}:9/offline"
    return {
        "PATH": f"{LITELLM_VENV / 'bin'}:/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8", "TMPDIR": str(work),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_MODEL_COST_MAP_URL": dead,
        "LITELLM_LOCAL_BLOG_POSTS": "True", "LITELLM_BLOG_POSTS_URL": dead,
        "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True", "LITELLM_ANTHROPIC_BETA_HEADERS_URL": dead,
        "LITELLM_LOCAL_POLICY_TEMPLATES": "True", "LITELLM_LOG": "ERROR", "LITELLM_MODE": "PRODUCTION",
        "LITELLM_DONT_SHOW_FEEDBACK_BOX": "True",
        "DO_NOT_TRACK": "1", "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead,
        "NO_PROXY": f"{HOST},localhost", "no_proxy": f"{HOST},localhost",
    }


def litellm_files(work: Path, fake_port: int) -> tuple[Path, Path]:
    cfg = work / "litellm.yaml"
    cfg.write_text(
        "model_list:\n"
        f"  - model_name: {MODEL}\n"
        "    litellm_params:\n"
        f"      model: openai/{MODEL}\n"
        f"      api_base: http://{HOST}:{fake_port}/v1\n"
        "      api_key: upstream-key\n"
        "litellm_settings:\n"
        "  telemetry: false\n"
        "  json_logs: false\n"
        "general_settings:\n"
        "  disable_spend_logs: true\n")
    logcfg = work / "litellm-logging.json"  # uvicorn's access log off, as seawall runs (fair to both)
    handler = {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    logcfg.write_text(json.dumps({
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": handler},
        "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "WARNING"},
                    "uvicorn.error": {"level": "WARNING"},
                    "uvicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False}}}))
    return cfg, logcfg


def start_litellm(procs: Procs, work: Path, fake_port: int, runs: int) -> tuple[int, subprocess.Popen[bytes],
                                                                              list[float], Path]:
    cfg, logcfg = litellm_files(work, fake_port)
    log = work / "litellm.log"
    times: list[float] = []
    port, proc = 0, None
    for i in range(runs):
        port = free_port()
        t0 = time.perf_counter()
        proc = procs.start("litellm", [str(LITELLM_VENV / "bin" / "litellm"), "--config", str(cfg), "--host", HOST,
                                       "--port", str(port), "--num_workers", "1", "--telemetry", "False",
                                       "--log_config", str(logcfg)], log, env=litellm_env(work), cwd=work)
        wait_healthy(proc, port, "/health/liveliness", 120, log)
        times.append(time.perf_counter() - t0)
        if i < runs - 1:
            procs.stop(proc)
    assert proc is not None
    return port, proc, times, log


def litellm_version() -> str:
    try:
        out = subprocess.run([str(LITELLM_VENV / "bin" / "python"), "-c",
                              "import importlib.metadata as m; print(m.version('litellm'))"],
                             capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


# ---- report --------------------------------------------------------------------------------------

def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("MET" if ok else "NOT MET")


def line(label: str, value: str, goal: str = "", ok: bool | None = None) -> None:
    tail_ = f"   goal {goal}: {verdict(ok)}" if goal else ""
    print(f"  {label:<44} {value:<26}{tail_}")


def ms(x: float) -> str:
    return f"{x * 1000:.3f} ms"


async def bench(args: argparse.Namespace, procs: Procs, work: Path) -> None:
    quick = args.quick
    n_seq, warm = (100, 20) if quick else (300, 50)
    rounds, secs, conc = (2, 1.5, 16) if quick else (3, 3.0, 16)
    stream_rounds = 6 if quick else 15

    fake_port, fake_proc = start_fake(procs, work)
    policy, key = seawall_setup(work, fake_port)
    sw_port, sw_proc, sw_start, sw_log = start_seawall(procs, work, policy, 3)
    print(f"seawall start-up to healthy: {', '.join(f'{x:.2f} s' for x in sw_start)}", flush=True)

    direct = Target("direct", fake_port, "upstream-key", fake_proc, work / "fake.log")
    seawall = Target("seawall", sw_port, key, sw_proc, sw_log)
    # the latency goal is stated with inspection off: the same gateway, nothing to inspect for
    bare = work / "seawall-off.yaml"
    bare.write_text(policy.read_text() + OFF_POLICY)
    off_port, off_proc, _, off_log = start_seawall(procs, work, bare, 1, "seawall-off.log")
    seawall_off = Target("seawall-off", off_port, key, off_proc, off_log)
    granian: Target | None = None
    if args.granian:
        g_port, g_proc, _, g_log = start_seawall(procs, work, bare, 1, "seawall-off-granian.log", "granian")
        granian = Target(GRANIAN, g_port, key, g_proc, g_log)
    targets = [direct, seawall]
    lt: Target | None = None
    lt_start: list[float] = []
    lt_why: str | None = "--no-litellm" if args.no_litellm else ensure_litellm(work)
    if lt_why is None:
        try:
            lt_port, lt_proc, lt_start, lt_log = start_litellm(procs, work, fake_port, 1 if quick else 2)
            lt = Target("litellm", lt_port, "sk-anything", lt_proc, lt_log)
            targets.append(lt)
            print(f"litellm {litellm_version()} start-up to healthy: {', '.join(f'{x:.2f} s' for x in lt_start)}",
                  flush=True)
        except RuntimeError as exc:
            lt_why = f"LiteLLM did not start: {exc}"
    if lt_why:
        print(f"running without LiteLLM: {lt_why}", flush=True)
    streamed = list(targets)  # streaming, memory: seawall with its default policy against the peers
    targets.insert(2, seawall_off)
    if granian is not None:
        targets.insert(3, granian)
    peers_seen: set[str] = set()

    def check_peers() -> None:
        if lt is not None and lt.proc is not None and lt.proc.poll() is None:
            peers_seen.update(non_loopback_peers(lt.proc.pid))

    # smoke + warm-up: every target answers the same request the same way
    body = chat_body(f'[[fake:text="{ANSWER}"]]')
    for t in targets:
        conn = Conn(t.port)
        for _ in range(30):
            r = await one(t, conn, t.raw(body))
            if r is not None and ANSWER not in r.body.decode(errors="replace"):
                t.note("unexpected answer", r.body.decode(errors="replace"))
        conn.close()
    print(f"request body: {len(body)} bytes, model {MODEL}, POST /v1/chat/completions, non-streamed\n", flush=True)
    check_peers()

    # 1. RSS with 100 open streams (first, so VmHWM reflects start-up + warm-up + these streams only)
    rss: dict[str, dict[str, float]] = {}
    for t in streamed[1:]:
        rss[t.name] = await open_streams_rss(t, 100, 100, 0.04)
        clear_fake(fake_port)
    print("phase: RSS with 100 open streams done", flush=True)

    # 2. sequential latency, interleaved
    lat = await sequential(targets, n_seq, warm)
    clear_fake(fake_port)
    print("phase: sequential latency done", flush=True)

    # 3. requests/s at concurrency 16, peers alternated over rounds
    rps: dict[str, list[float]] = {t.name: [] for t in targets}
    cpu_req: dict[str, list[float]] = {t.name: [] for t in targets}
    for i in range(rounds):
        for t in rotate(targets, i):
            await load(t, 0.3, conc)  # settle
            rate, cpu_per = await load(t, secs, conc)
            rps[t.name].append(rate)
            cpu_req[t.name].append(cpu_per)
            clear_fake(fake_port)
    check_peers()
    print("phase: requests/s done", flush=True)

    # 4. streams: TTFB and total time for 10 and 200 chunks, sequential, interleaved
    st: dict[tuple[str, int], list[Reply]] = {(t.name, c): [] for t in streamed for c in (10, 200)}
    conns = {t.name: Conn(t.port) for t in streamed}
    raws = {c: stream_body(c) for c in (10, 200)}
    for i in range(stream_rounds + 2):
        for c in (10, 200):
            for t in rotate(streamed, i):
                r = await one(t, conns[t.name], t.raw(raws[c]), stream=True)
                if r is not None and i >= 2:
                    st[(t.name, c)].append(r)
    for conn in conns.values():
        conn.close()
    clear_fake(fake_port)
    # 4b. gateway CPU per chunk: 40 streams of 200 vs 10 chunks, chunks 2 ms apart so each arrives on its own
    cpu_chunk: dict[str, float] = {}
    for t in streamed[1:]:
        assert t.proc is not None
        cpu = {}
        for c in (10, 200):
            raw = t.raw(stream_body(c, 0.002))
            c0 = proc_cpu_s(t.proc.pid)
            got = await streams(t, raw, 40, 8)
            cpu[c] = (proc_cpu_s(t.proc.pid) - c0) / max(1, len(got))
        cpu_chunk[t.name] = (cpu[200] - cpu[10]) / 190
        clear_fake(fake_port)
    check_peers()
    print("phase: streaming done\n", flush=True)

    # ---- report ----
    med = statistics.median
    p50 = {n: med(v) for n, v in lat.items() if v}
    p99 = {n: pct(v, 0.99) for n, v in lat.items() if v}
    print(f"== sequential latency ({n_seq} requests per target after {warm} warm-up, interleaved) ==")
    for t in targets:
        if t.name in p50:
            line(f"{t.name}: p50 / p99", f"{ms(p50[t.name])} / {ms(p99[t.name])}")
    added = {n: (p50[n] - p50["direct"], p99[n] - p99["direct"]) for n in p50 if n != "direct"}
    lt_a50 = added.get("litellm", (None, None))[0]
    if lt_a50 is not None:
        line("litellm added p50 / p99 vs direct", f"{ms(lt_a50)} / {ms(added['litellm'][1])}")
    for name in ("seawall-off", GRANIAN, "seawall"):
        if name not in added:
            continue
        a50, a99 = added[name]
        goal = name != "seawall"  # the goal is stated with inspection off
        ok = a50 <= 0.001 and (lt_a50 is None or a50 <= lt_a50 / 10)
        line(f"{name} added p50 / p99 vs direct", f"{ms(a50)} / {ms(a99)}", GOALS["p50"] if goal else "",
             ok if goal else None)
        if lt_a50:
            line(f"{name} added p50 / litellm added p50", f"{a50 / lt_a50:.3f}" + (" (goal <= 0.1)" if goal else ""))

    print(f"\n== requests/s at concurrency {conc} ({rounds} rounds x {secs:.1f} s per target, median) ==")
    rps_med = {n: med(v) for n, v in rps.items() if v}
    for t in targets:
        if t.name in rps_med:
            line(f"{t.name}", f"{rps_med[t.name]:.0f} req/s", "")
            print(f"  {'':<44} rounds: {', '.join(f'{x:.0f}' for x in rps[t.name])}; "
                  f"{'fake upstream' if t.name == 'direct' else t.name} CPU per request "
                  f"{med(cpu_req[t.name]) * 1000:.2f} ms ({med(cpu_req[t.name]) * rps_med[t.name] * 100:.0f}% of "
                  "a core)")
    for name in ("seawall-off", GRANIAN, "seawall"):
        if name not in rps_med:
            continue
        of_direct = rps_med[name] / rps_med["direct"]
        vs_lt = rps_med[name] / rps_med["litellm"] if rps_med.get("litellm") else None
        ok = of_direct >= 0.4 and (vs_lt is None or vs_lt >= 10)
        line(f"{name} / direct", f"{of_direct * 100:.0f}%", GOALS["rps"], ok)
        if vs_lt is not None:
            line(f"{name} / litellm", f"{vs_lt:.1f}x")

    print(f"\n== streaming ({stream_rounds} streams per target and size, sequential, interleaved; medians) ==")
    tt = {k: med([r.ttfb for r in v]) for k, v in st.items() if v}
    tot = {k: med([r.total for r in v]) for k, v in st.items() if v}
    for t in targets:
        for c in (10, 200):
            if (t.name, c) in tt:
                pieces = med([r.pieces for r in st[(t.name, c)]])
                line(f"{t.name} {c} chunks: TTFB / total", f"{ms(tt[(t.name, c)])} / {ms(tot[(t.name, c)])}")
                print(f"  {'':<44} ({pieces:.0f} HTTP body pieces received per stream)")
    for t in targets[1:]:
        k10, k200, d10, d200 = (t.name, 10), (t.name, 200), ("direct", 10), ("direct", 200)
        if not all(k in tot for k in (k10, k200, d10, d200)):
            continue
        line(f"{t.name} added TTFB (200 chunks)", ms(tt[k200] - tt[d200]))
        naive = (tot[k200] - tot[d200]) / 200
        slope = ((tot[k200] - tot[d200]) - (tot[k10] - tot[d10])) / 190
        is_sw = t.name == "seawall"
        line(f"{t.name} added per chunk: total diff / 200", ms(naive), GOALS["chunk"] if is_sw else "",
             naive <= 0.00005 if is_sw else None)
        line(f"{t.name} added per chunk: (200 - 10) slope", ms(slope), GOALS["chunk"] if is_sw else "",
             slope <= 0.00005 if is_sw else None)
        if t.name in cpu_chunk:
            line(f"{t.name} process CPU per chunk (2 ms apart)", ms(cpu_chunk[t.name]),
                 GOALS["chunk"] if is_sw else "", cpu_chunk[t.name] <= 0.00005 if is_sw else None)
    if "seawall" in cpu_chunk and "litellm" in cpu_chunk and cpu_chunk["litellm"] > 0:
        line("seawall / litellm CPU per chunk", f"{cpu_chunk['seawall'] / cpu_chunk['litellm']:.3f}")

    print("\n== memory with 100 open streams (100 chunks 40 ms apart, ~4 s each) ==")
    for name, r in rss.items():
        is_sw = name == "seawall"
        line(f"{name}: streams open at once / completed", f"{r['open']:.0f} / {r['ok']:.0f}")
        line(f"{name}: RSS before / peak sampled", f"{r['before_mb']:.1f} / {r['peak_rss_mb']:.1f} MB")
        line(f"{name}: VmHWM (peak RSS since start)", f"{r['hwm_mb']:.1f} MB", GOALS["rss"] if is_sw else "",
             r["hwm_mb"] <= 150 if is_sw else None)
    if "seawall" in rss and "litellm" in rss:
        line("seawall / litellm VmHWM", f"{rss['seawall']['hwm_mb'] / rss['litellm']['hwm_mb']:.2f}")

    print("\n== start-up to healthy (spawn to first 200 on the health endpoint) ==")
    line("seawall (median of 3)", f"{med(sw_start):.2f} s", GOALS["start"], med(sw_start) <= 1.5)
    if lt_start:
        line(f"litellm (median of {len(lt_start)})", f"{med(lt_start):.2f} s")
        line("seawall / litellm", f"{med(sw_start) / med(lt_start):.3f}")

    print("\n== errors ==")
    for t in targets:
        alive = t.proc is None or t.proc.poll() is None
        print(f"  {t.name}: {sum(t.errors.values())} failed requests {dict(t.errors) or ''}"
              f"{'' if alive else f'  (process exited: {t.proc.returncode})'}")
        for s in t.samples:
            print(f"      {s}")
        if (t.errors or not alive) and t.log is not None:
            print(f"    log tail ({t.log.name}):\n" + "\n".join("      " + x for x in tail(t.log, 15).splitlines()))
    if lt is not None:
        print(f"  litellm non-loopback TCP peers seen: {', '.join(sorted(peers_seen)) or 'none'}")
    print("\nnotes: seawall checks a virtual key (cached) per request; LiteLLM runs without a master key (no auth)"
          "\n       and with 1 worker. seawall runs its default policy (providers and store set), identical bodies."
          "\n       2 cores shared by the load generator, the fake upstream and the gateway under test.")


def machine_busy_s() -> float:
    """CPU seconds all processes on the machine have used since boot (from /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = v
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system  # children once waited for


def revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "(revision unknown)"
    return f"{head or '?'}{' + uncommitted changes in src/' if dirty else ''}"


def run_async(coro: Coroutine[object, object, None]) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coro)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-litellm", action="store_true", help="skip LiteLLM (no install, no figures)")
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run, noisier)")
    parser.add_argument("--granian", action="store_true",
                        help="also run seawall-off under `seawall serve --server granian` (granian installed)")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}; seawall {revision()}",
          flush=True)
    t0 = time.perf_counter()
    busy0, own0 = machine_busy_s(), own_cpu_s()
    procs = Procs()
    prev = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with tempfile.TemporaryDirectory(prefix="seawall-overhead-") as tmp:
            try:
                run_async(bench(args, procs, Path(tmp)))
            finally:
                procs.stop_all()
    finally:
        signal.signal(signal.SIGTERM, prev)
    wall = time.perf_counter() - t0
    other = max(0.0, (machine_busy_s() - busy0) - (own_cpu_s() - own0))
    print(f"\ntotal bench time: {wall:.0f} s; other processes on the machine used {other:.1f} CPU-s meanwhile "
          f"({other / wall / (os.cpu_count() or 1) * 100:.0f}% of its {os.cpu_count()} cores: the higher, the noisier)")


if __name__ == "__main__":
    main()
