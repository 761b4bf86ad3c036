"""Pure detectors: text in, findings out. Nothing here does I/O."""

from seawall.detect.findings import Channel, Detector, Family, Finding, Origin, Severity, Span
from seawall.detect.registry import get, register, scan_text

__all__ = [
    "Channel",
    "Detector",
    "Family",
    "Finding",
    "Origin",
    "Severity",
    "Span",
    "get",
    "register",
    "scan_text",
]
