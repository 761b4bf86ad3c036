# seawall:allow-file  (fixtures: generated, format-valid values that belong to nobody)
import pytest

from seawall.detect.findings import Family
from seawall.detect.pii.custom import CustomPattern, CustomPatternDetector, parse_cli_pattern
from seawall.detect.pii.engine import PiiDetector, card_brand

DET = PiiDetector()


def kinds(text: str) -> list[str]:
    return [f.kind for f in DET.scan(text)]


POSITIVE = [
    ('card_number: "6011 7813 5155 8373"', "credit-card"),
    ("config.pan = '349019166787424'", "credit-card"),
    ("4261-3422-7843-8744", "credit-card"),
    ("payout_iban: DE63953402122084664015", "iban"),
    ('account_iban: "AT98 1397 0317 5130 7989"', "iban"),
    ("IT02 D764 8003 6224 6399 4121 448", "iban"),
    ('tax_id: "756-68-9619"', "us-ssn"),
    ("ssn=139654766", "us-ssn"),
    ("SIN: 130 692 544", "ca-sin"),
    ("bsn 111222333", "nl-bsn"),
    ("Steuer-ID: 36 574 261 809", "de-idnr"),
    ("cpf 390.533.447-05", "br-cpf"),
    ('EMAIL = "ines_moreau5@fabrikam.de"', "email"),
    ("owner: Kowalski.Maria@globex-mail.com", "email"),
    ('phone: "+44 7628 480894"', "phone"),
    ("mobile=+49 153 7757048", "phone"),
    ('phone = "714.751.1655"', "phone"),
    ("| phone | `+19167593742` |", "phone"),
    ("call (415) 867-5309 now", "phone"),
]

NEGATIVE = [
    "The test card is `4242424242424242`.",  # published test card
    "card_number: 5135 3657 7592 6415",  # fails Luhn
    "order 1700000000000 ms",  # a timestamp, no issuer
    "pi = 3.141592653589793238",
    "The ref is `GB64 NCMN 5982 1153 3468 84`.",  # bad IBAN check digits
    'sample_ssn = "000-73-5006"',
    'ssn: "941-07-5290"',  # area 9xx is never issued
    "ssn : 111-22-3333",  # the parser-docs sample
    "contact: tomasz@example.org",
    "email=mateo@localhost",
    "contact=rahul@test.invalid",
    "git clone git@github.com:org/repo.git",
    "1234+noreply@users.noreply.github.com",
    "background: url(icon@2x.png)",
    "postgres://user:pw@db.internal:5432/app",
    "behave like ``@dataclasses.dataclass``",
    "Set `PHONE=(715) 555-0174` before running",  # fictional 555-01xx
    '"+1.650.555.1212" is the classic example',
    "version 1.2.3.4 build 2024-12-07",
    "ip 192.168.100.200 port 8080",
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    "sin(3.14159) + cos(x)",
]


@pytest.mark.parametrize(("text", "kind"), POSITIVE)
def test_positive(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative(text: str) -> None:
    assert kinds(text) == []


def test_findings_hold_no_raw_value() -> None:
    text = 'card = "6011 7813 5155 8373"\nmail: jane.doe@acme-corp.io\n'
    found = DET.scan(text)
    assert [f.line for f in found] == [1, 2]
    for f in found:
        assert f.family is Family.PII
        assert "5155" not in f.preview and "jane.doe@acme" not in f.preview
        assert text[f.span.start:f.span.end] in ("6011 7813 5155 8373", "jane.doe@acme-corp.io")


def test_card_inside_phone_is_not_reported_twice() -> None:
    assert kinds("cc: 4261 3422 7843 8744") == ["credit-card"]


def test_brands() -> None:
    assert card_brand("4261342278438744") == "visa"
    assert card_brand("349019166787424") == "amex"
    assert card_brand("9999999999999999") is None


def test_kinds_subset_and_unknown() -> None:
    only_email = PiiDetector(kinds=["email"])
    assert [f.kind for f in only_email.scan("a.b@acme-corp.io 756-68-9619")] == ["email"]
    with pytest.raises(ValueError, match="unknown PII kinds"):
        PiiDetector(kinds=["dna"])


def test_custom_patterns() -> None:
    det = CustomPatternDetector([CustomPattern("corp-host", r"[a-z0-9-]+\.corp\.example")])
    found = det.scan("connect to build-07.corp.example:22\n")
    assert [(f.kind, f.rule_id, f.line) for f in found] == [("corp-host", "custom.corp-host", 1)]
    assert det.scan("nothing here") == []


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        ([CustomPattern("x", "[")], "invalid regular expression"),
        ([CustomPattern("x", "a*")], "empty string"),
        ([CustomPattern("Bad Name", "a")], "lower-case"),
        ([CustomPattern("x", "a"), CustomPattern("x", "b")], "twice"),
    ],
)
def test_custom_pattern_errors(patterns: list[CustomPattern], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CustomPatternDetector(patterns)


def test_parse_cli_pattern() -> None:
    assert parse_cli_pattern("corp=a+b") == CustomPattern("corp", "a+b")
    with pytest.raises(ValueError, match="NAME=REGEX"):
        parse_cli_pattern("nonsense")
