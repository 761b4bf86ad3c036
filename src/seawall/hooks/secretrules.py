"""The secret detector for one text in a hook process: only the rules whose keywords occur in it.

`seawall.detect.secrets` parses rules.toml with tomllib and builds a keyword automaton over every
rule, which costs a hook process (one prompt or tool output, then exit) more than the scan itself.
Here the parsed table is kept as JSON in the hook cache (`cachefiles.cache_dir()`; key: the rule
file's bytes and the seawall version; the rules' example values are left out), the text is searched
for each rule's keywords with the prefilter's own case folding, and a `SecretDetector` is built over
the matching rules only. The detector never runs a rule whose keyword is absent (its prefilter
selects them the same way), and relative rule order is kept, so the findings are the same as the
full table's (a test compares both over every rule's examples). No keyword in the text: no detector,
and the detection code is not even imported. Texts longer than `SELECT_MAX` use every rule.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import string
from pathlib import Path
from typing import Any

from seawall import __version__
from seawall.cachefiles import cache_dir, write_json

FORMAT = 1
SELECT_MAX = 16 * 1024  # beyond this, searching each keyword costs more than the automaton
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_DROP = frozenset({"positive", "negative"})  # examples for the rule tests; not needed to scan


def rules_file() -> Path:
    import seawall

    return Path(seawall.__file__).parent / "detect" / "secrets" / "rules.toml"


def _fold(text: str) -> str:
    """Lower-case as the keyword prefilter does (offsets aligned; ASCII only when lower() changes length)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def table_data(cache: Path | None = None) -> dict[str, Any] | None:
    """{"rule": [...], "suppress": {...}} as in rules.toml (without examples), from the JSON cache when
    it is current. None when the rule file cannot be read (then the caller uses the full detector)."""
    try:
        raw = rules_file().read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode() + raw).hexdigest()[:24]
    if cache is None:
        cache = cache_dir()
    path = cache / f"secret-rules-{digest}.json"
    try:
        entry = json.loads(path.read_bytes())
        if isinstance(entry, dict) and entry.get("format") == FORMAT:
            return entry
    except (OSError, ValueError):
        pass
    import tomllib

    try:
        parsed = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    entry = {"format": FORMAT,
             "rule": [{k: v for k, v in r.items() if k not in _DROP} for r in parsed.get("rule", [])],
             "suppress": parsed.get("suppress", {})}
    _write(path, entry)
    return entry


def _write(path: Path, entry: dict[str, Any]) -> None:
    """Older tables are removed. Failures only cost speed."""
    with contextlib.suppress(TypeError, ValueError):  # a table JSON cannot hold: not cached
        write_json(path, entry, "secret-rules-*.json")


def select(rules: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The rules (in table order) with a keyword in `text`."""
    lowered = _fold(text)
    return [r for r in rules if any(k in lowered for k in r.get("keywords", ()))]


def detector_for(text: str, cache: Path | None = None) -> Any | None:
    """A SecretDetector equivalent to the full one for `text`, or None when no rule can match it."""
    data = table_data(cache)
    if data is None:
        from seawall.detect.secrets.engine import SecretDetector

        return SecretDetector(backend="pyahocorasick")
    rules = data["rule"] if len(text) > SELECT_MAX else select(data["rule"], text)
    if not rules:
        return None
    from seawall.detect.secrets.engine import SecretDetector
    from seawall.detect.secrets.rules import parse_table

    # one short text per hook call: the portable prefilter starts faster than compiling Hyperscan
    return SecretDetector(parse_table({"rule": rules, "suppress": data["suppress"]}), backend="pyahocorasick")
