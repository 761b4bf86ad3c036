"""The project's own fake model provider: Anthropic and OpenAI wire formats, scripted per request.

Start one with `run_fake_provider()` (tests) or `python -m seawall.fakeprovider --port P` (manual, benches).
Directives in the last user message script the answer, e.g. `[[fake:tool=Read file_path=secrets.env]]`;
see `seawall.fakeprovider.script` for the syntax.
"""

from seawall.fakeprovider.app import create_app
from seawall.fakeprovider.recorder import RecordedRequest, Recorder, key_fingerprint, mask_secret
from seawall.fakeprovider.script import DEFAULT_TEXT, DirectiveError, Script, ToolCall, estimate_tokens, parse_script
from seawall.fakeprovider.server import FakeProvider, run_fake_provider

__all__ = [
    "DEFAULT_TEXT",
    "DirectiveError",
    "FakeProvider",
    "RecordedRequest",
    "Recorder",
    "Script",
    "ToolCall",
    "create_app",
    "estimate_tokens",
    "key_fingerprint",
    "mask_secret",
    "parse_script",
    "run_fake_provider",
]
