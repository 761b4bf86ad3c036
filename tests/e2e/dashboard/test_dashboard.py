"""The dashboard in headless Chromium (Debian's chromium, driven by playwright): sign in, see a
user's usage after requests went through the gateway, revoke a key, and see the next request refused.
Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import anthropic
import pytest

from seawall.fakeprovider import run_fake_provider
from support.gateway import ADMIN_TOKEN, LiveGateway, start_gateway

pytestmark = pytest.mark.integration
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "dashboard"


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    with run_fake_provider() as fake:
        g = start_gateway(fake, tmp_path_factory.mktemp("ui"), "users: {default: {daily_tokens: 1000}}\n")
        yield g
        g.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def test_sign_in_usage_and_revoke(gw: LiveGateway, browser: object) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    client = anthropic.Anthropic(base_url=gw.url, api_key=gw.key, max_retries=0)
    for _ in range(3):
        client.messages.create(model="claude-opus-4-8", max_tokens=20, messages=[{"role": "user", "content": "hi"}])
    gw.audit(3)
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(gw.url + "/ui")
    assert page.url.endswith("/ui/login")
    page.fill("input[name=token]", "wrong-token")
    page.click("button[type=submit]")
    assert "Wrong token" in page.content()
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(gw.url + "/ui")
    row = page.locator("tr[data-user=alice]")
    assert row.count() == 1 and "1,000" in row.inner_text()
    assert page.locator("svg[aria-label='tokens per user today']").count() == 1
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

    page.click("text=Keys")
    key_id = gw.store.find_key(gw.key).id  # type: ignore[union-attr]
    page.screenshot(path=str(ARTIFACTS / "keys.png"), full_page=True)
    page.locator(f"tr[data-key={key_id}] button").click()
    page.wait_for_load_state()
    assert f"Revoked {key_id}" in page.content()
    with pytest.raises(anthropic.AuthenticationError):
        client.messages.create(model="claude-opus-4-8", max_tokens=20, messages=[{"role": "user", "content": "x"}])

    page.fill("input[name=user]", "dana")
    page.click("text=Create key")
    new_key = page.locator("#new-key").inner_text()
    assert new_key.startswith("swk_")
    ok = anthropic.Anthropic(base_url=gw.url, api_key=new_key, max_retries=0).messages.create(
        model="claude-opus-4-8", max_tokens=20, messages=[{"role": "user", "content": "x"}])
    assert ok.content
    page.click("text=Blocks & alerts")
    page.screenshot(path=str(ARTIFACTS / "activity.png"), full_page=True)
    page.close()


def test_forms_need_the_session_and_csrf(gw: LiveGateway) -> None:
    import httpx

    r = httpx.post(gw.url + "/ui/keys", data={"user": "eve"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/login"
    with httpx.Client(base_url=gw.url) as c:
        login = c.get("/ui/login")
        csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
        assert c.post("/ui/login", data={"token": ADMIN_TOKEN, "csrf": csrf}).status_code in (200, 303)
        forged = c.post("/ui/keys", data={"user": "eve", "csrf": "forged"})
        assert forged.status_code == 403
        assert [k.user for k in gw.store.list_keys() if k.user == "eve"] == []
