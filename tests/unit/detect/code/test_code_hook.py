"""The PostToolUse helpers: findings on the lines an edit changed, and the message for the model."""

from __future__ import annotations

from seawall.detect.code import changed_lines, findings_for_edit, model_message

OLD = "import os\n\n\ndef ping(host):\n    return 0\n\n\ndef legacy(cmd):\n    os.system('run ' + cmd)\n"
NEW = "import os\n\n\ndef ping(host):\n    return os.system(f'ping -c 1 {host}')\n\n\ndef legacy(cmd):\n" \
      "    os.system('run ' + cmd)\n"


def test_changed_lines() -> None:
    assert changed_lines(OLD, NEW) == {5}
    assert changed_lines("", "a\nb\n") == {1, 2}


def test_only_changed_lines_are_reported() -> None:
    found = findings_for_edit("tools/net.py", OLD, NEW)
    assert [(f.rule_id, f.line) for f in found] == [("py-command-injection", 5)]


def test_new_file_reports_everything() -> None:
    found = findings_for_edit("tools/net.py", "", NEW)
    assert sorted(f.line for f in found) == [5, 9]


def test_edit_that_introduces_taint_near_an_unchanged_sink() -> None:
    old = "import os\ndef f(x):\n    cmd = 'uptime'\n    os.system(cmd)\n"
    new = "import os\ndef f(x):\n    cmd = 'uptime ' + x\n    os.system(cmd)\n"
    found = findings_for_edit("a.py", old, new)
    assert [(f.rule_id, f.line) for f in found] == [("py-command-injection", 4)]


def test_unchanged_file_and_other_languages() -> None:
    assert findings_for_edit("a.py", NEW, NEW) == []
    assert findings_for_edit("README.md", "", "os.system(input())") == []


def test_model_message_names_what_where_and_the_safe_pattern() -> None:
    msg = model_message(findings_for_edit("tools/net.py", OLD, NEW))
    assert "tools/net.py:5" in msg
    assert "OS command injection" in msg and "CWE-78" in msg
    assert "subprocess.run([" in msg  # the safe pattern
    assert model_message([]) == ""


def test_js_edit() -> None:
    old = "app.get('/', (req, res) => {\n  res.json({});\n});\n"
    new = "app.get('/', (req, res) => {\n  res.send(`<p>${req.query.q}</p>`);\n});\n"
    found = findings_for_edit("server.js", old, new)
    assert [(f.rule_id, f.line) for f in found] == [("js-xss", 2)]
    assert "textContent" in model_message(found) or "escape" in model_message(found)
