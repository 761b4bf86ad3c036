"""Validators: checks a candidate must pass after its regex matched (checksums, decodable parts,
placeholder and context filters). Each takes the candidate value and the match, returns bool."""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable

from seawall.detect.secrets.entropy import char_classes, shannon

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62_crc32(body: str) -> str:
    """Six base62 characters of the CRC32 of `body`, big-endian, left-padded with '0'."""
    n = zlib.crc32(body.encode())
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(6, "0")


def crc32_base62(value: str, groups: dict[str, str | None]) -> bool:
    """GitHub / npm / seawall style: prefix_ + 30 random + 6 base62 CRC32 of the random part."""
    body = value.split("_")[-1]
    return len(body) == 36 and base62_crc32(body[:30]) == body[30:]


def base64_private_key(value: str, groups: dict[str, str | None]) -> bool:
    """Decodes to a PEM block whose header names a PRIVATE KEY (not a certificate or public key)."""
    head = value[: len(value) // 4 * 4][:96]
    try:
        text = base64.b64decode(head, validate=True).decode("ascii", "replace")
    except (ValueError, binascii.Error):
        return False
    first = text.split("\n", 1)[0]
    return first.startswith("-----BEGIN") and "PRIVATE KEY" in first


def _b64url_json(part: str) -> object:
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))


def jwt(value: str, groups: dict[str, str | None]) -> bool:
    """header.payload.signature where the header decodes to a JSON object naming an algorithm."""
    try:
        header = _b64url_json(value.split(".", 1)[0])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and ("alg" in header or "typ" in header)


_WEAK = frozenset(
    [
        "password",
        "passw0rd",
        "pass",
        "pwd",
        "secret",
        "secrets",
        "changeme",
        "admin",
        "root",
        "test",
        "testing",
        "tests",
        "example",
        "sample",
        "default",
        "none",
        "null",
        "nil",
        "false",
        "true",
        "undefined",
        "guest",
        "user",
        "username",
        "letmein",
        "qwerty",
        "123456",
        "12345678",
        "foobar",
        "foo",
        "bar",
        "baz",
        "token",
        "apikey",
        "api_key",
        "mypassword",
        "yourpassword",
        "string",
        "str",
        "text",
        "value",
        "hidden",
        "empty",
        "local",
        "dev",
        "development",
        "prod",
        "production",
        "staging",
        "demo",
        "temp",
        "tmp",
        "todo",
        "tbd",
        "unknown",
        "redacted",
        "masked",
    ]
)
_COMMON_PASSWORDS = frozenset(
    {"changeit", "p@ssw0rd", "p@ssword", "hunter2", "s3cr3t", "passw0rd!", "welcome1", "trustno1", "iloveyou"}
)
_DIGITS_PUNCT = "0123456789!@#$%^&*._-+=~:/?"
_WEAK_URL = frozenset({"passwd", "pw", "xxx", "xxxx", "postgres", "mysql", "redis", "guest", "rabbitmq"})
_PLACEHOLDER_START = ("$", "%(", "%{", "<", "{{", "{%", "#{", "@", "[", "(", "&", "***", "…", "...")
_CODE_MARKERS = (
    "(",
    "os.environ",
    "process.env",
    "getenv",
    "env[",
    "env.",
    "secrets.",
    "vault:",
    "ref+",
    "${",
)
_IDENT_PATH = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*(?:(?:\.|::|->)[A-Za-z_$][A-Za-z0-9_$]*)+$")
_WORDS = re.compile(r"^[A-Za-z]+(?:[_ -][A-Za-z]+)*$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_VERSION = re.compile(r"^v?\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z.+-]*)?$|^\d{8}\.[0-9a-f]{6,12}$")
_REPEAT = re.compile(r"(.)\1{5,}")
_FILEISH = re.compile(r"\.(?:pem|key|crt|json|ya?ml|txt|env|p12|pfx|jks|der|cfg|conf|ini)$", re.I)
_HASHY_KEY = re.compile(r"hash|sha\d*|md5|digest|checksum|fingerprint|integrity|crc|etag|nonce", re.I)
_NOT_SECRET_KEY = re.compile(
    r"public|_?id$|_?ids$|name$|type$|file|path|dir$|url$|uri$|endpoint|host|len(?:gth)?$|size$|expir|ttl|timeout"
    r"|count$|format|prefix|header|field|policy|rotation|version|enabled|required|(?:^|[_.-])(?:min|max)|regex|pattern"
    r"|label|placeholder|description|hint|provider|method|scope|limit|_at$|_on$|(?:^|[_.-])date|time$|env_?var|mode$"
    r"|encryption$|algorithm|cipher|scheme|strength|complexity|reset|recovery|changed|prompt|message|error",
    re.I,
)


def looks_placeholder(value: str) -> bool:
    """True for template references, masks, weak defaults and documentation values."""
    v = value.strip()
    low = v.lower()
    if not v or low in _WEAK or v.startswith(_PLACEHOLDER_START):
        return True
    if low.strip(_DIGITS_PUNCT) in _WEAK or low in _COMMON_PASSWORDS or (v[0] == v[-1] == "%"):
        return True
    if any(m in low for m in _CODE_MARKERS):
        return True
    if _REPEAT.search(v) or len(set(v)) < 5:
        return True
    if not _WORDS.match(v):
        return False
    return any(c in v for c in "_ -") or (len(v) <= 12 and (v.islower() or v.isupper()))


def token_value(value: str, groups: dict[str, str | None]) -> bool:
    """A bare token (Bearer, curl -u): not a placeholder, not an env reference."""
    return not looks_placeholder(value) and not _IDENT_PATH.match(value)


