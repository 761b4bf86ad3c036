"""A plain git pre-commit hook that runs `seawall scan secrets --staged`."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from seawall.errors import SeawallError

MARKER = "# installed by seawall: secrets pre-commit hook"


def hook_script(seawall_cmd: str) -> str:
    return f"""#!/bin/sh
{MARKER}
# Refuses a commit that adds a secret. Bypass once (not recommended): git commit --no-verify
exec {seawall_cmd} scan secrets --staged
"""


def _hooks_dir(repo: Path) -> Path:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--git-path", "hooks"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SeawallError(f"git is needed to install the hook: {exc}") from None
    if out.returncode != 0:
        raise SeawallError(f"{repo} is not inside a git repository")
    hooks = Path(out.stdout.strip())
    return hooks if hooks.is_absolute() else (repo / hooks)


def _seawall_command() -> str:
    """The seawall that runs now, by absolute path, so the hook works without an activated venv."""
    exe = shutil.which("seawall")
    here = Path(sys.executable).with_name("seawall")
    if here.exists():
        exe = str(here)
    return shlex.quote(exe) if exe else f"{shlex.quote(sys.executable)} -m seawall"


def install(repo: Path, force: bool = False) -> tuple[Path, str]:
    """Write the hook; returns (path, what happened). A foreign hook is kept unless force, then backed up."""
    hooks = _hooks_dir(repo)
    hooks.mkdir(parents=True, exist_ok=True)
    path = hooks / "pre-commit"
    script = hook_script(_seawall_command())
    if path.exists():
        current = path.read_text("utf-8", "replace")
        if current == script:
            return path, "already installed"
        if MARKER not in current:
            if not force:
                raise SeawallError(f"{path} exists and was not written by seawall; "
                                   "use --force to replace it (a backup is kept)")
            backup = path.with_name("pre-commit.seawall-backup")
            backup.write_text(current, "utf-8")
            backup.chmod(0o755)
    path.write_text(script, "utf-8")
    path.chmod(0o755)
    return path, "installed"


def uninstall(repo: Path) -> tuple[Path, str]:
    """Remove our hook only; restore a backed-up foreign hook if there is one."""
    path = _hooks_dir(repo) / "pre-commit"
    if not path.exists() or MARKER not in path.read_text("utf-8", "replace"):
        return path, "not installed"
    path.unlink()
    backup = path.with_name("pre-commit.seawall-backup")
    if backup.exists():
        backup.rename(path)
        return path, "removed; previous hook restored"
    return path, "removed"
