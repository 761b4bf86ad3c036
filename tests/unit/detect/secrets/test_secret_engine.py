"""Engine behaviour: finding fields, masking, line numbers, checksums, suppression, thread safety.

Fake credentials are assembled at run time so this file holds no literal token."""

from __future__ import annotations

import importlib.util
import random
import string
from concurrent.futures import ThreadPoolExecutor

import pytest

from seawall.detect.findings import Family, Origin, fingerprint
from seawall.detect.registry import get
from seawall.detect.secrets.engine import SecretDetector
from seawall.detect.secrets.validators import base62_crc32, crc32_base62

B62 = string.ascii_letters + string.digits
RNG = random.Random(7)
DET = SecretDetector()
BACKENDS = ["pyahocorasick"] + (["hyperscan"] if importlib.util.find_spec("hyperscan") else [])


def rand(n: int, alphabet: str = B62) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def crc_token(prefix: str) -> str:
    body = rand(30)
    return prefix + body + base62_crc32(body)


def test_registry_builds_the_detector() -> None:
    det = get("secrets")
    assert det.name == "secrets" and det.family is Family.SECRET


def test_finding_fields_and_masking() -> None:
    token = crc_token("gh" + "p_")
    text = "line one\n\nexport GH_TOKEN='" + token + "'\n"
    [f] = DET.scan(text, Origin(path="a/b.sh"))
    assert f.rule_id == "github-pat" and f.kind == "github-pat"
    assert text[f.span.start : f.span.end] == token
    assert (f.line, f.end_line) == (3, 3)
    assert f.path == "a/b.sh"
    assert token not in f.preview and token not in f.message
    assert "github-pat" in f.message
    assert f.fingerprint == fingerprint("github-pat", token)
    assert f.confidence > 0.9


def test_crc32_checksum_rejects_a_near_miss() -> None:
    token = crc_token("np" + "m_")
    assert crc32_base62(token, {})
    broken = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not crc32_base62(broken, {})
    assert [f.rule_id for f in DET.scan(f"NPM_TOKEN={token}")] == ["npm-token"]
    assert DET.scan(f"NPM_TOKEN={broken}") == []


def test_seawall_virtual_key_is_detected() -> None:
    key = crc_token("sw" + "k_")
    assert [f.kind for f in DET.scan(f"x = '{key}'")] == ["seawall-virtual-key"]


def test_multiline_private_key_spans_the_block() -> None:
    body = "\n".join(rand(64, B62 + "+/") for _ in range(5))
    pem = "-----BEGIN RSA " + "PRIVATE KEY-----\n" + body + "\n-----END RSA " + "PRIVATE KEY-----"
    text = "key = '''\n" + pem + "\n'''\n"
    [f] = DET.scan(text)
    assert f.kind == "rsa-private-key"
    assert (f.line, f.end_line) == (2, 8)


