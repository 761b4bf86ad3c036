"""`seawall scan secrets|code|skills|prompt`. Other scan modules add their commands to `scan_app`."""

from __future__ import annotations

import typer

scan_app = typer.Typer(help="Scan files or text for secrets, insecure code, risky extensions, injections.",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(scan_app, name="scan")
