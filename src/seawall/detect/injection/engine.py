"""Prompt-injection detector: normalised views -> signal rules -> calibrated offline model.

``score(text, channel)`` gives one calibrated probability and the signals that fired;
``InjectionDetector.scan(text, origin)`` turns a positive verdict into a Finding that points at
the strongest evidence. Pure and thread-safe: the model is loaded once and only read.
"""

from __future__ import annotations

from dataclasses import dataclass

from seawall.detect.findings import Channel, Family, Finding, Origin, Severity, Span, fingerprint, line_of, mask
from seawall.detect.injection.model import channel_name, load_model, signals_score
from seawall.detect.injection.signals import Hit, SignalReport, analyse, obfuscation_flags

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float  # calibrated probability of injection, 0..1
    verdict: str  # "injection" | "clean"
    signals: tuple[str, ...]  # fired signal names (kinds, then obfuscation:<name>)
    hits: tuple[Hit, ...] = ()

    @property
    def is_injection(self) -> bool:
        return self.verdict == "injection"


def _origin_channel(origin: Origin | None) -> str | None:
    if origin is None:
        return None
    tool = (origin.tool or "").lower()
    if tool in ("webfetch", "web_fetch", "websearch", "web_search", "browser", "fetch"):
        return "web"
    return str(origin.channel)


def score_report(rep: SignalReport, channel: str | None = None, use_model: bool = True,
                 threshold: float = DEFAULT_THRESHOLD, cascade: bool = True) -> float:
    """The model's calibrated score, or the signals-only score when the model is off or missing. With
    ``cascade``, a long plain text (no rule hit, no obfuscation) whose score stays below ``threshold``
    whatever its n-grams say gets that upper bound instead, without the n-grams being read."""
    model = load_model() if use_model else None
    if model is None:
        return signals_score(rep)
    if cascade:
        bound = model.clean_bound(rep, channel)
        if bound is not None and bound < threshold:
            return bound
    return model.predict(rep, channel)


def score(text: str, channel: str | None = None, threshold: float = DEFAULT_THRESHOLD,
          use_model: bool = True, cascade: bool = True) -> Verdict:
    """Calibrated injection score of one text. ``channel``: prompt | file | tool_result | web (or an Origin
    channel such as user_prompt); None when unknown. ``cascade=False`` always runs the full model."""
    rep = analyse(text)
    s = score_report(rep, channel, use_model, threshold, cascade)
    return Verdict(round(s, 4), "injection" if s >= threshold else "clean", tuple(rep.names()),
                   tuple(sorted(rep.hits, key=lambda h: -h.weight)))


_SEVERITY = ((0.9, Severity.CRITICAL), (0.75, Severity.HIGH), (0.0, Severity.MEDIUM))


class InjectionDetector:
    """Detector protocol implementation for the injection family."""

    name = "injection"
    family = Family.INJECTION

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, use_model: bool = True, cascade: bool = True) -> None:
        self.threshold = threshold
        self.use_model = use_model
        self.cascade = cascade

    def scan(self, text: str, origin: Origin | None = None) -> list[Finding]:
        if not text or not text.strip():
            return []
        channel = _origin_channel(origin)
        rep = analyse(text)
        s = score_report(rep, channel, self.use_model, self.threshold, self.cascade)
        if s < self.threshold:
            return []
        hits = sorted(rep.hits, key=lambda h: (-h.weight, h.start))
        top = hits[0] if hits else None
        if top is not None:
            start, end, kind, rule_id = top.start, top.end, top.kind, top.rule_id
        else:
            start, end, kind, rule_id = 0, len(text), "anomaly", "INJ-MODEL"
        obf = sorted(obfuscation_flags(rep.flags))
        kinds = sorted({h.kind for h in hits if h.weight >= 0.2}) or ["model"]
        message = f"possible prompt injection (score {s:.2f}): " + ", ".join(kinds)
        if obf:
            message += "; obfuscation: " + ", ".join(obf)
        if top is not None and top.hidden:
            message += f"; hidden in {top.hidden}"
        severity = next(sev for lim, sev in _SEVERITY if s >= lim)
        evidence = text[start:end]
        return [Finding(
            rule_id=rule_id,
            family=Family.INJECTION,
            kind=kind,
            severity=severity,
            confidence=round(s, 4),
            span=Span(start, end),
            line=line_of(text, start),
            end_line=line_of(text, max(end - 1, start)),
            message=message,
            fingerprint=fingerprint(kind, evidence),
            preview=mask(evidence, keep=12),
            path=origin.path if origin else None,
            extra={"signals": ",".join(rep.names()), "channel": channel_name(channel),
                   "views": ",".join(sorted({h.view for h in hits}))},
        )]


__all__ = ["DEFAULT_THRESHOLD", "Channel", "InjectionDetector", "Verdict", "score"]
