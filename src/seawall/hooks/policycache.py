"""Find the policy a hook enforces, and keep its validated form in a JSON cache.

Which file: `--config` (baked into the hook command by `seawall install ... --config`), else
$SEAWALL_CONFIG, else `<project>/seawall.yaml`, else `$XDG_CONFIG_HOME/seawall/seawall.yaml`
(~/.config), else `/etc/seawall/seawall.yaml`, else the embedded defaults.

The cache (`$SEAWALL_CACHE_DIR`, else `$XDG_CACHE_HOME/seawall`, else ~/.cache/seawall) holds only
the sections a hook needs (`lite.SECTIONS`) and the kind of store; never provider keys, tokens or
a database URL with a password. Its key is a hash of the file's path and bytes, the values of the
${ENV} variables the file names, and the seawall version, so any edit invalidates it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from seawall import __version__
from seawall.cachefiles import cache_dir, write_json
from seawall.hooks import lite

EMBEDDED = "<embedded defaults>"
FORMAT = 1
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


class HookPolicyError(Exception):
    """The policy cannot be used; the message names the file and the first problem (no secrets)."""


class HookPolicy:
    __slots__ = ("cached", "policy", "source", "store")

    def __init__(self, policy: Any, source: str, store: dict[str, str], cached: bool) -> None:
        self.policy = policy  # seawall.policy.schema.Policy, or its lite form (see lite.py)
        self.source = source
        self.store = store  # {"kind": "sqlite", "path": "~/..."} or {"kind": "other"}
        self.cached = cached  # True when it came from the cache (no YAML parsed)


def locate(explicit: str | None, project_dir: str | None) -> Path | None:
    """The policy file for a hook (None: the embedded defaults)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SEAWALL_CONFIG")
    if env:
        return Path(env)
    candidates = []
    if project_dir:
        candidates.append(Path(project_dir) / "seawall.yaml")
    xdg = os.environ.get("XDG_CONFIG_HOME")
    candidates.append((Path(xdg) if xdg else Path.home() / ".config") / "seawall" / "seawall.yaml")
    candidates.append(Path("/etc/seawall/seawall.yaml"))
    return next((c for c in candidates if c.is_file()), None)


def _starter_path() -> Path:
    import seawall.policy

    return Path(seawall.policy.__file__).parent / "starter.yaml"


def load_for_hook(explicit: str | None, project_dir: str | None, use_cache: bool = True) -> HookPolicy:
    path = locate(explicit, project_dir)
    source = str(path.absolute()) if path is not None else EMBEDDED
    try:
        data = (path if path is not None else _starter_path()).read_bytes()
    except OSError as exc:
        raise HookPolicyError(f"{source}: cannot read the policy ({exc.strerror or type(exc).__name__})") from None
    text = data.decode("utf-8", "replace")
    h = hashlib.sha256()
    for part in (str(FORMAT), __version__, source):
        h.update(part.encode() + b"\0")
    h.update(data + b"\0")
    for name in sorted(set(_ENV_REF.findall(text))):
        h.update(name.encode() + b"=" + os.environ.get(name, "\0unset").encode("utf-8", "surrogatepass") + b"\0")
    src_tag = hashlib.sha256(source.encode()).hexdigest()[:16]
    cache_file = cache_dir() / f"hook-policy-{src_tag}-{h.hexdigest()[:32]}.json"
    if use_cache:
        try:
            entry = json.loads(cache_file.read_bytes())
            if entry.get("format") == FORMAT:
                return HookPolicy(lite.policy_from_cache(entry["sections"]), source, entry["store"], cached=True)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    entry = _validate(path, source)
    if use_cache:
        _write(cache_file, src_tag, entry)
    return HookPolicy(lite.policy_from_cache(entry["sections"]), source, entry["store"], cached=False)


def _validate(path: Path | None, source: str) -> dict[str, Any]:
    """Full load (ruamel + pydantic); the cacheable entry."""
    from seawall.policy.load import PolicyError, load

    try:
        loaded = load(path, allow_missing_env=True, scan_secrets=False)
    except PolicyError as exc:
        first = exc.problems[0] if exc.problems else None
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise HookPolicyError(f"{first}{more}; check it with: seawall policy check {source}") from None
    dump = loaded.policy.model_dump(mode="json")
    store_url = loaded.policy.store
    store = {"kind": "sqlite", "path": store_url[len("sqlite:///"):]} if store_url.startswith("sqlite:///") \
        else {"kind": "other"}
    return {"format": FORMAT, "source": source, "store": store, "sections": {k: dump[k] for k in lite.SECTIONS}}


def _write(cache_file: Path, src_tag: str, entry: dict[str, Any]) -> None:
    """Older entries for the same policy file are removed (see ``cachefiles.write_json``)."""
    write_json(cache_file, entry, f"hook-policy-{src_tag}-*.json")
