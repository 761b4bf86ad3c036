"""The same store tests against SQLite and PostgreSQL (127.0.0.1:5432)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from seawall.audit.events import AuditEvent
from seawall.detect.registry import scan_text
from seawall.errors import SeawallError
from seawall.store import keys as keyfmt
from seawall.store.db import Store, open_store
from support.services import pg_database

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module, dropped afterwards."""
    with pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path}/s.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    st = open_store(url)
    yield st
    if request.param == "postgresql":
        with st.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM virtual_keys"))
            conn.execute(sa.text("DELETE FROM audit_events"))
    st.close()


def test_keys(store: Store) -> None:
    key, rec = store.create_key("alice", "payments", "laptop")
    assert keyfmt.well_formed(key) and rec.last4 == key[-4:]
    assert store.find_key(key) == rec
    assert store.find_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None  # checksum fails
    other, _ = store.create_key("bob")
    assert [r.user for r in store.list_keys()] == ["alice", "bob"]
    assert [r.user for r in store.list_keys(user="bob")] == ["bob"]
    assert store.revoke_key(rec.id) and not store.revoke_key(rec.id)
    found = store.find_key(key)
    assert found is not None and not found.active
    assert [r.user for r in store.list_keys()] == ["bob"]
    assert len(store.list_keys(include_revoked=True)) == 2
    with store.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(sa.text("SELECT * FROM virtual_keys")) for v in row)
    assert key not in dump and other not in dump  # only keyed hashes are stored


def test_a_leaked_key_is_found_by_the_scanner(store: Store) -> None:
    key, _ = store.create_key("alice")
    found = scan_text(f"export ANTHROPIC_API_KEY={key}\n")
    assert [f.kind for f in found] == ["seawall-virtual-key"]


def test_audit_rows(store: Store) -> None:
    ev = AuditEvent(request_id="req_1", route="/v1/messages", status=200, duration_ms=12.5, user="alice",
                    tool_calls=[{"name": "Read", "side": "answer", "paths": ["a.py"]}], tiers=["internal"],
                    input_tokens=10, output_tokens=3, cost_usd=0.001)
    store.insert_audit([ev.row()])
    [row] = store.audit()
    assert row["request_id"] == "req_1" and row["tool_calls"][0]["paths"] == ["a.py"]
    assert row["input_tokens"] == 10 and row["tiers"] == ["internal"]
    assert (row["ts"].replace(tzinfo=UTC) if row["ts"].tzinfo is None else row["ts"]) <= datetime.now(UTC)


def test_migrations_are_idempotent_and_concurrent(store: Store) -> None:
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            Store(store.url).migrate()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_bad_urls() -> None:
    with pytest.raises(SeawallError, match="unsupported database URL"):
        open_store("mysql://x")
    with pytest.raises(SeawallError, match="cannot reach") as err:
        open_store("postgresql://postgres:s3cretpw@127.0.0.1:1/nope")  # seawall:allow (test value)
    assert "s3cretpw" not in str(err.value)
