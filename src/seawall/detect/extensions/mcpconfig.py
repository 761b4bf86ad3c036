"""MCP server entries from every client's config format, normalised to one shape.

| client | where the map lives | remote key |
| Claude Code / Desktop / Cursor / Gemini / Windsurf / plugins | `mcpServers` | url, httpUrl, serverUrl |
| Claude Code user file `~/.claude.json` | `mcpServers`, `projects[path].mcpServers` | url |
| VS Code | `servers` (mcp.json), `mcp.servers` (settings.json) | url |
| Codex | `[mcp_servers.NAME]` (TOML) | url |
| Desktop extension manifest | `server.mcp_config` | - |
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(slots=True)
class ServerSpec:
    name: str
    key_path: str  # where in the document, e.g. mcpServers.git or projects./home/x.mcpServers.db
    transport: str  # stdio | http | sse
    command: str | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # trust, cwd, enabled, disabled, timeout, ...

    def launch_line(self) -> str:
        if self.command:
            return " ".join([self.command, *self.args])
        return self.url or ""


def _strs(v: Any) -> list[str]:
    return [str(x) for x in v] if isinstance(v, list) else []


def _strmap(v: Any) -> dict[str, str]:
    return {str(k): "" if x is None else str(x) for k, x in v.items()} if isinstance(v, dict) else {}


def server_from_entry(name: str, entry: dict[str, Any], key_path: str) -> ServerSpec | None:
    if not isinstance(entry, dict):
        return None
    url = entry.get("url") or entry.get("httpUrl") or entry.get("serverUrl")
    typ = str(entry.get("type") or entry.get("transport") or "").lower()
    headers = _strmap(entry.get("headers") or entry.get("http_headers") or {})
    opts = {k: v for k, v in entry.items()
            if k not in ("command", "args", "env", "url", "httpUrl", "serverUrl", "headers", "http_headers", "type")}
    if isinstance(url, str) and url:
        legacy = bool(entry.get("url")) and not entry.get("httpUrl") and url.rstrip("/").endswith("/sse")
        transport = "sse" if typ == "sse" or legacy else "http"
        return ServerSpec(name, key_path, transport, url=url, headers=headers, env=_strmap(entry.get("env")),
                          options=opts)
    command = entry.get("command")
    if isinstance(command, str) and command:
        return ServerSpec(name, key_path, "stdio", command=command, args=_strs(entry.get("args")),
                          env=_strmap(entry.get("env")), headers=headers, options=opts)
    return None


def _from_map(m: Any, prefix: str) -> list[ServerSpec]:
    out = []
    if isinstance(m, dict):
        for name, entry in m.items():
            s = server_from_entry(str(name), entry, f"{prefix}.{name}")
            if s is not None:
                out.append(s)
    return out


def servers_in(doc: Any) -> list[ServerSpec]:
    """Every MCP server entry in a parsed config document (any client)."""
    if not isinstance(doc, dict):
        return []
    out: list[ServerSpec] = []
    out += _from_map(doc.get("mcpServers"), "mcpServers")
    out += _from_map(doc.get("mcp_servers"), "mcp_servers")
    if isinstance(doc.get("servers"), dict):
        out += _from_map(doc["servers"], "servers")
    mcp = doc.get("mcp")
    if isinstance(mcp, dict):
        out += _from_map(mcp.get("servers"), "mcp.servers")
    projects = doc.get("projects")
    if isinstance(projects, dict):
        for path, proj in projects.items():
            if isinstance(proj, dict):
                out += _from_map(proj.get("mcpServers"), f"projects.{path}.mcpServers")
    server = doc.get("server")
    if isinstance(server, dict) and isinstance(server.get("mcp_config"), dict):
        s = server_from_entry(str(doc.get("name") or "server"), server["mcp_config"], "server.mcp_config")
        if s is not None:
            out.append(s)
    return out


_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "host.docker.internal"}


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def plain_http_remote(url: str) -> str | None:
    """The host of an http:// URL that leaves the machine, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() != "http" or not parts.hostname:
        return None
    if "${" in parts.hostname or is_loopback(parts.hostname):
        return None
    return parts.hostname


_REF = re.compile(r"\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_]+%|\{\{[^}]+\}\}")
_PLACEHOLDER = re.compile(r"^<[^>]*>$|^\[[^\]]*\]$|your[-_ ]|changeme|change-me|placeholder|example|redacted|xxxx|"
                          r"\*{3,}|\.\.\.|todo",
                          re.I)


def literal_value(value: str) -> str | None:
    """The literal part of an env/header value worth checking as a secret, or None when it is a
    reference (${VAR}, ${env:VAR}, ${input:id}, $VAR), a placeholder, or plainly not a secret."""
    v = value.strip()
    if not v:
        return None
    for prefix in ("Bearer ", "bearer ", "Basic ", "Token ", "token "):
        if v.startswith(prefix):
            v = v[len(prefix):].strip()
    if _REF.search(v) and len(_REF.sub("", v).strip()) < 8:
        return None
    if _PLACEHOLDER.search(v):
        return None
    return v


def looks_secret(key: str, value: str) -> bool:
    """A literal that is shaped like a credential even when no specific rule knows its format."""
    if re.search(r"^[a-z][\w+.-]*://[^:/\s@]+:[^@/\s]{3,}@", value):  # URL with a password
        return True
    if len(value) < 16 or " " in value or value.isdigit():
        return False
    if max((len(t) for t in re.findall(r"[A-Za-z0-9]+", value)), default=0) < 16:
        return False
    keyish = re.search(r"token|secret|key|passw|pwd|auth|credential|bearer|session|cookie|private", key, re.I)
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d"))
    return bool(keyish) and classes >= 2 and len(set(value)) >= 10
