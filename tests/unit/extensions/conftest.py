from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# the shared read-only files sit next to the repository on the dev machine (and where CI runs)
_SHARED = next((p for p in (Path(os.environ.get("SEAWALL_SHARED", "/work/shared")),
                            Path(__file__).resolve().parents[4] / "shared") if p.is_dir()), Path("/work/shared"))
FIXTURES = _SHARED / "fixtures" / "extensions"


@pytest.fixture
def fixture_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A fake home and project built from shared/fixtures/extensions, each file at its real place."""
    if not FIXTURES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared fixtures not found at {FIXTURES} (set SEAWALL_SHARED)")
        pytest.skip("shared fixtures not present")
    home, project = tmp_path / "home", tmp_path / "src" / "shop"
    home.mkdir()
    project.mkdir(parents=True)
    f = FIXTURES
    shutil.copytree(f / "claude-skill" / ".claude", home / ".claude")  # user skill
    shutil.copytree(f / "claude-skill" / ".claude", project / ".claude", dirs_exist_ok=True)  # project skill
    shutil.copytree(f / "claude-plugin", home / ".claude" / "plugins" / "cache" / "example-marketplace" / "team-tools"
                    / "0.3.1")
    shutil.copy(f / "claude-code-mcp" / ".mcp.json", project / ".mcp.json")
    claude_json = (f / "claude-code-mcp" / "claude.json.example").read_text()
    claude_json = claude_json.replace("/home/dev/src/shop", str(project))
    (home / ".claude.json").write_text(claude_json)
    (home / ".config" / "Claude").mkdir(parents=True)
    shutil.copy(f / "claude-desktop" / "claude_desktop_config.json", home / ".config" / "Claude")
    shutil.copytree(f / "cursor" / ".cursor", project / ".cursor")
    shutil.copytree(f / "vscode" / ".vscode", project / ".vscode")
    shutil.copytree(f / "codex" / ".codex", home / ".codex")
    shutil.copytree(f / "gemini" / ".gemini", project / ".gemini")
    shutil.copytree(f / "windsurf" / ".codeium", home / ".codeium")
    monkeypatch.setenv("SEAWALL_HOME", str(home))
    monkeypatch.delenv("CODEX_HOME", raising=False)
    return home, project
