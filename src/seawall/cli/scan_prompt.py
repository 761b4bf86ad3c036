"""`seawall scan prompt [FILE|-]`: score text for prompt injection.

Plain mode reads one text and prints which signals fired and where. `--jsonl` reads lines
`{"id", "text"[, "channel"]}` and writes lines `{"id", "verdict", "score"}`.
Exit 0 clean, 1 injection found, 2 usage error (bad JSON names its line).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from seawall.cli.scan import scan_app
from seawall.errors import SeawallError

_CHANNELS = ("prompt", "user_prompt", "file", "tool_result", "tool_input", "web", "system", "response", "commit")


def _read(source: str | None) -> str:
    if source in (None, "-"):
        return sys.stdin.read()
    path = Path(source)
    try:
        return path.read_text("utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise SeawallError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise SeawallError(f"{source}: is a directory (give a file, or - for standard input)") from None
    except OSError as exc:
        raise SeawallError(f"{source}: cannot read ({exc.strerror})") from None


def _parse_jsonl(data: str, where: str) -> list[tuple[str | int, str, str | None]]:
    items: list[tuple[str | int, str, str | None]] = []
    for n, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SeawallError(f"{where}:{n}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        except ValueError:
            raise SeawallError(f"{where}:{n}: not valid JSON") from None
        if not isinstance(obj, dict):
            raise SeawallError(f"{where}:{n}: expected a JSON object with \"id\" and \"text\"")
        text = obj.get("text")
        if not isinstance(text, str):
            raise SeawallError(f"{where}:{n}: field \"text\" is missing or not a string")
        ident = obj.get("id", n)
        if not isinstance(ident, str | int):
            raise SeawallError(f"{where}:{n}: field \"id\" must be a string or a number")
        channel = obj.get("channel")
        items.append((ident, text, channel if isinstance(channel, str) else None))
    return items


def _snippet(text: str, start: int, end: int, width: int = 80) -> str:
    s = text[start:end]
    s = s if len(s) <= width else s[: width - 1] + "…"
    return json.dumps(s, ensure_ascii=True)[1:-1]


@scan_app.command("prompt")
def prompt_cmd(
    source: str = typer.Argument(None, metavar="[FILE|-]", help="Text file to score (default or -: standard input)."),
    jsonl: bool = typer.Option(False, "--jsonl", help='Input lines {"id","text"}; output {"id","verdict","score"}.'),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0, help="Score at or above which: injection."),
    channel: str = typer.Option(None, "--channel",
                                help="Where the text came from: prompt, file, tool_result or web (improves scoring)."),
    no_model: bool = typer.Option(False, "--signals-only", help="Score with the signal rules alone, no model."),
) -> None:
    """Score text for prompt injection. Exit 0 clean, 1 injection, 2 usage error."""
    from seawall.detect.injection.engine import score

    if channel is not None and channel not in _CHANNELS:
        raise SeawallError(f"--channel: unknown channel {channel!r} (use one of: {', '.join(_CHANNELS)})")
    where = source if source not in (None, "-") else "<stdin>"
    data = _read(source)
    found = False
    if jsonl:
        items = _parse_jsonl(data, where)
        out = sys.stdout
        for ident, text, ch in items:
            v = score(text, ch or channel, threshold, use_model=not no_model)
            found |= v.is_injection
            out.write(json.dumps({"id": ident, "verdict": v.verdict, "score": v.score}) + "\n")
        out.flush()
        raise typer.Exit(1 if found else 0)

    from seawall.detect.findings import LineIndex

    v = score(data, channel, threshold, use_model=not no_model)
    lines = LineIndex(data)
    typer.echo(f"{where}: {v.verdict.upper()} (score {v.score:.3f}, threshold {threshold})")
    if v.signals:
        typer.echo("signals: " + ", ".join(v.signals))
    for h in v.hits:
        if h.weight < 0.05:
            continue
        line = lines.line(h.start)
        col = h.start - data.rfind("\n", 0, h.start)
        notes = []
        if h.view not in ("folded", "main"):
            notes.append(f"decoded from {h.view}")
        if h.hidden:
            notes.append(f"hidden in {h.hidden}")
        if h.quoted:
            notes.append("discounted: quoted, negated or described")
        extra = f" [{'; '.join(notes)}]" if notes else ""
        snippet = _snippet(data, h.start, h.end)
        typer.echo(f"  {line}:{col}  {h.kind:18s} {h.rule_id:13s} w={h.weight:.2f}  \"{snippet}\"{extra}")
    raise typer.Exit(1 if v.is_injection else 0)


def register(app: typer.Typer) -> None:
    """The command is attached to `scan_app` at import; nothing more to add."""
