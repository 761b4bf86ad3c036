"""`seawall audit import-spool`: idempotent, tolerant of broken lines, and it never loses a line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from seawall.audit.events import AuditEvent
from seawall.hooks import audit, spool
from seawall.store.db import open_store


def _line(**over: Any) -> bytes:
    ev = AuditEvent(request_id="toolu_01", route="hook:PreToolUse", status=403, duration_ms=3.5, decision="block",
                    session_id="sess-1", user="dev", provider="claude-code",
                    tool_calls=[{"name": "Read", "paths": [".env"]}], tiers=["restricted"],
                    rule_ids=["classification.tiers.restricted: **/.env"])
    row = ev.row()
    row.update(over)
    return audit.spool_line(row)


@pytest.fixture()
def store_url(tmp_path: Path, store_template: Path) -> str:
    db = tmp_path / "store.db"
    db.write_bytes(store_template.read_bytes())
    return f"sqlite:///{db}"


def _hook_rows(url: str) -> list[dict[str, Any]]:
    st = open_store(url)
    try:
        return [r for r in st.audit() if str(r["route"]).startswith("hook:")]
    finally:
        st.close()


def test_import_into_the_store_is_idempotent_and_keeps_bad_lines(tmp_path: Path, store_url: str) -> None:
    sp = tmp_path / "spool.jsonl"
    good = [_line() for _ in range(3)]
    bad = [b"not json at all", b"[1, 2]", json.dumps({"id": "x", "route": "hook:Pre"}).encode() + b"\n",
           _line(provider="some-other-client")]
    half = _line()[:40]  # a hook that died mid-write: no newline
    sp.write_bytes(good[0] + bad[0] + b"\n" + good[1] + bad[1] + b"\n" + bad[2] + good[2] + good[0] + bad[3] + half)
    st = open_store(store_url)
    try:
        res = spool.import_spool(sp, spool.StoreSink(st, "the store"))
    finally:
        st.close()
    assert (res.imported, res.duplicates) == (3, 1)  # good[0] twice in the spool
    reasons = dict(res.rejected)
    assert len(reasons) == 5
    assert reasons[2] == "not valid JSON" and reasons[4] == "not a JSON object"
    assert reasons[max(reasons)] == "not valid JSON (incomplete last line)"
    assert any("client" in r for r in reasons.values())
    assert all("dev" not in r and "toolu" not in r for r in reasons.values())  # reasons name fields, not values
    rejected = sp.with_name("spool.jsonl.rejected").read_bytes().splitlines()
    assert rejected == [bad[0], bad[1], bad[2].strip(), bad[3].strip(), half]
    assert sp.read_bytes() == b"" and not sp.with_name("spool.jsonl.importing").exists()
    rows = _hook_rows(store_url)
    assert sorted(r["id"] for r in rows) == sorted(json.loads(g)["id"] for g in good)
    assert {r["user"] for r in rows} == {"dev"} and {r["decision"] for r in rows} == {"block"}
    assert rows[0]["tool_calls"] == [{"name": "Read", "paths": [".env"]}]

    # the same lines again (a spool restored from a backup): nothing new, nothing rejected
    sp.write_bytes(b"".join(good))
    st = open_store(store_url)
    try:
        again = spool.import_spool(sp, spool.StoreSink(st, "the store"))
    finally:
        st.close()
    assert (again.imported, again.duplicates, again.rejected) == (0, 3, [])
    assert len(_hook_rows(store_url)) == 3


class _Flaky:
    description = "a flaky sink"

    def __init__(self, fail_after: int) -> None:
        self.fail_after = fail_after
        self.got: list[str] = []

    def send(self, entries: Sequence[spool.Entry]) -> spool.SinkResult:
        if len(self.got) >= self.fail_after:
            raise spool.ImportFailed("down")
        self.got += [e.event.id for e in entries]
        return spool.SinkResult(len(entries), 0)


def test_a_failed_import_keeps_what_was_not_sent(tmp_path: Path) -> None:
    sp = tmp_path / "spool.jsonl"
    lines = [_line() for _ in range(5)]
    sp.write_bytes(b"".join(lines[:4]) + b"{broken\n")
    first = _Flaky(fail_after=2)
    with pytest.raises(spool.ImportFailed, match=r"2 event\(s\) imported, 2 kept"):
        spool.import_spool(sp, first, batch=2)
    work = sp.with_name("spool.jsonl.importing")
    assert work.read_bytes() == b"".join(lines[2:4])
    assert sp.with_name("spool.jsonl.rejected").read_bytes() == b"{broken\n"
    sp.write_bytes(lines[4])  # written by a hook meanwhile
    second = _Flaky(fail_after=99)
    res = spool.import_spool(sp, second, batch=2)
    ids = [json.loads(x)["id"] for x in lines]
    assert first.got + second.got == ids and res.rejected == []
    assert not work.exists() and sp.read_bytes() == b""
    assert sp.with_name("spool.jsonl.rejected").read_bytes() == b"{broken\n"  # not rejected twice


def test_a_second_import_at_the_same_time_is_refused(tmp_path: Path) -> None:
    import fcntl

    sp = tmp_path / "spool.jsonl"
    content = _line()
    sp.write_bytes(content)
    fd = os.open(tmp_path / "spool.jsonl.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(spool.ImportFailed, match="another import"):
            spool.import_spool(sp, _Flaky(99))
    finally:
        os.close(fd)
    assert sp.read_bytes() == content  # untouched
    assert not sp.with_name("spool.jsonl.importing").exists()


def test_appends_during_an_import_are_not_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hooks in other processes append while imports run: every line ends up imported exactly once."""
    sp = tmp_path / "spool.jsonl"
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys\nfrom pathlib import Path\nfrom seawall.hooks import audit\n"
        "p = Path(sys.argv[1])\n"
        "for i in range(400):\n"
        "    audit.append_locked(p, ('{\"n\": %d}\\n' % i).encode())\n"), str(sp)])

    class Counter:
        description = "counter"

        def send(self, entries: Sequence[spool.Entry]) -> spool.SinkResult:
            return spool.SinkResult(len(entries), 0)

    got: list[bytes] = []

    def parse(data: bytes, result: spool.ImportResult, incomplete: int = 0) -> Any:
        got.extend(x for x in data.split(b"\n") if x)
        return [], []

    monkeypatch.setattr(spool, "_parse", parse)
    while writer.poll() is None:
        spool.import_spool(sp, Counter())
    spool.import_spool(sp, Counter())
    assert writer.returncode == 0
    assert sorted(json.loads(x)["n"] for x in got) == list(range(400))


def test_cli_import_spool(tmp_path: Path, store_url: str) -> None:
    exe = Path(sys.executable).with_name("seawall")
    if not exe.exists():
        pytest.skip("seawall console script not installed")
    sp = tmp_path / "spool.jsonl"
    sp.write_bytes(_line() + _line() + b'{"half')
    env = {**os.environ, "HOME": str(tmp_path)}
    cmd = [str(exe), "audit", "import-spool", "--spool", str(sp), "--store", store_url]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1, res.stderr  # one line rejected
    assert "3 line(s): 2 event(s) imported into the store, 0 already there, 1 rejected" in res.stdout
    assert "line 3: not valid JSON (incomplete last line)" in res.stderr and "half" not in res.stderr
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "nothing to import" in res.stdout
    assert len(_hook_rows(store_url)) == 2
    bad = subprocess.run([str(exe), "audit", "import-spool", "--spool", str(sp), "--gateway", "http://127.0.0.1:9",
                          "--key", "sk-ant-not-ours"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "swk_" in bad.stderr and "sk-ant-not-ours" not in bad.stderr
