"""Gateway protection end to end: the fake upstream's request log proves what never left, and the
SDK client sees its own values restored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from seawall.detect.secrets.validators import base62_crc32
from seawall.fakeprovider import FakeProvider
from seawall.gateway.app import redaction_key
from seawall.redact.vault import Vault
from support.gateway import ADMIN_TOKEN, LiveGateway, start_gateway

pytestmark = pytest.mark.integration
MODEL = "claude-opus-4-8"

# Generated, format-valid fake values (the repo scans itself: built at run time).
GH = "gh" + "p_" + "Xq7Lm2Rv9Tz4Wb8Nc1Pd6Hf3Jk5Gs0" + base62_crc32("Xq7Lm2Rv9Tz4Wb8Nc1Pd6Hf3Jk5Gs0")
AWS = "AK" + "IAQ3EGRXZT7NB4LW5K"
PG = "postgres://app_admin:" + "Hu7-kLq2_Zp9xWv4" + "@db.internal.corp:5432/orders"
EMAIL = "dana.okafor@" + "initech-mail.com"
PEM = ("-----BEGIN " + "OPENSSH PRIVATE KEY-----\n"
       "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
       "QyNTUxOQAAACDgq3dZbm9vZ2xlZ29vZ2xlZ29vZ2xlZ29vZ2xlZ29vZ2xlAAAAJ\n-----END " + "OPENSSH PRIVATE KEY-----")

POLICY = """
classification:
  tiers:
    restricted: ["**/.env", "**/.env.*", "**/secrets/**"]
  content:
    - {families: [secret], kinds: [openssh-private-key, rsa-private-key], tier: restricted}
tools:
  deny: [WebFetch]
