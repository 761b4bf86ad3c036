"""Claude Code's numbered Read output: the prefixes come off in one pass, offsets map back exactly, and
texts that are not wholly numbered are left alone."""

from __future__ import annotations

import random

from seawall.gateway.inspect import NumberedText


def _reference_applies(text: str) -> bool:
    return NumberedText.applies(text)


def test_parse_agrees_with_applies_and_maps_every_position_back() -> None:
    rng = random.Random(21)
    pieces = ["1\t", "22\t", "x", "def f():", " ", "\t", "", "9" * 10 + "\t", "é", "1 \t", "٣\t"]
    mapped = 0
    for _ in range(4000):
        lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.5:
            lines = [f"{i}\t{line}" for i, line in enumerate(lines, 1)] + ([""] if rng.random() < 0.3 else [])
        text = "\n".join(lines)
        parsed = NumberedText.parse(text)
        assert (parsed is not None) == _reference_applies(text), text
        if parsed is None:
            continue
        assert parsed.plain == NumberedText(text).plain
        for p, ch in enumerate(parsed.plain):
            if ch != "\n":
                assert text[parsed.to_orig(p)] == ch, (text, p)
                mapped += 1
    assert mapped > 1000
