"""Table-driven tests: every rule's positive examples are found by that rule, and its negative
examples produce no finding at all. The examples live next to each rule in rules.toml."""

from __future__ import annotations

import pytest

from seawall.detect.secrets.engine import SecretDetector
from seawall.detect.secrets.rules import default_table

TABLE = default_table()
DETECTOR = SecretDetector()

POSITIVES = [(r.id, ex) for r in TABLE.rules for ex in r.positive]
NEGATIVES = [(r.id, ex) for r in TABLE.rules for ex in r.negative]


def _ids(cases: list[tuple[str, str]]) -> list[str]:
    return [f"{rid}-{i}" for i, (rid, _) in enumerate(cases)]


@pytest.mark.parametrize(("rule_id", "example"), POSITIVES, ids=_ids(POSITIVES))
def test_positive_example_is_found_by_its_rule(rule_id: str, example: str) -> None:
    found = {f.rule_id for f in DETECTOR.scan(example)}
    assert rule_id in found, f"{rule_id} missed its example; found {sorted(found)}"


@pytest.mark.parametrize(("rule_id", "example"), NEGATIVES, ids=_ids(NEGATIVES))
def test_negative_example_is_not_reported(rule_id: str, example: str) -> None:
    found = [f.rule_id for f in DETECTOR.scan(example)]
    assert found == [], f"negative example of {rule_id} reported by {found}"


@pytest.mark.parametrize("rule", TABLE.rules, ids=[r.id for r in TABLE.rules])
def test_rule_is_complete(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.id == rule.id.lower() and " " not in rule.id
    assert rule.description and rule.reference.startswith("https://")
    assert rule.keywords, "a rule without keywords would never pass the prefilter"
    assert rule.positive and rule.negative, "each rule carries positive and negative examples"
    for example in rule.positive:  # the prefilter must let every positive through
        assert any(k in example.lower() for k in rule.keywords), example[:40]


def test_table_covers_at_least_sixty_credential_kinds() -> None:
    assert len({r.kind for r in TABLE.rules}) >= 60


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in TABLE.rules]
    assert len(ids) == len(set(ids))


def test_examples_file_is_marked_allow_file() -> None:
    from importlib import resources

    head = resources.files("seawall.detect.secrets").joinpath("rules.toml").read_text("utf-8")[:200]
    assert "seawall:allow-file" in head