_SPACE = re.compile(r"\s")
_TEMPLATE_FIELD = re.compile(r"\{[^{}\s]{1,60}\}")
_SNAKE_IDENT = re.compile(r"[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)+")
_DOC_HOSTS = re.compile(r"(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid)$", re.I)


def url_password(value: str, groups: dict[str, str | None]) -> bool:
    """The password part of scheme://user:password@host is a literal, not a reference or default,
    on a host that is not a documentation placeholder (RFC 2606)."""
    v = value
    low = v.lower()
    if len(v) < 6 or _DOC_HOSTS.search(groups.get("host") or ""):
        return False
    if v.startswith(_PLACEHOLDER_START) or "${" in v or "$(" in v or "%(" in v or "{{" in v:
        return False
    if _TEMPLATE_FIELD.fullmatch(v):  # f"{password}" / "{0}" / "{db.pass}": a template field, not a value
        return False
    if low in _WEAK or low in _WEAK_URL:
        return False
    return not (_REPEAT.search(v) or set(v) <= {"*", "x", "X"})


def basic_auth(value: str, groups: dict[str, str | None]) -> bool:
    """Authorization: Basic <base64(user:password)> with a non-placeholder password."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    user, sep, password = decoded.partition(":")
    return bool(sep and user and password) and not looks_placeholder(password)


_NOT_SECRET_SUFFIX = re.compile(
    r"[_.-]?(?:encryption|algorithm|algo|hash|hashed|policy|length|len|file|path|url|uri|expiry|expires|prompt|hint"
    r"|reset|type|format|field|name|id|regex|pattern|min|max|rounds|iterations|salt|ttl)$",
    re.I,
)


def _keyword_is_a_word(groups: dict[str, str | None]) -> bool:
    """The secret word in the key stands on its own (db_password, dbPassword, PASSWORD), not inside
    another word (bypass, passing, tokenizer)."""
    kw = groups.get("kw")
    if not kw:
        return True
    prefix, key = groups.get("key_prefix") or "", groups.get("key") or ""
    before = prefix[-1:]
    after_pos = len(prefix) + len(kw)
    after = key[after_pos : after_pos + 1]
    if after == "s" or after == "S":  # plural: tokens, secrets, passwords
        after = key[after_pos + 1 : after_pos + 2]
    ok_before = not before.isalpha() or kw[0].isupper()
    ok_after = not after.isalpha() or (after.isupper() and not kw.isupper())
    return ok_before and ok_after


def _random_letters(v: str) -> bool:
    """Letters-only values count as secrets only when long, varied and case-mixed like random text
    (camelCase identifiers have few capitals)."""
    upper = sum(c.isupper() for c in v) / len(v)
    return len(v) >= 24 and shannon(v) >= 4.3 and 0.3 <= upper <= 0.7


def _strong_key(key: str) -> bool:
    """Keys trusted without an = or : (ENV KEY value, --password 'x', SQL PASSWORD 'x')."""
    return "_" in key or key.startswith("-") or key.isupper()


def assignment(value: str, groups: dict[str, str | None]) -> bool:
    """Generic `key = value` candidate: the key names a secret, the value looks like one."""
    key = groups.get("key") or ""
    quoted = groups.get("q") is not None
    v = value.strip()
    if len(v) < 8 or len(v) > 200 or len(key) > 48:  # cheapest rejections first
        return False
    if _IDENT_PATH.match(v) and (not quoted or not any(c.isdigit() for c in v)):
        return False  # settings.API_KEY, os.environ.get: a reference, not a value
    if not _keyword_is_a_word(groups):
        return False
    kw = groups.get("kw") or ""
    if _NOT_SECRET_SUFFIX.search(key) and not key.lower().endswith(kw.lower()):
        return False
    sep = groups.get("sep")
    if sep is not None and not sep.strip() and not _strong_key(key):
        return False
    if sep == "(" and not quoted:  # f(x) passes a variable; f("literal") passes a value
        return False
    if _NOT_SECRET_KEY.search(key) and not re.search(r"(?i)password|passwd|secret_?key|api_?key", key):
        return False
    if _SPACE.search(value) or looks_placeholder(v):
        return False
    if _UUID.match(v) or _VERSION.match(v) or _FILEISH.search(v) or "://" in v:
        return False
    if v.startswith(("/", "./", "~/", "../")):
        return False
    if _HASHY_KEY.search(key) and re.fullmatch(r"[0-9a-fA-F]{32,128}", v):
        return False
    if not quoted and _SNAKE_IDENT.fullmatch(v):
        return False  # `"name": some_function` refers to code, it is not a literal
    if not quoted and (v.endswith((";", ",", ":")) or not any(c.isdigit() for c in v)):
        return False  # unquoted words in code are identifiers; unquoted secrets carry digits
    if re.fullmatch(r"[A-Za-z]+", v) and not _random_letters(v):
        return False
    if re.fullmatch(r"[a-z0-9_]+_[a-z0-9_]+|[A-Z0-9_]+_[A-Z0-9_]+", v) and shannon(v) < 3.3:
        return False
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.]+", v):  # a keyword argument, not a value
        return False
    classes = char_classes(v)
    if len(v) < 12:
        return classes >= 3 and shannon(v) >= 2.8
    if classes >= 3:
        return True
    has_digit = any(c.isdigit() for c in v)
    return classes == 2 and ((has_digit and len(v) >= 16) or (len(v) >= 20 and shannon(v) >= 4.2))


Validator = Callable[[str, dict[str, str | None]], bool]

VALIDATORS: dict[str, Validator] = {
    "crc32-base62": crc32_base62,
    "jwt": jwt,
    "base64-private-key": base64_private_key,
    "url-password": url_password,
    "basic-auth": basic_auth,
    "token-value": token_value,
    "assignment": assignment,
}
