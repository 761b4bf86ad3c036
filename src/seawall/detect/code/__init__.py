"""Insecure-code detection: Python through `ast`, JavaScript and TypeScript through tree-sitter."""

from __future__ import annotations

from seawall.detect.code.engine import CodeDetector, changed_lines, findings_for_edit, language_of, model_message

__all__ = ["CodeDetector", "changed_lines", "findings_for_edit", "language_of", "model_message"]
