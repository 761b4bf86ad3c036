"""JSON output: one object with findings (masked previews) and notes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from seawall.detect.findings import Finding
from seawall.report.notes import Note


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "path": f.path, "line": f.line, "end_line": f.end_line, "rule_id": f.rule_id,
        "family": f.family.value, "kind": f.kind, "severity": f.severity.value,
        "confidence": round(f.confidence, 3), "message": f.message, "preview": f.preview,
        "cwe": f.cwe, "fingerprint": f.fingerprint,
    }


def render(findings: Sequence[Finding], notes: Sequence[Note] = ()) -> str:
    doc = {
        "findings": [finding_dict(f) for f in findings],
        "notes": [{"path": n.path, "reason": n.reason} for n in notes],
        "summary": {"findings": len(findings), "skipped": len(notes)},
    }
    return json.dumps(doc, indent=2)
