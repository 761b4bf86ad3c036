"""The hook's secret detector (only the rules whose keywords occur) finds exactly what the full one finds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from seawall.detect.secrets.engine import SecretDetector
from seawall.detect.secrets.rules import default_table
from seawall.hooks import secretrules

FULL = SecretDetector(backend="pyahocorasick")


def _key(findings: list) -> list[tuple]:
    return [(f.rule_id, f.kind, f.span.start, f.span.end, f.line, f.confidence, f.fingerprint) for f in findings]


def _same(text: str, cache: Path) -> int:
    det = secretrules.detector_for(text, cache)
    full = FULL.scan(text)
    got = det.scan(text) if det is not None else []
    assert _key(got) == _key(full), text[:80]
    return len(full)


def _texts() -> list[str]:
    rules = default_table().rules
    examples = [x for r in rules for x in (*r.positive, *r.negative)]
    mixed = "\n".join(examples)
    return [*examples, mixed, mixed.upper(), "Ünïcode İstanbul " + mixed[:5000], "x = 1\n" * 4000 + mixed,
            "refactor app.py to use pathlib", "", "İ" * 10 + "AKIA" + "Q3EGRXZT7NB4LW5K"]


def test_same_findings_as_the_full_table(tmp_path: Path) -> None:
    found = sum(_same(t, tmp_path) for t in _texts())
    assert found > 50  # the positive examples are found


def test_no_keyword_no_detector(tmp_path: Path) -> None:
    assert secretrules.detector_for("refactor the build to use ninja", tmp_path) is None
    det = secretrules.detector_for("my aws_secret_access_key is here", tmp_path)
    assert det is not None and "aws-secret-access-key" in {r.id for r in det.table.rules}
    assert len(det.table.rules) < len(default_table().rules) // 10


def test_table_cache_is_private_and_follows_the_rule_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = secretrules.table_data(cache)
    files = list(cache.glob("secret-rules-*.json"))
    assert first is not None and len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    assert "positive" not in files[0].read_text()  # the example values stay out of the cache
    assert secretrules.table_data(cache) == json.loads(files[0].read_text())
    copy = tmp_path / "rules.toml"
    copy.write_text(secretrules.rules_file().read_text() + "\n# edited\n")
    monkeypatch.setattr(secretrules, "rules_file", lambda: copy)
    secretrules.table_data(cache)
    after = list(cache.glob("secret-rules-*.json"))
    assert len(after) == 1 and after != files  # a new entry replaced the old one


def test_clean_prompt_imports_no_detection_or_decision_code(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from seawall.hooks import lite, policycache\n"
        "hp = policycache.load_for_hook(None, sys.argv[1])\n"
        "from seawall.hooks import core\n"
        "v = core.check_prompt(lite.LazyEngine(hp.policy, sys.argv[1]), 'refactor the build to use ninja')\n"
        "heavy = [m for m in ('seawall.detect.secrets.engine', 'seawall.policy.decide', 'pathspec') "
        "if m in sys.modules]\n"
        "print(v.action, heavy)\n"
    )
    env = {**os.environ, "SEAWALL_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    env.pop("SEAWALL_CONFIG", None)
    for _ in range(2):  # cache miss (validates the policy: imports everything), then hit
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "allow []"
