"""`seawall keys create|list|revoke`: virtual keys for developers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from seawall.errors import SeawallError

if TYPE_CHECKING:
    from seawall.store.db import Store

keys_app = typer.Typer(help="Create, list and revoke virtual keys.", no_args_is_help=True)

StoreOpt = typer.Option(None, "--store", help="Database URL (default: the policy's `store:`).")
ConfigOpt = typer.Option(None, "--config", "-c", help="Policy file (default: $SEAWALL_CONFIG, ./seawall.yaml).")


def open_configured_store(store: str | None, config: Path | None) -> Store:
    from seawall.policy.load import PolicyError, find_policy_file, load
    from seawall.store.db import open_store

    url = store
    if url is None:
        try:
            url = load(find_policy_file(config), allow_missing_env=True).policy.store
        except PolicyError as exc:
            raise SeawallError("policy:\n" + "\n".join(str(p) for p in exc.problems)) from None
    return open_store(url)


@keys_app.command("create")
def create_cmd(
    user: str = typer.Option(..., "--user", "-u", help="Who the key is for."),
    team: str = typer.Option(None, "--team", "-t", help="The user's team (budgets, reports)."),
    name: str = typer.Option(None, "--name", help="A label, e.g. the machine."),
    store: str = StoreOpt,
    config: Path = ConfigOpt,
) -> None:
    """Create a key. It is shown once: only a keyed hash is stored."""
    from pydantic import TypeAdapter, ValidationError

    from seawall.policy.schema import Name

    try:
        TypeAdapter(Name).validate_python(user)
        if team is not None:
            TypeAdapter(Name).validate_python(team)
    except ValidationError:
        raise SeawallError("--user and --team: letters, digits, '.', '_', '-', '@' (at most 64)") from None
    st = open_configured_store(store, config)
    key, rec = st.create_key(user, team, name)
    typer.echo(f"created {rec.id} for {user}{' (' + team + ')' if team else ''}", err=True)
    typer.echo(key)
    if sys.stderr.isatty():
        typer.echo("Give this key to the developer now; it cannot be shown again. Clients send it as their "
                   "provider API key (x-api-key or Authorization: Bearer).", err=True)


@keys_app.command("list")
def list_cmd(
    user: str = typer.Option(None, "--user", "-u"),
    include_revoked: bool = typer.Option(False, "--all", help="Include revoked keys."),
    as_json: bool = typer.Option(False, "--json"),
    store: str = StoreOpt,
    config: Path = ConfigOpt,
) -> None:
    """List keys (ids and last four characters; never the keys)."""
    st = open_configured_store(store, config)
    recs = st.list_keys(user, include_revoked)
    if as_json:
        typer.echo(json.dumps([{"id": r.id, "user": r.user, "team": r.team, "name": r.name,
                                "key": f"swk_…{r.last4}", "created_at": r.created_at.isoformat(),
                                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None} for r in recs],
                              indent=2))
        return
    for r in recs:
        state = "revoked" if r.revoked_at else "active"
        typer.echo(f"{r.id}  swk_…{r.last4}  {r.user:<16} {r.team or '-':<12} {state:<8} "
                   f"{r.created_at:%Y-%m-%d %H:%M}  {r.name or ''}")
    if not recs:
        typer.echo("no keys", err=True)


@keys_app.command("revoke")
def revoke_cmd(key_id: str = typer.Argument(..., help="The key id (key_...)."), store: str = StoreOpt,
               config: Path = ConfigOpt) -> None:
    """Revoke a key. Gateways stop accepting it within their cache time (30 s; at once on this one)."""
    st = open_configured_store(store, config)
    if not st.revoke_key(key_id):
        raise SeawallError(f"no active key {key_id}")
    typer.echo(f"revoked {key_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
