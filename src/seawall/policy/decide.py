"""decide(): one pure function for every enforcement point (gateway, hooks, scanners).

Context in (path, tool, command, url, findings, principal), Decision out: the strictest action of
every rule that applies, with the reasons. A policy is compiled once into an Engine (globs into
regexes, patterns canonicalised); decide() itself does no I/O beyond resolving symlinks of paths
that exist (turn that off with `resolve=False`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from seawall.detect.findings import Family, Finding, Severity
from seawall.policy import commands, domains
from seawall.policy.paths import Classifier, NormalPath
from seawall.policy.schema import Action, Policy, Tier

_SEVERITY_RANK = {s.value: s.rank for s in Severity}


@dataclass(frozen=True, slots=True)
class Context:
    path: str | None = None
    tool: str | None = None
    command: str | None = None
    url: str | None = None  # or a bare host name
    write: bool = False
    findings: Sequence[Finding] = ()
    channel: str | None = None  # where findings came from (user_prompt, tool_result, file, ...)
    user: str | None = None
    team: str | None = None
    root: str | None = None  # the developer's project root when known (else the policy's)


CONTENT_CHANNELS = frozenset({None, "tool_result", "file"})  # where content rules raise a tier


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str  # the policy key that decided, e.g. "classification.tiers.restricted: **/.env*"
    action: Action
    detail: str  # what was seen (kinds, tool names, paths: never content)


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    tier: Tier | None = None
    reasons: tuple[Reason, ...] = ()
    paths: tuple[str, ...] = field(default=())  # normalised paths that were classified

    @property
    def blocked(self) -> bool:
        return self.action is Action.BLOCK

    def rule_ids(self) -> list[str]:
        return [r.rule for r in self.reasons]


class Engine:
    """A policy compiled for fast decisions."""

    def __init__(self, policy: Policy, root: str | Path, backend: str = "best") -> None:
        self.policy = policy
        self.root = str(root)
        self.backend = backend
        self.classifier = Classifier(policy.classification, self.root, backend)
        t = policy.tools
        self._tool_deny = [p.casefold() for p in t.deny]
        self._tool_allow = None if t.allow is None else [p.casefold() for p in t.allow]
        self._bash_deny = list(t.bash.deny)
        self._bash_allow = None if t.bash.allow is None else list(t.bash.allow)
        self._net_deny = [(e, domains.normal_entry(e)) for e in t.network.deny_domains]
        self._net_allow = None if t.network.allow_domains is None else [
            (e, domains.normal_entry(e)) for e in t.network.allow_domains]
        self._custom = {f"custom.{c.name}": c.action for c in policy.redaction.custom}
        self._roots: dict[str, Classifier] = {}
        self._content = [
            (i, r, frozenset(r.families), None if r.kinds is None else frozenset(r.kinds),
             _SEVERITY_RANK[r.min_severity])
            for i, r in enumerate(policy.classification.content)
        ]

    def classifier_for(self, root: str | None) -> Classifier:
        """The policy's classifier, or one rooted at a client's project directory (cached)."""
        if not root or root == self.root:
            return self.classifier
        found = self._roots.get(root)
        if found is None:
            if len(self._roots) > 256:
                self._roots.clear()
            found = self._roots[root] = Classifier(self.policy.classification, root, self.backend)
        return found

    def tier_action(self, tier: Tier) -> Action:
        return self.policy.classification.actions[tier]


def decide(engine: Engine, ctx: Context, resolve: bool = True) -> Decision:
    """The decision for one situation. Never raises for bad input: an unusable path, command or
    URL is itself a reason, decided by the policy's `on_error` (block unless set to allow)."""
    reasons: list[Reason] = []
    tier: Tier | None = None
    seen_paths: list[str] = []
    fail = Action.BLOCK if engine.policy.on_error == "block" else Action.LOG
    classifier = engine.classifier_for(ctx.root)

    def add_path(raw: str, how: str, quiet: bool = False) -> None:
        """Classify a path. `quiet`: count it only when its tier does more than allow or log
        (command arguments: `echo hello` names no file worth a reason)."""
        nonlocal tier
        try:
            t, glob, norm = classifier.tier_of(raw, resolve)
        except ValueError as exc:
            reasons.append(Reason("on_error", fail, f"{how}: unusable path ({exc})"))
            return
        action = engine.tier_action(t)
        if quiet and action.rank <= Action.LOG.rank:
            return
        seen_paths.append(norm.path)
        if tier is None or t.rank > tier.rank:
            tier = t
        rule = f"classification.tiers.{t.value}: {glob}" if glob else f"classification.default: {t.value}"
        reasons.append(Reason(rule, action, f"{how} {_shown(norm)} is {t.value}"))
        if ctx.write and not norm.inside and not quiet:
            act = engine.policy.tools.writes.outside_project
            reasons.append(Reason("tools.writes.outside_project", act, f"write to {norm.path} outside the project"))

    if ctx.path:
        add_path(ctx.path, "path")
    if ctx.tool:
        _tool_rules(engine, ctx.tool, reasons)
    if ctx.command:
        parsed = commands.parse(ctx.command)
        _command_rules(engine, parsed, reasons, fail)
        for word in parsed.words:
            for candidate in _path_words(word):
                add_path(candidate, "command argument", quiet=True)
        for url in parsed.urls:
            _network_rules(engine, url, reasons, fail)
    if ctx.url:
        _network_rules(engine, ctx.url, reasons, fail)
    if ctx.findings:
        tier = _finding_rules(engine, ctx, reasons, tier)

    if not reasons:
        return Decision(Action.ALLOW, tier, (), tuple(seen_paths))
    action = max((r.action for r in reasons), key=lambda a: a.rank)
    # strictest first, then in the order they were found
    ordered = sorted(reasons, key=lambda r: -r.action.rank)
    return Decision(action, tier, tuple(ordered), tuple(seen_paths))


