"""`seawall extensions list|lock|verify`: what is installed, whether it is approved, and whether it
changed since it was locked. Exit 0 clean, 1 problems or drift, 2 usage or configuration error."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from seawall.errors import SeawallError

ext_app = typer.Typer(help="Inventory, approve, lock and verify skills, plugins and MCP servers.",
                      no_args_is_help=True)


class ListFormat(StrEnum):
    table = "table"
    json = "json"


_PROJECT = typer.Option(None, "--project", "-p", help="Project folder (default: the current folder).")
_HOME = typer.Option(None, "--home", help="Home folder to inspect (default: $SEAWALL_HOME or ~).")
_CONFIG = typer.Option(None, "--config", "-c", help="Policy file (default: ./seawall.yaml if present).")
_LOCK = typer.Option(None, "--lockfile", "-l", help="Lockfile (default: the policy's extensions.lockfile, "
                                                    "else seawall.lock; .toml for TOML).")


def _policy(config: Path | None) -> Any:
    from seawall.policy.load import PolicyError, find_policy_file, load

    path = find_policy_file(config)
    if path is None:
        if config is not None:
            raise SeawallError(f"policy {config}: no such file")
        return None
    try:
        return load(path, allow_missing_env=True).policy
    except PolicyError as exc:
        raise SeawallError(f"policy {path}:\n" + "\n".join(str(p) for p in exc.problems)) from None


def _discover(project: Path | None, home: Path | None) -> tuple[list[Any], Path, Path]:
    from seawall.extensions.discovery import discover, home_dir

    proj = (project or Path.cwd()).resolve()
    if not proj.is_dir():
        raise SeawallError(f"--project {proj}: not a folder")
    h = (home or home_dir()).expanduser()
    return discover(proj, h), h, proj


def _lock_path(lockfile: Path | None, policy: Any, project: Path) -> Path:
    if lockfile is not None:
        return lockfile
    name = policy.extensions.lockfile if policy is not None else "seawall.lock"
    p = Path(name).expanduser()
    return p if p.is_absolute() else project / p


@ext_app.command("list")
def list_cmd(
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help="Output format."),
    project: Path | None = _PROJECT, home: Path | None = _HOME, config: Path | None = _CONFIG,
) -> None:
    """Everything installed for Claude Code, Claude Desktop, Cursor, VS Code, Codex, Gemini and Windsurf,
    with its approval status. Exit 1 when something is blocked, outside its version range or from the
    wrong source (or unlisted, when the policy says `unlisted: block`)."""
    from seawall.extensions.approval import PROBLEMS, Status, check

    policy = _policy(config)
    exts, _home, _proj = _discover(project, home)
    allowed = policy.extensions.allowed if policy is not None else []
    blocked = policy.extensions.blocked if policy is not None else []
    rows = []
    bad = 0
    for e in exts:
        v = check(e, allowed, blocked) if policy is not None else None
        status = v.status.value if v else "-"
        if v and (v.status in PROBLEMS or (v.status is Status.UNLISTED and policy.extensions.unlisted == "block")):
            bad += 1
        rows.append({"assistant": e.assistant, "scope": e.scope, "kind": e.kind, "name": e.name,
                     "version": e.version, "source": e.source, "package": e.package,
                     "launch": e.server.launch_line() if e.server else None, "path": str(e.path),
                     "status": status, "reason": v.reason if v else "", "settings": e.settings})
    if fmt is ListFormat.json:
        typer.echo(json.dumps({"extensions": rows, "summary": {"installed": len(rows), "problems": bad}}, indent=2,
                              default=str))
    else:
        _table(rows)
        typer.echo(f"{len(rows)} installed" + (f", {bad} not approved" if bad else "")
                   + ("" if policy is not None else " (no policy file: approval not checked)"))
    raise typer.Exit(1 if bad else 0)


def _table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for col in ("assistant", "scope", "kind", "name", "version", "source", "status"):
        t.add_column(col)
    for r in rows:
        status = r["status"] + (f" ({r['reason']})" if r["reason"] and r["status"] != "approved" else "")
        t.add_row(*(str(r[c] or "") for c in ("assistant", "scope", "kind", "name", "version", "source")), status)
    Console(file=sys.stdout, highlight=False, soft_wrap=True, width=200).print(t)


def _connect_all(state: Any, exts: list[Any], timeout: float) -> list[str]:
    from seawall.extensions.connect import ConnectError, list_tools
    from seawall.extensions.lockfile import add_tools

    notes = []
    keys = list(state.extensions)
    for key, ext in zip(keys, exts, strict=True):
        if ext.server is None:
            continue
        if ext.server.transport != "stdio":
            notes.append(f"{key}: remote server not contacted (tools not locked)")
            continue
        try:
            add_tools(state.extensions[key], list_tools(ext.server, timeout))
        except ConnectError as exc:
            notes.append(f"{key}: could not list tools: {exc}")
    state.connected = True
    return notes


@ext_app.command("lock")
def lock_cmd(
    connect: bool = typer.Option(False, "--connect", help="Start each stdio MCP server (stripped environment) and "
                                                          "lock a hash of every tool's name, description and schema."),
    timeout: float = typer.Option(15.0, "--timeout", min=0.5, help="Seconds to wait for each server."),
    lockfile: Path | None = _LOCK, project: Path | None = _PROJECT, home: Path | None = _HOME,
    config: Path | None = _CONFIG,
) -> None:
    """Write the lockfile: source, version and file hashes of every extension, MCP launch commands."""
    from seawall.extensions.lockfile import auto_update_risks, build, write

    policy = _policy(config)
    exts, h, proj = _discover(project, home)
    state = build(exts, h, proj)
    notes = _connect_all(state, exts, timeout) if connect else []
    path = _lock_path(lockfile, policy, proj)
    write(path, state)
    for n in notes:
        typer.echo(f"note: {n}", err=True)
    for key, why in auto_update_risks(exts):
        typer.echo(f"review bypass: {key}: {why}", err=True)
    typer.echo(f"locked {len(state.extensions)} extension(s) to {path}")


@ext_app.command("verify")
def verify_cmd(
    connect: bool | None = typer.Option(None, "--connect/--no-connect",
                                        help="Compare tool definitions too (default: when the lock has them)."),
    timeout: float = typer.Option(15.0, "--timeout", min=0.5, help="Seconds to wait for each server."),
    lockfile: Path | None = _LOCK, project: Path | None = _PROJECT, home: Path | None = _HOME,
    config: Path | None = _CONFIG,
) -> None:
    """Compare what is installed with the lockfile. Exit 1 on any drift, with a diff of what changed."""
    from seawall.extensions.lockfile import auto_update_risks, build, diff, read

    policy = _policy(config)
    exts, h, proj = _discover(project, home)
    path = _lock_path(lockfile, policy, proj)
    locked = read(path)
    state = build(exts, h, proj)
    do_connect = locked.connected if connect is None else connect
    notes = _connect_all(state, exts, timeout) if do_connect else []
    drifts = diff(locked, state, compare_tools=do_connect)
    for n in notes:
        typer.echo(f"note: {n}", err=True)
    for d in drifts:
        mark = {"added": "+", "removed": "-", "changed": "~"}[d.change]
        typer.echo(f"{mark} {d.key} ({d.change})")
        for line in d.details:
            typer.echo(f"    {line}")
    for key, why in auto_update_risks(exts):
        typer.echo(f"review bypass: {key}: {why}", err=True)
    if drifts:
        typer.echo(f"drift: {len(drifts)} extension(s) differ from {path}")
        raise typer.Exit(1)
    typer.echo(f"ok: {len(state.extensions)} extension(s) match {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(ext_app, name="extensions")
