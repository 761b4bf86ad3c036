"""PII detector: cheap candidate regexes, then the field library that knows the format decides.

Cards: Luhn (python-stdnum) and issuer ranges, published test cards excluded. IBAN: schwifty
(country length, BBAN format, check digits). National ids: python-stdnum, only next to a keyword.
Emails: email-validator (syntax, special-use domains), documentation domains excluded. Phones:
phonenumbers, fictional NANP 555-01xx excluded.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from seawall.detect.findings import Family, Finding, LineIndex, Origin, Severity, Span, fingerprint, mask
from seawall.detect.pii import prefilter
from seawall.detect.pii.tables import (
    CARD_RANGES,
    EXAMPLE_EMAIL_DOMAINS,
    FILE_SUFFIXES,
    NATIONAL_IDS,
    SAMPLE_SSNS,
    SYSTEM_DOMAINS,
    SYSTEM_LOCAL_PARTS,
    TEST_CARDS,
    NationalId,
)

# Each pattern consumes its first character before looking behind it, so the regex engine can skip
# ahead on that character class: several times faster than a leading look-behind.
_CARD = re.compile(
    r"\d(?<![\w\-.]\d)(?:\d{11,18}|\d{3}([ \-])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,4})?|\d{3}([ \-])\d{6}\2\d{4,5})"
    r"(?![\w\-]|[.,]\d)"
)
_CARD_CONTEXT = re.compile(r"(?i)card|\bcc\b|_cc\b|\bcc_|\bpan\b|_pan\b|visa|master|amex|discover|payment")
_SSN = re.compile(r"\d(?<![\w\-.]\d)\d\d-\d{2}-\d{4}(?![\w\-]|\.\d)")
_IBAN = re.compile(r"[A-Z](?<![\w\-][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?!\w)")
_PHONE = re.compile(
    r"[+(\d](?<![\w+\-/.#][+(\d])(?:(?<=\+)\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,5}(?:[ .\-]?\d{1,6}){1,4}"
    r"|(?<=\()\d{3}\) ?\d{3}[ .\-]\d{4}|(?<=\d)\d\d([.\-])\d{3}\1\d{4})(?![\w\-]|[.:]\d)"
)
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}"
                           r"[A-Za-z0-9])?)+")
_EMAIL_LOCAL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}$")
_NON_DIGIT = re.compile(r"\D")


@dataclass(frozen=True, slots=True)
class _Kind:
    rule_id: str
    severity: Severity
    description: str


_KINDS: dict[str, _Kind] = {
    "credit-card": _Kind("pii.credit-card", Severity.HIGH, "Payment card number (Luhn and issuer range valid)"),
    "iban": _Kind("pii.iban", Severity.MEDIUM, "International bank account number (check digits valid)"),
    "us-ssn": _Kind("pii.us-ssn", Severity.HIGH, "US social security number"),
    "email": _Kind("pii.email", Severity.LOW, "Email address"),
    "phone": _Kind("pii.phone", Severity.LOW, "Phone number"),
}
for _nid in NATIONAL_IDS:
    _KINDS.setdefault(_nid.kind, _Kind(f"pii.{_nid.kind}", Severity.HIGH, _nid.description))

# When candidates overlap, the stronger (checksum-validated) kind wins.
_PRECEDENCE = {"credit-card": 0, "iban": 1, "us-ssn": 2, "email": 4, "phone": 5}

# (kind, start, end, value, confidence)
_Cand = tuple[str, int, int, str, float]
Spans = list[tuple[int, int]]


@cache
def _stdnum(module: str) -> Callable[[str], bool]:
    return importlib.import_module(module).is_valid


def _luhn(digits: str) -> bool:
    return _stdnum("stdnum.luhn")(digits)


def card_brand(digits: str) -> str | None:
    """The card network whose issuer range and length fit these digits, if any."""
    n = len(digits)
    for brand, low, high, lengths in CARD_RANGES:
        width = len(str(low))
        if n in lengths and low <= int(digits[:width]) <= high:
            return brand
    return None


def is_fictional_phone(number: Any) -> bool:
    """NANP 555-0100 to 555-0199 are reserved for fiction; 555-1212 is the textbook example."""
    national = str(number.national_number)
    if number.country_code != 1 or len(national) != 10 or national[3:6] != "555":
        return False
    return national[6:8] == "01" or national[6:] == "1212"  # 555-1212: directory assistance, the classic example


class PiiDetector:
    """Finds personal data in text. Pure and thread-safe; field libraries load on first use."""

    name = "pii"
    family = Family.PII

    def __init__(self, region: str = "US", kinds: Iterable[str] | None = None) -> None:
        self.region = region
        self.kinds = frozenset(kinds) if kinds is not None else frozenset(_KINDS)
        unknown = self.kinds - set(_KINDS)
        if unknown:
            raise ValueError(f"unknown PII kinds: {', '.join(sorted(unknown))}; known: {', '.join(sorted(_KINDS))}")
        ids = [n for n in NATIONAL_IDS if n.kind in self.kinds]
        self._ids = [(n, _id_regex(n)) for n in ids]
        self._id_words = sorted({w for n in ids for w in n.keywords})
        self._pre = prefilter.LinePrefilter(self._id_words) if prefilter.available() else None

    def scan(self, text: str, origin: Origin | None = None) -> list[Finding]:
        cands: list[_Cand] = []
        k = self.kinds
        if self._pre is not None:
            win = self._pre.windows(text)
        else:  # no prefilter on this platform: every category looks at the whole text
            whole = [(0, len(text))]
            low = text.lower()
            win = {c: whole for c in ("credit-card", "us-ssn", "iban", "phone")}
            if any(w in low for w in self._id_words):
                win["ids"] = whole
        if "credit-card" in k and "credit-card" in win:
            cands.extend(self._cards(text, win["credit-card"]))
        if "us-ssn" in k and "us-ssn" in win:
            cands.extend(self._ssns(text, win["us-ssn"]))
        if "iban" in k and "iban" in win:
            cands.extend(self._ibans(text, win["iban"]))
        if self._ids and "ids" in win:
            cands.extend(self._national_ids(text, win["ids"]))
        if "phone" in k and "phone" in win:
            cands.extend(self._phones(text, win["phone"]))
        if "email" in k and "@" in text:
            cands.extend(self._emails(text))
        return self._findings(text, _resolve(cands), origin)

    # --- candidates -----------------------------------------------------------------------

    def _cards(self, text: str, spans: Spans) -> Iterable[_Cand]:
        for m in _matches(_CARD, text, spans):
            value = m.group()
            digits = _NON_DIGIT.sub("", value)
            if not 12 <= len(digits) <= 19 or digits in TEST_CARDS or len(set(digits)) < 4:
                continue
            if card_brand(digits) is None or not _luhn(digits):
                continue
            line_start = text.rfind("\n", 0, m.start()) + 1
            context = _CARD_CONTEXT.search(text, max(line_start, m.start() - 60), m.start())
            yield ("credit-card", m.start(), m.end(), digits, 0.95 if context or value != digits else 0.75)

    def _ssns(self, text: str, spans: Spans) -> Iterable[_Cand]:
        valid = _stdnum("stdnum.us.ssn")
        for m in _matches(_SSN, text, spans):
            if valid(m.group()) and m.group() not in SAMPLE_SSNS and len(set(m.group())) > 2:
                yield ("us-ssn", m.start(), m.end(), m.group().replace("-", ""), 0.85)

    def _ibans(self, text: str, spans: Spans) -> Iterable[_Cand]:
        for m in _matches(_IBAN, text, spans):
            value = m.group()
            while value:
                if _valid_iban(value):
                    yield ("iban", m.start(), m.start() + len(value), value.replace(" ", ""), 0.95)
                    break
                cut = value.rfind(" ")  # a trailing word may have been taken for a group
                value = value[:cut] if cut > 0 else ""

    def _national_ids(self, text: str, spans: Spans) -> Iterable[_Cand]:
        for nid, rx in self._ids:
            valid = _stdnum(nid.validator)
            for m in _matches(rx, text, spans):
                value = m.group("v")
                if valid(value):
                    yield (nid.kind, m.start("v"), m.end("v"), re.sub(r"[ .\-]", "", value), 0.9)

    def _phones(self, text: str, spans: Spans) -> Iterable[_Cand]:
        import phonenumbers

        for m in _matches(_PHONE, text, spans):
            raw = m.group()
            digits = _NON_DIGIT.sub("", raw)
            if not 8 <= len(digits) <= 15:
                continue
            try:
                number = phonenumbers.parse(raw, self.region)
            except phonenumbers.NumberParseException:
                continue
            international = raw.startswith("+")
            ok = phonenumbers.is_possible_number(number) if international else phonenumbers.is_valid_number(number)
            if ok and not is_fictional_phone(number):
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                yield ("phone", m.start(), m.end(), e164, 0.7 if international else 0.6)

    def _emails(self, text: str) -> Iterable[_Cand]:
        from email_validator import EmailNotValidError, validate_email

        at = text.find("@")
        while at != -1:
            nxt = text.find("@", at + 1)
            left = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
            right = _EMAIL_DOMAIN.match(text, at + 1)
            if left and right:
                local = left.group().lstrip(".")
                start = at - len(local)
                domain = right.group().rstrip(".").lower()
                before = text[start - 1] if start > 0 else ""
                tld = domain.rsplit(".", 1)[-1]
                if (
                    before not in (":", "/")  # URL credentials: the secrets rules own those
                    and not tld.isdigit()
                    and tld not in FILE_SUFFIXES
                    and local.lower() not in SYSTEM_LOCAL_PARTS
                    and not _is_example_domain(domain)
                    and not domain.endswith(SYSTEM_DOMAINS)
                ):
                    address = f"{local}@{right.group()}"
                    try:
                        validate_email(address, check_deliverability=False)
                    except EmailNotValidError:
                        pass
                    else:
                        yield ("email", start, at + 1 + len(right.group()), address.lower(), 0.8)
            at = nxt

    # --- findings -------------------------------------------------------------------------

    def _findings(self, text: str, cands: list[_Cand], origin: Origin | None) -> list[Finding]:
        if not cands:
            return []
        index = LineIndex(text)
        path = origin.path if origin else None
        out = []
        for kind, start, end, value, confidence in cands:
            meta = _KINDS[kind]
            out.append(
                Finding(
                    rule_id=meta.rule_id,
                    family=Family.PII,
                    kind=kind,
                    severity=meta.severity,
                    confidence=confidence,
                    span=Span(start, end),
                    line=index.line(start),
                    message=meta.description,
                    fingerprint=fingerprint(kind, value),
                    preview=mask(value),
                    path=path,
                    cwe="CWE-359",
                )
            )
        return out


def _matches(rx: re.Pattern[str], text: str, spans: Spans) -> Iterator[re.Match[str]]:
    for start, end in spans:
        yield from rx.finditer(text, start, end)


def _id_regex(nid: NationalId) -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in nid.keywords)
    return re.compile(
        r"(?i:(?<![a-z])(?:" + words + r")(?![a-z]))[^\n\d]{0,30}?(?<![\w\-.])(?P<v>" + nid.value + r")(?![\w\-])"
    )


def _valid_iban(value: str) -> bool:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(value)
    except (SchwiftyException, ValueError):
        return False
    return True


def _is_example_domain(domain: str) -> bool:
    return domain in EXAMPLE_EMAIL_DOMAINS or domain.endswith((".example", ".example.com", ".example.org",
                                                                ".example.net"))


def _resolve(cands: list[_Cand]) -> list[_Cand]:
    """Drop candidates that overlap a stronger one (a phone inside a card number, say)."""
    order = sorted(cands, key=lambda c: (_PRECEDENCE.get(c[0], 3), c[1]))
    kept: list[_Cand] = []
    for c in order:
        if all(c[2] <= k[1] or k[2] <= c[1] for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: (c[1], c[2]))
    return kept
