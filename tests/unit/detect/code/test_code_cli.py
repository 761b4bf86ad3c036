"""`seawall scan code` end to end through the CLI, on real files and a real git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import seawall.cli.scan_code  # noqa: F401  (attaches `code` to `scan`)
from seawall.cli.main import app

runner = CliRunner()

VULN_PY = "import os\n\n\ndef ping(host):\n    return os.system('ping -c 1 ' + host)\n"
VULN_JS = "const { exec } = require('child_process');\nfunction f(h) {\n  exec(`ping ${h}`);\n}\n"
SAFE_PY = "import subprocess\n\n\ndef ping(host):\n    return subprocess.run(['ping', host]).returncode\n"


@pytest.fixture()
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(VULN_PY)
    (tmp_path / "web.js").write_text(VULN_JS)
    (tmp_path / "ok.py").write_text(SAFE_PY)
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    (tmp_path / "broken.ts").write_text("function (( {\n")
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02os.system(input())")
    (tmp_path / "notes.txt").write_text("os.system(input())\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_text_output_and_exit_code(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "code", ".", "-j", "1", "-v"])
    assert res.exit_code == 1, res.output
    assert "app.py:5" in res.output and "web.js:3" in res.output
    assert "ok.py" not in res.output.split("skipped")[0]
    assert "broken.py" in res.output and "syntax error" in res.output.lower()
    assert "blob.py" in res.output and "binary" in res.output


def test_clean_tree_exits_zero(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "code", "ok.py"])
    assert res.exit_code == 0, res.output


def test_json_format(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "code", ".", "--format", "json"])
    doc = json.loads(res.output)
    got = {(f["path"], f["line"], f["cwe"]) for f in doc["findings"]}
    assert ("app.py", 5, "CWE-78") in got and ("web.js", 3, "CWE-78") in got
    reasons = {n["path"]: n["reason"] for n in doc["notes"]}
    assert "broken.py" in reasons and "broken.ts" in reasons and reasons["blob.py"] == "binary file"


def test_sarif_to_file(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "code", ".", "-f", "sarif", "-o", "out.sarif"])
    assert res.exit_code == 1
    doc = json.loads((tree / "out.sarif").read_text())
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"app.py", "web.js"}
    assert all("CWE-78" in r["properties"]["tags"] for r in run["tool"]["driver"]["rules"])


def test_baseline_roundtrip(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "code", ".", "--baseline", "base.json", "--update-baseline"])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["scan", "code", ".", "--baseline", "base.json"]).exit_code == 0
    (tree / "new.py").write_text("def f(x):\n    return eval(x)\n")
    res = runner.invoke(app, ["scan", "code", ".", "--baseline", "base.json"])
    assert res.exit_code == 1 and "new.py:2" in res.output and "app.py" not in res.output


def test_usage_errors_exit_2(tree: Path) -> None:
    assert runner.invoke(app, ["scan", "code", "--update-baseline"]).exit_code == 2
    assert runner.invoke(app, ["scan", "code", ".", "--engine", "nope"]).exit_code == 2
    (tree / "bad.json").write_text("{not json")
    assert runner.invoke(app, ["scan", "code", ".", "--baseline", "bad.json"]).exit_code == 2


def test_allow_marker(tree: Path) -> None:
    (tree / "app.py").write_text(VULN_PY.replace("+ host)", "+ host)  # seawall:allow host is validated"))
    res = runner.invoke(app, ["scan", "code", "app.py"])
    assert res.exit_code == 0, res.output


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_diff_reports_only_added_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    (repo / "old.py").write_text(VULN_PY)  # an existing finding the PR does not touch
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "old.py").write_text(VULN_PY + "\n\ndef run(code):\n    return eval(code)\n")
    _git(repo, "commit", "-q", "-am", "feature")
    (repo / "fresh.js").write_text(VULN_JS)  # untracked: new in full
    monkeypatch.chdir(repo)
    res = runner.invoke(app, ["scan", "code", "--diff", "main", "-f", "json"])
    assert res.exit_code == 1, res.output
    got = {(f["path"], f["line"]) for f in json.loads(res.output)["findings"]}
    assert got == {("old.py", 9), ("fresh.js", 3)}
    res = runner.invoke(app, ["scan", "code", "--diff", "no-such-ref"])
    assert res.exit_code == 2 and "--diff" in res.output


def test_engine_bandit_merges_or_skips(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "code", "app.py", "--engine", "bandit", "-f", "sarif"])
    assert res.exit_code == 1
    results = json.loads(res.output)["runs"][0]["results"]
    # bandit's B605 (os.system) is the same weakness on the same line as seawall's: de-duplicated
    assert [r["ruleId"] for r in results if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 5] \
        == ["py-command-injection"]


def test_workers_and_prefilter_report_what_one_ungated_process_reports(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.cli import scan_code
    from seawall.detect.code import python

    monkeypatch.setenv("SEAWALL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(scan_code, "PARALLEL_MIN_FILES", 8)
    monkeypatch.setattr(scan_code, "BATCH_MIN_FILES", 8)
    src = tmp_path / "src"
    bodies = [VULN_PY, SAFE_PY, VULN_JS, "def f(:\n", "import yaml\n\n\ndef g(t):\n    return yaml.load(t)\n",
              "class A:\n    def m(self, x):\n        return x * 2\n", "PASSWORD = 'Zq8-wX2m-Lp0v'\n"]
    for i in range(60):
        d = src / f"p{i % 5}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"m{i}.{'js' if bodies[i % len(bodies)] is VULN_JS else 'py'}").write_text(bodies[i % len(bodies)])
    monkeypatch.chdir(tmp_path)

    def run(jobs: int) -> tuple[list[tuple[object, ...]], list[tuple[str, str]]]:
        res = scan_code.run_scan([Path("src")], jobs=jobs)
        return ([(f.path, f.line, f.rule_id, f.fingerprint) for f in res.findings],
                sorted((n.path, n.reason) for n in res.notes))

    monkeypatch.setattr(python, "_GATE", None)
    parallel = run(2)
    assert python.prefilter().backend in ("hyperscan", "off")
    monkeypatch.setattr(scan_code, "BATCH_MIN_FILES", 10_000)
    monkeypatch.setattr(python, "analyse", lambda text, gated=True, _a=python.analyse: _a(text, gated=False))
    serial = run(1)
    assert parallel == serial
    assert len(parallel[0]) >= 30 and any("syntax error" in r for _p, r in parallel[1])
