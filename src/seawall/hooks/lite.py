"""The validated policy rebuilt from its JSON cache without pydantic.

Importing pydantic and building the schema's models costs more than the whole budget of a hook
invocation, so a hook process whose policy is cached never imports `seawall.policy.schema`. The
decision code (`seawall.policy.decide`, `seawall.policy.paths`) only needs the `Action` and `Tier`
enums from it at run time, plus attribute access on the policy. `install_schema_shim()` puts a
stand-in module holding those enums in `sys.modules` (only when the real one is not loaded yet), and
`policy_from_cache()` turns the cached `model_dump(mode="json")` sections into attribute namespaces,
converting the enum-valued fields. A test keeps the enums equal to the real ones and compares the
decisions of both forms.
"""

from __future__ import annotations

import sys
import types
from enum import StrEnum
from typing import Any

SCHEMA_MODULE = "seawall.policy.schema"
# the policy sections a hook needs; nothing else is cached (providers' keys, store passwords, tokens)
SECTIONS = ("on_error", "classification", "redaction", "injection", "tools", "audit")


class _Action(StrEnum):
    ALLOW = "allow"
    LOG = "log"
    REDACT = "redact"
    ROUTE_LOCAL = "route_local"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _ACTION_RANK[self]


class _Tier(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        return _TIER_RANK[self]


_ACTION_RANK = {a: i for i, a in enumerate(_Action)}
_TIER_RANK = {t: i for i, t in enumerate(_Tier)}


def real_schema_loaded() -> bool:
    mod = sys.modules.get(SCHEMA_MODULE)
    return mod is not None and not getattr(mod, "__seawall_lite__", False)


def enums() -> tuple[Any, Any]:
    """(Action, Tier): the real schema's when it is loaded, else the stand-ins."""
    mod = sys.modules.get(SCHEMA_MODULE)
    if mod is not None:
        return mod.Action, mod.Tier
    return _Action, _Tier


def install_schema_shim() -> bool:
    """Make `import seawall.policy.schema` cheap in this process (hook processes only).
    Returns False (and changes nothing) when the real module is already loaded."""
    if SCHEMA_MODULE in sys.modules:
        return False
    mod = types.ModuleType(SCHEMA_MODULE, "stand-in for seawall.policy.schema in a hook process (no pydantic)")
    mod.Action = _Action  # type: ignore[attr-defined]
    mod.Tier = _Tier  # type: ignore[attr-defined]
    for name in ("Policy", "Classification"):  # annotations only, in decide.py and paths.py
        setattr(mod, name, types.SimpleNamespace)
    mod.__seawall_lite__ = True  # type: ignore[attr-defined]
    sys.modules[SCHEMA_MODULE] = mod
    return True


def _ns(value: Any) -> Any:
    if isinstance(value, dict):
        return types.SimpleNamespace(**{k: _ns(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_ns(v) for v in value]
    return value


def policy_from_cache(sections: dict[str, Any], force_lite: bool = False) -> Any:
    """A policy object for `Engine`: the real pydantic model when the schema is loaded anyway
    (tests, the typer CLI), else attribute namespaces with the enum fields converted."""
    if real_schema_loaded() and not force_lite:
        from seawall.policy.schema import Policy

        return Policy.model_validate(sections)
    action, tier = enums()
    cls = dict(sections["classification"])
    cls_ns = _ns({k: v for k, v in cls.items() if k not in ("tiers", "actions", "content", "models")})
    cls_ns.default = tier(cls["default"])
    cls_ns.tiers = {tier(k): list(v) for k, v in cls["tiers"].items()}
    cls_ns.actions = {tier(k): action(v) for k, v in cls["actions"].items()}
    cls_ns.models = {tier(k): list(v) for k, v in cls.get("models", {}).items()}
    cls_ns.content = []
    for rule in cls.get("content", []):
        r = _ns(rule)
        r.tier = tier(rule["tier"])
        cls_ns.content.append(r)
    red = _ns(sections["redaction"])
    red.secrets = action(red.secrets)
    red.pii = action(red.pii)
    for c in red.custom:
        c.action = action(c.action)
    inj = _ns(sections["injection"])
    inj.action = action(inj.action)
    tools = _ns(sections["tools"])
    tools.writes.outside_project = action(tools.writes.outside_project)
    return types.SimpleNamespace(on_error=sections["on_error"], classification=cls_ns, redaction=red, injection=inj,
                                 tools=tools, audit=_ns(sections["audit"]))


class LazyEngine:
    """The policy, with its decision Engine (`HookEngine`) built on first use: screening a prompt that
    holds nothing needs neither the Engine (path globs compiled) nor the decision code's imports."""

    __slots__ = ("_engine", "policy", "root")

    def __init__(self, policy: Any, root: str) -> None:
        self.policy = policy
        self.root = root
        self._engine: Any = None

    def get(self) -> Any:
        if self._engine is None:
            from seawall.hooks.engine import HookEngine

            self._engine = HookEngine(self.policy, self.root)
        return self._engine
