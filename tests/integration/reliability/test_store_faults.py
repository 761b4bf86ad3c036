"""Store faults under a real `seawall serve`: PostgreSQL unreachable and back (through a loopback proxy
the test cuts, so the shared server keeps running), SQLite on a read-only file system at start-up and
becoming unwritable while serving; and the audit writer's exactly-once and bad-row handling."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
import sqlalchemy as sa

from seawall.audit.events import AuditEvent
from seawall.audit.writer import AuditWriter
from seawall.fakeprovider import FakeProvider, run_fake_provider
from seawall.store.db import Store, open_store
from support.gateway import ADMIN_TOKEN, UPSTREAM_KEY
from support.serve_process import SEAWALL, ServeProcess
from support.services import pg_database
from support.tcpproxy import TcpProxy

pytestmark = pytest.mark.integration
MODEL = "claude-opus-4-8"
BOUND_S = 8.0  # no request may take longer than this during an outage


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with run_fake_provider() as fp:
        yield fp


def _policy(tmp: Path, fake: FakeProvider, store_url: str, extra: str = "") -> Path:
    policy = tmp / "seawall.yaml"
    policy.write_text(
        "providers:\n"
        f"  anthropic: {{base_url: '{fake.url}', api_key: '{UPSTREAM_KEY}', timeout_s: 5}}\n"
        f"  openai: {{base_url: '{fake.url}/v1', api_key: '{UPSTREAM_KEY}', timeout_s: 5}}\n"
        f"store: '{store_url}'\n"
        f"gateway: {{admin_token: '{ADMIN_TOKEN}', audit_flush_s: 0.05, drain_delay_s: 0}}\n" + extra)
    return policy


def _ask(url: str, key: str, stream: bool = False) -> float:
    """One request through the official SDK; returns how long it took."""
    t = time.monotonic()
    client = anthropic.Anthropic(base_url=url, api_key=key, max_retries=0, timeout=BOUND_S)
    if stream:
        with client.messages.stream(model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "hi"}]) as s:
            assert s.get_final_message().content
    else:
        assert client.messages.create(model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "hi"}]).content
    return time.monotonic() - t


def _rows(store: Store) -> list[tuple[str, str, int, str | None]]:
    with store.engine.connect() as conn:
        return [(r[0], r[1], r[2], r[3]) for r in conn.execute(sa.text(
            "SELECT id, request_id, status, error_code FROM audit_events WHERE decision <> 'alert'"))]


def _wait_rows(store: Store, n: int, timeout: float) -> list[tuple[str, str, int, str | None]]:
    deadline = time.monotonic() + timeout
    while len(rows := _rows(store)) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    return rows


def test_postgres_outage_and_recovery(fake: FakeProvider, tmp_path: Path) -> None:
    with pg_database() as direct_url, TcpProxy(5432) as proxy:
        direct = open_store(direct_url)  # the test's own view, not through the proxy
        warm, cold = direct.create_key("alice")[0], direct.create_key("bob")[0]
        proxied = direct_url.replace("127.0.0.1:5432/", f"127.0.0.1:{proxy.port}/")
        gw = ServeProcess(_policy(tmp_path, fake, proxied), tmp_path)
        try:
            answered = 0
            for stream in (False, True, False):
                _ask(gw.url, warm, stream)
                answered += 1
            assert len(_wait_rows(direct, answered, 10)) == answered

            proxy.cut()  # PostgreSQL unreachable for the gateway: connections reset, new ones refused
            ready = gw.wait_ready(False, 5)
            assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
            for stream in (False, True, False, True):  # the key is cached: still served, promptly
                assert _ask(gw.url, warm, stream) < BOUND_S
                answered += 1
            # a key the gateway has not seen cannot be checked: a provider-shaped 503, promptly
            t = time.monotonic()
            with pytest.raises(anthropic.APIStatusError) as err:
                _ask(gw.url, cold)
            assert time.monotonic() - t < BOUND_S
            assert err.value.status_code == 503 and err.value.response.headers["retry-after"] == "5"
            assert err.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]
            assert "store" in err.value.message and "Traceback" not in err.value.response.text
            with pytest.raises(openai.InternalServerError) as oerr:
                openai.OpenAI(base_url=gw.url + "/v1", api_key=cold, max_retries=0, timeout=BOUND_S) \
                    .chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
            assert oerr.value.status_code == 503 and oerr.value.body["type"] == "server_error"  # type: ignore[index]
            answered += 2
            assert gw.metric("seawall_audit_pending") >= 6  # kept in memory, retried
            assert gw.metric("seawall_audit_write_failures") >= 1
            assert len(_rows(direct)) == 3  # nothing reached the database meanwhile

            proxy.restore()  # back: the pool replaces its dead connections, no restart
            assert gw.wait_ready(True, 15).status_code == 200
            for key in (warm, cold, warm):
                _ask(gw.url, key)
                answered += 1
            rows = _wait_rows(direct, answered, 15)
            time.sleep(0.5)  # a late duplicate would show up here
            rows = _rows(direct)
            assert len(rows) == answered  # every answered request audited once: none lost, none twice
            assert len({r[0] for r in rows}) == len({r[1] for r in rows}) == answered
            assert sorted(str(r[3]) for r in rows if r[2] == 503) == ["store_unavailable", "store_unavailable"]
            assert gw.metric("seawall_audit_pending") == 0
        finally:
            code = gw.stop()
            direct.close()
    log = gw.log()
    assert code in (0, -15), log
    assert "Traceback" not in log
    assert "audit: " in log and "not written" in log and "writable again" in log
    assert " unavailable (" in log  # the refused lookups: one line each
    for secret in (warm, cold, UPSTREAM_KEY):
        assert secret not in log


# --- SQLite on a read-only file system --------------------------------------------------------------


def _can_mount() -> bool:
    """Mounting a tmpfs in a private mount namespace (needs root or CAP_SYS_ADMIN and util-linux)."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o ro,size=64k tmpfs /mnt || "
                            "mount -t tmpfs -o ro,size=64k tmpfs /tmp"], capture_output=True, timeout=10)
    return probe.returncode == 0


