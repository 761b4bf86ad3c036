"""The integrity lock: source, version and a content hash of every file of every extension; for MCP
servers the exact launch command and, when connected, a hash of each tool's name, description and
schema. `verify` rebuilds the same record and reports every difference as a readable diff.

JSON by default; TOML when the lockfile name ends in `.toml`. Secrets never reach the file: env and
header values, and launch arguments that look like credentials, are stored as keyed fingerprints."""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seawall.detect.extensions import mcpconfig, packages
from seawall.detect.findings import fingerprint
from seawall.errors import SeawallError
from seawall.extensions.discovery import Extension

LOCK_VERSION = 1


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def _secretish(value: str) -> bool:
    lit = mcpconfig.literal_value(value)
    if lit is None:
        return False
    if mcpconfig.looks_secret("token", lit) and any(c.isdigit() for c in lit) and len(lit) >= 20:
        return True
    try:
        from seawall.detect.registry import scan_text

        return bool(scan_text(lit, detectors=("secrets",)))
    except Exception:
        return False


def _masked(value: str) -> str:
    return f"<secret {fingerprint('lock', value)[:16]}>" if _secretish(value) else value


def _display(path: Path, home: Path, project: Path) -> str:
    for base, label in ((project, "."), (home, "~")):
        try:
            rel = path.resolve().relative_to(base.resolve())
            return label if not rel.parts else f"{label}/{rel.as_posix()}"
        except ValueError:
            continue
    return path.as_posix()


def entry_for(ext: Extension, home: Path, project: Path) -> dict[str, Any]:
    e: dict[str, Any] = {"assistant": ext.assistant, "kind": ext.kind, "name": ext.name, "scope": ext.scope,
                         "path": _display(ext.path, home, project)}
    if ext.source:
        e["source"] = ext.source
    if ext.version:
        e["version"] = str(ext.version)
    if ext.package:
        e["package"] = ext.package
    files: dict[str, str] = {}
    root = ext.path if ext.path.is_dir() else ext.path.parent
    for f in ext.files():
        try:
            files[f.relative_to(root).as_posix()] = _sha256(f)
        except OSError:
            files[f.relative_to(root).as_posix()] = "unreadable"
    if files:
        e["files"] = files
    s = ext.server
    if s is not None:
        launch: dict[str, Any] = {"transport": s.transport}
        if s.command:
            launch["command"] = s.command
            launch["args"] = [_masked(a) for a in s.args]
        if s.url:
            launch["url"] = s.url
        if s.env:
            launch["env"] = {k: _masked(v) for k, v in sorted(s.env.items())}
        if s.headers:
            launch["headers"] = {k: _masked(v) for k, v in sorted(s.headers.items())}
        if s.options.get("cwd"):
            launch["cwd"] = str(s.options["cwd"])
        e["launch"] = launch
    if ext.settings:
        e["settings"] = {k: v for k, v in sorted(ext.settings.items()) if isinstance(v, str | int | bool | list)}
    return e


@dataclass
class LockState:
    extensions: dict[str, dict[str, Any]] = field(default_factory=dict)
    connected: bool = False
    generated: str = ""


