"""Audit queries on SQLite and PostgreSQL: filters, keyset pages, purge, CLI formats."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seawall.audit.events import AuditEvent
from seawall.audit.query import AuditFilter, parse_time, purge, query
from seawall.cli.main import app
from seawall.store.db import Store, open_store
from support.services import pg_database

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with pg_database("seawall_q_") as url:
        yield url


def events() -> list[AuditEvent]:
    out = []
    for i in range(30):
        out.append(AuditEvent(
            request_id=f"req_{i}", route="/v1/messages", status=200 if i % 5 else 403, duration_ms=1.0,
            ts=NOW - timedelta(hours=i), user="alice" if i % 2 else "bob", team="pay" if i % 3 else "web",
            model="claude-opus-4-8" if i % 4 else "gpt-4o", decision="block" if i % 5 == 0 else "allow",
            rule_ids=["classification.tiers.restricted: **/.env"] if i % 5 == 0 else [],
            tool_calls=[{"name": "Read" if i % 2 else "Bash", "side": "request",
                         "paths": [f"src/m{i}.py"] + ([".env"] if i % 5 == 0 else [])}]))
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path}/a.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    st = open_store(url)
    with st.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events"))
    st.insert_audit([e.row() for e in events()])
    yield st
    st.close()


def ids(page_events: list[dict[str, object]]) -> list[str]:
    return [str(e["request_id"]) for e in page_events]


def test_filters(store: Store) -> None:
    assert ids(query(store, AuditFilter(user="alice"), 3).events) == ["req_1", "req_3", "req_5"]
    assert len(query(store, AuditFilter(decision="block"), 100).events) == 6
    assert len(query(store, AuditFilter(rule="classification.*"), 100).events) == 6
    assert len(query(store, AuditFilter(rule="classification.tiers.restricted: **/.env"), 100).events) == 6
    assert ids(query(store, AuditFilter(tool="Bash", team="web"), 100).events) == ["req_0", "req_6", "req_12",
                                                                                  "req_18", "req_24"]
    assert len(query(store, AuditFilter(path="**/.env"), 100).events) == 0  # .env has no directory part
    assert len(query(store, AuditFilter(path=".env"), 100).events) == 6
    assert len(query(store, AuditFilter(path="src/m1?.py"), 100).events) == 10
    assert len(query(store, AuditFilter(model="gpt-*"), 100).events) == 8
    recent = query(store, AuditFilter(since=NOW - timedelta(hours=4, minutes=30)), 100).events
    assert ids(recent) == ["req_0", "req_1", "req_2", "req_3", "req_4"]
    old = query(store, AuditFilter(until=NOW - timedelta(hours=27, minutes=30)), 100).events
    assert ids(old) == ["req_28", "req_29"]


def test_keyset_pages(store: Store) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        page = query(store, AuditFilter(), 7, cursor)
        seen += ids(page.events)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"req_{i}" for i in range(30)]
    with pytest.raises(ValueError, match="cursor"):
        query(store, AuditFilter(), 5, "garbage!!")


def test_purge(store: Store) -> None:
    assert purge(store, 1) == 6  # 24..29 hours old (the 24 h one is a little older than a day by now)
    assert len(query(store, AuditFilter(), 100).events) == 24


def test_parse_time() -> None:
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert parse_time("24h", now) == datetime(2026, 11, 26, 12, tzinfo=UTC)
    assert parse_time("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a time"):
        parse_time("yesterday-ish", now)


def test_cli(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/c.db"
    open_store(url).insert_audit([e.row() for e in events()])
    runner = CliRunner()
    res = runner.invoke(app, ["audit", "query", "--store", url, "--user", "bob", "--format", "jsonl", "-n", "2"])
    assert res.exit_code == 0
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [x["request_id"] for x in lines] == ["req_0", "req_2"]
    assert "more: --cursor" in res.stderr
    res = runner.invoke(app, ["audit", "query", "--store", url, "--decision", "block", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0][0] == "ts" and len(rows) == 7
    res = runner.invoke(app, ["audit", "query", "--store", url, "--since", "tomorrowish"])
    assert res.exit_code == 2 and "not a time" in res.output
    res = runner.invoke(app, ["audit", "purge", "--store", url, "--older-than", "1", "--yes"])
    assert res.exit_code == 0 and "deleted 6" in res.stdout
