"""Audit queries over 1,000,000 stored events, on SQLite and PostgreSQL: a filtered page of 50
(goal <= 200 ms), deep pages by cursor, and OFFSET paging (what a naive admin page does) as the peer.

usage: .venv/bin/python bench/audit_query.py [--events 1000000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from seawall.audit.events import AuditEvent
from seawall.audit.query import AuditFilter, query
from seawall.store.db import Store, open_store
from seawall.store.tables import audit_events as ae

USERS = [f"user{i:03d}" for i in range(300)]
TEAMS = ["pay", "web", "data", "ml", "infra", "mobile"]
RULES = ["redaction.secrets", "classification.tiers.restricted: **/.env", "tools.deny: webfetch",
         "limits.team:pay.rpm", "redaction.pii"]


def fill(store: Store, n: int, seed: int = 9) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    batch: list[dict[str, object]] = []
    t0 = time.perf_counter()
    for i in range(n):
        user = rng.choice(USERS)
        blocked = rng.random() < 0.03
        ev = AuditEvent(
            request_id=f"req_{i}", route=rng.choice(["/v1/messages", "/v1/chat/completions", "hook:PreToolUse"]),
            status=403 if blocked else 200, duration_ms=rng.uniform(50, 5000),
            ts=now - timedelta(seconds=rng.uniform(0, 90 * 86400)), user=user, team=TEAMS[hash(user) % 6],
            model=rng.choice(["claude-opus-4-8", "claude-haiku-4-5", "gpt-4.1"]), decision="block" if blocked else
            rng.choice(["allow", "log", "redact"]), input_tokens=rng.randint(100, 90000),
            output_tokens=rng.randint(10, 4000), rule_ids=[rng.choice(RULES)] if blocked or rng.random() < 0.2 else [],
            tool_calls=[{"name": rng.choice(["Read", "Bash", "Edit", "Grep"]), "side": "request",
                         "paths": [f"src/pkg{rng.randint(0, 200)}/mod{rng.randint(0, 50)}.py"]}])
        batch.append(ev.row())
        if len(batch) == 20_000:
            store.insert_audit(batch)
            batch = []
    if batch:
        store.insert_audit(batch)
    print(f"  inserted {n:,} events in {time.perf_counter() - t0:.0f} s")


def timed(fn: object, runs: int = 7) -> float:
    xs = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        xs.append((time.perf_counter() - t) * 1000)
    return statistics.median(xs)


def bench(store: Store) -> None:
    now = datetime.now(UTC)
    cases = {
        "user, last 7 days": AuditFilter(user="user042", since=now - timedelta(days=7)),
        "team + decision=block": AuditFilter(team="pay", decision="block"),
        "decision=block": AuditFilter(decision="block"),
        "rule prefix classification.*": AuditFilter(rule="classification.*"),
        "tool=Bash, last 24 h": AuditFilter(tool="Bash", since=now - timedelta(days=1)),
        "path glob src/pkg7/*.py": AuditFilter(path="src/pkg7/*.py"),
        "no filter (newest page)": AuditFilter(),
    }
    for label, f in cases.items():
        ms = timed(lambda f=f: query(store, f, 50))
        print(f"  {label:32s} p50 {ms:8.1f} ms  {'ok' if ms <= 200 else 'OVER 200 ms'}")
    page = query(store, AuditFilter(), 50)
    for _ in range(200):  # walk 10,000 rows deep by cursor
        page = query(store, AuditFilter(), 50, page.next_cursor)
    deep = timed(lambda: query(store, AuditFilter(), 50, page.next_cursor))
    offset_q = sa.select(ae).order_by(ae.c.ts.desc(), ae.c.id.desc()).limit(50).offset(500_000)

    def by_offset() -> None:
        with store.engine.connect() as conn:
            conn.execute(offset_q).fetchall()
    off = timed(by_offset, 3)
    print(f"  page at depth 10,000 by cursor p50 {deep:6.1f} ms;  OFFSET 500,000 (peer) p50 {off:7.1f} ms "
          f"({off / max(deep, 0.01):.0f}x slower)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    for backend in args.backends.split(","):
        if backend == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
            drop = None
        else:
            name = "seawall_bench_" + uuid.uuid4().hex[:6]
            admin = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                                     isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url, drop = f"postgresql://postgres@127.0.0.1:5432/{name}", (admin, name)
        print(f"{backend}:")
        store = open_store(url)
        try:
            fill(store, args.events)
            if backend == "postgresql":
                with store.engine.begin() as conn:
                    conn.execute(sa.text("ANALYZE audit_events"))
            bench(store)
        finally:
            store.close()
            if drop:
                with drop[0].connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{drop[1]}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