@pytest.mark.parametrize("existing", [False, True], ids=["new-store", "existing-store"])
def test_readonly_filesystem_at_startup_is_one_line(tmp_path: Path, existing: bool) -> None:
    """A real read-only file system (a tmpfs mounted ro in a mount namespace of the gateway's own)."""
    if not _can_mount():
        pytest.skip("cannot mount a read-only tmpfs here (needs unshare and CAP_SYS_ADMIN)")
    mnt = tmp_path / "ro"
    mnt.mkdir()
    db = mnt / ("s.db" if existing else "sub/s.db")
    policy = tmp_path / "seawall.yaml"
    policy.write_text(f"store: 'sqlite:///{db}'\n")
    if existing:  # created on a writable tmpfs, then remounted read-only (nothing has it open then)
        prepare = (f"mount -t tmpfs -o size=4m tmpfs {mnt} && {SEAWALL} keys create --user u --config {policy} "
                   f">/dev/null 2>&1 && mount -o remount,ro {mnt}")
    else:
        prepare = f"mount -t tmpfs -o ro,size=64k tmpfs {mnt}"
    res = subprocess.run(["unshare", "-m", "sh", "-c", f"{prepare} && exec {SEAWALL} serve --config {policy} --port 0"],
                         capture_output=True, text=True, timeout=30, env={**os.environ, "HOME": str(tmp_path)})
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith("seawall: error: store: ") and "Read-only file system" in lines[0]


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[list[Path]]:
    """Files to make immutable with chattr +i (ext4 then refuses every write to them, even through
    descriptors already open, with EPERM: a disk that turned read-only under a running process; a
    read-only remount is refused while the process has the files open for writing). Always undone."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr")
    probe = tmp_path / "probe"
    probe.write_text("x")
    if subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode != 0:
        pytest.skip("this file system does not support immutable files (chattr +i)")
    subprocess.run(["chattr", "-i", str(probe)], check=True)
    files: list[Path] = []
    yield files
    subprocess.run(["chattr", "-i", *map(str, files)], capture_output=True)


def _chattr(flag: str, files: list[Path]) -> None:
    subprocess.run(["chattr", flag, *map(str, files)], check=True, timeout=10)


def test_sqlite_turns_readonly_while_serving(fake: FakeProvider, tmp_path: Path, immutable: list[Path]) -> None:
    db = tmp_path / "s.db"
    direct = open_store(f"sqlite:///{db}")
    key = direct.create_key("alice")[0]
    gw = ServeProcess(_policy(tmp_path, fake, f"sqlite:///{db}"), tmp_path)
    try:
        answered = 0
        for stream in (False, True):
            _ask(gw.url, key, stream)
            answered += 1
        assert len(_wait_rows(direct, answered, 10)) == answered
        # the database and its write-ahead log refuse writes (not the -shm file: SQLite maps it)
        immutable.extend([db, db.with_name("s.db-wal")])
        _chattr("+i", immutable)
        for stream in (False, True, False):  # reads still work: served
            assert _ask(gw.url, key, stream) < BOUND_S
            answered += 1
        ready = gw.wait_ready(False, 5)  # the store answers, but the audit log cannot be written
        assert ready.status_code == 503 and ready.json()["audit"]["pending"] >= 3
        assert gw.metric("seawall_audit_pending") >= 3
        assert gw.proc.poll() is None  # no crash
        assert "audit: " in gw.log() and "disk I/O error" in gw.log()
        _chattr("-i", immutable)
        assert gw.wait_ready(True, 10).status_code == 200
        rows = _wait_rows(direct, answered, 10)
        assert len(rows) == answered and len({r[0] for r in rows}) == answered
    finally:
        _chattr("-i", immutable)
        code = gw.stop()
    assert code in (0, -15) and "Traceback" not in gw.log()
    assert key not in gw.log() and UPSTREAM_KEY not in gw.log()


def test_audit_on_error_block_refuses_while_the_log_cannot_be_written(fake: FakeProvider, tmp_path: Path,
                                                                      immutable: list[Path]) -> None:
    db = tmp_path / "s.db"
    direct = open_store(f"sqlite:///{db}")
    key = direct.create_key("alice")[0]
    gw = ServeProcess(_policy(tmp_path, fake, f"sqlite:///{db}", "audit: {on_error: block}\n"), tmp_path)
    try:
        _ask(gw.url, key)
        assert len(_wait_rows(direct, 1, 10)) == 1
        immutable.extend([db, db.with_name("s.db-wal")])
        _chattr("+i", immutable)
        _ask(gw.url, key)  # served: the writer learns the log is unwritable when it tries this event
        assert gw.wait_ready(False, 5).status_code == 503
        upstream_before = len(fake.requests)
        with pytest.raises(anthropic.APIStatusError) as refused:
            _ask(gw.url, key)
        assert refused.value.status_code == 503 and "audit log" in str(refused.value)
        assert refused.value.response.headers["retry-after"] == "5"
        assert len(fake.requests) == upstream_before  # nothing was forwarded
        _chattr("-i", immutable)
        assert gw.wait_ready(True, 10).status_code == 200
        _ask(gw.url, key)  # served again
        rows = _wait_rows(direct, 4, 10)
        assert sorted(r[3] or "" for r in rows) == ["", "", "", "audit_unavailable"]  # the refusal is audited too
    finally:
        _chattr("-i", immutable)
        gw.stop()
    assert "Traceback" not in gw.log() and key not in gw.log()


def test_sqlite_readonly_at_shutdown_logs_the_unwritten_events(fake: FakeProvider, tmp_path: Path,
                                                               immutable: list[Path]) -> None:
    """Stopped while the store is still unwritable: after 10 s of retries the events go to the log as
    metadata rows (JSON), so an operator can load them; none disappears without a trace."""
    db = tmp_path / "s.db"
    direct = open_store(f"sqlite:///{db}")
    key = direct.create_key("alice")[0]
    gw = ServeProcess(_policy(tmp_path, fake, f"sqlite:///{db}"), tmp_path)
    try:
        _ask(gw.url, key)
        assert len(_wait_rows(direct, 1, 10)) == 1
        immutable.extend([db, db.with_name("s.db-wal")])
        _chattr("+i", immutable)
        for _ in range(3):
            _ask(gw.url, key)
        t = time.monotonic()
        code = gw.stop()
        assert time.monotonic() - t < 25
    finally:
        _chattr("-i", immutable)
        gw.stop()
    log = gw.log()
    assert code in (0, -15) and "Traceback" not in log
    assert "stopping with 3 events not written" in log
    rows = [json.loads(line.split("audit event not stored: ", 1)[1]) for line in log.splitlines()
            if "audit event not stored: " in line]
    assert len(rows) == 3 and {r["status"] for r in rows} == {200} and all(r["user"] == "alice" for r in rows)
    assert len(_rows(direct)) == 1
    assert key not in log


# --- the writer: exactly once, and a bad row does not hold back the others -------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        st = open_store(f"sqlite:///{tmp_path}/w.db")
        yield st
        st.close()
        return
    with pg_database() as url:
        st = open_store(url)
        yield st
        st.close()


def test_a_batch_retried_after_a_lost_commit_is_written_once(store: Store) -> None:
    real = store.insert_audit
    calls = []

    def lost_ack(rows: Sequence[dict[str, Any]]) -> None:
        real(rows)  # the commit lands ...
        calls.append(len(rows))
        if len(calls) == 1:
            raise OSError("connection reset")  # ... but the gateway never hears of it

    store.insert_audit = lost_ack  # type: ignore[method-assign]
    writer = AuditWriter(store, batch=50, flush_s=0.05)
    for i in range(20):
        writer.submit(AuditEvent(request_id=f"r{i}", route="/v1/messages", status=200, duration_ms=1.0))
    time.sleep(0.3)
    writer.close()
    assert len(calls) >= 2 and writer.failed_batches == 1 and writer.dropped == 0
    assert sorted(r["request_id"] for r in store.audit()) == sorted(f"r{i}" for i in range(20))


def test_a_row_the_database_refuses_is_logged_and_the_rest_written(store: Store,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, "seawall.audit")
    writer = AuditWriter(store, batch=50, flush_s=0.05)
    writer.submit(AuditEvent(request_id="long", route="/v1/messages", status=200, duration_ms=1.0,
                             model="m" * 500))  # a client-chosen model name, longer than the column
    writer.submit(AuditEvent(request_id="bad", route="/v1/messages", status=None, duration_ms=1.0))  # type: ignore[arg-type]
    writer.submit(AuditEvent(request_id="ok", route="/v1/messages", status=200, duration_ms=1.0))
    writer.close()
    rows = {r["request_id"]: r for r in store.audit()}
    assert sorted(rows) == ["long", "ok"] and rows["long"]["model"] == "m" * 128
    assert writer.rejected == 1 and writer.written == 2
    [line] = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert '"request_id":"bad"' in line


def test_close_does_not_wait_for_the_flush_interval(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/c.db")
    writer = AuditWriter(store, batch=100, flush_s=30)
    writer.submit(AuditEvent(request_id="r", route="/v1/messages", status=200, duration_ms=1.0))
    t = time.monotonic()
    writer.close()
    assert time.monotonic() - t < 3 and writer.written == 1 and writer.dropped == 0


def test_unwritable_sqlite_file_at_startup_is_one_line(tmp_path: Path, immutable: list[Path]) -> None:
    """The database opens (read-only) but cannot be written: the start-up write probe says so."""
    db = tmp_path / "s.db"
    open_store(f"sqlite:///{db}").close()
    policy = tmp_path / "seawall.yaml"
    policy.write_text(f"store: 'sqlite:///{db}'\n")
    immutable.append(db)
    _chattr("+i", immutable)
    res = subprocess.run([SEAWALL, "serve", "--config", str(policy), "--port", "0"], capture_output=True, text=True,
                         timeout=30, env={**os.environ, "HOME": str(tmp_path)})
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    [line] = res.stderr.strip().splitlines()
    assert line.startswith("seawall: error: store: cannot write") and "readonly database" in line
