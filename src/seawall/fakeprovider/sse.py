"""Server-sent events: encoding, pacing, and an abrupt cut (connection closed, no terminator)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import Send


def sse(data: Any, event: str | None = None) -> bytes:
    """One SSE frame: optional `event:` line, one `data:` line (JSON unless already a string)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


class EventStream(StreamingResponse):
    """Streams prepared frames, `chunk_delay` seconds apart. With `cut_after` it sends at most that many
    frames and never the last (terminating) one, then returns without finishing the body, so the server
    closes the connection mid-stream (the client sees an incomplete chunked read)."""

    media_type = "text/event-stream; charset=utf-8"

    def __init__(self, frames: list[bytes], chunk_delay: float = 0.0, cut_after: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.frames, self.chunk_delay, self.cut_after = frames, chunk_delay, cut_after
        super().__init__(iter(()), headers={"cache-control": "no-cache", **(headers or {})})

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        cut = self.cut_after is not None
        count = min(max(0, self.cut_after or 0), len(self.frames) - 1) if cut else len(self.frames)
        for index, frame in enumerate(self.frames[:count]):
            if index and self.chunk_delay:
                await asyncio.sleep(self.chunk_delay)
            await send({"type": "http.response.body", "body": frame, "more_body": True})
        if cut:
            return  # abrupt: no final empty body message, uvicorn closes the connection
        await send({"type": "http.response.body", "body": b"", "more_body": False})
