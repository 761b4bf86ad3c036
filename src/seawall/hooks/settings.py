"""Settings generation for the assistants: Claude Code `settings.json` and Cursor `hooks.json`.

Installing merges into the existing file without clobbering: seawall's hook entries and permission
rules are appended to the user's lists, scalar settings it sets (`env.ANTHROPIC_BASE_URL`, managed
options) remember the value they replaced. What was actually added is recorded in a manifest next
to the settings file (`<name>.seawall.json`), so `--uninstall` removes exactly that, and a
re-install first takes back its own previous additions (idempotent, and a policy change
replaces stale rules). The previous file is
kept as `<file>.seawall.bak` whenever it changes.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seawall.errors import SeawallError

CLAUDE_EVENTS = ("PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart")
CURSOR_EVENTS = ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile", "afterFileEdit",
                 "beforeSubmitPrompt")
CLAUDE_MANAGED_ENV = "SEAWALL_CLAUDE_MANAGED_SETTINGS"
CURSOR_MANAGED_ENV = "SEAWALL_CURSOR_MANAGED_HOOKS"
HOOK_TIMEOUT_S = 30
_MISSING = {"$seawall": "missing"}  # marks "no previous value" in the manifest


# --- where ------------------------------------------------------------------------------------------

def claude_settings_path(scope: str, project: Path | None = None) -> Path:
    if scope == "user":
        return Path.home() / ".claude" / "settings.json"
    if scope == "project":
        return (project or Path.cwd()) / ".claude" / "settings.json"
    if scope == "managed":
        return Path(os.environ.get(CLAUDE_MANAGED_ENV) or "/etc/claude-code/managed-settings.json")
    raise SeawallError(f"unknown scope {scope!r} (use user, project or managed)")


def cursor_hooks_path(scope: str, project: Path | None = None) -> Path:
    if scope == "user":
        return Path.home() / ".cursor" / "hooks.json"
    if scope == "project":
        return (project or Path.cwd()) / ".cursor" / "hooks.json"
    if scope == "managed":
        return Path(os.environ.get(CURSOR_MANAGED_ENV) or "/etc/cursor/hooks.json")
    raise SeawallError(f"unknown scope {scope!r} (use user, project or managed)")


def manifest_path(settings: Path) -> Path:
    return settings.with_name(settings.name + ".seawall.json")


def seawall_command() -> str:
    """An absolute command line for this seawall installation."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "seawall" and argv0.exists():
        return shlex.quote(str(argv0.absolute()))
    sibling = Path(sys.executable).parent / "seawall"
    if sibling.exists():
        return shlex.quote(str(sibling))
    return f"{shlex.quote(sys.executable)} -m seawall"


def hook_command(exe: str, client: str, event: str, config: Path | None) -> str:
    cmd = f"{exe} hook {client} {event}"
    if config is not None:
        cmd += f" --config {shlex.quote(str(config.absolute()))}"
    return cmd


# --- what: generated from the policy ------------------------------------------------------------------

