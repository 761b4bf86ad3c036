"""What a commit would add: files and added line numbers from the git index."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

from seawall.errors import SeawallError
from seawall.report.notes import Note
from seawall.scanning.walk import DEFAULT_MAX_BYTES, SourceFile, decode

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def git(repo: Path, *args: str, option: str = "--staged") -> bytes:
    """Run git in `repo`; a failure is one SeawallError naming the option that needed git."""
    try:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SeawallError(f"{option} needs git: {exc}") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        msg = next((x for x in lines if x.startswith(("fatal:", "error:"))), lines[-1] if lines else proc.returncode)
        raise SeawallError(f"{option}: git {args[0]} failed: {msg}")
    return proc.stdout


DIFF_ARGS = ("-U0", "--no-color", "--no-ext-diff", "--diff-filter=ACMR", "--src-prefix=a/", "--dst-prefix=b/")


def added_lines(repo: Path) -> dict[str, set[int]]:
    """Path (repo-relative) -> line numbers added in the index versus HEAD."""
    return lines_added_by(git(repo, "diff", "--cached", *DIFF_ARGS).decode("utf-8", "surrogateescape"))


def lines_added_by(diff: str) -> dict[str, set[int]]:
    """Path -> line numbers a unified diff (made with DIFF_ARGS) adds in the new version."""
    added: dict[str, set[int]] = {}
    current: str | None = None
    for raw in diff.splitlines():
        if raw.startswith("+++ "):
            target = raw[4:]
            current = target[2:] if target.startswith("b/") else None
            if current is not None:
                added.setdefault(current, set())
        elif raw.startswith("@@") and current is not None:
            m = _HUNK.match(raw)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or "1")
                added[current].update(range(start, start + count))
    return {p: lines for p, lines in added.items() if lines}


def iter_staged(repo: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[tuple[SourceFile | Note, set[int]]]:
    """Each staged file's content as it is in the index, with the lines the commit adds."""
    top = Path(git(repo, "rev-parse", "--show-toplevel").decode().strip())
    for rel, lines in sorted(added_lines(top).items()):
        data = git(top, "show", f":{rel}")
        if len(data) > max_bytes:
            yield Note(rel, f"larger than {max_bytes} bytes"), lines
        elif b"\0" in data[:8192]:
            yield Note(rel, "binary file"), lines
        else:
            yield SourceFile(rel, decode(data)), lines
