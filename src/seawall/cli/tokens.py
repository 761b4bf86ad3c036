"""`seawall tokens estimate [PATH...|-]`: what sending these files as context costs, per model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from seawall.errors import SeawallError

tokens_app = typer.Typer(help="Token and cost estimates.", no_args_is_help=True)


@tokens_app.command("estimate")
def estimate_cmd(
    paths: list[Path] = typer.Argument(None, help="Files or folders (a repository), or - for standard input."),
    models: list[str] = typer.Option(None, "--model", "-m", help="Models to price (repeatable)."),
    exact: bool = typer.Option(False, "--exact", help="Ask the provider's count endpoint through the gateway."),
    gateway: str = typer.Option("http://127.0.0.1:8787", "--gateway", envvar="SEAWALL_GATEWAY"),
    key: str = typer.Option(None, "--key", envvar="SEAWALL_KEY", help="Your seawall key (for --exact)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Estimate tokens and cost (input price) of sending files as context."""
    from seawall.limits.prices import price_of
    from seawall.report.tokens import DEFAULT_MODELS, estimate, window_of

    texts: list[tuple[str, str]] = []
    if paths == [Path("-")]:
        texts.append(("-", sys.stdin.read()))
    else:
        from seawall.report.notes import Note
        from seawall.scanning.walk import iter_sources

        for item in iter_sources(paths or [Path(".")], 5 * 1024 * 1024):
            if not isinstance(item, Note):
                texts.append((item.rel, item.text))
    total_chars = sum(len(t) for _, t in texts)
    total = sum(estimate(t) for _, t in texts)
    chosen = list(models or DEFAULT_MODELS)
    exact_counts: dict[str, int] = {}
    if exact:
        exact_counts = _exact(gateway, key, [m for m in chosen if m.startswith("claude")], texts)
    rows = []
    for m in chosen:
        n = exact_counts.get(m, total)
        price = price_of(m)
        win = window_of(m)
        rows.append({"model": m, "tokens": n, "exact": m in exact_counts,
                     "input_usd": round(n * price["input"] / 1e6, 4) if price else None,
                     "fits_context": (n <= win) if win else None})
    if as_json:
        typer.echo(json.dumps({"files": len(texts), "characters": total_chars, "estimated_tokens": total,
                               "models": rows}, indent=2))
        return
    typer.echo(f"{len(texts)} file(s), {total_chars:,} characters, about {total:,} tokens")
    for r in rows:
        cost = f"${r['input_usd']:,.4f}" if r["input_usd"] is not None else "price unknown"
        fit = "" if r["fits_context"] is None else ("fits the context window" if r["fits_context"]
                                                    else "does NOT fit the context window")
        typer.echo(f"  {r['model']:20s} {r['tokens']:>12,} tokens{' (exact)' if r['exact'] else ''}  {cost:>14}  {fit}")


def _exact(gateway: str, key: str | None, models: list[str], texts: list[tuple[str, str]]) -> dict[str, int]:
    import httpx

    if not key:
        raise SeawallError("--exact needs your seawall key (--key or $SEAWALL_KEY)")
    body_text = "\n\n".join(f"<file path={p!r}>\n{t}\n</file>" for p, t in texts)
    out = {}
    for m in models:
        try:
            res = httpx.post(gateway.rstrip("/") + "/v1/messages/count_tokens", timeout=60,
                             headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
                             json={"model": m, "messages": [{"role": "user", "content": body_text}]})
        except httpx.HTTPError as exc:
            raise SeawallError(f"--exact: the gateway at {gateway} is unreachable ({type(exc).__name__})") from None
        if res.status_code != 200:
            raise SeawallError(f"--exact: the gateway answered {res.status_code}: {res.text[:200]}")
        out[m] = int(res.json()["input_tokens"])
    return out


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")