def _shown(norm: NormalPath) -> str:
    return norm.path if norm.real is None else f"{norm.path} (-> {norm.real})"


def _path_words(word: str) -> list[str]:
    """Arguments that may name files: plain words, --opt=value, @file (curl -d @file)."""
    if not word or word.startswith(("$(", "`")) or "://" in word:
        return []
    if word.startswith("-"):
        _, eq, value = word.partition("=")
        return [value] if eq and value else []
    if word.startswith("@") and len(word) > 1:
        return [word[1:]]
    return [word]


def _tool_rules(engine: Engine, tool: str, reasons: list[Reason]) -> None:
    name = tool.casefold()
    for pat in engine._tool_deny:
        if fnmatch.fnmatchcase(name, pat):
            reasons.append(Reason(f"tools.deny: {pat}", Action.BLOCK, f"tool {tool} is denied"))
            return
    if engine._tool_allow is not None and not any(fnmatch.fnmatchcase(name, p) for p in engine._tool_allow):
        reasons.append(Reason("tools.allow", Action.BLOCK, f"tool {tool} is not in the allowed list"))


def _command_rules(engine: Engine, parsed: commands.ParsedCommand, reasons: list[Reason], fail: Action) -> None:
    has_rules = bool(engine._bash_deny) or engine._bash_allow is not None
    if parsed.error and has_rules:
        reasons.append(Reason("on_error", fail, f"command not checked: {parsed.error}"))
    for i, pat in enumerate(engine._bash_deny):
        if commands.matches(pat, parsed, deny=True):
            reasons.append(Reason(f"tools.bash.deny[{i}]: {pat}", Action.BLOCK, "command matches a denied pattern"))
    if engine._bash_allow is not None:
        for cmd in parsed.commands:
            one = commands.ParsedCommand(commands=[cmd])
            if not any(commands.matches(p, one) for p in engine._bash_allow):
                reasons.append(Reason("tools.bash.allow", Action.BLOCK,
                                      f"command {cmd.split(' ', 1)[0]!r} is not in the allowed list"))


def _network_rules(engine: Engine, target: str, reasons: list[Reason], fail: Action) -> None:
    try:
        host = domains.host_of(target)
    except ValueError as exc:
        reasons.append(Reason("on_error", fail, f"destination not checked: {exc}"))
        return
    for raw, entry in engine._net_deny:
        if domains.domain_matches(host, entry):
            reasons.append(Reason(f"tools.network.deny_domains: {raw}", Action.BLOCK, f"{host} is denied"))
            return
    if engine._net_allow is not None and not any(domains.domain_matches(host, e) for _, e in engine._net_allow):
        reasons.append(Reason("tools.network.allow_domains", Action.BLOCK, f"{host} is not in the allowed list"))


def _finding_rules(engine: Engine, ctx: Context, reasons: list[Reason], tier: Tier | None) -> Tier | None:
    pol = engine.policy
    by_rule: dict[str, tuple[Action, set[str]]] = {}

    def note(rule: str, action: Action, kind: str) -> None:
        entry = by_rule.setdefault(rule, (action, set()))
        entry[1].add(kind)

    for f in ctx.findings:
        fam = f.family
        if f.rule_id in engine._custom:
            note(f"redaction.custom: {f.kind}", engine._custom[f.rule_id], f.kind)
        elif fam is Family.SECRET:
            note("redaction.secrets", pol.redaction.secrets, f.kind)
        elif fam is Family.PII:
            note("redaction.pii", pol.redaction.pii, f.kind)
        elif fam is Family.INJECTION:
            channel_ok = ctx.channel is None or ctx.channel in pol.injection.channels
            if channel_ok and f.confidence >= pol.injection.threshold:
                note("injection", pol.injection.action, f.kind)
        if ctx.channel not in CONTENT_CHANNELS:
            continue
        for i, rule, fams, kinds, min_rank in engine._content:
            if fam.value in fams and (kinds is None or f.kind in kinds) and f.severity.rank >= min_rank:
                if tier is None or rule.tier.rank > tier.rank:
                    tier = rule.tier
                note(f"classification.content[{i}]", engine.tier_action(rule.tier), f.kind)
    for rule_id, (action, found) in by_rule.items():
        reasons.append(Reason(rule_id, action, "found: " + ", ".join(sorted(found))))
    return tier
