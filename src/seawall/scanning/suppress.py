"""Suppressions for file scans: inline `seawall:allow` and a baseline of fingerprints.

Allow markers apply to scans of files a developer controls; the gateway never honours them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from seawall.detect.findings import Finding
from seawall.errors import SeawallError

ALLOW = "seawall:allow"
ALLOW_FILE = "seawall:allow-file"
BASELINE_VERSION = 1


def file_allowed(text: str) -> bool:
    """True when the file's first five lines carry `seawall:allow-file`."""
    head = text.split("\n", 5)[:5]
    return any(ALLOW_FILE in line for line in head)


def drop_allowed(text: str, findings: Iterable[Finding]) -> tuple[list[Finding], int]:
    """Remove findings whose first line carries an inline `seawall:allow` marker."""
    if ALLOW not in text:
        return list(findings), 0
    lines = text.split("\n")
    kept, dropped = [], 0
    for f in findings:
        line = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
        if ALLOW in line and ALLOW_FILE not in line:
            dropped += 1
        else:
            kept.append(f)
    return kept, dropped


def load_baseline(path: Path) -> set[str]:
    """Fingerprints of known findings. A bad file is a configuration error (exit 2)."""
    try:
        raw = path.read_text("utf-8")
    except FileNotFoundError:
        raise SeawallError(f"baseline {path}: no such file (create it with --update-baseline)") from None
    except OSError as exc:
        raise SeawallError(f"baseline {path}: cannot read ({exc.strerror})") from None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SeawallError(f"baseline {path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise SeawallError(f"baseline {path}: expected an object with a 'findings' list")
    out = set()
    for i, item in enumerate(doc["findings"]):
        fp = item.get("fingerprint") if isinstance(item, dict) else None
        if not isinstance(fp, str) or not fp:
            raise SeawallError(f"baseline {path}: findings[{i}] has no 'fingerprint' string")
        out.add(fp)
    return out


def write_baseline(path: Path, findings: Sequence[Finding]) -> None:
    """Record fingerprints (plus path, rule and line for people), never the value."""
    items: list[dict[str, Any]] = [
        {"fingerprint": f.fingerprint, "path": f.path, "line": f.line, "rule_id": f.rule_id, "kind": f.kind}
        for f in sorted(findings, key=lambda f: (f.path or "", f.line, f.rule_id))
    ]
    doc = {"version": BASELINE_VERSION, "tool": "seawall", "findings": items}
    path.write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
