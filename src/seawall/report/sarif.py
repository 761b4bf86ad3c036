"""SARIF 2.1.0 output that code-scanning services accept. Never the raw matched value."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seawall import __version__
from seawall.detect.findings import Finding, Severity
from seawall.report.notes import Note

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
_SCORE = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}


def _rule(f: Finding) -> dict[str, Any]:
    tags = ["security", f.family.value]
    if f.cwe:
        tags.append(f.cwe if f.cwe.startswith("CWE-") else f"CWE-{f.cwe}")
    return {
        "id": f.rule_id,
        "name": f.kind,
        "shortDescription": {"text": f.kind},
        "fullDescription": {"text": f.message},
        "help": {"text": f.message},
        "defaultConfiguration": {"level": _LEVEL[f.severity]},
        "properties": {"tags": tags, "security-severity": _SCORE[f.severity]},
    }


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": f.line}
    if f.end_line and f.end_line >= f.line:
        region["endLine"] = f.end_line
    text = f.message + (f" ({f.preview})" if f.preview else "")
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": text},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": f.path or "", "uriBaseId": "%SRCROOT%"},
                                  "region": region}}
        ],
        "partialFingerprints": {"seawall/v1": f.fingerprint},
        "properties": {"kind": f.kind, "confidence": round(f.confidence, 3)},
    }
    if f.cwe:
        out["properties"]["cwe"] = f.cwe
    return out


def to_sarif(
    findings: Sequence[Finding],
    *,
    tool_name: str = "seawall",
    root: Path | None = None,
    notes: Sequence[Note] = (),
) -> dict[str, Any]:
    """One SARIF run holding the findings; notes become tool execution notifications."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results = []
    for f in findings:
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(_rule(f))
        results.append(_result(f, index[f.rule_id]))
    run: dict[str, Any] = {
        "tool": {"driver": {"name": tool_name, "version": __version__,
                            "informationUri": "https://pypi.org/project/seawall/", "rules": rules}},
        "results": results,
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [
                {"level": "note", "message": {"text": f"skipped: {n.reason}"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": n.path}}}]}
                for n in notes
            ],
        }],
    }
    if root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
