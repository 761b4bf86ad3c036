"""Property tests: every parser that sees outside input survives arbitrary input with a clear error
or a result, never a crash, and keeps its invariants."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawall.gateway.adapters import anthropic, openai_chat, openai_responses
from seawall.gateway.usage import StreamTap
from seawall.policy import commands
from seawall.policy.load import PolicyError, load_text
from seawall.redact.restore import SSERewriter, restore_body
from seawall.redact.vault import StreamRestorer, Vault

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(
        st.sampled_from(["role", "content", "type", "text", "messages", "system", "tool_calls", "function",
                         "arguments", "input", "output", "tool_use_id", "id", "name", "model", "stream", "x"]),
        children, max_size=6),
    max_leaves=40)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(JSON)
def test_adapters_accept_any_json(body: object) -> None:
    if not isinstance(body, dict):
        body = {"messages": body}
    for parse in (anthropic.parse, openai_chat.parse, openai_responses.parse):
        env = parse(body)  # type: ignore[arg-type]
        for seg in env.segments:
            assert isinstance(seg.text, str)


@FAST
@given(st.binary(max_size=400), st.lists(st.integers(min_value=1, max_value=50), max_size=10))
def test_sse_readers_survive_any_bytes(data: bytes, cuts: list[int]) -> None:
    v = Vault(b"k")
    v.placeholder("x", "value")
    for fmt in ("anthropic", "openai_chat", "openai_responses"):
        tap, rw = StreamTap(fmt), SSERewriter(fmt, v)
        pos = 0
        for c in [*cuts, len(data)]:
            chunk = data[pos:pos + c]
            pos += c
            tap.feed(chunk)
            rw.feed(chunk)
        rw.flush()


@FAST
@given(st.text(max_size=200), st.lists(st.integers(min_value=0, max_value=200), max_size=6))
def test_restorer_is_identity_without_placeholders(text: str, cuts: list[int]) -> None:
    v = Vault(b"k")
    r = StreamRestorer(v)
    out, pos = [], 0
    for c in sorted(cuts):
        out.append(r.feed(text[pos:c]))
        pos = max(pos, c)
    out.append(r.feed(text[pos:]))
    out.append(r.flush())
    assert "".join(out) == v.restore(text)


@FAST
@given(st.binary(max_size=300))
def test_restore_body_never_raises(data: bytes) -> None:
    v = Vault(b"k")
    v.placeholder("x", "y")
    restore_body(data, v)


@FAST
@given(st.text(max_size=120))
def test_command_parser_never_raises(text: str) -> None:
    parsed = commands.parse(text)
    assert isinstance(parsed.commands, list)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_policy_loader_only_raises_policy_errors(text: str) -> None:
    try:
        load_text(text, "fuzz.yaml", Path("/p"), environ={}, scan_secrets=False)
    except PolicyError as exc:
        assert exc.problems and all(p.file == "fuzz.yaml" for p in exc.problems)


def test_deeply_nested_json_body_is_a_clear_400() -> None:
    import pytest

    from seawall.gateway.proxy import GatewayError, _envelope

    deep = b'{"messages": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(GatewayError) as err:
        _envelope(deep, anthropic.parse)
    assert err.value.status == 400
    shallow = json.dumps({"messages": [{"role": "user", "content": [[[["x"]]]]}]}).encode()
    assert _envelope(shallow, anthropic.parse).segments == []
