"""PostToolUse of Write/Edit: insecure code the model just wrote goes back to it as a blocking reason."""

from __future__ import annotations

import io
import json
from pathlib import Path

from seawall.hooks import runner


def test_write_with_sql_injection_is_fed_back(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    code = ("from flask import Flask, request\nimport sqlite3\napp = Flask(__name__)\n"
            "@app.route('/u')\ndef u():\n    name = request.args.get('name')\n"
            "    return sqlite3.connect('x').execute(f\"SELECT * FROM users WHERE name = '{name}'\").fetchall()\n")
    src.write_text(code)
    event = {"session_id": "s", "cwd": str(tmp_path), "hook_event_name": "PostToolUse", "tool_name": "Write",
             "tool_input": {"file_path": str(src), "content": code},
             "tool_response": {"type": "create", "filePath": str(src), "content": code, "originalFile": None}}
    out = io.StringIO()
    rc = runner.main(["claude-code", "PostToolUse"], stdin=io.BytesIO(json.dumps(event).encode()), stdout=out)
    assert rc == 0
    answer = json.loads(out.getvalue())
    assert answer["decision"] == "block"
    assert "CWE-89" in answer["reason"] and "app.py:7 " in answer["reason"]


def test_safe_edit_says_nothing(tmp_path: Path) -> None:
    src = tmp_path / "ok.py"
    src.write_text("def add(a, b):\n    return a + b\n")
    event = {"session_id": "s", "cwd": str(tmp_path), "hook_event_name": "PostToolUse", "tool_name": "Edit",
             "tool_input": {"file_path": str(src), "old_string": "a - b", "new_string": "a + b"},
             "tool_response": {"filePath": str(src), "originalFile": "def add(a, b):\n    return a - b\n"}}
    out = io.StringIO()
    assert runner.main(["claude-code", "PostToolUse"], stdin=io.BytesIO(json.dumps(event).encode()), stdout=out) == 0
    assert out.getvalue().strip() in ("", "{}")