def build(exts: list[Extension], home: Path, project: Path) -> LockState:
    state = LockState(generated=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for ext in exts:
        key = ext.key
        n = 2
        while key in state.extensions:
            key, n = f"{ext.key}#{n}", n + 1
        state.extensions[key] = entry_for(ext, home, project)
    return state


def add_tools(entry: dict[str, Any], tools: list[Any]) -> None:
    entry["tools"] = {t.name: {"hash": t.digest, "description": t.description, "schema": t.schema_digest}
                      for t in sorted(tools, key=lambda t: t.name)}


# --- files ----------------------------------------------------------------------------------


def to_document(state: LockState) -> dict[str, Any]:
    return {"version": LOCK_VERSION, "tool": "seawall", "generated": state.generated, "connected": state.connected,
            "extensions": state.extensions}


def write(path: Path, state: LockState) -> None:
    doc = to_document(state)
    if path.suffix == ".toml":
        text = _toml(doc)
    else:
        text = json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    path.write_text(text, "utf-8")


def read(path: Path) -> LockState:
    try:
        raw = path.read_text("utf-8")
    except FileNotFoundError:
        raise SeawallError(f"lockfile {path}: no such file (create it with `seawall extensions lock`)") from None
    except OSError as exc:
        raise SeawallError(f"lockfile {path}: cannot read ({exc.strerror})") from None
    try:
        doc = tomllib.loads(raw) if path.suffix == ".toml" else json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SeawallError(f"lockfile {path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SeawallError(f"lockfile {path}: not valid TOML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("extensions"), dict):
        raise SeawallError(f"lockfile {path}: expected an 'extensions' table")
    if doc.get("version") != LOCK_VERSION:
        raise SeawallError(f"lockfile {path}: version {doc.get('version')!r} is not {LOCK_VERSION}")
    return LockState(doc["extensions"], bool(doc.get("connected")), str(doc.get("generated", "")))


def _tq(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _tval(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_tval(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_tq(k)} = {_tval(x)}" for k, x in v.items()) + "}"
    return _tq(str(v))


def _toml(doc: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for the lock document (strings, numbers, booleans, lists, tables)."""
    scalars = [(k, v) for k, v in doc.items() if not isinstance(v, dict)]
    tables = [(k, v) for k, v in doc.items() if isinstance(v, dict)]
    out = [f"{_tq(k) if prefix else k} = {_tval(v)}" for k, v in scalars]
    for k, v in tables:
        name = f"{prefix}.{_tq(k)}" if prefix else k
        if not v:
            out.append(f"\n[{name}]")
            continue
        body = _toml(v, name)
        if any(not isinstance(x, dict) for x in v.values()):
            out.append(f"\n[{name}]")
        out.append(body)
    return "\n".join(x for x in out if x) + ("\n" if not prefix else "")


# --- diff -----------------------------------------------------------------------------------


@dataclass
class Drift:
    key: str
    change: str  # added | removed | changed
    details: list[str] = field(default_factory=list)


def diff(locked: LockState, current: LockState, *, compare_tools: bool) -> list[Drift]:
    out: list[Drift] = []
    for key in sorted(set(locked.extensions) | set(current.extensions)):
        old, new = locked.extensions.get(key), current.extensions.get(key)
        if old is None and new is not None:
            out.append(Drift(key, "added", [_summary(new)]))
        elif new is None and old is not None:
            out.append(Drift(key, "removed", [_summary(old)]))
        elif old is not None and new is not None:
            details = _entry_diff(old, new, compare_tools)
            if details:
                out.append(Drift(key, "changed", details))
    return out


def _summary(e: dict[str, Any]) -> str:
    bits = [e.get("kind", ""), e.get("name", "")]
    if e.get("version"):
        bits.append(str(e["version"]))
    if e.get("path"):
        bits.append(f"at {e['path']}")
    return " ".join(b for b in bits if b)


def _entry_diff(old: dict[str, Any], new: dict[str, Any], compare_tools: bool) -> list[str]:
    d: list[str] = []
    for k in ("source", "version", "package", "path"):
        if old.get(k) != new.get(k):
            d.append(f"{k}: {old.get(k)!r} -> {new.get(k)!r}")
    of, nf = old.get("files", {}), new.get("files", {})
    for f in sorted(set(of) | set(nf)):
        if f not in nf:
            d.append(f"file removed: {f}")
        elif f not in of:
            d.append(f"file added: {f}")
        elif of[f] != nf[f]:
            d.append(f"file modified: {f}")
    ol, nl = old.get("launch", {}), new.get("launch", {})
    for k in sorted(set(ol) | set(nl)):
        if ol.get(k) != nl.get(k):
            d.append(f"launch {k}: {_short(ol.get(k))} -> {_short(nl.get(k))}")
    if old.get("settings") != new.get("settings"):
        d.append(f"settings: {_short(old.get('settings'))} -> {_short(new.get('settings'))}")
    if compare_tools and ("tools" in old or "tools" in new):
        ot, nt = old.get("tools", {}), new.get("tools", {})
        for t in sorted(set(ot) | set(nt)):
            if t not in nt:
                d.append(f"tool removed: {t}")
            elif t not in ot:
                d.append(f"tool added: {t}: {_short(nt[t].get('description', ''))}")
            elif ot[t].get("hash") != nt[t].get("hash"):
                if ot[t].get("description") != nt[t].get("description"):
                    d.append(f"tool {t}: description changed")
                    d += ["    " + line for line in difflib.unified_diff(
                        str(ot[t].get("description", "")).splitlines(), str(nt[t].get("description", "")).splitlines(),
                        "locked", "now", lineterm="", n=1)]
                if ot[t].get("schema") != nt[t].get("schema"):
                    d.append(f"tool {t}: input schema changed")
                if ot[t].get("description") == nt[t].get("description") and ot[t].get("schema") == nt[t].get("schema"):
                    d.append(f"tool {t}: definition changed")
    return d


def _short(v: Any, n: int = 100) -> str:
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[: n - 1] + "…"


# --- settings that bypass review -----------------------------------------------------------


def auto_update_risks(exts: list[Extension]) -> list[tuple[str, str]]:
    """(extension key, why) for anything that changes without a new review: launchers that fetch the
    newest release on every start, marketplaces that update themselves, servers trusted blindly."""
    out: list[tuple[str, str]] = []
    for ext in exts:
        s = ext.server
        if s is not None and s.command:
            refs, _auto = packages.launch_packages(s.command, s.args)
            for r in refs:
                if not r.pinned:
                    how = f"@{r.version}" if r.version else "no version"
                    out.append((ext.key, f"`{s.command} {r.raw}` fetches the newest {r.ecosystem} release on every "
                                         f"start ({how}): pin an exact version"))
        if ext.kind == "marketplace" and ext.settings.get("autoUpdate") is True:
            out.append((ext.key, "marketplace has autoUpdate: plugins change without review"))
        if ext.kind == "marketplace" and ext.source and '"github"' in ext.source and '"ref"' not in ext.source:
            out.append((ext.key, "marketplace follows a branch head (no ref): its plugins change on refresh"))
        if ext.settings.get("trust") is True:
            out.append((ext.key, "trust: true skips every tool-call confirmation"))
        if (isinstance(ext.settings.get("autoApprove"), list) and ext.settings["autoApprove"]) or \
                (isinstance(ext.settings.get("alwaysAllow"), list) and ext.settings["alwaysAllow"]):
            out.append((ext.key, "tools are auto-approved (autoApprove / alwaysAllow)"))
    return out
