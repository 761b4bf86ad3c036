"""Registry of detectors. Built-in detectors load lazily, by name, on first use."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable

from seawall.detect.findings import Detector, Family, Finding, Origin

# name -> "module:factory"; the factory takes no arguments and returns a Detector.
BUILTIN: dict[str, str] = {
    "secrets": "seawall.detect.secrets.engine:SecretDetector",
    "pii": "seawall.detect.pii.engine:PiiDetector",
    "injection": "seawall.detect.injection.engine:InjectionDetector",
    "code": "seawall.detect.code.engine:CodeDetector",
}

_lock = threading.Lock()
_instances: dict[str, Detector] = {}


def register(detector: Detector) -> None:
    """Register (or replace) a detector instance under its name."""
    with _lock:
        _instances[detector.name] = detector


def get(name: str) -> Detector:
    """The detector registered under `name`, building a built-in one on first use."""
    det = _instances.get(name)
    if det is not None:
        return det
    spec = BUILTIN.get(name)
    if spec is None:
        raise KeyError(f"unknown detector {name!r}; known: {', '.join(sorted(names()))}")
    module, _, factory = spec.partition(":")
    with _lock:
        det = _instances.get(name)
        if det is None:
            det = getattr(importlib.import_module(module), factory)()
            _instances[name] = det
    return det


def names() -> list[str]:
    return sorted(set(BUILTIN) | set(_instances))


def scan_text(
    text: str,
    origin: Origin | None = None,
    detectors: Iterable[str] = ("secrets", "pii"),
) -> list[Finding]:
    """Run the named detectors over one text; findings sorted by position."""
    out: list[Finding] = []
    for name in detectors:
        out.extend(get(name).scan(text, origin))
    out.sort(key=lambda f: (f.span.start, f.span.end, f.rule_id))
    return out


def families_of(findings: Iterable[Finding]) -> set[Family]:
    return {f.family for f in findings}
