"""`seawall doctor`: a developer's set-up checked end to end, and error messages explained."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Step:
    name: str
    ok: bool
    detail: str
    fix: str = ""


# What seawall says when it refuses something -> what caused it and how to fix it (data, not code).
EXPLANATIONS: list[tuple[str, str, str]] = [
    (r"invalid or revoked seawall key|missing API key: send your seawall key",
     "The gateway did not accept the API key: it is not a seawall key, it was revoked, or it is missing.",
     "Ask for a key (`seawall keys create --user you`) and set it as ANTHROPIC_API_KEY / OPENAI_API_KEY."),
    (r"withheld by the security policy \((classification\.tiers\.(\w+)[^;)]*)",
     "A tool result was withheld: the file (or what a command read) is in a tier the policy does not send.",
     "Check with `seawall policy explain --path <file>`; move the data out of that path or ask the security "
     "team to change `classification.tiers`."),
    (r"blocked by the seawall policy: ([^\n]+)",
     "The policy blocked the request; the rule is named in the message.",
     "Run `seawall policy explain` with the same path/command to see the rule; remove the secret from the "
     "prompt (refer to it by environment variable) or ask for a policy change."),
    (r"(\w+) limit for (user|team):([\w.@-]+) .* reached; retry after (\d+)",
     "A rate limit or budget of the policy (`users` / `teams`) is used up for now.",
     "Wait for the Retry-After time, or ask for a higher limit in `seawall.yaml` (users/teams)."),
    (r"may only go to a local model|classification\.models\.",
     "Confidential content may only go to a local model or to the models listed for its tier.",
     "Configure `providers.local` (Ollama, vLLM) or use a model listed in `classification.models`."),
    (r"is not in the allowed models for your (team|user)",
     "Your team or user has a model allow-list (`teams.<team>.models` / `users.<user>.models`).",
     "Use one of the allowed models, or ask for the list to be extended."),
    (r"the gateway has no API key for (\w+)",
     "The gateway itself has no provider key configured.",
     "Whoever runs the gateway sets `providers.<name>.api_key` (e.g. ${ANTHROPIC_API_KEY}) and restarts it."),
    (r"request body larger than (\d+) bytes",
     "The request is larger than `gateway.max_body_mb`.",
     "Send less context at once, or raise `gateway.max_body_mb`."),
    (r"could not inspect this request|over the policy's budget; failing closed",
     "Inspection failed or took too long, and the policy fails closed (`on_error: block`).",
     "Retry; if it persists, report it with the request id (x-seawall-request-id)."),
    (r"rate limiter is unavailable",
     "The gateway cannot reach Redis for rate limits and the policy fails closed.",
     "Whoever runs the gateway restores Redis, or sets `limits.on_error: allow`."),
    (r"PreToolUse:\w+ hook|permission_denials|denied by seawall|seawall hook",
     "A seawall hook in the assistant refused the tool call (the reason names the rule).",
     "Run `seawall policy explain --command '...'` or `--path ...` to see why."),
]


def explain(message: str) -> list[tuple[str, str, str]]:
    out = []
    for pattern, cause, fix in EXPLANATIONS:
        m = re.search(pattern, message, re.IGNORECASE)
        if m:
            detail = m.group(1) if m.groups() else ""
            out.append((cause + (f" ({detail})" if detail else ""), fix, pattern))
    return out


def check(gateway: str, key: str | None, project: Path) -> list[Step]:
    import httpx

    from seawall.policy.load import PolicyError, find_policy_file, load

    steps: list[Step] = []
    try:
        loaded = load(find_policy_file(None), allow_missing_env=True)
        steps.append(Step("policy", True, f"{loaded.source} is valid"))
    except PolicyError as exc:
        steps.append(Step("policy", False, str(exc.problems[0]), "seawall policy check"))
    try:
        h = httpx.get(gateway.rstrip("/") + "/healthz", timeout=3)
        steps.append(Step("gateway", h.status_code == 200, f"{gateway} answered {h.status_code}"))
    except httpx.HTTPError as exc:
        steps.append(Step("gateway", False, f"{gateway} unreachable ({type(exc).__name__})", "seawall serve"))
    if key:
        try:
            w = httpx.get(gateway.rstrip("/") + "/seawall/whoami", headers={"x-api-key": key}, timeout=3)
            ok = w.status_code == 200
            steps.append(Step("key", ok, f"accepted for {w.json().get('user')}" if ok else "refused by the gateway",
                              "" if ok else "seawall keys create --user $USER"))
        except (httpx.HTTPError, ValueError) as exc:
            steps.append(Step("key", False, f"not checked ({type(exc).__name__})"))
    else:
        steps.append(Step("key", False, "no key given (--key or $ANTHROPIC_API_KEY)",
                          "seawall keys create --user $USER"))
    base = os.environ.get("ANTHROPIC_BASE_URL", "")
    steps.append(Step("client", base.rstrip("/") == gateway.rstrip("/"), f"ANTHROPIC_BASE_URL={base or '(unset)'}",
                      f"export ANTHROPIC_BASE_URL={gateway}"))
    settings = [project / ".claude" / "settings.json", Path.home() / ".claude" / "settings.json"]
    hooked = next((s for s in settings if "hook claude-code" in _read(s)), None)
    steps.append(Step("hooks", hooked is not None, f"seawall hooks in {hooked}" if hooked else
                      "no seawall hooks in Claude Code settings", "seawall install claude-code --scope project"))
    return steps


def _read(p: Path) -> str:
    try:
        return p.read_text("utf-8", "replace")
    except OSError:
        return ""


def as_json(steps: list[Step]) -> str:
    return json.dumps([s.__dict__ for s in steps], indent=2)
