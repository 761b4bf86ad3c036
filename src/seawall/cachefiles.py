"""The user's seawall cache folder and how files go into it (hook policy and rule tables, compiled
Hyperscan databases): atomic, private, older versions removed. A cache that cannot be written only
costs speed."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """$SEAWALL_CACHE_DIR, else $XDG_CACHE_HOME/seawall, else ~/.cache/seawall."""
    env = os.environ.get("SEAWALL_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "seawall" if xdg else Path.home() / ".cache" / "seawall"


def write_json(path: Path, entry: dict[str, Any], older: str) -> None:
    """Write `entry` to `path` (0600, in a 0700 folder, replaced atomically), then remove the other files
    of the folder that match the glob `older`. File-system errors are ignored."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(entry, fh, separators=(",", ":"))
        os.replace(tmp, path)
        for old in path.parent.glob(older):
            if old != path:
                with contextlib.suppress(OSError):
                    old.unlink()
