"""Restore placeholders in provider answers: whole JSON bodies, and SSE streams event by event.

In streams a placeholder may be split across deltas at any character; each text or tool-argument
stream (per content block, choice or output item) has its own StreamRestorer, and what it holds back
is released before the block ends. Tool-call arguments are JSON fragments, so values restored into
them are JSON-escaped. Events without anything to restore pass through as the exact bytes received.
"""

from __future__ import annotations

from typing import Any

import orjson

from seawall.redact.vault import StreamRestorer, Vault

_ESCAPED_KEYS = frozenset({"arguments", "partial_json"})  # strings that hold JSON text


def restore_json(node: Any, vault: Vault, escaped: bool = False) -> Any:
    if isinstance(node, str):
        return vault.restore(node, escaped)
    if isinstance(node, list):
        return [restore_json(x, vault, escaped) for x in node]
    if isinstance(node, dict):
        return {k: restore_json(v, vault, k in _ESCAPED_KEYS) for k, v in node.items()}
    return node


def restore_body(body: bytes, vault: Vault) -> bytes:
    if not vault or b"[[sw:" not in body:
        return body
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return vault.restore(body.decode("utf-8", "replace")).encode()
    return orjson.dumps(restore_json(data, vault))


class SSERewriter:
    """Feed raw SSE bytes, get the bytes to send on; `flush()` at the end of the stream."""

    def __init__(self, fmt: str, vault: Vault) -> None:
        self.fmt = fmt
        self.vault = vault
        self._buf = b""
        self._restorers: dict[Any, StreamRestorer] = {}

    def feed(self, chunk: bytes) -> bytes:
        self._buf += chunk
        out: list[bytes] = []
        while True:
            end, sep = _event_end(self._buf)
            if end == -1:
                break
            block, self._buf = self._buf[: end + sep], self._buf[end + sep :]
            out.append(self._event(block))
        return b"".join(out)

    def flush(self) -> bytes:
        rest, self._buf = self._buf, b""
        tail = [self._event(rest)] if rest.strip() else []
        held = "".join(r.flush() for r in self._restorers.values())
        self._restorers.clear()
        if held and self.fmt == "anthropic":
            tail.insert(0, _sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                        "delta": {"type": "text_delta", "text": held}}))
        return b"".join(tail)

    def _restorer(self, key: Any, escaped: bool = False) -> StreamRestorer:
        r = self._restorers.get(key)
        if r is None:
            r = self._restorers[key] = StreamRestorer(self.vault, escaped)
        return r

    def _event(self, block: bytes) -> bytes:
        name, data = _parse(block)
        if data is None or data == b"[DONE]":
            return block
        try:
            ev = orjson.loads(data)
        except orjson.JSONDecodeError:
            return block
        if not isinstance(ev, dict):
            return block
        try:
            if self.fmt == "anthropic":
                extra, changed = self._anthropic(ev)
            elif self.fmt == "openai_chat":
                extra, changed = self._chat(ev)
            else:
                extra, changed = self._responses(ev)
        except (AttributeError, TypeError, ValueError):
            return block  # an event of an unexpected shape passes unchanged
        if not changed:
            return extra + block
        return extra + _sse(name, ev)

    # --- per format -----------------------------------------------------------------------------

    def _anthropic(self, ev: dict[str, Any]) -> tuple[bytes, bool]:
        t = ev.get("type")
        idx = ev.get("index")
        if t == "content_block_delta":
            delta = ev.get("delta") or {}
            if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
                delta["text"] = self._restorer(("t", idx)).feed(delta["text"])
                return b"", True
            if delta.get("type") == "input_json_delta" and isinstance(delta.get("partial_json"), str):
                delta["partial_json"] = self._restorer(("j", idx), True).feed(delta["partial_json"])
                return b"", True
        elif t == "content_block_stop":
            pre = b""
            for kind, key in (("text_delta", ("t", idx)), ("input_json_delta", ("j", idx))):
                r = self._restorers.pop(key, None)
                held = r.flush() if r else ""
                if held:
                    field = "text" if kind == "text_delta" else "partial_json"
                    pre += _sse("content_block_delta", {"type": "content_block_delta", "index": idx,
                                                        "delta": {"type": kind, field: held}})
            return pre, False
        elif t == "message_start" and isinstance(ev.get("message"), dict) and ev["message"].get("content"):
            ev["message"] = restore_json(ev["message"], self.vault)
            return b"", True
        return b"", False

    def _chat(self, ev: dict[str, Any]) -> tuple[bytes, bool]:
        changed = False
        for choice in ev.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            ci = choice.get("index", 0)
            delta = choice.get("delta")
            if isinstance(delta, dict):
                if isinstance(delta.get("content"), str):
                    delta["content"] = self._restorer(("c", ci)).feed(delta["content"])
                    changed = True
                for tc in delta.get("tool_calls") or []:
                    fn = tc.get("function") if isinstance(tc, dict) else None
                    if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                        fn["arguments"] = self._restorer(("a", ci, tc.get("index", 0)), True).feed(fn["arguments"])
                        changed = True
            if choice.get("finish_reason"):
                changed |= self._flush_choice(ci, choice)
        return b"", changed

    def _flush_choice(self, ci: Any, choice: dict[str, Any]) -> bool:
        delta = choice.setdefault("delta", {})
        changed = False
        r = self._restorers.pop(("c", ci), None)
        if r is not None and (held := r.flush()):
            delta["content"] = (delta.get("content") or "") + held
            changed = True
        for key in [k for k in self._restorers if k[0] == "a" and k[1] == ci]:
            held = self._restorers.pop(key).flush()
            if held:
                delta.setdefault("tool_calls", []).append({"index": key[2], "function": {"arguments": held}})
                changed = True
        return changed

    def _responses(self, ev: dict[str, Any]) -> tuple[bytes, bool]:
        t = ev.get("type", "")
        key = (ev.get("item_id"), ev.get("content_index"))
        if t == "response.output_text.delta" and isinstance(ev.get("delta"), str):
            ev["delta"] = self._restorer(("t", *key)).feed(ev["delta"])
            return b"", True
        if t == "response.function_call_arguments.delta" and isinstance(ev.get("delta"), str):
            ev["delta"] = self._restorer(("a", *key), True).feed(ev["delta"])
            return b"", True
        pre = b""
        if t in ("response.output_text.done", "response.function_call_arguments.done"):
            kind = "t" if t == "response.output_text.done" else "a"
            r = self._restorers.pop((kind, *key), None)
            held = r.flush() if r else ""
            if held:
                delta_type = "response.output_text.delta" if kind == "t" else "response.function_call_arguments.delta"
                extra = {k: v for k, v in ev.items() if k in ("item_id", "output_index", "content_index",
                                                                "sequence_number")}
                pre = _sse(delta_type, {"type": delta_type, **extra, "delta": held})
        if "[[sw:" in orjson.dumps(ev).decode():
            restored = restore_json(ev, self.vault)
            ev.clear()
            ev.update(restored)
            return pre, True
        return pre, False


def _event_end(buf: bytes) -> tuple[int, int]:
    """Index and length of the first blank-line separator in `buf` (-1 when none yet)."""
    a = buf.find(b"\n\n")
    b = buf.find(b"\r\n\r\n")
    if a == -1 and b == -1:
        return -1, 0
    if b == -1 or (a != -1 and a < b):
        return a, 2
    return b, 4


def _parse(block: bytes) -> tuple[str | None, bytes | None]:
    name = None
    data: list[bytes] = []
    for line in block.splitlines():
        if line.startswith(b"event:"):
            name = line[6:].strip().decode("utf-8", "replace")
        elif line.startswith(b"data:"):
            data.append(line[5:].lstrip(b" "))
    return name, (b"\n".join(data) if data else None)


def _sse(name: str | None, payload: dict[str, Any]) -> bytes:
    head = f"event: {name}\n".encode() if name else b""
    return head + b"data: " + orjson.dumps(payload) + b"\n\n"
