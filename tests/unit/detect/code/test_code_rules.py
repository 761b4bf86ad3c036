"""Every rule's own positive and negative snippets (kept next to the rule in the table)."""

from __future__ import annotations

import pytest

from seawall.detect.code.engine import CodeDetector, all_rules
from seawall.detect.code.rules import Rule
from seawall.detect.findings import Family, Origin

DET = CodeDetector()
RULES = all_rules()


def _scan(rule: Rule, code: str) -> set[str]:
    path = "snippet.py" if rule.lang == "py" else "snippet.ts"
    return {f.rule_id for f in DET.scan(code, Origin(path=path))}


def test_rule_ids_unique_and_complete() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        assert r.cwe.startswith("CWE-") and r.message and r.safe and r.title
        assert r.positive and r.negative, f"{r.id} needs positive and negative snippets"
        assert r.sinks or r.check, f"{r.id} has neither sinks nor a check"
    cwes = {r.cwe for r in RULES}
    for needed in ("CWE-89", "CWE-78", "CWE-22", "CWE-798", "CWE-502", "CWE-94", "CWE-79", "CWE-918", "CWE-328",
                   "CWE-327", "CWE-330", "CWE-295", "CWE-611", "CWE-347", "CWE-942"):
        assert needed in cwes


@pytest.mark.parametrize(("rule", "code"), [(r, c) for r in RULES for c in r.positive],
                         ids=[f"{r.id}+{i}" for r in RULES for i in range(len(r.positive))])
def test_positive(rule: Rule, code: str) -> None:
    assert rule.id in _scan(rule, code)


@pytest.mark.parametrize(("rule", "code"), [(r, c) for r in RULES for c in r.negative],
                         ids=[f"{r.id}-{i}" for r in RULES for i in range(len(r.negative))])
def test_negative(rule: Rule, code: str) -> None:
    assert rule.id not in _scan(rule, code)


def test_finding_shape() -> None:
    code = "import os\ndef f(host):\n    os.system('ping ' + host)\n"
    [f] = DET.scan(code, Origin(path="a.py"))
    assert f.family is Family.CODE and f.cwe == "CWE-78" and f.kind == "CWE-78"
    assert f.line == 3 and f.path == "a.py"
    assert "shlex.quote" in f.message and f.extra["safe"]
    assert code[f.span.start:f.span.end] == "os.system('ping ' + host)"


def test_credentials_are_never_in_findings() -> None:
    secret = "Pr0d-Passw0rd!2024-very-long"
    for path in ("a.py", "a.js"):
        code = f'DB_PASSWORD = "{secret}"\n' if path.endswith(".py") else f'const DB_PASSWORD = "{secret}";\n'
        found = DET.scan(code, Origin(path=path))
        assert found and all(f.cwe == "CWE-798" for f in found)
        for f in found:
            assert secret not in f.preview and secret not in f.message


def test_unknown_extension_and_empty_text() -> None:
    assert DET.scan("os.system(input())", Origin(path="notes.txt")) == []
    assert DET.scan("", Origin(path="a.py")) == []
    assert DET.scan("os.system(input())", None) == []


def test_syntax_error_is_not_a_crash() -> None:
    assert DET.scan("def f(:\n  pass\n", Origin(path="a.py")) == []
    assert DET.scan("function ( {", Origin(path="a.js")) == []
