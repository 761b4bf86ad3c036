"""The fake provider's Anthropic Messages API, driven by the official `anthropic` SDK."""

from __future__ import annotations

import json
import time

import anthropic
import httpx
import pytest

from seawall.fakeprovider import DEFAULT_TEXT, FakeProvider, estimate_tokens, run_fake_provider

pytestmark = pytest.mark.integration

KEY = "test-key-0123456789"
MODEL = "claude-opus-4-8"


def client(fake: FakeProvider, key: str = KEY, timeout: float = 5.0) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=fake.url, api_key=key, max_retries=0, timeout=timeout)


def ask(text: str, **extra: object) -> dict:
    return {"model": MODEL, "max_tokens": 256, "messages": [{"role": "user", "content": text}], **extra}


def test_plain_message(fake: FakeProvider) -> None:
    msg = client(fake).messages.create(**ask("hello there"))
    assert msg.id.startswith("msg_") and msg.type == "message" and msg.role == "assistant"
    assert msg.model == MODEL
    assert [b.type for b in msg.content] == ["text"]
    assert msg.content[0].text == DEFAULT_TEXT
    assert msg.stop_reason == "end_turn" and msg.stop_sequence is None
    assert msg.usage.input_tokens == estimate_tokens("hello there")
    assert msg.usage.output_tokens == estimate_tokens(DEFAULT_TEXT)
    assert msg.usage.cache_creation_input_tokens == 0 and msg.usage.cache_read_input_tokens == 0


def test_text_and_cache_directives(fake: FakeProvider) -> None:
    msg = client(fake).messages.create(**ask('go [[fake:text="Exact answer here" cache_read=7 cache_write=3]]'))
    assert msg.content[0].text == "Exact answer here"
    assert (msg.usage.cache_read_input_tokens, msg.usage.cache_creation_input_tokens) == (7, 3)


def test_tool_use_non_streaming(fake: FakeProvider) -> None:
    msg = client(fake).messages.create(**ask("read it [[fake:tool=Read file_path=secrets.env]]"))
    assert msg.stop_reason == "tool_use"
    (block,) = msg.content
    assert block.type == "tool_use" and block.name == "Read" and block.id.startswith("toolu_")
    assert block.input == {"file_path": "secrets.env"}


def test_streaming_text_event_sequence(fake: FakeProvider) -> None:
    events = list(client(fake).messages.create(**ask("[[fake:text='one two three four' chunks=4]]"), stream=True))
    assert [e.type for e in events] == [
        "message_start", "content_block_start", "content_block_delta", "content_block_delta",
        "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
    ]  # the SDK does not surface `ping`; the raw stream is checked in the Claude Code replay test
    deltas = [e.delta.text for e in events if e.type == "content_block_delta"]
    assert "".join(deltas) == "one two three four"
    assert events[-2].delta.stop_reason == "end_turn"
    assert events[-2].usage.output_tokens == estimate_tokens("one two three four")


def test_streaming_helper_accumulates_tool_use(fake: FakeProvider) -> None:
    tool = """tool=Read input='{"file_path": "/p/secrets.env", "limit": 5}'"""
    text = f'first [[fake:text="Let me look." {tool} chunks=5]]'
    with client(fake).messages.stream(**ask(text)) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["text", "tool_use"]
    assert final.content[0].text == "Let me look."
    assert final.content[1].name == "Read"
    assert final.content[1].input == {"file_path": "/p/secrets.env", "limit": 5}
    assert final.stop_reason == "tool_use"


def test_two_tool_calls(fake: FakeProvider) -> None:
    msg = client(fake).messages.create(**ask("[[fake:tool=Read file_path=a]] [[fake:tool=Bash command='ls -la']]"))
    assert [(b.name, b.input) for b in msg.content] == [("Read", {"file_path": "a"}), ("Bash", {"command": "ls -la"})]


def test_beta_query_is_accepted_and_recorded(fake: FakeProvider) -> None:
    # Claude Code (JS SDK) adds ?beta=true to every messages call; the Python SDK needs it spelled out
    msg = client(fake).beta.messages.create(**ask("hi"), extra_query={"beta": "true"})
    assert msg.content[0].text == DEFAULT_TEXT
    (seen,) = fake.requests
    assert (seen.path, seen.query) == ("/v1/messages", {"beta": "true"})


def test_count_tokens(fake: FakeProvider) -> None:
    system = "You are terse."
    result = client(fake).messages.count_tokens(model=MODEL, system=system,
                                                messages=[{"role": "user", "content": "x" * 40}])
    assert result.input_tokens == estimate_tokens(system + "\n" + "x" * 40)


def test_models_list(fake: FakeProvider) -> None:
    ids = [m.id for m in client(fake).models.list()]
    assert MODEL in ids


