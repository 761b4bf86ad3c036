"""Token estimates for files sent as context, and their cost per model.

Offline, no tokenizer download: a byte-pair tokenizer splits text into common words and pieces of
rarer ones, numbers into groups of up to three digits, and most symbols into their own tokens; this
estimate follows those rules (about 4 characters a token on English prose, 3 on dense code).
`--exact` asks the provider's own counter through the gateway instead.
"""

from __future__ import annotations

import math
import re

_PIECES = re.compile(r"[A-Za-z]+|[0-9]+|\s+|[^\sA-Za-z0-9]")


def estimate(text: str) -> int:
    n = 0
    for m in _PIECES.finditer(text):
        s = m.group()
        c = s[0]
        if c.isalpha():
            n += 1 if len(s) <= 6 else math.ceil(len(s) / 4)
        elif c.isdigit():
            n += math.ceil(len(s) / 3)
        elif c.isspace():
            n += s.count("\n") if "\n" in s else (1 if len(s) > 1 else 0)
        else:
            n += 1
    return n


DEFAULT_MODELS = ("claude-opus-4-5", "claude-sonnet-4", "claude-haiku-4-5", "gpt-4.1", "gpt-5")
CONTEXT_WINDOWS = {"claude": 200_000, "gpt-4.1": 1_000_000, "gpt-5": 400_000}


def window_of(model: str) -> int | None:
    return next((v for k, v in CONTEXT_WINDOWS.items() if model.startswith(k)), None)
