"""False positives seen on real code: template fields and identifiers are not secrets."""

from seawall.detect.registry import scan_text


def test_template_field_in_url_password_is_not_a_secret():
    assert scan_text('DB = f"postgres://app:{password}@db:5432/app"\n', detectors=("secrets",)) == []
    assert scan_text('u = "mysql://root:{0}@db/x".format(p)\n', detectors=("secrets",)) == []


def test_identifier_values_in_a_mapping_are_not_secrets():
    text = 'TABLE = {\n    "private-key": base64_private_key,\n    "api-key": load_api_key_from_vault,\n}\n'
    assert scan_text(text, detectors=("secrets",)) == []


def test_literal_url_password_still_found():
    pw = "Zq8" + "vR2xLm9T"
    found = scan_text(f'DB = "postgres://app:{pw}@db.internal:5432/app"\n', detectors=("secrets",))
    assert [f.kind for f in found] == ["database-url-password"]
