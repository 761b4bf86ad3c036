"""PII data tables: card issuer ranges, published test cards, national-id formats.

Facts only (issuer number ranges, documented test numbers); the checks themselves come from
python-stdnum, schwifty, phonenumbers and email-validator.
"""

from __future__ import annotations

from dataclasses import dataclass

# Issuer identification number ranges: (first digits low, high, allowed lengths).
CARD_RANGES: tuple[tuple[str, int, int, tuple[int, ...]], ...] = (
    ("visa", 4, 4, (13, 16, 19)),
    ("mastercard", 51, 55, (16,)),
    ("mastercard", 2221, 2720, (16,)),
    ("amex", 34, 34, (15,)),
    ("amex", 37, 37, (15,)),
    ("discover", 6011, 6011, (16, 19)),
    ("discover", 644, 649, (16, 19)),
    ("discover", 65, 65, (16, 19)),
    ("diners", 300, 305, (14, 16, 19)),
    ("diners", 36, 36, (14, 16, 19)),
    ("diners", 38, 39, (14, 16, 19)),
    ("jcb", 3528, 3589, (16, 17, 18, 19)),
    ("unionpay", 62, 62, (16, 17, 18, 19)),
    ("maestro", 5018, 5018, (12, 13, 14, 15, 16, 17, 18, 19)),
    ("maestro", 5020, 5020, (12, 13, 14, 15, 16, 17, 18, 19)),
    ("maestro", 5038, 5038, (12, 13, 14, 15, 16, 17, 18, 19)),
    ("maestro", 6304, 6304, (12, 13, 14, 15, 16, 17, 18, 19)),
    ("maestro", 6759, 6763, (12, 13, 14, 15, 16, 17, 18, 19)),
    ("mir", 2200, 2204, (16, 17, 18, 19)),
)

# Card numbers that payment processors publish for testing (Stripe, Braintree, Adyen, PayPal,
# Worldpay docs). They are not personal data and appear in every payments codebase.
TEST_CARDS: frozenset[str] = frozenset(
    {
        "4242424242424242", "4000056655665556", "4000002500003155", "4000002760003184",
        "4000000000000002", "4000000000009995", "4000000000000077", "4000000000000093",
        "4000000000000127", "4000000000000069", "4000000000000119", "4000000000000341",
        "4000000000003220", "4000000000000101", "4100000000000019", "4000000000000259",
        "4111111111111111", "4012888888881881", "4222222222222", "4005519200000004",
        "4009348888881881", "4012000033330026", "4012000077777777", "4217651111111119",
        "4500600000000061", "4988438843884305", "4917610000000000", "4484070000000000",
        "4444333322221111", "4000111111111115", "4000000000000010",
        "5555555555554444", "2223003122003222", "5200828282828210", "5105105105105100",
        "5431111111111111", "5555555555555557", "2222400010000008", "5101180000000007",
        "5454545454545454", "5500000000000004", "5424000000000015", "5111111111111118",
        "378282246310005", "371449635398431", "378734493671000", "340000000000009",
        "370000000000002", "371111111111114", "6011111111111117", "6011000990139424",
        "6011000000000004", "6011981111111113", "6011601160116611", "6445644564456445",
        "3056930009020004", "36227206271667", "30569309025904", "38520000023237",
        "36006666333344", "3566002020360505", "3530111333300000", "3566111111111113",
        "3569990010095841", "6200000000000005", "6205500000000000004", "6250941006528599",
        "6759649826438453", "6799990100000000019", "5018000000000009",
    }
)


@dataclass(frozen=True, slots=True)
class NationalId:
    """A national identifier that has a check digit, found only next to one of its keywords."""

    kind: str
    validator: str  # python-stdnum module
    keywords: tuple[str, ...]
    value: str  # regex for the value itself
    description: str


NATIONAL_IDS: tuple[NationalId, ...] = (
    NationalId("us-ssn", "stdnum.us.ssn", ("ssn", "social security"), r"\d{9}",
               "US social security number (undashed, after 'ssn')"),
    NationalId("ca-sin", "stdnum.ca.sin", ("sin", "social insurance"), r"\d{3}[ -]?\d{3}[ -]?\d{3}",
               "Canadian social insurance number"),
    NationalId("nl-bsn", "stdnum.nl.bsn", ("bsn", "burgerservicenummer"), r"\d{9}|\d{4}\.\d{2}\.\d{3}",
               "Dutch citizen service number"),
    NationalId("de-idnr", "stdnum.de.idnr", ("steuer-id", "steuerid", "idnr", "steueridentifikationsnummer"),
               r"\d{2} ?\d{3} ?\d{3} ?\d{3}", "German tax identification number"),
    NationalId("fr-nir", "stdnum.fr.nir", ("nir", "insee", "securite sociale", "sécurité sociale"),
               r"[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}", "French social security number"),
    NationalId("es-dni", "stdnum.es.dni", ("dni", "nif"), r"\d{8}-?[A-Z]", "Spanish national identity number"),
    NationalId("it-cf", "stdnum.it.codicefiscale", ("codice fiscale", "codicefiscale", "codice_fiscale"),
               r"[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]", "Italian fiscal code"),
    NationalId("in-aadhaar", "stdnum.in_.aadhaar", ("aadhaar", "aadhar", "uidai"), r"\d{4} ?\d{4} ?\d{4}",
               "Indian Aadhaar number"),
    NationalId("br-cpf", "stdnum.br.cpf", ("cpf",), r"\d{3}\.?\d{3}\.?\d{3}-?\d{2}", "Brazilian CPF"),
)

# Domains reserved for documentation and tests (RFC 2606, RFC 6761); email-validator rejects
# the special-use names itself (test, invalid, localhost, local, onion, arpa).
EXAMPLE_EMAIL_DOMAINS: frozenset[str] = frozenset({"example.com", "example.net", "example.org", "example"})
# Addresses that name a system, not a person.
SYSTEM_LOCAL_PARTS: frozenset[str] = frozenset({"git", "noreply", "no-reply", "donotreply", "do-not-reply"})
SYSTEM_DOMAINS: tuple[str, ...] = ("users.noreply.github.com", "noreply.github.com", "sentry.io")
# An "@" followed by one of these is a file name or a version pin (icon@2x.png, pkg@1.2.js).
FILE_SUFFIXES: frozenset[str] = frozenset(
    {"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "js", "mjs", "cjs", "ts", "tsx", "jsx", "css",
     "scss", "py", "rb", "go", "rs", "java", "json", "yaml", "yml", "toml", "md", "txt", "html", "lock",
     "map", "wasm", "zip", "gz", "tgz", "whl"}
)

# SSNs printed in documentation, advertising and parser examples; well-formed but not a person's.
SAMPLE_SSNS: frozenset[str] = frozenset(
    {"123-45-6789", "111-22-3333", "987-65-4321", "012-34-5678", "078-05-1120", "219-09-9999", "457-55-5462"}
)
