"""The fake provider's OpenAI Chat Completions, Responses and models APIs, driven by the official `openai` SDK."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest

from seawall.fakeprovider import DEFAULT_TEXT, FakeProvider, estimate_tokens, run_fake_provider

pytestmark = pytest.mark.integration

KEY = "sk-test-0123456789abcdef"
MODEL = "gpt-4o-mini"
USER = [{"role": "user", "content": "hello there"}]


def client(fake: FakeProvider, key: str = KEY, timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.url + "/v1", api_key=key, max_retries=0, timeout=timeout)


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# ---- Chat Completions ----------------------------------------------------------------------------

def test_chat_plain(fake: FakeProvider) -> None:
    done = client(fake).chat.completions.create(model=MODEL, messages=USER)
    assert done.object == "chat.completion" and done.id.startswith("chatcmpl-") and done.model == MODEL
    (choice,) = done.choices
    assert choice.message.role == "assistant" and choice.message.content == DEFAULT_TEXT
    assert choice.finish_reason == "stop" and choice.message.tool_calls is None
    assert done.usage is not None
    assert done.usage.prompt_tokens == estimate_tokens("hello there")
    assert done.usage.total_tokens == done.usage.prompt_tokens + done.usage.completion_tokens


def test_chat_tool_call(fake: FakeProvider) -> None:
    done = client(fake).chat.completions.create(model=MODEL, messages=user("[[fake:tool=Read path=secrets.env]]"))
    (choice,) = done.choices
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    (call,) = choice.message.tool_calls or []
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "Read" and json.loads(call.function.arguments) == {"path": "secrets.env"}


def test_chat_stream_with_usage(fake: FakeProvider) -> None:
    chunks = list(client(fake).chat.completions.create(
        model=MODEL, messages=user("[[fake:text='a b c d' chunks=2]]"), stream=True,
        stream_options={"include_usage": True}))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].delta.content for c in chunks[1:3]] == ["a b ", "c d"]
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == estimate_tokens("a b c d")


def test_chat_stream_without_usage_ends_with_done(fake: FakeProvider) -> None:
    with httpx.stream("POST", fake.url + "/v1/chat/completions", headers={"authorization": f"Bearer {KEY}"},
                      json={"model": MODEL, "messages": USER, "stream": True}) as reply:
        assert reply.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in reply.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines) and lines[-1] == "data: [DONE]"
    assert all("usage" not in json.loads(line[6:]) for line in lines[:-1])


def test_chat_stream_helper_accumulates_tool_call(fake: FakeProvider) -> None:
    text = """[[fake:tool=Bash input='{"command": "cat secrets.env", "timeout": 30}' chunks=4]]"""
    with client(fake).chat.completions.stream(model=MODEL, messages=user(text)) as stream:
        final = stream.get_final_completion()
    (call,) = final.choices[0].message.tool_calls or []
    assert call.function.name == "Bash"
    assert json.loads(call.function.arguments) == {"command": "cat secrets.env", "timeout": 30}
    assert final.choices[0].finish_reason == "tool_calls"


def test_chat_errors(fake: FakeProvider) -> None:
    with pytest.raises(openai.InternalServerError) as failed:
        client(fake).chat.completions.create(model=MODEL, messages=user("[[fake:status=500]]"))
    assert failed.value.status_code == 500
    assert set(failed.value.body) == {"message", "type", "param", "code"}  # the SDK unwraps `error`
    assert failed.value.body["type"] == "server_error"
    with pytest.raises(openai.RateLimitError) as limited:
        client(fake).chat.completions.create(model=MODEL, messages=user("[[fake:status=429]]"))
    assert limited.value.response.headers["retry-after"] == "1"
    assert limited.value.code == "rate_limit_exceeded"


def test_chat_cut_after_breaks_iteration(fake: FakeProvider) -> None:
    seen = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in client(fake).chat.completions.create(model=MODEL, messages=user("[[fake:cut_after=2]]"),
                                                          stream=True):
            seen.append(chunk)
    assert len(seen) == 2


def test_chat_hang_until_client_timeout(fake: FakeProvider) -> None:
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client(fake, timeout=0.3).chat.completions.create(model=MODEL, messages=user("[[fake:hang]]"))
    assert time.monotonic() - start < 2


# ---- Responses -----------------------------------------------------------------------------------

def test_responses_plain(fake: FakeProvider) -> None:
    resp = client(fake).responses.create(model=MODEL, input="hello there", instructions="Be brief.")
    assert resp.id.startswith("resp_") and resp.object == "response" and resp.status == "completed"
    assert resp.output_text == DEFAULT_TEXT
    assert resp.output[0].type == "message"
    assert resp.usage is not None
    assert resp.usage.input_tokens == estimate_tokens("Be brief.\nhello there")
    assert resp.usage.total_tokens == resp.usage.input_tokens + resp.usage.output_tokens


def test_responses_function_call(fake: FakeProvider) -> None:
    items = [{"role": "user", "content": [{"type": "input_text", "text": "[[fake:tool=Read path=a.txt]]"}]}]
    resp = client(fake).responses.create(model=MODEL, input=items)
    (call,) = resp.output
    assert call.type == "function_call" and call.name == "Read" and call.call_id.startswith("call_")
    assert json.loads(call.arguments) == {"path": "a.txt"}


def test_responses_stream_events(fake: FakeProvider) -> None:
    events = list(client(fake).responses.create(model=MODEL, input="[[fake:text=hey chunks=2]]", stream=True))
    assert [e.type for e in events] == [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[-1].response.output_text == "hey"


def test_responses_stream_helper_with_text_and_tool(fake: FakeProvider) -> None:
    with client(fake).responses.stream(model=MODEL, input="[[fake:text=Checking. tool=Read path=x.env]]") as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    assert "response.function_call_arguments.delta" in types
    assert final.output_text == "Checking."
    assert [item.type for item in final.output] == ["message", "function_call"]
    assert json.loads(final.output[1].arguments) == {"path": "x.env"}


def test_responses_cut_after_breaks_iteration(fake: FakeProvider) -> None:
    with pytest.raises(openai.APIConnectionError):
        list(client(fake).responses.create(model=MODEL, input="[[fake:cut_after=4]]", stream=True))


# ---- models, auth, recorder ----------------------------------------------------------------------

def test_models_list(fake: FakeProvider) -> None:
    assert MODEL in [m.id for m in client(fake).models.list()]


def test_fixed_keys_reject_wrong_key() -> None:
    with run_fake_provider(keys=[KEY]) as fixed:
        assert client(fixed).chat.completions.create(model=MODEL, messages=USER).choices[0].message.content
        with pytest.raises(openai.AuthenticationError) as info:
            client(fixed, key="sk-wrong").chat.completions.create(model=MODEL, messages=USER)
        assert info.value.code == "invalid_api_key"
        with pytest.raises(openai.AuthenticationError):
            client(fixed, key="sk-wrong").models.list()


def test_recorder_over_http(fake: FakeProvider) -> None:
    client(fake).chat.completions.create(model=MODEL, messages=user("REACHED-UPSTREAM"))
    listed = httpx.get(fake.url + "/_fake/requests").json()["requests"]
    assert [(r["method"], r["path"]) for r in listed] == [("POST", "/v1/chat/completions")]
    assert listed[0]["body"]["messages"] == user("REACHED-UPSTREAM")
    assert listed[0]["headers"]["authorization"].startswith("Bearer sk-tes...<masked")
    assert KEY not in json.dumps(listed)
    assert httpx.delete(fake.url + "/_fake/requests").json() == {"cleared": 1}
    assert fake.requests == [] and httpx.get(fake.url + "/_fake/requests").json() == {"requests": []}