"""


@pytest.fixture(scope="module")
def gw(fake: FakeProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    g = start_gateway(fake, tmp_path_factory.mktemp("prot"), POLICY)
    yield g
    g.stop()


def client(g: LiveGateway) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=g.url, api_key=g.key, max_retries=0, timeout=10)


def upstream_text(fake: FakeProvider) -> str:
    return json.dumps([r.body for r in fake.requests])


def read_turn(path: str, content: str, then: str = "[[fake:echo]]") -> list[dict[str, object]]:
    """A Claude Code style turn: a Read of `path`, its numbered result, and a follow-up."""
    numbered = "\n".join(f"{i}\t{line}" for i, line in enumerate(content.split("\n"), 1))
    return [
        {"role": "user", "content": "look at the file"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Read",
                                           "input": {"file_path": path}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": numbered},
                                     {"type": "text", "text": then}]},
    ]


def test_secrets_in_a_read_result_never_leave_and_come_back(gw: LiveGateway) -> None:
    content = f"GITHUB_TOKEN={GH}\nAWS_ACCESS_KEY_ID={AWS}\nDATABASE_URL={PG}\nOWNER={EMAIL}\n"
    msg = client(gw).messages.create(model=MODEL, max_tokens=50,
                                     messages=read_turn("/home/dev/app/config.txt", content))  # type: ignore[arg-type]
    sent = upstream_text(gw.fake)
    for value in (GH, AWS, "Hu7-kLq2_Zp9xWv4", EMAIL):
        assert value not in sent
    assert "[[sw:github-pat:" in sent and "[[sw:email:" in sent
    echoed = msg.content[0].text  # the fake echoes what it received; the gateway restored it
    for value in (GH, AWS, "Hu7-kLq2_Zp9xWv4", EMAIL):
        assert value in echoed
    row = gw.audit()[0]
    assert row["decision"] == "redact" and "redaction.secrets" in row["rule_ids"]


def test_streamed_restoration_with_split_placeholders(gw: LiveGateway) -> None:
    with client(gw).messages.stream(model=MODEL, max_tokens=50, messages=read_turn(  # type: ignore[arg-type]
            "notes.txt", f"token {GH}", "[[fake:echo chunks=40]]")) as stream:
        text = "".join(stream.text_stream)
    assert GH in text and "[[sw:" not in text
    assert GH not in upstream_text(gw.fake)


def test_tool_input_gets_the_real_value(gw: LiveGateway) -> None:
    ph = Vault(redaction_key(gw.store)).placeholder("github-pat", GH)
    directive = "[[fake:tool=Write file_path=.github/ci.env content='TOKEN=" + ph + "' chunks=30]]"
    prompt = f"my token is {GH}. {directive}"
    msg = client(gw).messages.create(model=MODEL, max_tokens=50, messages=[{"role": "user", "content": prompt}])
    [call] = [b for b in msg.content if b.type == "tool_use"]
    assert call.input == {"file_path": ".github/ci.env", "content": f"TOKEN={GH}"}
    with client(gw).messages.stream(model=MODEL, max_tokens=50, messages=[
            {"role": "user", "content": prompt}]) as stream:
        final = stream.get_final_message()
    assert final.content[-1].input == {"file_path": ".github/ci.env", "content": f"TOKEN={GH}"}  # type: ignore[union-attr]
    assert GH not in upstream_text(gw.fake)


def test_restricted_files_are_withheld(gw: LiveGateway) -> None:
    msg = client(gw).messages.create(model=MODEL, max_tokens=50,
                                     messages=read_turn("/home/dev/app/.env", "PLAIN_VALUE_123=abc"))  # type: ignore[arg-type]
    sent = upstream_text(gw.fake)
    assert "PLAIN_VALUE_123" not in sent and "withheld by the security policy" in sent
    assert "withheld" in msg.content[0].text
    # the same file read through the shell
    shell = [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_2", "name": "Bash",
                                           "input": {"command": "cd app && cat ./config/../.env | head -5"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_2",
                                      "content": "PLAIN_VALUE_456=x"}]},
    ]
    gw.fake.clear()
    client(gw).messages.create(model=MODEL, max_tokens=50, messages=shell)  # type: ignore[arg-type]
    assert "PLAIN_VALUE_456" not in upstream_text(gw.fake)
    row = gw.audit(2)[0]
    assert "restricted" in row["tiers"] and row["decision"] == "block"


def test_a_private_key_makes_any_file_restricted(gw: LiveGateway) -> None:
    client(gw).messages.create(model=MODEL, max_tokens=50, messages=read_turn("docs/notes.txt", PEM))  # type: ignore[arg-type]
    sent = upstream_text(gw.fake)
    assert "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ" not in sent and "withheld" in sent


def test_denied_tools_are_removed(gw: LiveGateway) -> None:
    tools = [{"name": n, "description": n, "input_schema": {"type": "object"}} for n in ("Read", "WebFetch")]
    client(gw).messages.create(model=MODEL, max_tokens=50, tools=tools,  # type: ignore[arg-type]
                               messages=[{"role": "user", "content": "hi"}])
    [seen] = gw.fake.requests
    assert [t["name"] for t in seen.body["tools"]] == ["Read"]  # type: ignore[index]
    assert "tools.deny: webfetch" in gw.audit()[0]["rule_ids"]


def test_openai_chat_redaction_and_json_escaped_arguments(gw: LiveGateway) -> None:
    ph = Vault(redaction_key(gw.store)).placeholder("openssh-private-key", PEM)
    oai = openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.key, max_retries=0)
    prompt = f"deploy with this key:\n{PEM}\n[[fake:tool=write_file path=id_deploy content='{ph}']]"
    for stream in (False, True):
        gw.fake.clear()
        if stream:
            chunks = list(oai.chat.completions.create(model="gpt-4o", stream=True,
                                                      messages=[{"role": "user", "content": prompt}]))
            args = "".join(tc.function.arguments or "" for c in chunks if c.choices
                           for tc in (c.choices[0].delta.tool_calls or []) if tc.function)
        else:
            res = oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
            args = (res.choices[0].message.tool_calls or [])[0].function.arguments  # type: ignore[union-attr]
        assert json.loads(args) == {"path": "id_deploy", "content": PEM}
        assert "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ" not in upstream_text(gw.fake)


def test_blocking_policy_refuses_with_a_provider_error(fake: FakeProvider, tmp_path: Path) -> None:
    g = start_gateway(fake, tmp_path, "redaction: {secrets: block}\n")
    try:
        with pytest.raises(anthropic.PermissionDeniedError) as err:
            client(g).messages.create(model=MODEL, max_tokens=5, messages=[{"role": "user", "content": f"x {GH}"}])
        assert "redaction.secrets" in str(err.value) and GH not in str(err.value)
        assert fake.requests == []
        oai = openai.OpenAI(base_url=g.url + "/v1", api_key=g.key, max_retries=0)
        with pytest.raises(openai.PermissionDeniedError):
            oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"x {GH}"}])
    finally:
        g.stop()


def test_openai_store_forced_off(fake: FakeProvider, tmp_path: Path) -> None:
    g = start_gateway(fake, tmp_path, "")
    g.policy_path.write_text(g.policy_path.read_text().replace("gateway: {", "gateway: {force_no_store: true, "))
    assert httpx.post(g.url + "/admin/reload", headers={"authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
    try:
        oai = openai.OpenAI(base_url=g.url + "/v1", api_key=g.key, max_retries=0)
        oai.responses.create(model="gpt-4.1", input="hi", store=True)
        assert fake.requests[-1].body["store"] is False  # type: ignore[index]
    finally:
        g.stop()


def test_model_allow_lists(fake: FakeProvider, tmp_path: Path) -> None:
    extra = ("teams: {payments: {members: [alice], models: ['claude-*']}}\n"
             "classification:\n  tiers: {confidential: ['**/customers/**']}\n"
             "  actions: {confidential: log}\n  models: {confidential: ['claude-haiku-*']}\n")
    g = start_gateway(fake, tmp_path, extra)
    try:
        oai = openai.OpenAI(base_url=g.url + "/v1", api_key=g.key, max_retries=0)
        with pytest.raises(openai.PermissionDeniedError) as err:
            oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
        assert "teams.models" in str(err.value)
        ok = client(g).messages.create(model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}])
        assert ok.content
        with pytest.raises(anthropic.PermissionDeniedError) as err2:
            client(g).messages.create(model=MODEL, max_tokens=5,
                                      messages=read_turn("customers/list.csv", "a,b"))  # type: ignore[arg-type]
        assert "classification.models.confidential" in str(err2.value)
        haiku = client(g).messages.create(model="claude-haiku-4-5", max_tokens=5,
                                          messages=read_turn("customers/list.csv", "a,b"))  # type: ignore[arg-type]
        assert haiku.content
    finally:
        g.stop()