def test_echo_shows_what_reached_upstream(fake: FakeProvider) -> None:
    msg = client(fake).messages.create(
        model=MODEL, max_tokens=64, system="SYSTEM-TEXT",
        messages=[{"role": "user", "content": "first PLACEHOLDER_1"},
                  {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Read",
                                                     "input": {"file_path": "x.env"}}]},
                  {"role": "user", "content": [
                      {"type": "tool_result", "tool_use_id": "toolu_1", "content": "FILE-BODY"},
                      {"type": "text", "text": "[[fake:echo]]"}]}])
    assert msg.content[0].text.split("\n") == [
        "SYSTEM-TEXT", "first PLACEHOLDER_1", '{"file_path": "x.env"}', "FILE-BODY", "[[fake:echo]]"]


def test_status_500_raises_internal_server_error(fake: FakeProvider) -> None:
    with pytest.raises(anthropic.InternalServerError) as info:
        client(fake).messages.create(**ask("[[fake:status=500]]"))
    assert info.value.status_code == 500
    assert info.value.body == {"type": "error", "error": {"type": "api_error", "message": "Internal server error"},
                               "request_id": info.value.body["request_id"]}


def test_status_529_and_429(fake: FakeProvider) -> None:
    with pytest.raises(anthropic.InternalServerError) as overloaded:
        client(fake).messages.create(**ask("[[fake:status=529]]"))
    assert overloaded.value.status_code == 529
    assert overloaded.value.body["error"]["type"] == "overloaded_error"
    with pytest.raises(anthropic.RateLimitError) as limited:
        client(fake).messages.create(**ask("[[fake:status=429 retry_after=7]]"), stream=True)
    assert limited.value.response.headers["retry-after"] == "7"
    assert limited.value.body["error"]["type"] == "rate_limit_error"


def test_bad_directive_is_a_400(fake: FakeProvider) -> None:
    with pytest.raises(anthropic.BadRequestError) as info:
        client(fake).messages.create(**ask("[[fake:bogus=1]]"))
    assert "bogus" in info.value.body["error"]["message"]


def test_malformed_requests_are_400s(fake: FakeProvider) -> None:
    url, headers = fake.url + "/v1/messages", {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    reply = httpx.post(url, headers=headers, json={"model": MODEL, "messages": [{"role": "user", "content": "x"}]})
    assert reply.status_code == 400
    assert reply.json()["error"] == {"type": "invalid_request_error", "message": "max_tokens: Field required"}
    reply = httpx.post(url, headers=headers, content=b"{not json")
    assert reply.status_code == 400 and reply.json()["type"] == "error"
    reply = httpx.post(url, json=ask("no key"))
    assert reply.status_code == 401 and reply.json()["error"]["type"] == "authentication_error"


def test_cut_after_breaks_stream_iteration(fake: FakeProvider) -> None:
    seen: list[str] = []
    with pytest.raises(Exception) as info:  # the SDK surfaces the transport error as is
        for event in client(fake).messages.create(**ask("[[fake:cut_after=3]]"), stream=True):
            seen.append(event.type)
    assert isinstance(info.value, anthropic.APIError) or "ProtocolError" in type(info.value).__name__
    assert "message_stop" not in seen and len(seen) <= 3


def test_hang_until_client_timeout(fake: FakeProvider) -> None:
    start = time.monotonic()
    with pytest.raises(anthropic.APITimeoutError):
        client(fake, timeout=0.3).messages.create(**ask("[[fake:hang]]"))
    assert time.monotonic() - start < 2


def test_delay_and_chunk_delay(fake: FakeProvider) -> None:
    start = time.monotonic()
    client(fake).messages.create(**ask("[[fake:delay=0.3]]"))
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    events = list(client(fake).messages.create(**ask("[[fake:chunk_delay=0.02 chunks=3]]"), stream=True))
    assert time.monotonic() - start >= 0.02 * 7 and events[-1].type == "message_stop"  # 9 frames, 8 gaps


def test_fixed_keys_reject_wrong_key() -> None:
    with run_fake_provider(keys={"right-key"}) as fixed:
        assert client(fixed, key="right-key").messages.create(**ask("hi")).content[0].text == DEFAULT_TEXT
        with pytest.raises(anthropic.AuthenticationError) as info:
            client(fixed, key="wrong-key").messages.create(**ask("hi"))
        assert info.value.body["error"]["type"] == "authentication_error"
        assert len(fixed.requests) == 2  # rejected requests are recorded too


def test_recorder_sees_body_and_masks_key(fake: FakeProvider) -> None:
    client(fake).messages.create(**ask("remember THIS-TEXT"))
    (seen,) = fake.requests
    assert seen.method == "POST" and seen.body["messages"][0]["content"] == "remember THIS-TEXT"
    auth = seen.headers.get("x-api-key") or seen.headers["authorization"]
    assert KEY not in auth and "masked" in auth
    assert json.dumps(seen.to_dict()).count(KEY) == 0
