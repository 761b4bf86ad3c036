"""The upstream client keeps no cookies: a Set-Cookie from a provider (or anything between) never goes
back out on a later request, which could be another developer's."""

from __future__ import annotations

import asyncio

from aiohttp import web

from seawall.gateway.upstream import Upstream
from seawall.policy.schema import Provider


def test_upstream_set_cookie_is_not_sent_back() -> None:
    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie"))
        resp = web.json_response({"ok": True})
        resp.set_cookie("session", "from-upstream-for-user-a")
        return resp

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/messages", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        # a host name (localhost: loopback here): aiohttp drops cookies that come from an IP address anyway
        up = Upstream("anthropic", Provider(base_url=f"http://localhost:{port}"), "anthropic")
        try:
            for _ in range(2):
                resp = await up.open("POST", "/v1/messages", "", {"content-type": "application/json"}, b"{}")
                async for _chunk in resp.aiter_raw():
                    pass
                await resp.aclose()
        finally:
            await up.close()
            await runner.cleanup()

    asyncio.run(main())
    assert seen == [None, None]
