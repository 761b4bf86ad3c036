"""Hostile input at the HTTP level: huge headers, invalid UTF-8, deep nesting. Each gets a clear 4xx (or the
connection is refused by the HTTP parser) and the gateway keeps serving."""

from __future__ import annotations

import json
import socket

import httpx

from support.gateway import LiveGateway


def _raw(gw: LiveGateway, data: bytes) -> bytes:
    host, port = gw.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(data)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


def _still_serving(gw: LiveGateway) -> None:
    assert httpx.get(gw.url + "/healthz", timeout=5).status_code == 200


def test_huge_header_is_refused(gateway: LiveGateway) -> None:
    body = b'{"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}'
    head = (f"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: {gateway.key}\r\ncontent-type: application/json\r\n"
            f"x-filler: {'a' * (1024 * 1024)}\r\ncontent-length: {len(body)}\r\n\r\n").encode()
    answer = _raw(gateway, head + body)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    error = json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]
    assert error["type"] == "request_too_large" and "headers too large" in error["message"]
    assert gateway.fake.requests == []
    _still_serving(gateway)


def test_huge_header_arriving_in_one_read_is_refused(gateway: LiveGateway) -> None:
    head = f"GET /healthz HTTP/1.1\r\nHost: x\r\nx-filler: {'a' * 70_000}\r\n\r\n".encode()  # one send, ~70 KB
    answer = _raw(gateway, head)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    _still_serving(gateway)


def test_ordinary_large_headers_pass(gateway: LiveGateway) -> None:
    res = httpx.get(gateway.url + "/healthz", headers={"x-filler": "a" * 30_000}, timeout=5)
    assert res.status_code == 200


def test_many_headers_are_refused(gateway: LiveGateway) -> None:
    lines = "".join(f"x-h{i}: v\r\n" for i in range(300))  # 4 KB: small, but too many
    head = f"GET /healthz HTTP/1.1\r\nHost: x\r\n{lines}\r\n".encode()
    answer = _raw(gateway, head)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    _still_serving(gateway)


def test_invalid_utf8_body_is_a_provider_shaped_400(gateway: LiveGateway) -> None:
    body = b'{"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "\xff\xfe bad"}]}'
    res = httpx.post(gateway.url + "/v1/messages", content=body, timeout=10,
                     headers={"x-api-key": gateway.key, "anthropic-version": "2023-06-01"})
    assert res.status_code == 400 and res.json()["error"]["type"] == "invalid_request_error"
    assert gateway.fake.requests == []


def test_deep_nesting_is_a_provider_shaped_400(gateway: LiveGateway) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    body = json.dumps({"model": "m", "max_tokens": 5, "messages": []})[:-1] + f', "x": {deep}}}'
    res = httpx.post(gateway.url + "/v1/chat/completions", content=body.encode(), timeout=10,
                     headers={"authorization": f"Bearer {gateway.key}"})
    assert res.status_code == 400 and res.json()["error"]["type"] == "invalid_request_error"
    assert gateway.fake.requests == []
    _still_serving(gateway)
