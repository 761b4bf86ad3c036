"""One pooled HTTP client per upstream provider; requests forwarded with the provider's own key."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from seawall.policy.schema import Provider

# Headers that describe one hop, or that seawall sets itself: never forwarded upstream.
_DROP_REQUEST = frozenset({
    "host", "content-length", "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te",
    "trailer", "transfer-encoding", "upgrade", "authorization", "x-api-key", "api-key", "accept-encoding",
    "cookie", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded",
})
# Answer headers not relayed (hop-by-hop, or no longer true once seawall relays the body).
DROP_RESPONSE = frozenset({
    "content-length", "connection", "keep-alive", "transfer-encoding", "content-encoding", "server", "date",
    "set-cookie", "alt-svc",
})


class Upstream:
    def __init__(self, name: str, provider: Provider, fmt: str, transport: httpx.AsyncBaseTransport | None = None):
        self.name = name
        self.fmt = fmt  # "anthropic" or "openai"
        self.provider = provider
        self.base_url = str(provider.base_url).rstrip("/")
        self.api_key = provider.api_key or None
        timeout = httpx.Timeout(provider.timeout_s, connect=provider.connect_timeout_s)
        self.client = httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=512, max_keepalive_connections=128, keepalive_expiry=60),
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    def url_for(self, path: str) -> str:
        """Gateway path -> upstream URL. OpenAI base URLs carry /v1 already; Anthropic's do not."""
        if self.fmt == "openai" and path.startswith("/v1/"):
            return self.base_url + path[3:]
        return self.base_url + path

    def headers_for(self, incoming: Mapping[str, str]) -> dict[str, str]:
        out = {k: v for k, v in incoming.items() if k.lower() not in _DROP_REQUEST}
        out["accept-encoding"] = "identity"  # relay bytes as they come; usage is read from them
        if self.api_key:
            if self.fmt == "anthropic":
                out["x-api-key"] = self.api_key
            else:
                out["authorization"] = f"Bearer {self.api_key}"
        return out

    async def open(self, method: str, path: str, query: str, headers: Mapping[str, str],
                   body: bytes) -> httpx.Response:
        """Send and return the response with its body not yet read (streamed)."""
        url = self.url_for(path) + (f"?{query}" if query else "")
        req = self.client.build_request(method, url, headers=self.headers_for(headers), content=body)
        return await self.client.send(req, stream=True)

    async def close(self) -> None:
        await self.client.aclose()
