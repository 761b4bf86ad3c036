"""Walk paths the way a developer expects: .gitignore respected, dot-folders included,
binaries, huge files, unreadable files and broken links skipped with a note."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from seawall.report.notes import Note

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_SNIFF = 8192


@dataclass(frozen=True, slots=True)
class SourceFile:
    rel: str  # path relative to the scan root, forward slashes
    text: str


def _git_files(directory: Path) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files under `directory`, or None outside a git work tree."""
    try:
        out = subprocess.run(
            ["git", "-C", str(directory), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True, check=True, timeout=120,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sorted({p for p in out.decode("utf-8", "surrogateescape").split("\0") if p})


def _walk_files(directory: Path) -> list[str]:
    """Every file below `directory` (no .git), honouring a .gitignore at its top."""
    spec = None
    gi = directory / ".gitignore"
    if gi.is_file():
        spec = pathspec.PathSpec.from_lines("gitwildmatch", gi.read_text("utf-8", "replace").splitlines())
    out = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        base = Path(root).relative_to(directory)
        if spec is not None:
            dirs[:] = [d for d in dirs if not spec.match_file((base / d).as_posix() + "/")]
        for fn in files:
            rel = (base / fn).as_posix()
            if spec is None or not spec.match_file(rel):
                out.append(rel)
    return sorted(out)


def read_source(path: Path, rel: str, max_bytes: int) -> SourceFile | Note:
    """Read one file, or say why it was passed over."""
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            try:
                st = path.stat()
            except OSError:
                return Note(rel, "broken symbolic link")
        if not stat.S_ISREG(st.st_mode):
            return Note(rel, "not a regular file")
        if st.st_size > max_bytes:
            return Note(rel, f"larger than {max_bytes} bytes")
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except PermissionError:
        return Note(rel, "permission denied")
    except OSError as exc:
        return Note(rel, f"unreadable ({exc.strerror or type(exc).__name__})")
    if b"\0" in data[:_SNIFF]:
        return Note(rel, "binary file")
    return SourceFile(rel, decode(data))


def decode(data: bytes) -> str:
    """UTF-8 (with BOM handling); undecodable bytes become U+FFFD so offsets and lines stay put."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "replace")


def iter_targets(paths: Sequence[Path]) -> Iterator[tuple[Path, str] | Note]:
    """Each file to scan once, with the path to report (relative to the current directory when it
    lies below it), or a note for a path that does not exist."""
    cwd = Path.cwd()
    seen: set[Path] = set()
    for top in paths:
        if not top.exists() and not top.is_symlink():
            yield Note(str(top), "no such file or directory")
            continue
        if top.is_dir():
            names = _git_files(top)
            if names is None:
                names = _walk_files(top)
            items = [(top / n) for n in names]
        else:
            items = [top]
        for p in items:
            key = Path(os.path.abspath(p))
            if key in seen:
                continue
            seen.add(key)
            try:
                rel = key.relative_to(cwd).as_posix()
            except ValueError:
                rel = key.as_posix()
            yield p, rel


def iter_sources(paths: Sequence[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SourceFile | Note]:
    """Yield each file once, as text, or a note for what was skipped."""
    for item in iter_targets(paths):
        yield item if isinstance(item, Note) else read_source(item[0], item[1], max_bytes)
