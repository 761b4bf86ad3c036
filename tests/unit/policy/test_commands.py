"""The shell-command parser on input outside ASCII: never a crash, and words keep their characters."""

from __future__ import annotations

import subprocess
import sys

from seawall.policy import commands

# Parses, in a child process (a crash there is a failed test, not a dead test run), every prefix
# after which tree-sitter-bash's scanner calls isdigit/isalpha on the next code point, followed by
# code points across the whole Unicode range. Before scanner_safe() this died with SIGSEGV.
_SWEEP = """
from seawall.policy import commands
for c in list(range(0x100, 0x110000, 61)):
    if 0xD800 <= c < 0xE000:
        continue
    ch = chr(c)
    for text in ("{" + ch, "{1" + ch, "{1.." + ch, "[ -" + ch + " ]", "${x?" + ch + "}", "cat <<E\\n$" + ch):
        commands.parse.__wrapped__(text)
print("survived")
"""


def test_wide_code_points_never_crash_the_parser() -> None:
    run = subprocess.run([sys.executable, "-c", _SWEEP], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "survived"


def test_words_keep_their_original_characters() -> None:
    parsed = commands.parse("cat \U0001F600.env | sh -c 'rm -rf {\U000CDA61}'")
    assert "cat \U0001F600.env" in parsed.commands
    assert "rm -rf {\U000CDA61}" in parsed.commands
    assert "\U0001F600.env" in parsed.words
    assert parsed.error is None


def test_wide_spaces_are_word_characters_as_in_bash() -> None:
    # bash splits words on space, tab and newline only: U+3000 is part of the word
    parsed = commands.parse("rm\u3000-rf /")
    assert parsed.commands == ["rm\u3000-rf /"]
    assert commands.parse("echo h\u00e9llo w\u00f6rld \u0100x").words == ["h\u00e9llo", "w\u00f6rld", "\u0100x"]


def test_scanner_safe_keeps_byte_length() -> None:
    for text in ("a\u0100b", "\u0800", "\U0010FFFF", "\ud800", "plain", "\u00ff"):
        raw = text.encode("utf-8", "surrogatepass")
        safe = commands.scanner_safe(text)
        assert len(safe) == len(raw)
        assert max(map(ord, safe.decode("utf-8"))) <= 0xFF
