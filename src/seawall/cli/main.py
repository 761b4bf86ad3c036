"""The `seawall` command. Each command group lives in its own module and registers itself here."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from seawall import __version__
from seawall.errors import SeawallError


class _Group(TyperGroup):
    """Root group: a SeawallError anywhere below becomes one line on stderr and exit 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SeawallError as exc:
            typer.echo(f"seawall: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Group,
    name="seawall",
    help="Security control plane for AI coding assistants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Command-group modules; each exposes `register(app: typer.Typer) -> None`.
MODULES = [
    "seawall.cli.scan",
    "seawall.cli.scan_secrets",
    "seawall.cli.install",
    "seawall.cli.policy",
    "seawall.cli.keys",
    "seawall.cli.serve",
    "seawall.cli.audit",
    "seawall.cli.report",
    "seawall.cli.tokens",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"seawall {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Security control plane for AI coding assistants."""


for _name in MODULES:
    importlib.import_module(_name).register(app)


def run() -> None:
    """Console-script entry point: user errors become one line on stderr and exit 2, never a traceback."""
    try:
        app(standalone_mode=True)
    except SeawallError as exc:
        sys.stderr.write(f"seawall: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run()
