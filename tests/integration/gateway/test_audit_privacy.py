"""A unique marker sent in prompts, system text, tool results and answers never reaches the
database file (with its WAL), the logs, or the metrics."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from seawall.fakeprovider import FakeProvider
from support.gateway import start_gateway

pytestmark = pytest.mark.integration


def test_marker_never_stored_or_logged(fake: FakeProvider, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    gw = start_gateway(fake, tmp_path)
    marker = "MRK" + uuid.uuid4().hex.upper()
    try:
        ant = anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0)
        msg = ant.messages.create(model="claude-opus-4-8", max_tokens=20, system=f"system {marker}", messages=[
            {"role": "user", "content": f"prompt {marker} [[fake:tool=Read file_path=notes.txt]]"}])
        tool = next(b for b in msg.content if b.type == "tool_use")
        answer = ant.messages.create(model="claude-opus-4-8", max_tokens=20, messages=[
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": [b.model_dump() for b in msg.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool.id, "content": f"file {marker}"},
                                         {"type": "text", "text": "[[fake:echo]]"}]}])
        assert marker in answer.content[0].text  # the marker did travel to the model and back
        with ant.messages.stream(model="claude-opus-4-8", max_tokens=20, messages=[
                {"role": "user", "content": f"[[fake:echo]] {marker}"}]) as stream:
            assert marker in "".join(stream.text_stream)
        oai = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.key, max_retries=0)
        oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"{marker} [[fake:echo]]"}])
        oai.responses.create(model="gpt-4.1", input=f"{marker} [[fake:echo]]")
        httpx.post(gw.url + "/v1/messages", content=f'{{"bad json {marker}'.encode(), headers={"x-api-key": gw.key})
        assert len(gw.audit(6)) == 6
        metrics = httpx.get(gw.url + "/metrics").text
    finally:
        gw.stop()
        gw.store.close()
    assert marker not in metrics
    for f in tmp_path.iterdir():
        if f.name.startswith("seawall.db"):
            assert marker.encode() not in f.read_bytes(), f.name
    # every log record of the gateway side (the SDK clients' own debug logs are the sender's business)
    client_side = ("anthropic", "openai", "httpx2", "httpcore2")
    gateway_logs = [r for r in caplog.records if not r.name.startswith(client_side)]
    assert gateway_logs and not [r for r in gateway_logs if marker in r.getMessage()]
    rows = gw.store.audit()
    assert {r["route"] for r in rows} == {"/v1/messages", "/v1/chat/completions", "/v1/responses"}
