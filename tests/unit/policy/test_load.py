"""Loading seawall.yaml: every mistake reported with its place, ${ENV}, the starter policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.policy.load import PolicyError, load, load_text, starter_text
from seawall.policy.schema import Action, Tier

FIVE_MISTAKES = """\
version: 1
on_eror: block
classification:
  default: secret
  actions: {public: allow, internal: lgo}
tools:
  bash:
    deny: "rm -rf /"
users:
  alice: {rpm: -5}
"""


def problems(text: str, **kw: object) -> list[tuple[int, str, str]]:
    with pytest.raises(PolicyError) as err:
        load_text(text, "p.yaml", Path("/p"), **kw)  # type: ignore[arg-type]
    return [(p.line, p.key, p.message) for p in err.value.problems]


def test_five_mistakes_all_reported_with_lines() -> None:
    got = problems(FIVE_MISTAKES)
    assert [(line, key) for line, key, _ in got] == [
        (2, "on_eror"),
        (4, "classification.default"),
        (5, "classification.actions.internal"),
        (8, "tools.bash.deny"),
        (10, "users.alice.rpm"),
    ]
    messages = [m for _, _, m in got]
    assert "did you mean 'on_error'" in messages[0]
    assert "'restricted'" in messages[1] and "secret" not in messages[1]  # only near misses are repeated
    assert "did you mean 'log'" in messages[2]
    assert "greater than 0" in messages[4]


def test_unknown_nested_key_lists_the_known_ones() -> None:
    [(line, key, msg)] = problems("tools:\n  zzz: 1\n")
    assert (line, key) == (2, "tools.zzz") and "expected one of: allow, deny, bash" in msg


def test_yaml_syntax_error_has_a_line() -> None:
    [(line, _key, msg)] = problems("version: 1\nclassification:\n  tiers: {restricted: [a\nx: 1\n")
    assert line >= 3 and msg.startswith("YAML syntax")


def test_duplicate_keys_are_errors() -> None:
    [(line, _, msg)] = problems("version: 1\non_error: block\non_error: allow\n")
    assert line == 3 and "duplicate" in msg.lower()


def test_not_a_mapping() -> None:
    [(_, _, msg)] = problems("- a\n- b\n")
    assert "mapping" in msg


def test_model_level_rule() -> None:
    [(line, key, msg)] = problems("limits: {backend: redis}\n")
    assert (line, key) == (1, "limits") and "needs url" in msg


def test_bad_custom_regex() -> None:
    [(_, key, msg)] = problems("redaction:\n  custom: [{name: x, pattern: '(('}]\n")
    assert key == "redaction.custom[0].pattern" and "invalid regular expression" in msg


def test_env_interpolation() -> None:
    text = 'providers:\n  anthropic: {base_url: "https://api.anthropic.com", api_key: "${K}"}\n'
    value = "sk-ant-" + "x" * 20
    loaded = load_text(text, "p.yaml", Path("/p"), environ={"K": value})
    assert loaded.policy.providers["anthropic"].api_key == value
    [(line, key, msg)] = problems(text, environ={})
    assert (line, key) == (2, "providers.anthropic.api_key") and "K is not set" in msg
    d = load_text(text.replace("${K}", "${K:-none}"), "p.yaml", Path("/p"), environ={})
    assert d.policy.providers["anthropic"].api_key == "none"
    relaxed = load_text(text, "p.yaml", Path("/p"), environ={}, allow_missing_env=True)
    assert relaxed.warnings and "K is not set" in relaxed.warnings[0].message


def test_secret_values_never_in_errors() -> None:
    value = "hunter2-" + "q" * 12
    with pytest.raises(PolicyError) as err:
        load_text("providers:\n  x: {base_url: '${U}'}\n", "p.yaml", Path("/p"), environ={"U": value})
    assert value not in str(err.value)


def test_literal_secret_in_policy_warns() -> None:
    key = "sk-ant-api03-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 3 + "AA"
    loaded = load_text(f"providers:\n  anthropic: {{base_url: 'https://a.example', api_key: '{key}'}}\n",
                       "p.yaml", Path("/p"))
    assert loaded.warnings and "${ENV_VAR}" in loaded.warnings[0].message
    assert key not in str(loaded.warnings[0])


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such file"):
        load(tmp_path / "missing.yaml")
    with pytest.raises(PolicyError, match="directory"):
        load(tmp_path)
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(PolicyError, match="UTF-8"):
        load(tmp_path / "bin.yaml")
    (tmp_path / "nul.yaml").write_bytes(b"version: 1\x00\n")
    with pytest.raises(PolicyError, match="binary"):
        load(tmp_path / "nul.yaml")


def test_empty_file_is_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text("")
    loaded = load(tmp_path / "e.yaml")
    assert loaded.policy.on_error == "block" and loaded.root == tmp_path


def test_starter_policy() -> None:
    loaded = load(None)
    pol = loaded.policy
    assert set(pol.classification.tiers) == {Tier.RESTRICTED, Tier.CONFIDENTIAL, Tier.PUBLIC}
    assert pol.classification.actions[Tier.RESTRICTED] is Action.BLOCK
    assert "**/.env" in pol.classification.tiers[Tier.RESTRICTED]
    assert len(pol.tests) >= 8 and loaded.warnings == []
    assert "${ANTHROPIC_API_KEY" in starter_text()


def test_a_stray_value_is_never_repeated_in_the_error() -> None:
    # a credential pasted into the wrong key must not travel on into the 422 response or the log
    [(_, key, msg)] = problems("on_error: hunter2-Pa55word\n")
    assert key == "on_error" and "hunter2" not in msg and "'block'" in msg
    [(_, _, msg)] = problems("on_error: blok\n")
    assert "got 'blok' (did you mean 'block'?)" in msg
