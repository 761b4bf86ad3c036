"""Confidential content goes to the local model only; the Anthropic client keeps working."""

from __future__ import annotations

import json
from collections.abc import Iterator

import anthropic
import openai
import pytest

from seawall.fakeprovider import FakeProvider, run_fake_provider
from support.gateway import LiveGateway, start_gateway

pytestmark = pytest.mark.integration
MODEL = "claude-opus-4-8"
CARD = "4261 3422 " + "7843 8744"


@pytest.fixture(scope="module")
def local() -> Iterator[FakeProvider]:
    with run_fake_provider() as fp:
        yield fp


@pytest.fixture(scope="module")
def gw(fake: FakeProvider, local: FakeProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    extra = ("classification:\n  tiers:\n    confidential: ['**/customers/**']\n"
             "  content:\n    - {families: [pii], min_severity: high, tier: confidential}\n")
    g = start_gateway(fake, tmp_path_factory.mktemp("local"), extra,
                      providers=f"  local: {{base_url: '{local.url}/v1', model: coder-local, api_key: local-key}}\n")
    yield g
    g.stop()


def turn(path: str, content: str, then: str) -> list[dict[str, object]]:
    return [
        {"role": "user", "content": "summarise"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_9", "name": "Read",
                                           "input": {"file_path": path}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": content},
                                     {"type": "text", "text": then}]},
    ]


def test_confidential_file_goes_local_only(gw: LiveGateway, fake: FakeProvider, local: FakeProvider) -> None:
    local.clear()
    client = anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0)
    msg = client.messages.create(model=MODEL, max_tokens=50, messages=turn(  # type: ignore[arg-type]
        "/home/dev/crm/customers/acme.csv", "name,plan\nacme,gold", "[[fake:text='local says hi']]"))
    assert msg.content[0].text == "local says hi" and msg.model == MODEL and msg.stop_reason == "end_turn"
    assert fake.requests == []
    [seen] = local.requests
    assert seen.path == "/v1/chat/completions" and seen.body["model"] == "coder-local"  # type: ignore[index]
    roles = [m["role"] for m in seen.body["messages"]]  # type: ignore[index]
    assert roles == ["user", "assistant", "tool", "user"]
    assert "acme,gold" in json.dumps(seen.body)
    assert gw.audit()[0]["provider"] == "local"


def test_local_streaming_and_tool_use(gw: LiveGateway, fake: FakeProvider, local: FakeProvider) -> None:
    client = anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0)
    with client.messages.stream(model=MODEL, max_tokens=50, messages=turn(  # type: ignore[arg-type]
            "customers/x.csv", "a,b", "[[fake:text='streamed locally' chunks=5]]")) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "streamed locally" and final.usage.output_tokens > 0
    with client.messages.stream(model=MODEL, max_tokens=50, messages=turn(  # type: ignore[arg-type]
            "customers/x.csv", "a,b", "[[fake:tool=Read file_path=customers/y.csv chunks=4]]")) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    assert final.content[-1].input == {"file_path": "customers/y.csv"}  # type: ignore[union-attr]
    assert fake.requests == []


def test_pii_in_a_file_routes_local_and_is_still_redacted(gw: LiveGateway, local: FakeProvider) -> None:
    local.clear()
    client = anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0)
    msg = client.messages.create(model=MODEL, max_tokens=50, messages=turn(  # type: ignore[arg-type]
        "notes.txt", f"card on file {CARD}", "[[fake:echo]]"))
    assert CARD.replace(" ", "") in msg.content[0].text.replace(" ", "")
    assert CARD not in json.dumps([r.body for r in local.requests])


def test_openai_chat_routes_local_without_translation(gw: LiveGateway, fake: FakeProvider,
                                                      local: FakeProvider) -> None:
    local.clear()
    oai = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.key, max_retries=0)
    res = oai.chat.completions.create(model="gpt-4o", messages=[
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
            "name": "read_file", "arguments": json.dumps({"path": "customers/a.csv"})}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "secret customer list"}])
    assert res.choices[0].message.content
    assert local.requests[-1].body["model"] == "coder-local"  # type: ignore[index]
    assert fake.requests == []
