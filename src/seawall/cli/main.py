"""The `seawall` command. Each command group lives in its own module and registers itself here."""

from __future__ import annotations

import importlib
import sys
from typing import Any

from seawall.errors import SeawallError

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
    "seawall.cli.scan_skills",
    "seawall.cli.scan_code",
    "seawall.cli.scan_prompt",
    "seawall.cli.extensions",
    "seawall.cli.hook",
    "seawall.cli.install_assistants",
]


_app: Any = None


def _build() -> Any:
    """The typer app with every command group (built on first use: `seawall hook` never needs it)."""
    global _app
    if _app is not None:
        return _app
    import typer
    from typer.core import TyperGroup

    from seawall import __version__

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

    for name in MODULES:
        importlib.import_module(name).register(app)
    _app = app
    return app


def __getattr__(name: str) -> Any:  # `from seawall.cli.main import app` builds it
    if name == "app":
        return _build()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run() -> None:
    """Console-script entry point: user errors become one line on stderr and exit 2, never a traceback."""
    argv = sys.argv[1:]
    if len(argv) >= 2 and argv[0] == "hook" and argv[1] not in ("-h", "--help"):
        # a hook runs on every tool call of an assistant: skip typer and the other command groups
        from seawall.hooks.runner import run_fast

        run_fast(argv[1:])
    app = _build()
    try:
        app(standalone_mode=True)
    except SeawallError as exc:
        sys.stderr.write(f"seawall: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run()
