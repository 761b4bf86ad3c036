"""Soak test: mixed streaming and non-streaming traffic at concurrency 32 through two `seawall serve`
replicas sharing PostgreSQL and Redis (their own database and redis-server), with a fault every minute.
Reports requests served, errors by kind, p99 latency, memory growth, audit rows versus requests
answered (must be equal) and budget drift between Redis counters and the audit log (must be zero).

usage: .venv/bin/python bench/soak.py [--duration 600] [--concurrency 32]
Faults, in turn: upstream 5xx burst, Redis restart, a replica drained (SIGTERM) and restarted,
upstream hangs (timeouts), streams cut mid-way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import redis
import sqlalchemy as sa

SEAWALL = str(Path(sys.executable).with_name("seawall"))
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Cluster:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = "seawall_soak_" + uuid.uuid4().hex[:6]
        self.admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.db}"'))
        self.redis_port = port()
        self.redis: subprocess.Popen[bytes] | None = None
        self.start_redis()
        self.fake_port = port()
        self.fake = subprocess.Popen([sys.executable, "-m", "seawall.fakeprovider", "--port", str(self.fake_port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.policy = tmp / "seawall.yaml"
        self.policy.write_text(
            "providers:\n"
            f"  anthropic: {{base_url: 'http://127.0.0.1:{self.fake_port}', api_key: up, timeout_s: 3}}\n"
            f"  openai: {{base_url: 'http://127.0.0.1:{self.fake_port}/v1', api_key: up, timeout_s: 3}}\n"
            f"store: 'postgresql://postgres@127.0.0.1:5432/{self.db}'\n"
            f"limits: {{backend: redis, url: 'redis://127.0.0.1:{self.redis_port}/0', on_error: allow}}\n"
            "teams: {soak: {members: [soaker], daily_tokens: 1000000000}}\n"
            "gateway: {drain_delay_s: 2}\n")
        self.env = {**os.environ, "HOME": str(tmp)}
        self.key = subprocess.run([SEAWALL, "keys", "create", "--user", "soaker", "--team", "soak", "--config",
                                   str(self.policy)], env=self.env, capture_output=True, text=True,
                                  check=True).stdout.strip()
        self.ports = [port(), port()]
        self.procs: list[subprocess.Popen[bytes] | None] = [None, None]
        for i in range(2):
            self.start_replica(i)

    def start_redis(self) -> None:
        exe = shutil.which("redis-server") or "redis-server"
        self.redis = subprocess.Popen([exe, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)

    def start_replica(self, i: int) -> None:
        self.procs[i] = subprocess.Popen([SEAWALL, "serve", "--config", str(self.policy), "--port",
                                          str(self.ports[i]), "--log-level", "warning"], env=self.env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.ports[i]}/readyz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("replica did not start")

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p is not None]

    def close(self) -> None:
        for p in [*self.procs, self.redis, self.fake]:
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)'))


async def traffic(cl: Cluster, stop: float, conc: int, stats: dict[str, object], mode: dict[str, str]) -> None:
    lat: list[float] = stats["lat"]  # type: ignore[assignment]
    errors: Counter[str] = stats["errors"]  # type: ignore[assignment]
    answered = stats["answered"]  # type: ignore[assignment]
    rng = random.Random(1)

    async def worker(w: int) -> None:
        async with httpx.AsyncClient(timeout=15) as client:
            i = 0
            while time.monotonic() < stop:
                if mode.get("pause"):
                    await asyncio.sleep(0.1)
                    continue
                i += 1
                url = f"http://127.0.0.1:{cl.ports[(w + i) % 2]}"
                fault = mode.get("upstream", "")
                text = "hi " + (fault if rng.random() < 0.3 else "") + " " + "x" * rng.randint(10, 2000)
                stream = rng.random() < 0.5
                t = time.perf_counter()
                try:
                    if rng.random() < 0.6:
                        body = {"model": "claude-opus-4-8", "max_tokens": 50, "stream": stream,
                                "messages": [{"role": "user", "content": text}]}
                        req = client.build_request("POST", url + "/v1/messages", json=body,
                                                   headers={"x-api-key": cl.key})
                    else:
                        body = {"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": text}]}
                        req = client.build_request("POST", url + "/v1/chat/completions", json=body,
                                                   headers={"authorization": f"Bearer {cl.key}"})
                    resp = await client.send(req, stream=True)
                    body_bytes = await resp.aread()
                    await resp.aclose()
                    answered[0] += 1
                    lat.append((time.perf_counter() - t) * 1000)
                    if resp.status_code != 200:
                        errors[f"http_{resp.status_code}"] += 1
                    elif b'"type":"error"' in body_bytes or b'"error":{' in body_bytes:
                        errors["stream_error_event"] += 1
                except httpx.ConnectError:
                    errors["connect (replica down)"] += 1
                    await asyncio.sleep(0.2)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1

    await asyncio.gather(*(worker(w) for w in range(conc)))


def faults(cl: Cluster, stop: float, mode: dict[str, str], log: list[str]) -> None:
    kinds = ["redis_restart", "upstream_5xx", "replica_drain", "upstream_hang", "stream_cut"]
    n = 0
    while time.monotonic() + 60 < stop:
        time.sleep(60 - 15)
        kind = kinds[n % len(kinds)]
        n += 1
        log.append(f"{time.strftime('%H:%M:%S')} fault: {kind}")
        if kind == "upstream_5xx":
            mode["upstream"] = "[[fake:status=503]]"
        elif kind == "upstream_hang":
            mode["upstream"] = "[[fake:hang]]"
        elif kind == "stream_cut":
            mode["upstream"] = "[[fake:cut_after=3 chunks=8]]"
        elif kind == "redis_restart" and cl.redis is not None:
            cl.redis.kill()
            cl.redis.wait()
            time.sleep(5)
            cl.start_redis()
            # the drift check starts here: pause, let in-flight requests settle, snapshot, resume
            mode["pause"] = "1"
            time.sleep(5)
            day = time.strftime("%Y%m%d", time.gmtime())
            mode["c0"] = str(int(redis.Redis(port=cl.redis_port).get(f"sw:l:team:soak:daily_tokens:{day}") or 0))
            mode["t0"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            mode["pause"] = ""
        elif kind == "replica_drain":
            p = cl.procs[1]
            if p is not None:
                p.send_signal(signal.SIGTERM)
                p.wait(60)
            cl.start_replica(1)
        time.sleep(15)
        mode["upstream"] = ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=600)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="seawall-soak-"))
    cl = Cluster(tmp)
    try:
        rss0 = {pid: rss_mb(pid) for pid in cl.pids()}
        stats: dict[str, object] = {"lat": [], "errors": Counter(), "answered": [0]}
        mode: dict[str, str] = {}
        log: list[str] = []
        stop = time.monotonic() + args.duration
        import threading

        th = threading.Thread(target=faults, args=(cl, stop, mode, log), daemon=True)
        th.start()
        asyncio.run(traffic(cl, stop, args.concurrency, stats, mode))
        time.sleep(6)  # in-flight requests settle, audit writers flush
        rss1 = {pid: rss_mb(pid) for pid in cl.pids()}
        lat = sorted(stats["lat"])  # type: ignore[arg-type]
        answered = stats["answered"][0]  # type: ignore[index]
        eng = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{cl.db}")
        with eng.connect() as conn:
            rows = conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE route NOT LIKE 'alert:%'")).scalar()
            t0 = mode.get("t0", "1970-01-01 00:00:00")
            tokens = conn.execute(sa.text(
                "SELECT coalesce(sum(coalesce(input_tokens,0)+coalesce(output_tokens,0)),0) FROM audit_events "
                "WHERE team='soak' AND status=200 AND ts >= CAST(:t0 AS timestamp) AT TIME ZONE 'UTC'"),
                {"t0": t0}).scalar()
        eng.dispose()
        r = redis.Redis(port=cl.redis_port)
        day = time.strftime("%Y%m%d", time.gmtime())
        counter = int(r.get(f"sw:l:team:soak:daily_tokens:{day}") or 0) - int(mode.get("c0", "0"))
        print(f"soak: {args.duration} s, concurrency {args.concurrency}, 2 replicas on PostgreSQL + Redis")
        print("\n".join(log))
        print(f"requests answered {answered:,}  ({answered / args.duration:.1f}/s)")
        print(f"latency p50 {statistics.median(lat):.1f} ms  p99 {lat[int(len(lat) * 0.99)]:.1f} ms")
        print(f"errors by kind: {dict(stats['errors'])}")  # type: ignore[arg-type]
        print(f"memory (RSS MB) start {sorted(rss0.values())} end {sorted(rss1.values())} "
              "(replica 2 was restarted by the drain fault)")
        print(f"audit rows {rows:,} vs requests answered {answered:,}: {'equal' if rows == answered else 'DIFFERENT'}")
        print(f"budget drift after the Redis restart ({mode.get('t0', 'no restart')} UTC): counter grew {counter:,}, "
              f"audit tokens {tokens:,}: drift {counter - int(tokens or 0):,}")
    finally:
        cl.close()


if __name__ == "__main__":
    main()
