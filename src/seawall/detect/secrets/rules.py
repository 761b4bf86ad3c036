"""Load the secret rule table (rules.toml) into compiled Rule objects."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from seawall.detect.findings import Severity
from seawall.detect.secrets.validators import VALIDATORS, Validator


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    description: str
    reference: str
    keywords: tuple[str, ...]
    regex: str
    severity: Severity
    validator: Validator | None = None
    validator_name: str = ""
    entropy: float = 0.0
    multiline: bool = False
    generic: bool = False
    anchor: bool = False
    defer: bool = False
    requires: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()

    @property
    def pattern(self) -> re.Pattern[str]:
        """Compiled on first use: a scan compiles only the rules whose keywords occur (start-up of a
        hook process, which scans one prompt, stays short)."""
        return _compiled(self.regex)


@cache
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.MULTILINE)


@dataclass(frozen=True, slots=True)
class RuleTable:
    rules: tuple[Rule, ...]
    suppress_values: frozenset[str] = field(default_factory=frozenset)
    suppress_substrings: tuple[str, ...] = ()
    defer_prefixes: tuple[str, ...] = ()


class RuleError(ValueError):
    """The rule table is malformed (a packaging bug, not a user error)."""


def _rule(raw: dict[str, object]) -> Rule:
    try:
        rid = str(raw["id"])
        validator_name = str(raw.get("validator", ""))
        if validator_name and validator_name not in VALIDATORS:
            raise RuleError(f"rule {rid}: unknown validator {validator_name!r}")
        keywords = tuple(str(k) for k in raw["keywords"])  # type: ignore[attr-defined]
        if any(k != k.lower() for k in keywords):
            raise RuleError(f"rule {rid}: keywords must be lower-case")
        return Rule(
            id=rid,
            kind=str(raw["kind"]),
            description=str(raw["description"]),
            reference=str(raw["reference"]),
            keywords=keywords,
            regex=str(raw["regex"]),  # compiled on first use; the test suite compiles every one
            severity=Severity(str(raw.get("severity", "high"))),
            validator=VALIDATORS.get(validator_name) if validator_name else None,
            validator_name=validator_name,
            entropy=float(raw.get("entropy", 0.0)),  # type: ignore[arg-type]
            multiline=bool(raw.get("multiline", False)),
            generic=bool(raw.get("generic", False)),
            anchor=bool(raw.get("anchor", False)),
            defer=bool(raw.get("defer", raw.get("generic", False))),
            requires=tuple(str(x) for x in raw.get("requires", ())),  # type: ignore[attr-defined]
            positive=tuple(str(x) for x in raw.get("positive", ())),  # type: ignore[attr-defined]
            negative=tuple(str(x) for x in raw.get("negative", ())),  # type: ignore[attr-defined]
        )
    except (KeyError, TypeError, re.error) as exc:
        raise RuleError(f"rule {raw.get('id', '?')}: {exc}") from exc


def parse_table(data: dict[str, object]) -> RuleTable:
    rules = tuple(_rule(r) for r in data.get("rule", ()))  # type: ignore[attr-defined]
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise RuleError("duplicate rule ids")
    sup = data.get("suppress", {})
    assert isinstance(sup, dict)
    return RuleTable(
        rules=rules,
        suppress_values=frozenset(sup.get("values", ())),
        suppress_substrings=tuple(s.lower() for s in sup.get("substrings", ())),
        defer_prefixes=tuple(p.lower() for p in sup.get("defer_prefixes", ())),
    )


@lru_cache(maxsize=1)
def default_table() -> RuleTable:
    """The built-in table shipped as seawall/detect/secrets/rules.toml."""
    text = resources.files("seawall.detect.secrets").joinpath("rules.toml").read_text("utf-8")
    return parse_table(tomllib.loads(text))
