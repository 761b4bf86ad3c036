"""`seawall policy test`: the policy's own `tests:` cases, run like unit tests for security rules."""

from __future__ import annotations

from dataclasses import dataclass

from seawall.detect.registry import scan_text
from seawall.policy.decide import Context, Decision, Engine, decide
from seawall.policy.schema import PolicyCase


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: PolicyCase
    decision: Decision
    passed: bool
    diff: str  # empty when passed


def run_case(engine: Engine, case: PolicyCase) -> CaseResult:
    findings = []
    if case.content is not None:
        from seawall.detect.pii.custom import CustomPattern, CustomPatternDetector

        findings = scan_text(case.content)
        custom = engine.policy.redaction.custom
        if custom:
            det = CustomPatternDetector(CustomPattern(c.name, c.pattern) for c in custom)
            findings.extend(det.scan(case.content))
    ctx = Context(path=case.path, tool=case.tool, command=case.command, url=case.url, write=case.write,
                  findings=findings, user=case.user)
    d = decide(engine, ctx)
    problems = []
    if d.action is not case.expect:
        problems.append(f"expected {case.expect.value}, got {d.action.value}")
    if case.expect_tier is not None and d.tier is not case.expect_tier:
        problems.append(f"expected tier {case.expect_tier.value}, got {d.tier.value if d.tier else 'none'}")
    diff = ""
    if problems:
        why = "; ".join(f"{r.rule} -> {r.action.value} ({r.detail})" for r in d.reasons) or "no rule applied"
        diff = "; ".join(problems) + f"\n    because: {why}"
    return CaseResult(case, d, not problems, diff)


def run_all(engine: Engine) -> list[CaseResult]:
    return [run_case(engine, c) for c in engine.policy.tests]