def test_public_key_and_certificate_are_not_secrets() -> None:
    body = "\n".join(rand(64, B62 + "+/") for _ in range(3))
    for label in ("PUBLIC KEY", "CERTIFICATE", "RSA PUBLIC KEY"):
        assert DET.scan(f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n") == []


def test_url_password_required() -> None:
    pw = rand(18)
    found = DET.scan(f"DATABASE_URL=postgres://app:{pw}@db:5432/app")
    assert [f.kind for f in found] == ["database-url-password"]
    assert DET.scan("DATABASE_URL=postgres://app@db:5432/app") == []
    assert DET.scan("DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app") == []


def test_generic_assignment_scored_and_suppressed() -> None:
    pw = "Aa1!" + rand(16, B62 + "!#%+=")
    assert [f.kind for f in DET.scan(f'db_password = "{pw}"')] == ["generic-password"]
    for value in ("changeme", "${DB_PASSWORD}", "<your-password>", "xxxxxxxxxxxx", "os.environ['X']"):
        assert DET.scan(f'db_password = "{value}"') == [], value
    assert DET.scan("checksum = '" + rand(64, "0123456789abcdef") + "'") == []
    uuid = "-".join(rand(n, "0123456789abcdef") for n in (8, 4, 4, 4, 12))
    assert DET.scan(f"request_id = '{uuid}'") == []


def test_specific_rule_wins_over_generic() -> None:
    token = crc_token("gh" + "p_")
    findings = DET.scan(f'api_token = "{token}"')
    assert [f.rule_id for f in findings] == ["github-pat"]


def test_text_without_keywords_has_no_candidates() -> None:
    text = "def add(a, b):\n    return a + b\n" * 2000
    assert DET._hits(text) == {}
    assert DET.scan(text) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_non_ascii_text_keeps_offsets(backend: str) -> None:
    det = SecretDetector(backend=backend)
    token = crc_token("gh" + "o_")
    text = "İİİ ünïcödé 𝔘 Token\n" * 3 + f"token={token}\n"
    [f] = det.scan(text)
    assert text[f.span.start : f.span.end] == token and f.line == 4


@pytest.mark.skipif(len(BACKENDS) < 2, reason="hyperscan not installed")
def test_prefilter_backends_agree() -> None:
    a, b = (SecretDetector(backend=name) for name in BACKENDS)
    text = (
        "ÄÖÜ API_KEY="
        + rand(32)
        + "\nTOKEN: x\npassword é= 'Aa1!"
        + rand(12)
        + "'\n"
        + "Ω sk_live_"
        + rand(30)
    )
    ha = {k: sorted(v) for k, v in a._hits(text).items()}
    assert ha == {k: sorted(v) for k, v in b._hits(text).items()} and ha
    assert [(f.rule_id, f.span) for f in a.scan(text)] == [(f.rule_id, f.span) for f in b.scan(text)]


def test_scan_is_thread_safe() -> None:
    texts = [f"t{i} = '{crc_token('gh' + 'p_')}'\npassword = 'Aa1!{rand(16)}'\n" for i in range(40)]
    expected = [[(f.rule_id, f.span) for f in DET.scan(t)] for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda t: [(f.rule_id, f.span) for f in DET.scan(t)], texts * 3))
    assert got == expected * 3


CONTEXTS = [
    '{k} = "{v}"',
    '{k}: str = "{v}"',
    "export const {k}: string = '{v}';",
    'var {k} string = "{v}"',
    'private static final String {k} = "{v}";',
    'props.setProperty("{k}", "{v}");',
    "$config['{k}'] = '{v}';",
    "define('{k}', '{v}');",
    '"{k}": "{v}",',
    "{k}: {v}",
    "export {k}='{v}'",
    "ENV {k}={v}",
    "<{k}>{v}</{k}>",
    '<add key="{k}" value="{v}" />',
    "| {k} | `{v}` |",
    "2024-01-01T00:00:00Z DEBUG config dump: {{'{k}': '{v}'}}",
    '"os.environ.setdefault(\\"{k}\\", \\"{v}\\")\\n",',
    '- name: {k}\n  value: "{v}"',
    'builder.{k}("{v}")',
]


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("key", ["DB_PASSWORD", "dbPassword", "api_key", "AUTH_TOKEN"])
def test_generic_assignment_in_many_file_contexts(context: str, key: str) -> None:
    value = "Aa1!" + rand(20)
    snippet = context.format(k=key, v=value)
    text = "a = 1\n" + snippet + "\nb = 2\n"
    [f] = DET.scan(text)
    assert text[f.span.start : f.span.end] == value
    assert f.line == 2 + snippet.count("\n")


@pytest.mark.parametrize(
    "line",
    [
        "def sign(self, filename, sign_password, keystore=None):",
        "If so, pass `allow_module_level=True` to skip.",
        "password = ask_password('Password: ')",
        "outer.update(password.translate(_trans_5C))",
        "self.nester_tokens: _NesterTokens | None = None",
        "if prev_was_colon and token == Literal:",
        "tokenizer_name = 'bert-base-uncased-v2'",
        "secret_name = 'prod/db/credentials-v2'",
    ],
)
def test_code_that_mentions_secrets_is_not_reported(line: str) -> None:
    assert DET.scan(line) == []


def test_every_rule_regex_compiles() -> None:
    import re

    from seawall.detect.secrets.rules import default_table

    for rule in default_table().rules:
        assert isinstance(rule.pattern, re.Pattern), rule.id
