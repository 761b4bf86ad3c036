"""`seawall install ...`: wire seawall into git and into the assistants."""

from __future__ import annotations

from pathlib import Path

import typer

install_app = typer.Typer(help="Install seawall hooks and settings.", no_args_is_help=True)


@install_app.command("pre-commit")
def pre_commit_cmd(
    repo: Path = typer.Option(Path("."), "--repo", help="The git repository."),
    force: bool = typer.Option(False, "--force", help="Replace a hook seawall did not write (kept as backup)."),
    remove: bool = typer.Option(False, "--uninstall", help="Remove the hook seawall installed."),
) -> None:
    """A git pre-commit hook that refuses commits adding secrets (`seawall scan secrets --staged`)."""
    from seawall.scanning import githook

    path, what = githook.uninstall(repo) if remove else githook.install(repo, force=force)
    typer.echo(f"{path}: {what}")


def register(app: typer.Typer) -> None:
    app.add_typer(install_app, name="install")
