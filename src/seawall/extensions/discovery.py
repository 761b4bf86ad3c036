"""What is installed: skills, commands, agents, plugins and marketplaces, hooks and MCP servers, for
Claude Code, Claude Desktop, Cursor, VS Code, Codex CLI, Gemini CLI and Windsurf, at user level and in
the current project. Reads files only; runs nothing.

The home folder is `$SEAWALL_HOME` when set (tests, audits of another account), else `~`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seawall.detect.extensions import mcpconfig, packages

ASSISTANTS = ("claude-code", "claude-desktop", "cursor", "vscode", "codex", "gemini", "windsurf")


@dataclass
class Extension:
    assistant: str
    kind: str  # skill | command | agent | plugin | marketplace | mcp-server | hooks | rules | context
    name: str
    scope: str  # user | project | local | plugin:<name> | extension:<name>
    path: Path  # the folder or file that makes it up (for servers: the config file)
    version: str | None = None
    source: str | None = None  # marketplace, npm, pypi, docker, url, local
    package: str | None = None  # package the launch command fetches (servers)
    ecosystem: str | None = None  # npm | pypi | docker
    server: mcpconfig.ServerSpec | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # enabled, autoUpdate, trust, ...

    @property
    def key(self) -> str:
        return f"{self.assistant}/{self.scope}/{self.kind}/{self.name}"

    def files(self) -> list[Path]:
        """Every file that makes up the extension (content-hashed by the lockfile)."""
        if self.kind == "mcp-server" or self.kind == "marketplace":
            return []
        if self.path.is_dir():
            out = []
            for root, dirs, names in os.walk(self.path):
                dirs[:] = sorted(d for d in dirs if d not in (".git", "node_modules", "__pycache__"))
                out += [Path(root) / n for n in sorted(names)]
            return out
        return [self.path] if self.path.is_file() else []


def home_dir() -> Path:
    env = os.environ.get("SEAWALL_HOME")
    return Path(env).expanduser() if env else Path.home()


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text("utf-8")
    except OSError:
        return None
    try:
        return json.loads(text)
    except ValueError:
        from seawall.detect.extensions.engine import _strip_jsonc

        try:
            return json.loads(_strip_jsonc(text))
        except ValueError:
            return None


def _read_toml(path: Path) -> Any:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None


def _frontmatter(path: Path) -> dict[str, str]:
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return {}
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    out: dict[str, str] = {}
    for line in text[3:end if end != -1 else 0].splitlines():
        if ":" in line and not line.startswith((" ", "\t")):
            k, _, v = line.partition(":")
            out[k.strip().lower()] = v.strip().strip("\"'")
    meta_version = None
    for line in text[3:end if end != -1 else 0].splitlines():
        if line.strip().startswith("version:") and line.startswith((" ", "\t")):
            meta_version = line.split(":", 1)[1].strip().strip("\"'")
    if "version" not in out and meta_version:
        out["version"] = meta_version
    return out


def _servers(assistant: str, scope: str, cfg: Path, doc: Any, only: str | None = None) -> Iterator[Extension]:
    for spec in mcpconfig.servers_in(doc):
        if only is not None and not spec.key_path.startswith(only):
            continue
        refs, _auto = packages.launch_packages(spec.command or "", spec.args) if spec.command else ([], False)
        ref = refs[0] if refs else None
        if ref is not None:
            source, version = ref.ecosystem, ref.version
        elif spec.url:
            source, version = "url", None
        else:
            source, version = "local", None
        yield Extension(assistant, "mcp-server", spec.name, scope, cfg, version=version, source=source,
                        package=ref.name if ref else None, ecosystem=ref.ecosystem if ref else None, server=spec,
                        settings={k: v for k, v in spec.options.items() if k in ("trust", "enabled", "disabled",
                                                                                   "autoApprove", "alwaysAllow")})


def _skills(assistant: str, scope: str, base: Path) -> Iterator[Extension]:
    skills = base / "skills"
    if skills.is_dir():
        for d in sorted(p for p in skills.iterdir() if (p / "SKILL.md").is_file()):
            fm = _frontmatter(d / "SKILL.md")
            yield Extension(assistant, "skill", fm.get("name") or d.name, scope, d, version=fm.get("version"),
                            source="local" if not scope.startswith("plugin:") else scope.split(":", 1)[1])
    for kind, folder in (("command", "commands"), ("agent", "agents")):
        d = base / folder
        if d.is_dir():
            for f in sorted(d.rglob("*.md")):
                fm = _frontmatter(f)
                name = fm.get("name") or f.relative_to(d).with_suffix("").as_posix()
                yield Extension(assistant, kind, name, scope, f, source="local")


def _hooks(assistant: str, scope: str, cfg: Path, doc: Any) -> Iterator[Extension]:
    if isinstance(doc, dict) and isinstance(doc.get("hooks"), dict) and doc["hooks"]:
        yield Extension(assistant, "hooks", cfg.name, scope, cfg, source="local",
                        settings={"events": sorted(doc["hooks"])})


def _plugin(root: Path, scope: str, enabled: dict[str, Any]) -> Iterator[Extension]:
    manifest = _read_json(root / ".claude-plugin" / "plugin.json") or {}
    name = str(manifest.get("name") or root.name)
    market = None
    parts = root.parts
    if "cache" in parts:  # ~/.claude/plugins/cache/<marketplace>/<plugin>/<version>
        i = parts.index("cache")
        market = parts[i + 1] if len(parts) > i + 1 else None
    elif "marketplaces" in parts:
        i = parts.index("marketplaces")
        market = parts[i + 1] if len(parts) > i + 1 else None
    state = enabled.get(f"{name}@{market}") if market else None
    if state is None:
        state = next((v for k, v in enabled.items() if k.split("@")[0] == name), None)
    yield Extension("claude-code", "plugin", name, scope, root, version=manifest.get("version"),
                    source=market or "local", settings={"enabled": state} if state is not None else {})
    inner = f"plugin:{name}"
    yield from _skills("claude-code", inner, root)
    hooks = _read_json(root / "hooks" / "hooks.json")
    yield from _hooks("claude-code", inner, root / "hooks" / "hooks.json", hooks)
    mcp_file = root / ".mcp.json"
    if mcp_file.is_file():
        yield from _servers("claude-code", inner, mcp_file, _read_json(mcp_file))
    if isinstance(manifest.get("mcpServers"), dict):
        yield from _servers("claude-code", inner, root / ".claude-plugin" / "plugin.json",
                            {"mcpServers": manifest["mcpServers"]})


def _plugin_roots(top: Path, depth: int = 6) -> Iterator[Path]:
    if not top.is_dir():
        return
    for root, dirs, _files in os.walk(top):
        rel_depth = len(Path(root).relative_to(top).parts)
        if (Path(root) / ".claude-plugin" / "plugin.json").is_file():
            yield Path(root)
        dirs[:] = sorted(d for d in dirs if d not in (".git", "node_modules", ".claude-plugin")) \
            if rel_depth < depth else []


def _marketplaces(home: Path, settings_docs: list[tuple[str, Any]]) -> Iterator[Extension]:
    seen: set[str] = set()
    known = _read_json(home / ".claude" / "plugins" / "known_marketplaces.json")
    if isinstance(known, dict):
        for name, entry in known.items():
            entry = entry if isinstance(entry, dict) else {}
            seen.add(name)
            yield Extension("claude-code", "marketplace", name, "user", home / ".claude" / "plugins",
                            source=json.dumps(entry.get("source"), sort_keys=True) if entry.get("source") else None,
                            settings={"autoUpdate": entry.get("autoUpdate")} if "autoUpdate" in entry else {})
    for scope, doc in settings_docs:
        extra = doc.get("extraKnownMarketplaces") if isinstance(doc, dict) else None
        if isinstance(extra, dict):
            for name, entry in extra.items():
                if name in seen:
                    continue
                seen.add(name)
                entry = entry if isinstance(entry, dict) else {}
                yield Extension("claude-code", "marketplace", str(name), scope, home / ".claude",
                                source=json.dumps(entry.get("source"), sort_keys=True) if entry.get("source") else None,
                                settings={"autoUpdate": entry.get("autoUpdate")} if "autoUpdate" in entry else {})
    mroot = home / ".claude" / "plugins" / "marketplaces"
    if mroot.is_dir():
        for d in sorted(mroot.iterdir()):
            if (d / ".claude-plugin" / "marketplace.json").is_file() and d.name not in seen:
                yield Extension("claude-code", "marketplace", d.name, "user", d, source="local")


def discover(project: Path | None = None, home: Path | None = None) -> list[Extension]:
    """Everything installed for every supported assistant, user level and in `project`."""
    home = home or home_dir()
    project = (project or Path.cwd()).resolve()
    out: list[Extension] = []
    out += _claude_code(home, project)
    out += _claude_desktop(home)
    for cfg, scope in ((home / ".cursor" / "mcp.json", "user"), (project / ".cursor" / "mcp.json", "project")):
        if cfg.is_file():
            out += _servers("cursor", scope, cfg, _read_json(cfg))
    rules = project / ".cursor" / "rules"
    if rules.is_dir():
        out += [Extension("cursor", "rules", f.relative_to(rules).as_posix(), "project", f, source="local")
                for f in sorted(rules.rglob("*.mdc"))]
    out += _vscode(home, project)
    codex_home = Path(os.environ["CODEX_HOME"]) if os.environ.get("CODEX_HOME") and "SEAWALL_HOME" not in os.environ \
        else home / ".codex"
    for cfg, scope in ((codex_home / "config.toml", "user"), (project / ".codex" / "config.toml", "project")):
        if cfg.is_file():
            out += _servers("codex", scope, cfg, _read_toml(cfg))
    out += _gemini(home, project)
    cfg = home / ".codeium" / "windsurf" / "mcp_config.json"
    if cfg.is_file():
        out += _servers("windsurf", "user", cfg, _read_json(cfg))
    for name, assistant in (("CLAUDE.md", "claude-code"), ("AGENTS.md", "codex"), ("GEMINI.md", "gemini"),
                            (".cursorrules", "cursor"), (".windsurfrules", "windsurf")):
        if (project / name).is_file():
            out.append(Extension(assistant, "context", name, "project", project / name, source="local"))
    for f, assistant in ((home / ".claude" / "CLAUDE.md", "claude-code"), (home / ".codex" / "AGENTS.md", "codex"),
                         (home / ".gemini" / "GEMINI.md", "gemini")):
        if f.is_file():
            out.append(Extension(assistant, "context", f.name, "user", f, source="local"))
    return out


def _claude_code(home: Path, project: Path) -> list[Extension]:
    out: list[Extension] = []
    out += _skills("claude-code", "user", home / ".claude")
    out += _skills("claude-code", "project", project / ".claude")
    settings_docs: list[tuple[str, Any]] = []
    for scope, f in (("user", home / ".claude" / "settings.json"), ("project", project / ".claude" / "settings.json"),
                     ("local", project / ".claude" / "settings.local.json")):
        doc = _read_json(f) if f.is_file() else None
        if doc is not None:
            settings_docs.append((scope, doc))
            out += _hooks("claude-code", scope, f, doc)
    enabled: dict[str, Any] = {}
    for _scope, doc in settings_docs:
        if isinstance(doc, dict) and isinstance(doc.get("enabledPlugins"), dict):
            enabled.update(doc["enabledPlugins"])
    out += _marketplaces(home, settings_docs)
    seen_plugins: set[tuple[str, str | None]] = set()
    for root in _plugin_roots(home / ".claude" / "plugins"):
        for ext in _plugin(root, "user", enabled):
            if ext.kind == "plugin":
                if (ext.name, ext.version) in seen_plugins:
                    break
                seen_plugins.add((ext.name, ext.version))
            out.append(ext)
    if (project / ".claude-plugin" / "plugin.json").is_file():
        out += _plugin(project, "project", enabled)
    user_file = home / ".claude.json"
    if user_file.is_file():
        doc = _read_json(user_file)
        out += _servers("claude-code", "user", user_file, doc, only="mcpServers")
        proj = doc.get("projects", {}).get(str(project)) if isinstance(doc, dict) else None
        if isinstance(proj, dict):
            out += _servers("claude-code", "local", user_file, {"mcpServers": proj.get("mcpServers") or {}})
    mcp_file = project / ".mcp.json"
    if mcp_file.is_file():
        out += _servers("claude-code", "project", mcp_file, _read_json(mcp_file))
    return out


def _claude_desktop(home: Path) -> list[Extension]:
    cands = [home / "Library" / "Application Support" / "Claude", home / ".config" / "Claude"]
    if os.environ.get("APPDATA") and "SEAWALL_HOME" not in os.environ:
        cands.append(Path(os.environ["APPDATA"]) / "Claude")
    cands.append(home / "AppData" / "Roaming" / "Claude")
    out: list[Extension] = []
    for d in cands:
        cfg = d / "claude_desktop_config.json"
        if cfg.is_file():
            out += _servers("claude-desktop", "user", cfg, _read_json(cfg))
    return out


def _vscode(home: Path, project: Path) -> list[Extension]:
    out: list[Extension] = []
    cfg = project / ".vscode" / "mcp.json"
    if cfg.is_file():
        out += _servers("vscode", "project", cfg, _read_json(cfg))
    for user in (home / ".config" / "Code" / "User", home / "Library" / "Application Support" / "Code" / "User",
                 home / "AppData" / "Roaming" / "Code" / "User"):
        for name in ("mcp.json", "settings.json"):
            f = user / name
            if f.is_file():
                out += _servers("vscode", "user", f, _read_json(f))
    return out


def _gemini(home: Path, project: Path) -> list[Extension]:
    out: list[Extension] = []
    for cfg, scope in ((home / ".gemini" / "settings.json", "user"),
                       (project / ".gemini" / "settings.json", "project")):
        if cfg.is_file():
            out += _servers("gemini", scope, cfg, _read_json(cfg))
    ext_root = home / ".gemini" / "extensions"
    if ext_root.is_dir():
        for d in sorted(ext_root.iterdir()):
            manifest = _read_json(d / "gemini-extension.json")
            if not isinstance(manifest, dict):
                continue
            name = str(manifest.get("name") or d.name)
            out.append(Extension("gemini", "extension", name, "user", d, version=manifest.get("version"),
                                 source="local"))
            out += _servers("gemini", f"extension:{name}", d / "gemini-extension.json", manifest)
    return out
