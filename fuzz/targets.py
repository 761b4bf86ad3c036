"""Coverage-guided fuzz targets (atheris) for every parser that sees outside input.

usage: .venv/bin/pip install atheris
       .venv/bin/python fuzz/targets.py TARGET [-atheris_runs=100000] [corpus_dir]
TARGET: adapters | sse | policy | command | hook
A target fails only on an exception that is not the parser's own, documented error.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from seawall.gateway.adapters import anthropic, openai_chat, openai_responses
    from seawall.gateway.proxy import GatewayError, _envelope
    from seawall.gateway.usage import StreamTap
    from seawall.hooks import runner
    from seawall.policy import commands
    from seawall.policy.load import PolicyError, load_text
    from seawall.redact.restore import SSERewriter
    from seawall.redact.vault import Vault


def adapters(data: bytes) -> None:
    for parse in (anthropic.parse, openai_chat.parse, openai_responses.parse):
        with contextlib.suppress(GatewayError):
            _envelope(data, parse)


def sse(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    cut = fdp.ConsumeIntInRange(0, 64)
    rest = fdp.ConsumeBytes(4096)
    v = Vault(b"k")
    v.placeholder("x", "value")
    for fmt in ("anthropic", "openai_chat", "openai_responses"):
        tap, rw = StreamTap(fmt), SSERewriter(fmt, v)
        for i in range(0, len(rest), cut or 1):
            tap.feed(rest[i:i + (cut or 1)])
            rw.feed(rest[i:i + (cut or 1)])
        rw.flush()


def policy(data: bytes) -> None:
    with contextlib.suppress(PolicyError):
        load_text(data.decode("utf-8", "replace"), "fuzz.yaml", Path("/p"), environ={}, scan_secrets=False)


def command(data: bytes) -> None:
    commands.parse(data.decode("utf-8", "replace"))


_HOME = tempfile.mkdtemp(prefix="seawall-fuzz-")  # audit rows of the fuzzed events land here


def hook(data: bytes) -> None:
    for event in ("PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart"):
        rc = runner.main(["claude-code", event], stdin=io.BytesIO(data), stdout=io.StringIO(),
                         stderr=io.StringIO(), environ={"HOME": _HOME, "SEAWALL_HOOK_AUDIT_SYNC": "1"})
        assert rc in (0, 2), rc


TARGETS = {"adapters": adapters, "sse": sse, "policy": policy, "command": command, "hook": hook}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        print(__doc__)
        sys.exit(2)
    target = TARGETS[sys.argv.pop(1)]
    json.dumps({})  # keep the json module imported before instrumentation settles
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
