"""The policy file's schema (version 1). Unknown keys are errors everywhere."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator


class Action(StrEnum):
    """What an enforcement point does. Ordered: the strictest applicable action wins."""

    ALLOW = "allow"
    LOG = "log"
    REDACT = "redact"
    ROUTE_LOCAL = "route_local"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _ACTION_RANK[self]


_ACTION_RANK = {a: i for i, a in enumerate(Action)}


class Tier(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        return _TIER_RANK[self]


_TIER_RANK = {t: i for i, t in enumerate(Tier)}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@\-]*$")]


class Provider(Strict):
    base_url: HttpUrl
    api_key: str | None = None
    format: Literal["anthropic", "openai"] | None = None  # default: by provider name
    model: str | None = None  # local models: the model every routed request uses
    timeout_s: PositiveFloat = 600.0
    connect_timeout_s: PositiveFloat = 10.0


class ModelPrice(Strict):
    input: Annotated[float, Field(ge=0)]
    output: Annotated[float, Field(ge=0)]
    cache_read: Annotated[float, Field(ge=0)] | None = None
    cache_write: Annotated[float, Field(ge=0)] | None = None


class LimitsBackend(Strict):
    backend: Literal["memory", "redis"] = "memory"
    url: str | None = None
    on_error: Literal["block", "allow"] | None = None  # the limiter unreachable; default: the policy's on_error
    prices: dict[str, ModelPrice] = Field(default_factory=dict)  # USD per million tokens, by model-name prefix
    output_estimate: Annotated[int, Field(gt=0)] = 4096  # reserved output tokens, at most the request's max_tokens
    timeout_ms: Annotated[float, Field(gt=0, le=10000)] = 1000.0  # per Redis call; a busy event loop adds wait

    @model_validator(mode="after")
    def _redis_needs_url(self) -> LimitsBackend:
        if self.backend == "redis" and not self.url:
            raise ValueError("backend redis needs url (redis://host:port/db)")
        return self


class ContentRule(Strict):
    """A finding in a file's content raises the file's tier."""

    families: list[Literal["secret", "pii", "injection", "code"]] = Field(min_length=1)
    kinds: list[str] | None = None  # e.g. [aws-access-key]; default: every kind of those families
    min_severity: Literal["low", "medium", "high", "critical"] = "low"
    tier: Tier


def _default_actions() -> dict[Tier, Action]:
    return {Tier.PUBLIC: Action.ALLOW, Tier.INTERNAL: Action.LOG, Tier.CONFIDENTIAL: Action.ROUTE_LOCAL,
            Tier.RESTRICTED: Action.BLOCK}


class Classification(Strict):
    default: Tier = Tier.INTERNAL
    case_sensitive: bool = False  # default: `.ENV` is `.env` (macOS and Windows file systems)
    tiers: dict[Tier, list[Annotated[str, Field(min_length=1)]]] = Field(default_factory=dict)
    actions: dict[Tier, Action] = Field(default_factory=_default_actions)
    content: list[ContentRule] = Field(default_factory=list)
    block: Literal["notice", "refuse"] = "notice"  # a blocked tool result: replaced by a notice, or refused
    # models that may receive content of a tier (globs); others get the request routed to the local
    # model when one is configured, else refused. e.g. {confidential: ["claude-*"]} for a ZDR agreement
    models: dict[Tier, list[str]] = Field(default_factory=dict)

    @field_validator("actions")
    @classmethod
    def _all_tiers(cls, v: dict[Tier, Action]) -> dict[Tier, Action]:
        return {**_default_actions(), **v}


class CustomPatternSpec(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,62}$")]
    pattern: str
    action: Action = Action.REDACT
    description: str = ""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            rx = re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        if rx.match(""):
            raise ValueError("pattern matches the empty string")
        return v


class Redaction(Strict):
    secrets: Action = Action.REDACT
    pii: Action = Action.REDACT
    custom: list[CustomPatternSpec] = Field(default_factory=list)


Channel = Literal["user_prompt", "system", "tool_result", "tool_input", "file", "response"]


class Injection(Strict):
    channels: list[Channel] = Field(default_factory=lambda: ["tool_result", "file"])  # type: ignore[arg-type]
    # block: a tool result is replaced by a notice (stripped), a prompt refused; log/allow: audited only
    action: Action = Action.BLOCK
    threshold: Annotated[float, Field(ge=0, le=1)] = 0.8
    warn: bool = True  # below block: append a warning for the model to the suspicious text


class Bash(Strict):
    allow: list[str] | None = None  # when set, only matching commands run
    deny: list[str] = Field(default_factory=list)


class Network(Strict):
    allow_domains: list[str] | None = None  # when set, only these (and their subdomains)
    deny_domains: list[str] = Field(default_factory=list)


class Writes(Strict):
    outside_project: Action = Action.BLOCK


class Tools(Strict):
    allow: list[str] | None = None  # when set, only these tools
    deny: list[str] = Field(default_factory=list)
    bash: Bash = Field(default_factory=Bash)
    network: Network = Field(default_factory=Network)
    writes: Writes = Field(default_factory=Writes)


class ApprovedExtension(Strict):
    name: str
    source: str = "official"
    version: str | None = None  # PEP 440 style range, e.g. ">=2.0,<3"


class BlockedExtension(Strict):
    name: str
    reason: str


class Extensions(Strict):
    allowed: list[ApprovedExtension] = Field(default_factory=list)
    blocked: list[BlockedExtension] = Field(default_factory=list)
    lockfile: str = "seawall.lock"
    unlisted: Action = Action.LOG


class Limits(Strict):
    models: list[str] | None = None  # model allow-list (globs); None: any model
    rpm: PositiveInt | None = None
    tpm: PositiveInt | None = None
    concurrent: PositiveInt | None = None
    daily_tokens: PositiveInt | None = None
    monthly_tokens: PositiveInt | None = None
    daily_usd: PositiveFloat | None = None
    monthly_usd: PositiveFloat | None = None


class Team(Limits):
    members: list[Name] = Field(default_factory=list)


class Alerts(Strict):
    webhooks: list[HttpUrl] = Field(default_factory=list)
    budget_thresholds: list[Annotated[float, Field(gt=0, le=10)]] = Field(default_factory=lambda: [0.8, 1.0])
    secret: str | None = None  # signs each webhook body (HMAC-SHA256); write it as ${SEAWALL_ALERT_SECRET}
    consecutive_periods: Annotated[int, Field(ge=2, le=31)] = 3  # "consistently approaching": N periods in a row
    retries: Annotated[int, Field(ge=0, le=10)] = 4


class Audit(Strict):
    retention_days: PositiveInt = 90
    record_paths: bool = True  # tool-call target paths (never their content)
    # audit events cannot be written (store unreachable, read-only disk): "allow" keeps serving and holds the
    # events until they can be written; "block" refuses model requests (503) until the audit log is writable
    on_error: Literal["block", "allow"] = "allow"
    anomaly_detection: bool = False  # the gateway judges the last day against 30 days, every interval
    anomaly_interval_min: Annotated[int, Field(ge=5, le=1440)] = 60


class Gateway(Strict):
    force_no_store: bool = False  # set OpenAI's `store: false` on every request
    inspect_budget_ms: Annotated[float, Field(gt=0, le=60000)] = 2000.0  # beyond it, on_error decides
    max_body_mb: Annotated[float, Field(gt=0, le=1024)] = 32.0
    admin_token: str | None = None  # enables /admin; write it as ${SEAWALL_ADMIN_TOKEN}
    key_cache_s: Annotated[float, Field(ge=0, le=3600)] = 30.0
    drain_delay_s: Annotated[float, Field(ge=0, le=300)] = 5.0  # on SIGTERM: unready first, then stop accepting
    audit_batch: Annotated[int, Field(ge=1, le=10000)] = 200
    audit_flush_s: Annotated[float, Field(gt=0, le=60)] = 0.5


class PolicyCase(Strict):
    """One case of the policy's own tests: a situation and the decision it must get."""

    name: str
    path: str | None = None
    tool: str | None = None
    command: str | None = None
    url: str | None = None
    content: str | None = None  # scanned with the detectors; the findings feed decide()
    write: bool = False
    user: str | None = None
    expect: Action
    expect_tier: Tier | None = None


class Policy(Strict):
    version: Literal[1] = 1
    on_error: Literal["block", "allow"] = "block"
    project_root: str | None = None  # default: the directory the policy file is in
    providers: dict[Name, Provider] = Field(default_factory=dict)
    store: str = "sqlite:///~/.local/share/seawall/seawall.db"
    limits: LimitsBackend = Field(default_factory=LimitsBackend)
    classification: Classification = Field(default_factory=Classification)
    redaction: Redaction = Field(default_factory=Redaction)
    injection: Injection = Field(default_factory=Injection)
    tools: Tools = Field(default_factory=Tools)
    extensions: Extensions = Field(default_factory=Extensions)
    users: dict[Name, Limits] = Field(default_factory=dict)
    teams: dict[Name, Team] = Field(default_factory=dict)
    alerts: Alerts = Field(default_factory=Alerts)
    audit: Audit = Field(default_factory=Audit)
    gateway: Gateway = Field(default_factory=Gateway)
    tests: list[PolicyCase] = Field(default_factory=list)
