"""Maturity report: the evidence for each control of the three levels, in a repository and its policy.

Level 1: secrets kept out of code, audit logging on, an approved extensions list.
Level 2: prompt sanitisation in the gateway, SAST in CI, per-user budgets with alerting.
Level 3: classification wired into the assistant, anomaly detection on, extension integrity in the pipeline.
A level is reached when all its controls and those of the levels below pass.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from seawall.policy.load import Loaded


@dataclass
class Check:
    level: int
    control: str
    passed: bool
    evidence: str
    fix: str


@dataclass
class Context:
    repo: Path
    loaded: Loaded
    audit_events_7d: int | None  # None: store unreachable
    home: Path


def _read(p: Path) -> str:
    try:
        return p.read_text("utf-8", "replace")
    except OSError:
        return ""


def _ci_files(repo: Path) -> list[Path]:
    wf = repo / ".github" / "workflows"
    out = sorted(wf.glob("*.y*ml")) if wf.is_dir() else []
    for name in (".gitlab-ci.yml", "Jenkinsfile", ".circleci/config.yml", "azure-pipelines.yml",
                 "bitbucket-pipelines.yml"):
        if (repo / name).is_file():
            out.append(repo / name)
    return out


def _ci_mentions(ctx: Context, *needles: str) -> Path | None:
    for f in _ci_files(ctx.repo):
        text = _read(f)
        if any(n in text for n in needles):
            return f
    return None


def pre_commit(ctx: Context) -> Check:
    hook = ctx.repo / ".git" / "hooks" / "pre-commit"
    cfg = ctx.repo / ".pre-commit-config.yaml"
    if "seawall" in _read(hook):
        return Check(1, _PRE, True, f"{hook.relative_to(ctx.repo)} runs seawall", "")
    if "seawall-secrets" in _read(cfg):
        return Check(1, _PRE, True, ".pre-commit-config.yaml has seawall-secrets", "")
    return Check(1, _PRE, False, "no seawall pre-commit hook", "seawall install pre-commit")


_PRE = "secrets kept out of commits (pre-commit hook)"


def env_ignored(ctx: Context) -> Check:
    try:
        res = subprocess.run(["git", "-C", str(ctx.repo), "check-ignore", "-q", ".env"], capture_output=True,
                             timeout=20)
        ok = res.returncode == 0
        evidence = ".env is ignored by git" if ok else ".env is not ignored by git"
    except (OSError, subprocess.SubprocessError):
        ok = ".env" in _read(ctx.repo / ".gitignore")
        evidence = ".gitignore lists .env" if ok else "no .gitignore entry for .env"
    return Check(1, ".env files ignored by git", ok, evidence, "" if ok else "echo '.env*' >> .gitignore")


def audit_on(ctx: Context) -> Check:
    n = ctx.audit_events_7d
    if n is None:
        return Check(1, "audit logging on", False, "the store in the policy is not reachable", "seawall serve")
    ok = n > 0
    return Check(1, "audit logging on", ok, f"{n} audit events in the last 7 days", "" if ok else
                 "seawall serve  (and point assistants at it)")


def extensions_list(ctx: Context) -> Check:
    ext = ctx.loaded.policy.extensions
    ok = bool(ext.allowed)
    return Check(1, "approved extensions list", ok, f"{len(ext.allowed)} approved, {len(ext.blocked)} blocked",
                 "" if ok else "add extensions.allowed to seawall.yaml (`seawall extensions list` shows what is there)")


def sanitisation(ctx: Context) -> Check:
    r = ctx.loaded.policy.redaction
    ok = r.secrets.value in ("redact", "block") and r.pii.value in ("redact", "block", "route_local")
    return Check(2, "prompt sanitisation in the gateway", ok,
                 f"redaction: secrets {r.secrets.value}, pii {r.pii.value}",
                 "" if ok else "set redaction: {secrets: redact, pii: redact} in seawall.yaml")


def sast_in_ci(ctx: Context) -> Check:
    f = _ci_mentions(ctx, "seawall scan code", "semgrep", "bandit", "codeql", "github/codeql-action")
    return Check(2, "SAST in CI", f is not None, f"{f.relative_to(ctx.repo)} runs a code scanner" if f else
                 "no code scanner in the CI configuration", "" if f else
                 "add `seawall scan code . --format sarif -o code.sarif` to the CI workflow")


def budgets(ctx: Context) -> Check:
    pol = ctx.loaded.policy
    lim = pol.users.get("default")
    has_budget = lim is not None and any(getattr(lim, k) for k in ("daily_tokens", "monthly_tokens", "daily_usd",
                                                                 "monthly_usd"))
    ok = has_budget and bool(pol.alerts.webhooks)
    evidence = ("per-user budget " + ("set" if has_budget else "missing") + ", alert webhooks "
                + (str(len(pol.alerts.webhooks)) if pol.alerts.webhooks else "none"))
    return Check(2, "per-user budgets with alerting", ok, evidence, "" if ok else
                 "set users.default.daily_tokens (or *_usd) and alerts.webhooks in seawall.yaml")


def hooks_wired(ctx: Context) -> Check:
    for f in (ctx.repo / ".claude" / "settings.json", ctx.home / ".claude" / "settings.json",
              Path(os.environ.get("SEAWALL_MANAGED_SETTINGS", "/etc/claude-code/managed-settings.json"))):
        text = _read(f)
        if "seawall hook" in text or "seawall\" hook" in text or "hook claude-code" in text:
            tiers = sum(len(g) for g in ctx.loaded.policy.classification.tiers.values())
            return Check(3, "classification wired into the assistant", tiers > 0, f"{f} runs seawall hooks; "
                         f"{tiers} tier globs", "" if tiers else "add classification.tiers to seawall.yaml")
    return Check(3, "classification wired into the assistant", False, "no seawall hooks in Claude Code settings",
                 "seawall install claude-code --scope project")


def anomalies_on(ctx: Context) -> Check:
    f = _ci_mentions(ctx, "seawall audit anomalies")
    on = ctx.loaded.policy.audit.anomaly_detection
    ok = on or f is not None
    evidence = "audit.anomaly_detection is on" if on else (f"{f.relative_to(ctx.repo)} runs seawall audit anomalies"
                                                           if f else "anomaly detection is off")
    return Check(3, "anomaly detection on", ok, evidence, "" if ok else
                 "set audit: {anomaly_detection: true} in seawall.yaml")


def integrity(ctx: Context) -> Check:
    lock = ctx.repo / ctx.loaded.policy.extensions.lockfile
    f = _ci_mentions(ctx, "seawall extensions verify")
    ok = lock.is_file() and f is not None
    evidence = f"lockfile {'present' if lock.is_file() else 'missing'}; " + (
        f"{f.relative_to(ctx.repo)} verifies it" if f else "no pipeline step verifies it")
    return Check(3, "extension integrity verified in the pipeline", ok, evidence, "" if ok else
                 "seawall extensions lock, then add `seawall extensions verify` to the CI workflow")


CHECKS: list[Callable[[Context], Check]] = [pre_commit, env_ignored, audit_on, extensions_list, sanitisation,
                                            sast_in_ci, budgets, hooks_wired, anomalies_on, integrity]


def run(ctx: Context) -> tuple[list[Check], int]:
    checks = [c(ctx) for c in CHECKS]
    level = 0
    for lvl in (1, 2, 3):
        if all(c.passed for c in checks if c.level <= lvl):
            level = lvl
        else:
            break
    return checks, level


def count_recent(store_url: str) -> int | None:
    try:
        import sqlalchemy as sa

        from seawall.store.db import Store
        from seawall.store.tables import audit_events as ae

        st = Store(store_url)
        since = datetime.now(UTC) - timedelta(days=7)
        with st.engine.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(ae).where(
                ae.c.ts >= (since.replace(tzinfo=None) if st.is_sqlite else since))).scalar()
        st.close()
        return int(n or 0)
    except Exception:
        return None


def markdown(checks: list[Check], level: int) -> str:
    lines = [f"# seawall maturity: level {level} of 3", "", "| level | control | result | evidence | fix |",
             "|---|---|---|---|---|"]
    for c in checks:
        lines.append(f"| {c.level} | {c.control} | {'pass' if c.passed else 'FAIL'} | {c.evidence} | "
                     f"{'`' + c.fix + '`' if c.fix else ''} |")
    return "\n".join(lines) + "\n"


def as_json(checks: list[Check], level: int) -> str:
    return json.dumps({"level": level, "checks": [asdict(c) for c in checks]}, indent=2)
