"""Discovery per assistant, from the on-disk examples in shared/fixtures/extensions."""

from __future__ import annotations

from seawall.extensions.discovery import discover


def _by_key(home, project):
    return {e.key: e for e in discover(project, home)}


def test_claude_code_skills_plugins_and_mcp_scopes(fixture_env):
    found = _by_key(*fixture_env)
    assert "claude-code/user/skill/changelog-writer" in found
    assert "claude-code/project/skill/changelog-writer" in found
    plugin = found["claude-code/user/plugin/team-tools"]
    assert plugin.version == "0.3.1" and plugin.source == "example-marketplace"
    assert "claude-code/plugin:team-tools/skill/lint-fix" in found
    assert "claude-code/plugin:team-tools/hooks/hooks.json" in found
    assert found["claude-code/plugin:team-tools/mcp-server/tickets"].server.command.endswith("tickets-server")
    user = found["claude-code/user/mcp-server/notes"]
    assert (user.package, user.version, user.source) == ("notes-mcp", "1.4.0", "pypi")
    assert "claude-code/local/mcp-server/db" in found
    fs = found["claude-code/project/mcp-server/filesystem"]
    assert (fs.package, fs.version, fs.ecosystem) == ("@modelcontextprotocol/server-filesystem", "2025.8.21", "npm")


def test_desktop_cursor_vscode_codex_gemini_windsurf(fixture_env):
    found = _by_key(*fixture_env)
    assert found["claude-desktop/user/mcp-server/sqlite"].version == "0.6.2"
    assert found["cursor/project/mcp-server/browser"].package == "browser-tools-mcp"
    assert found["cursor/project/mcp-server/docs"].server.transport == "http"
    assert "cursor/project/rules/python-style.mdc" in found
    assert found["vscode/project/mcp-server/fetch"].ecosystem == "pypi"  # top-level `servers`, not mcpServers
    assert found["codex/user/mcp-server/context7"].server.env == {"LOG_LEVEL": "warn"}
    assert found["gemini/project/mcp-server/search"].server.url.startswith("https://")
    assert found["gemini/project/mcp-server/events"].server.transport == "sse"
    assert found["windsurf/user/mcp-server/remote-kb"].server.url == "https://kb.example.com/mcp"


def test_empty_home_finds_nothing(tmp_path):
    (tmp_path / "h").mkdir()
    (tmp_path / "p").mkdir()
    assert discover(tmp_path / "p", tmp_path / "h") == []
