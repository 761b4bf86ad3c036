"""uvicorn's httptools protocol with bounds on the request head: httptools buffers headers without
limit, so one endless header line or thousands of headers would grow memory until the process dies.
Past the bounds the client gets 431 (a JSON error both SDK families read) and the connection closes."""

from __future__ import annotations

import importlib.util
from typing import Any

MAX_HEAD_BYTES = 64 * 1024  # request line plus headers; Claude Code and the SDKs send 1-3 KB
MAX_HEADERS = 200

_BODY = (b'{"type":"error","error":{"type":"request_too_large","code":"headers_too_large",'
         b'"message":"request headers too large (at most 64 KiB and 200 headers)"}}')


def http_protocol() -> Any:
    """What to pass as uvicorn's `http`: the bounded httptools protocol, or h11 (which bounds its own
    buffer, 16 KiB by default) when httptools is not installed."""
    if importlib.util.find_spec("httptools") is None:
        return "h11"
    return _bounded()


def _bounded() -> type:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        _in_head = True  # a connection starts with a request head
        _head_bytes = 0  # bytes received while the head was incomplete
        _parsed_bytes = 0  # request target and header lines the parser has handed over
        _refused = False

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            super().data_received(data)
            if self._in_head and not self._refused:  # the head is still incomplete after this chunk
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self._refuse()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head = True
            self._head_bytes = 0
            self._parsed_bytes = 0

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            self._count(len(url))

        def on_header(self, name: bytes, value: bytes) -> None:
            super().on_header(name, value)
            if len(self.headers) > MAX_HEADERS:
                self._refused = True
                raise ValueError("too many headers")  # the parser stops; uvicorn calls send_400_response
            self._count(len(name) + len(value) + 4)

        def _count(self, n: int) -> None:
            # what the parser has read of this head (a head that arrives whole in one read is counted too)
            self._parsed_bytes += n
            if self._parsed_bytes > MAX_HEAD_BYTES:
                self._refused = True
                raise ValueError("request head too large")

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def send_400_response(self, msg: str) -> None:
            if self._refused:
                self._refused = False
                self._refuse()
            else:
                super().send_400_response(msg)

        def _refuse(self) -> None:
            self._refused = True
            self.logger.warning("request head over %d bytes or %d headers: refused with 431",
                                MAX_HEAD_BYTES, MAX_HEADERS)
            if not self.transport.is_closing():
                self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                                     b"content-type: application/json\r\nconnection: close\r\n"
                                     b"content-length: " + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY)
                self.transport.close()

    return BoundedHttpToolsProtocol
