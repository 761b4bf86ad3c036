"""List an MCP server's tools through the official MCP Python SDK (stdio client), with a timeout and a
stripped environment: only PATH-like basics plus the variables the server's config declares."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any

from seawall.detect.extensions.mcpconfig import ServerSpec

_BASIC_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TERM", "SHELL", "TMPDIR", "SYSTEMROOT", "USERPROFILE", "APPDATA")
_REF = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True, slots=True)
class ToolInfo:
    name: str
    description: str
    schema: dict[str, Any]

    @property
    def digest(self) -> str:
        body = json.dumps({"name": self.name, "description": self.description, "schema": self.schema},
                          sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(body.encode()).hexdigest()

    @property
    def schema_digest(self) -> str:
        return "sha256:" + hashlib.sha256(json.dumps(self.schema, sort_keys=True).encode()).hexdigest()


def _expand(value: str, env: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        return env.get(name, m.group(2) or "")

    return _REF.sub(sub, value)


def stripped_env(spec: ServerSpec, parent: dict[str, str] | None = None) -> dict[str, str]:
    parent = dict(os.environ if parent is None else parent)
    env = {k: parent[k] for k in _BASIC_ENV if k in parent}
    for k, v in spec.env.items():
        env[k] = _expand(v, parent)
    return env


class ConnectError(Exception):
    pass


def list_tools(spec: ServerSpec, timeout: float = 15.0) -> list[ToolInfo]:
    """Start a stdio server, initialise, list its tools, stop it."""
    if spec.transport != "stdio" or not spec.command:
        raise ConnectError("only stdio servers are connected (remote servers are not contacted)")
    try:
        import anyio
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client
    except ImportError as exc:  # pragma: no cover
        raise ConnectError(f"the MCP SDK is not installed ({exc.name})") from None

    env = stripped_env(spec)
    params = StdioServerParameters(command=_expand(spec.command, env), args=[_expand(a, env) for a in spec.args],
                                   env=env, cwd=spec.options.get("cwd") if isinstance(spec.options.get("cwd"), str)
                                   else None)

    async def run() -> list[ToolInfo]:
        with anyio.fail_after(timeout):
            with open(os.devnull, "w") as errlog:
                async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                    await session.initialize()
                    tools: list[ToolInfo] = []
                    cursor = None
                    while True:
                        from mcp import types

                        res = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor)
                                                       if cursor else None)
                        for t in res.tools:
                            schema = getattr(t, "input_schema", None) or getattr(t, "inputSchema", None) or {}
                            tools.append(ToolInfo(t.name, t.description or "", dict(schema)))
                        cursor = getattr(res, "next_cursor", None) or getattr(res, "nextCursor", None)
                        if not cursor:
                            return tools

    try:
        return anyio.run(run)
    except TimeoutError:
        raise ConnectError(f"no answer within {timeout:g}s") from None
    except Exception as exc:  # a server that fails to start or speaks something else
        msg = str(exc) or type(exc).__name__
        if hasattr(exc, "exceptions"):
            msg = "; ".join(str(e) or type(e).__name__ for e in exc.exceptions)
        raise ConnectError(msg[:300]) from None
