"""The gateway driven by the official anthropic and openai SDKs, against the fake provider."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from seawall.fakeprovider.recorder import key_fingerprint
from support.gateway import ADMIN_TOKEN, UPSTREAM_KEY, LiveGateway

pytestmark = pytest.mark.integration
MODEL = "claude-opus-4-8"


def ant(gw: LiveGateway, key: str | None = None, timeout: float = 10.0) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gw.url, api_key=key or gw.key, max_retries=0, timeout=timeout)


def oai(gw: LiveGateway, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=key or gw.key, max_retries=0, timeout=10.0)


def test_anthropic_messages(gateway: LiveGateway) -> None:
    msg = ant(gateway).messages.create(model=MODEL, max_tokens=50,
                                       messages=[{"role": "user", "content": "[[fake:text='all good']]"}])
    assert msg.content[0].text == "all good"
    [seen] = gateway.fake.requests
    assert seen.path == "/v1/messages"
    assert seen.key_sha256 == key_fingerprint(UPSTREAM_KEY)  # the provider key, never the virtual key
    assert gateway.key not in str(seen.to_dict())
    row = next(r for r in gateway.audit() if r["route"] == "/v1/messages")
    assert (row["user"], row["team"], row["status"], row["model"]) == ("alice", "payments", 200, MODEL)
    assert row["input_tokens"] and row["output_tokens"] and row["usage_estimated"] is False
    assert row["cost_usd"] and row["cost_usd"] > 0


def test_anthropic_stream(gateway: LiveGateway) -> None:
    with ant(gateway).messages.stream(model=MODEL, max_tokens=50,
                                      messages=[{"role": "user", "content": "[[fake:chunks=6]]"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Hello from the fake provider."
    assert final.usage.output_tokens > 0
    rows = [r for r in gateway.audit(2) if r["stream"]]
    assert rows and rows[0]["output_tokens"] == final.usage.output_tokens and rows[0]["error_code"] is None


def test_anthropic_tool_round_trip(gateway: LiveGateway) -> None:
    client = ant(gateway)
    first = client.messages.create(model=MODEL, max_tokens=50, messages=[
        {"role": "user", "content": "read it [[fake:tool=Read file_path=src/app.py]]"}])
    [call] = [b for b in first.content if b.type == "tool_use"]
    assert call.name == "Read" and call.input == {"file_path": "src/app.py"}
    second = client.messages.create(model=MODEL, max_tokens=50, messages=[
        {"role": "user", "content": "read it"},
        {"role": "assistant", "content": [b.model_dump() for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "print(1)"}]}])
    assert second.stop_reason == "end_turn"
    rows = gateway.audit(2)
    answer_side = rows[1]["tool_calls"]
    request_side = rows[0]["tool_calls"]
    assert answer_side == [{"name": "Read", "side": "answer", "paths": ["src/app.py"]}]
    assert request_side == [{"name": "Read", "side": "request", "paths": ["src/app.py"]}]


def test_anthropic_stream_tool_use(gateway: LiveGateway) -> None:
    with ant(gateway).messages.stream(model=MODEL, max_tokens=50, messages=[
            {"role": "user", "content": "[[fake:tool=Write file_path=out/x.txt chunks=4]]"}]) as stream:
        final = stream.get_final_message()
    assert final.content[-1].type == "tool_use"
    row = next(r for r in gateway.audit() if r["stream"])
    assert row["tool_calls"] == [{"name": "Write", "side": "answer", "paths": ["out/x.txt"]}]


def test_count_tokens_and_models(gateway: LiveGateway) -> None:
    n = ant(gateway).messages.count_tokens(model=MODEL, messages=[{"role": "user", "content": "x" * 40}])
    assert n.input_tokens == 10
    models = oai(gateway).models.list()
    assert len(models.data) > 0


def test_openai_chat(gateway: LiveGateway) -> None:
    client = oai(gateway)
    res = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert res.choices[0].message.content == "Hello from the fake provider."
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
                                                 stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello from the fake provider."
    assert chunks[-1].usage is not None
    rows = gateway.audit(2)
    assert rows[0]["stream"] and rows[0]["output_tokens"] == chunks[-1].usage.completion_tokens
    assert rows[0]["usage_estimated"] is False and rows[1]["cost_usd"] > 0


def test_openai_chat_stream_without_usage_is_estimated(gateway: LiveGateway) -> None:
    chunks = list(oai(gateway).chat.completions.create(model="gpt-4o", stream=True,
                                                       messages=[{"role": "user", "content": "hi"}]))
    assert chunks
    row = gateway.audit()[0]
    assert row["usage_estimated"] is True and row["output_tokens"] > 0


def test_openai_chat_tool_calls(gateway: LiveGateway) -> None:
    res = oai(gateway).chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": "[[fake:tool=read_file path=README.md]]"}],
        tools=[{"type": "function", "function": {"name": "read_file", "parameters": {"type": "object"}}}])
    [tc] = res.choices[0].message.tool_calls or []
    assert tc.function.name == "read_file"
    assert gateway.audit()[0]["tool_calls"] == [{"name": "read_file", "side": "answer", "paths": ["README.md"]}]


def test_openai_responses(gateway: LiveGateway) -> None:
    client = oai(gateway)
    res = client.responses.create(model="gpt-4.1", input="hi")
    assert res.output_text == "Hello from the fake provider."
    events = list(client.responses.create(model="gpt-4.1", input="[[fake:chunks=5]]", stream=True))
    assert events[-1].type == "response.completed"
    rows = gateway.audit(2)
    assert rows[0]["stream"] and rows[0]["input_tokens"] and not rows[0]["usage_estimated"]
    assert rows[0]["route"] == "/v1/responses"


def test_wrong_missing_and_revoked_keys(gateway: LiveGateway) -> None:
    with pytest.raises(anthropic.AuthenticationError) as err:
        ant(gateway, key="swk_" + "A" * 36).messages.create(model=MODEL, max_tokens=5,
                                                             messages=[{"role": "user", "content": "x"}])
    assert "invalid or revoked" in str(err.value)
    with pytest.raises(openai.AuthenticationError):
        oai(gateway, key="sk-not-a-seawall-key").chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    key, rec = gateway.store.create_key("mallory")
    assert ant(gateway, key=key).messages.create(model=MODEL, max_tokens=5,
                                                 messages=[{"role": "user", "content": "x"}])
    res = httpx.delete(f"{gateway.url}/admin/keys/{rec.id}", headers={"authorization": f"Bearer {ADMIN_TOKEN}"})
    assert res.status_code == 200
    with pytest.raises(anthropic.AuthenticationError):
        ant(gateway, key=key).messages.create(model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert len(gateway.fake.requests) == 1  # refused requests never reached the provider


def test_upstream_error_comes_back_faithfully(gateway: LiveGateway) -> None:
    with pytest.raises(anthropic.InternalServerError) as err:
        ant(gateway).messages.create(model=MODEL, max_tokens=5,
                                     messages=[{"role": "user", "content": "[[fake:status=500]]"}])
    assert err.value.status_code == 500
    with pytest.raises(openai.RateLimitError) as rl:
        oai(gateway).chat.completions.create(model="gpt-4o",
                                             messages=[{"role": "user", "content": "[[fake:status=429]]"}])
    assert rl.value.response.headers.get("retry-after") == "1"
    assert gateway.audit(2)[0]["error_code"] == "upstream_429"


def test_upstream_hang_times_out(gateway: LiveGateway) -> None:
    with pytest.raises(anthropic.APIStatusError) as err:
        ant(gateway).messages.create(model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "[[fake:hang]]"}])
    assert err.value.status_code == 504
    assert err.value.body["error"]["type"] == "timeout_error"  # type: ignore[index]
    assert gateway.audit()[0]["error_code"] == "upstream_timeout"


def test_stream_cut_midway_raises_in_the_sdk(gateway: LiveGateway) -> None:
    got: list[str] = []
    with pytest.raises(anthropic.APIStatusError), ant(gateway).messages.stream(model=MODEL, max_tokens=5, messages=[
            {"role": "user", "content": "[[fake:cut_after=4 chunks=8]]"}]) as stream:
        for ev in stream:
            got.append(ev.type)
    assert "message_start" in got
    assert gateway.audit()[0]["error_code"] in ("upstream_stream_cut", "upstream_stream_incomplete")
    with pytest.raises(openai.APIError):
        for _ in oai(gateway).chat.completions.create(model="gpt-4o", stream=True, messages=[
                {"role": "user", "content": "[[fake:cut_after=2 chunks=8]]"}]):
            pass
