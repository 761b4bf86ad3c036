"""The wire format of POST /seawall/hook-events: strict, bounded, metadata only."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from seawall.gateway import hookevents


def _ev(**over: Any) -> dict[str, Any]:
    ev = {"id": str(uuid.uuid4()), "ts": datetime.now(UTC).isoformat(), "client": "cursor",
          "hook_event": "beforeReadFile", "request_id": "gen-1", "session_id": "conv-1", "tool": "Read",
          "paths": ["src/app.py"], "decision": "allow", "denied": False, "tiers": ["internal"],
          "rule_ids": ["classification.default: internal"], "duration_ms": 12.5, "error_code": None}
    ev.update(over)
    return ev


def _body(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()


def test_a_valid_batch() -> None:
    got = hookevents.parse_batch(_body(_ev(), _ev(tool=None, paths=[], error_code="bad_input", duration_ms=0)))
    assert [e.client for e in got] == ["cursor", "cursor"]


@pytest.mark.parametrize("over,where", [
    ({"user": "mallory"}, "[0].user: Extra inputs are not permitted"),
    ({"team": "payments"}, "[0].team"),
    ({"prompt": "the text"}, "[0].prompt"),
    ({"message": "free text"}, "[0].message"),
    ({"request_id": "free text with spaces"}, "[0].request_id"),
    ({"id": "not-a-uuid"}, "[0].id"),
    ({"client": "vim"}, "[0].client"),
    ({"decision": "maybe"}, "[0].decision"),
    ({"tiers": ["top-secret"]}, "[0].tiers[0]"),
    ({"duration_ms": "12"}, "[0].duration_ms"),  # strict: no strings for numbers
    ({"denied": "yes"}, "[0].denied"),
    ({"paths": ["a\nb"]}, "[0].paths[0]"),
    ({"paths": ["x" * 1025]}, "[0].paths[0]"),
    ({"paths": [f"p{i}" for i in range(33)]}, "[0].paths"),
    ({"rule_ids": ["r" * 201]}, "[0].rule_ids[0]"),
    ({"ts": "2026-01-01T00:00:00"}, "[0].ts"),  # no zone
    ({"ts": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, "[0].ts: outside the accepted window"),
    ({"ts": (datetime.now(UTC) - timedelta(days=401)).isoformat()}, "[0].ts: outside the accepted window"),
    ({"hook_event": "Pre Tool"}, "[0].hook_event"),
])
def test_refused_with_the_field_named_and_no_value(over: dict[str, Any], where: str) -> None:
    with pytest.raises(hookevents.BatchError) as exc:
        hookevents.parse_batch(_body(_ev(**over)))
    assert where in str(exc.value)
    for v in over.values():
        if isinstance(v, str) and len(v) > 3:
            assert v not in str(exc.value)


def test_an_unknown_field_name_is_shown_clipped() -> None:
    with pytest.raises(hookevents.BatchError) as exc:
        hookevents.parse_batch(_body(_ev(**{"k" * 500 + " secret": 1})))
    assert len(str(exc.value)) < 200 and "secret" not in str(exc.value)


@pytest.mark.parametrize("body,msg", [
    (b"", "empty body"), (b"{", "Invalid JSON"), (b"{}", "valid array"), (b"[]", "at least 1 item"),
    (json.dumps([_ev() for _ in range(hookevents.MAX_EVENTS + 1)]).encode(), "at most 500 items"),
])
def test_refused_bodies(body: bytes, msg: str) -> None:
    with pytest.raises(hookevents.BatchError, match=msg):
        hookevents.parse_batch(body)


def test_stored_ids_are_per_user() -> None:
    a = hookevents.stored_id("alice", "e1")
    assert a == hookevents.stored_id("alice", "e1") != hookevents.stored_id("bob", "e1")
    assert len(a) == 36


def test_recent_ids_claim_once() -> None:
    r = hookevents.Recent(limit=3)
    assert r.claim(["a", "b"]) == ["a", "b"]
    assert r.claim(["b", "c"]) == ["c"]
    r.release(["c"])
    assert r.claim(["c", "d", "e"]) == ["c", "d", "e"]
    assert r.claim(["a"]) == ["a"]  # the oldest were forgotten (bounded)
