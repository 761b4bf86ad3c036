from seawall.detect.findings import LineIndex, fingerprint, line_of, mask

VALUE = "AK" + "IA" + "ABCDEFGHIJKLMNOP"  # built at run time: the repo scans itself


def test_fingerprint_is_stable_and_keyed(monkeypatch):
    a = fingerprint("aws-access-key", VALUE)
    assert a == fingerprint("aws-access-key", VALUE)
    assert a != fingerprint("github-pat", VALUE)
    assert VALUE[:4] not in a
    monkeypatch.setenv("SEAWALL_FINGERPRINT_KEY", "org-key")
    assert fingerprint("aws-access-key", VALUE) != a


def test_mask_never_shows_whole_value():
    value = "ghp_" + "a1B2c3D4e5" * 3 + "abcdef"
    shown = mask(value)
    assert value not in shown
    assert shown.startswith("ghp_")
    assert "40 chars" in shown
    assert mask("short") == "*****"


def test_line_index_matches_line_of():
    text = "a\nbb\n\nccc\n"
    idx = LineIndex(text)
    for off in range(len(text)):
        assert idx.line(off) == line_of(text, off)