@dataclass
class Plan:
    """Items to ensure present: list items at a key path, and scalars at a key path."""

    lists: list[tuple[tuple[str, ...], Any]] = field(default_factory=list)
    scalars: list[tuple[tuple[str, ...], Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # policy rules not expressible as settings (the hooks apply them)


def _file_rule(tool: str, glob: str) -> str:
    g = glob.strip()
    if g.startswith(("**/", "/", "~/", "./")):
        return f"{tool}({g})"
    return f"{tool}(./{g})"


def _bash_rule(pattern: str) -> str | None:
    """A policy command glob as a Claude Code Bash rule, when the glob is a prefix or an exact command."""
    p = " ".join(pattern.split())
    if "|" in p or not p:
        return None
    body, star = (p[:-1], True) if p.endswith("*") else (p, False)
    if any(c in body for c in "*?[]"):
        return None
    body = body.rstrip()
    if not body:
        return None
    return f"Bash({body}:*)" if star else f"Bash({body})"


def claude_plan(policy: Any, exe: str, config: Path | None, scope: str, gateway: str | None) -> Plan:
    plan = Plan()
    for event in CLAUDE_EVENTS:
        command = hook_command(exe, "claude-code", event, config)
        entry: dict[str, Any] = {"hooks": [{"type": "command", "command": command, "timeout": HOOK_TIMEOUT_S}]}
        if event in ("PreToolUse", "PostToolUse"):
            entry = {"matcher": "*", **entry}
        plan.lists.append((("hooks", event), entry))
    cls = policy.classification
    actions = {str(getattr(k, "value", k)): str(getattr(v, "value", v)) for k, v in cls.actions.items()}
    for tier, globs in cls.tiers.items():
        t = str(getattr(tier, "value", tier))
        kind = {"block": "deny", "route_local": "ask"}.get(actions.get(t, ""))
        if kind is None:
            continue
        for g in globs:
            for tool in ("Read", "Edit"):
                plan.lists.append((("permissions", kind), _file_rule(tool, g)))
    for pat in policy.tools.bash.deny:
        rule = _bash_rule(pat)
        if rule:
            plan.lists.append((("permissions", "deny"), rule))
        else:
            plan.skipped.append(f"tools.bash.deny: {pat}")
    for name in policy.tools.deny:
        if any(c in name for c in "*?[]"):
            plan.skipped.append(f"tools.deny: {name}")
        else:
            plan.lists.append((("permissions", "deny"), name))
    for dom in policy.tools.network.deny_domains:
        if any(c in dom for c in "*?[]"):
            plan.skipped.append(f"tools.network.deny_domains: {dom}")
        else:
            plan.lists.append((("permissions", "deny"), f"WebFetch(domain:{dom})"))
    if gateway:
        plan.scalars.append((("env", "ANTHROPIC_BASE_URL"), gateway.rstrip("/")))
    if scope == "managed":
        plan.scalars.append((("permissions", "disableBypassPermissionsMode"), "disable"))
        plan.scalars.append((("allowManagedHooksOnly",), True))
    # de-duplicate, keeping order
    seen: set[str] = set()
    uniq = []
    for path, item in plan.lists:
        key = json.dumps([path, item], sort_keys=True)
        if key not in seen:
            seen.add(key)
            uniq.append((path, item))
    plan.lists = uniq
    return plan


def cursor_plan(exe: str, config: Path | None) -> Plan:
    plan = Plan(scalars=[(("version",), 1)])
    for event in CURSOR_EVENTS:
        plan.lists.append((("hooks", event), {"command": hook_command(exe, "cursor", event, config)}))
    return plan


# --- merge, take back -------------------------------------------------------------------------------

def _get(doc: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = doc
    for k in path:
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


def _container(doc: dict[str, Any], path: tuple[str, ...], created: list[list[str]], leaf: type) -> Any:
    node = doc
    for i, k in enumerate(path):
        last = i == len(path) - 1
        if k not in node:
            node[k] = leaf() if last else {}
            created.append(list(path[: i + 1]))
        elif not isinstance(node[k], leaf if last else dict):
            raise SeawallError(f"{'.'.join(path[: i + 1])} has an unexpected type in the settings file; fix it first")
        node = node[k]
    return node


def take_back(doc: dict[str, Any], manifest: dict[str, Any]) -> None:
    """Remove what a manifest says seawall added (items the user changed since are left alone)."""
    for path, item in manifest.get("lists", []):
        lst = _get(doc, tuple(path))
        if isinstance(lst, list) and item in lst:
            lst.remove(item)
    for path, value, previous in manifest.get("scalars", []):
        parent = _get(doc, tuple(path[:-1])) if len(path) > 1 else doc
        if isinstance(parent, dict) and parent.get(path[-1]) == value:
            if previous == _MISSING:
                del parent[path[-1]]
            else:
                parent[path[-1]] = previous
    for path in sorted(manifest.get("created", []), key=len, reverse=True):
        parent = _get(doc, tuple(path[:-1])) if len(path) > 1 else doc
        if isinstance(parent, dict) and path[-1] in parent and parent[path[-1]] in ({}, []):
            del parent[path[-1]]


def apply(doc: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """Add the plan to `doc` (in place); the manifest of what was actually added."""
    created: list[list[str]] = []
    lists, scalars = [], []
    for path, item in plan.lists:
        lst = _container(doc, path, created, list)
        if item not in lst:
            lst.append(item)
            lists.append([list(path), item])
    for path, value in plan.scalars:
        parent = _container(doc, path[:-1], created, dict) if len(path) > 1 else doc
        previous = parent.get(path[-1], _MISSING)
        if previous != value:
            parent[path[-1]] = value
            scalars.append([list(path), value, previous])
    return {"version": 1, "lists": lists, "scalars": scalars, "created": created}


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _read_json(path: Path, what: str) -> tuple[dict[str, Any], str | None]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        raise SeawallError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not text.strip():
        return {}, text
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise SeawallError(f"{path}: not valid JSON ({exc}); fix or move it, then run the command again") from None
    if not isinstance(doc, dict):
        raise SeawallError(f"{path}: {what} must be a JSON object")
    return doc, text


@dataclass
class Result:
    path: Path
    changed: bool
    diff: str
    backup: Path | None = None
    skipped: list[str] = field(default_factory=list)
    message: str = ""


def _merge_manifests(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A re-install keeps the earliest "previous" of each scalar and every container it created."""
    prev = {json.dumps(p): v for p, _, v in old.get("scalars", [])}
    scalars = [[p, val, prev.get(json.dumps(p), pv)] for p, val, pv in new["scalars"]]
    created = list(new["created"])
    for c in old.get("created", []):
        if c not in created:
            created.append(c)
    return {**new, "scalars": scalars, "created": created}


def install(path: Path, plan: Plan, dry_run: bool = False, uninstall: bool = False) -> Result:
    """Merge `plan` into the JSON settings at `path` (or take it back with `uninstall`)."""
    doc, before = _read_json(path, "the settings file")
    mpath = manifest_path(path)
    old_manifest, _ = _read_json(mpath, "the seawall manifest")
    work = json.loads(json.dumps(doc))
    take_back(work, old_manifest)
    # a scalar seawall set before and that a re-install sets again keeps its original "previous"
    manifest: dict[str, Any] | None = None
    if not uninstall:
        manifest = apply(work, plan)
        if old_manifest:
            manifest = _merge_manifests(old_manifest, manifest)
    after = _dump(work) if (work or before is not None) else ""
    if uninstall and not old_manifest:
        return Result(path, False, "", message=f"{path}: nothing installed by seawall")
    old_text = before if before is not None else ""
    changed = after != old_text and not (before is None and not work)
    diff = "".join(difflib.unified_diff(old_text.splitlines(True), after.splitlines(True),
                                        fromfile=str(path), tofile=str(path) + " (seawall)"))
    res = Result(path, changed, diff, skipped=plan.skipped if not uninstall else [])
    if dry_run:
        res.message = f"{path}: would change" if changed else f"{path}: already up to date"
        return res
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        if before is not None:
            res.backup = path.with_name(path.name + ".seawall.bak")
            _atomic_write(res.backup, before)
        if uninstall and not work and before is not None and old_manifest.get("created_file"):
            path.unlink()
        else:
            _atomic_write(path, after)
    if uninstall:
        with contextlib.suppress(FileNotFoundError):
            mpath.unlink()
    elif manifest is not None and (manifest["lists"] or manifest["scalars"] or changed or old_manifest):
        manifest["created_file"] = bool(old_manifest.get("created_file")) or before is None
        _atomic_write(mpath, _dump(manifest))
    res.message = f"{path}: {'removed seawall settings' if uninstall else 'installed'}" if changed \
        else f"{path}: already up to date"
    return res


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, "utf-8")
    with contextlib.suppress(OSError):
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)
