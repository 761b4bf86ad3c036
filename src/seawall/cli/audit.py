"""`seawall audit query|purge|anomalies|import-spool`: the metadata-only audit log."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from seawall.errors import SeawallError

audit_app = typer.Typer(help="Query and purge the audit log.", no_args_is_help=True)
COLUMNS = ["ts", "user", "team", "route", "model", "status", "decision", "input_tokens", "output_tokens",
           "cost_usd", "error_code", "rule_ids", "tool_calls", "session_id", "request_id"]


def _json_default(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    raise TypeError(type(v).__name__)


@audit_app.command("query")
def query_cmd(
    user: str = typer.Option(None, "--user", "-u"),
    team: str = typer.Option(None, "--team", "-t"),
    since: str = typer.Option(None, "--since", help="24h, 7d, or an ISO date/time."),
    until: str = typer.Option(None, "--until"),
    decision: str = typer.Option(None, "--decision", help="allow, log, redact, route_local, block, error, alert"),
    rule: str = typer.Option(None, "--rule", help="A rule id, or a prefix ending in * (classification.*)."),
    tool: str = typer.Option(None, "--tool"),
    path: str = typer.Option(None, "--path", help="Glob over tool-call target paths (**/.env)."),
    model: str = typer.Option(None, "--model", help="Model name; * matches anything."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=1000),
    cursor: str = typer.Option(None, "--cursor", help="Continue after the previous page."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, jsonl or csv."),
    store: str = typer.Option(None, "--store"),
    config: Path = typer.Option(None, "--config", "-c"),
) -> None:
    """Audit events, newest first, one page at a time."""
    from seawall.audit.query import AuditFilter, parse_time
    from seawall.audit.query import query as run_query
    from seawall.cli.keys import open_configured_store

    if fmt not in ("table", "jsonl", "csv"):
        raise SeawallError("--format: table, jsonl or csv")
    try:
        f = AuditFilter(user=user, team=team, since=parse_time(since) if since else None,
                        until=parse_time(until) if until else None, decision=decision, rule=rule, tool=tool,
                        path=path, model=model)
        page = run_query(open_configured_store(store, config), f, limit, cursor)
    except ValueError as exc:
        raise SeawallError(str(exc)) from None
    if fmt == "jsonl":
        for ev in page.events:
            typer.echo(json.dumps(ev, default=_json_default))
    elif fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(COLUMNS)
        for ev in page.events:
            w.writerow([json.dumps(ev[c], default=_json_default) if isinstance(ev[c], (list, dict)) else
                        (ev[c].isoformat() if isinstance(ev[c], datetime) else ev[c]) for c in COLUMNS])
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(box=None, pad_edge=False)
        for c in ("time (UTC)", "user", "team", "route", "model", "status", "decision", "tokens in/out", "rules"):
            table.add_column(c)
        for ev in page.events:
            table.add_row(f"{ev['ts']:%Y-%m-%d %H:%M:%S}", ev["user"] or "-", ev["team"] or "-", ev["route"],
                          ev["model"] or "-", str(ev["status"]), ev["decision"],
                          f"{ev['input_tokens'] or 0}/{ev['output_tokens'] or 0}", ", ".join(ev["rule_ids"] or []))
        Console(highlight=False).print(table)
        if not page.events:
            typer.echo("no events match", err=True)
    if page.next_cursor:
        typer.echo(f"more: --cursor {page.next_cursor}", err=True)


@audit_app.command("purge")
def purge_cmd(
    older_than: int = typer.Option(None, "--older-than", min=1,
                                   help="Days (default: the policy's audit.retention_days)."),
    yes: bool = typer.Option(False, "--yes", help="Do it without asking."),
    store: str = typer.Option(None, "--store"),
    config: Path = typer.Option(None, "--config", "-c"),
) -> None:
    """Delete audit events older than the retention period."""
    from seawall.audit.query import purge
    from seawall.cli.keys import open_configured_store
    from seawall.policy.load import find_policy_file, load

    days = older_than or load(find_policy_file(config), allow_missing_env=True).policy.audit.retention_days
    if not yes and not typer.confirm(f"Delete audit events older than {days} days?"):
        raise typer.Exit(1)
    n = purge(open_configured_store(store, config), days)
    typer.echo(f"deleted {n} audit event(s) older than {days} days")


@audit_app.command("anomalies")
def anomalies_cmd(
    since: str = typer.Option("7d", "--since", help="Start of the window to judge (24h, 7d, ISO)."),
    until: str = typer.Option(None, "--until", help="End of the window (default: now)."),
    history: int = typer.Option(30, "--history", min=1, help="Days before the window used as the baseline."),
    notify: bool = typer.Option(False, "--notify", help="Send each anomaly to the policy's alert webhooks."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines."),
    store: str = typer.Option(None, "--store"),
    config: Path = typer.Option(None, "--config", "-c"),
) -> None:
    """Run anomaly detection over stored events (a replay). Exit 1 when anything was found."""
    from datetime import UTC, timedelta

    from seawall.audit.anomaly import detect
    from seawall.audit.query import events_between, parse_time
    from seawall.cli.keys import open_configured_store

    try:
        start = parse_time(since)
        end = parse_time(until) if until else datetime.now(UTC)
    except ValueError as exc:
        raise SeawallError(str(exc)) from None
    st = open_configured_store(store, config)
    found = detect(events_between(st, start - timedelta(days=history), start), events_between(st, start, end))
    for a in found:
        typer.echo(json.dumps(a.as_dict()) if as_json else f"{a.kind:18s} {a.message}")
    if not found and not as_json:
        typer.echo("no anomalies", err=True)
    if notify and found:
        _notify([a.as_dict() for a in found], config)
    raise typer.Exit(1 if found else 0)


def _notify(payloads: list[dict[str, Any]], config: Path | None) -> None:
    import time

    import httpx

    from seawall.limits.alerts import sign
    from seawall.policy.load import find_policy_file, load

    alerts = load(find_policy_file(config), allow_missing_env=True).policy.alerts
    for url in alerts.webhooks:
        for p in payloads:
            body = json.dumps(p).encode()
            ts = str(int(time.time()))
            headers = {"content-type": "application/json", "x-seawall-timestamp": ts}
            if alerts.secret:
                headers["x-seawall-signature"] = sign(alerts.secret, ts, body)
            for attempt in range(alerts.retries + 1):
                try:
                    if httpx.post(str(url), content=body, headers=headers, timeout=5).status_code < 300:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(min(0.5 * 2**attempt, 10))
            else:
                typer.echo(f"warning: an anomaly alert was not delivered to {url}", err=True)


@audit_app.command("import-spool")
def import_spool_cmd(
    spool: Path = typer.Option(None, "--spool", help="The spool file (default: the hooks' spool, "
                               "~/.local/share/seawall/hook-audit.jsonl, or $SEAWALL_HOOK_SPOOL)."),
    gateway: str = typer.Option(None, "--gateway", help="Forward to this gateway (POST /seawall/hook-events) "
                                                        "instead of writing into the store."),
    key: str = typer.Option(None, "--key", help="The seawall key for --gateway (default: $SEAWALL_KEY, else a "
                                                "swk_ key in $ANTHROPIC_AUTH_TOKEN or $ANTHROPIC_API_KEY)."),
    store: str = typer.Option(None, "--store"),
    config: Path = typer.Option(None, "--config", "-c"),
) -> None:
    """Import the hook audit events spooled while the store or the gateway was unreachable.
    Idempotent; malformed lines are reported and kept in <spool>.rejected. Exit 1 when any was rejected."""
    import os

    from seawall.hooks import audit as hook_audit
    from seawall.hooks import spool as hook_spool

    path = spool or hook_audit.spool_path()
    sink: hook_spool.Sink
    if gateway:
        if not gateway.startswith(("http://", "https://")):
            raise SeawallError("--gateway must be an http(s) URL")
        if key is None:
            target = hook_audit.gateway_target({**os.environ, "SEAWALL_GATEWAY_URL": gateway,
                                                "SEAWALL_HOOK_GATEWAY": ""})
            key = target[1] if target is not None else None
        if not key:
            raise SeawallError("--gateway needs a seawall key: --key, or $SEAWALL_KEY")
        if not key.startswith(hook_audit.KEY_PREFIX):
            raise SeawallError("--key must be a seawall virtual key (swk_...), not a provider key")
        sink = hook_spool.GatewaySink(gateway.rstrip("/"), key)
    else:
        if key:
            raise SeawallError("--key is only used with --gateway")
        from seawall.cli.keys import open_configured_store

        st = open_configured_store(store, config)
        sink = hook_spool.StoreSink(st, "the store")
    try:
        res = hook_spool.import_spool(path, sink)
    except hook_spool.ImportFailed as exc:
        raise SeawallError(str(exc)) from None
    if res.lines == 0:
        typer.echo(f"{path}: nothing to import")
    else:
        typer.echo(f"{path}: {res.lines} line(s): {res.imported} event(s) imported into {sink.description}, "
                   f"{res.duplicates} already there, {len(res.rejected)} rejected")
    for line, reason in res.rejected[:20]:
        typer.echo(f"  line {line}: {reason}", err=True)
    if len(res.rejected) > 20:
        typer.echo(f"  ... and {len(res.rejected) - 20} more", err=True)
    if res.rejected:
        typer.echo(f"rejected lines kept in {res.rejected_path}", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
