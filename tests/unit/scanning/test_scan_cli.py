"""`seawall scan secrets` end to end through the CLI, on real files in a temp dir."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seawall.cli.main import app

# A GitHub-format token with a valid CRC32 checksum, built at run time (the repo scans itself).
from seawall.detect.secrets.validators import crc32_base62  # noqa: F401  (ensures the engine is importable)

runner = CliRunner()


def _gh_token() -> str:
    import zlib

    body = "Xy7" + "Qm2ZpL9vR4tW8nB6cD1fG3hJ5kS0aE"[:27]
    n = zlib.crc32(body.encode()) & 0xFFFFFFFF
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    digits = ""
    while n:
        n, r = divmod(n, 62)
        digits = alphabet[r] + digits
    return "gh" + "p_" + body + digits.rjust(6, "0")


TOKEN = _gh_token()


@pytest.fixture()
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(f'import os\nGITHUB_TOKEN = "{TOKEN}"\nprint(1)\n')
    (tmp_path / "clean.py").write_text("print('hello')\n")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01" + TOKEN.encode())
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\n")
    os.symlink(tmp_path / "missing", tmp_path / "dangling")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_text_output_names_file_line_kind_and_never_the_value(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "secrets", "."])
    assert res.exit_code == 1, res.output
    assert "app.py:2" in res.output
    assert "github" in res.output.lower()
    assert TOKEN not in res.output
    assert "skipped" in res.output


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_hold_no_raw_value(tree: Path, fmt: str) -> None:
    res = runner.invoke(app, ["scan", "secrets", ".", "--format", fmt])
    assert res.exit_code == 1
    assert TOKEN not in res.output
    doc = json.loads(res.output)
    if fmt == "sarif":
        run = doc["runs"][0]
        assert doc["version"] == "2.1.0"
        result = run["results"][0]
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "app.py" and loc["region"]["startLine"] == 2
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        notes = run["invocations"][0]["toolExecutionNotifications"]
        reasons = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n["message"]["text"]
                   for n in notes}
        assert "binary" in reasons["blob.bin"] and "broken" in reasons["dangling"]
    else:
        assert [(f["path"], f["line"]) for f in doc["findings"]] == [("app.py", 2)]


def test_clean_tree_exits_zero(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "secrets", "clean.py", "latin1.txt"])
    assert res.exit_code == 0, res.output


def test_inline_allow_and_allow_file(tree: Path) -> None:
    (tree / "app.py").write_text(f'GITHUB_TOKEN = "{TOKEN}"  # seawall:allow\n')
    assert runner.invoke(app, ["scan", "secrets", "app.py"]).exit_code == 0
    (tree / "app.py").write_text(f'# seawall:allow-file\n\nGITHUB_TOKEN = "{TOKEN}"\n')
    assert runner.invoke(app, ["scan", "secrets", "app.py"]).exit_code == 0
    (tree / "app.py").write_text(f'GITHUB_TOKEN = "{TOKEN}"\n# seawall:allow\n')
    assert runner.invoke(app, ["scan", "secrets", "app.py"]).exit_code == 1


def test_baseline_round_trip(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "secrets", ".", "--baseline", "base.json", "--update-baseline"])
    assert res.exit_code == 0, res.output
    raw = (tree / "base.json").read_text()
    assert TOKEN not in raw and '"fingerprint"' in raw
    assert runner.invoke(app, ["scan", "secrets", "app.py", "--baseline", "base.json"]).exit_code == 0
    other = TOKEN[:-7] + "A" + TOKEN[-6:]  # different body: no longer the known finding (or invalid)
    (tree / "new.py").write_text(f'T = "{TOKEN}"\nU = "{other}"\n')
    # the same value elsewhere is still known by fingerprint
    assert runner.invoke(app, ["scan", "secrets", "new.py", "--baseline", "base.json"]).exit_code == 0


@pytest.mark.parametrize("content", ["{not json", '{"findings": [{"nofp": 1}]}', "[]"])
def test_bad_baseline_is_a_usage_error(tree: Path, content: str) -> None:
    (tree / "bad.json").write_text(content)
    res = runner.invoke(app, ["scan", "secrets", "clean.py", "--baseline", "bad.json"])
    assert res.exit_code == 2
    assert "seawall: error: baseline bad.json" in res.output + res.stderr


def test_unknown_detector_is_a_usage_error(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "secrets", ".", "--detectors", "nope"])
    assert res.exit_code == 2


def test_missing_path_is_noted_not_a_crash(tree: Path) -> None:
    res = runner.invoke(app, ["scan", "secrets", "does-not-exist", "-v"])
    assert res.exit_code == 0
    assert "no such file" in res.output


def test_parallel_scan_matches_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(12):
        body = f'x = {i}\nGITHUB_TOKEN = "{TOKEN}"\n' if i % 3 == 0 else f"print({i})\n"
        (tmp_path / f"m{i:02d}.py").write_text(body)
    (tmp_path / "z.bin").write_bytes(b"\x00\x01\x02")
    monkeypatch.chdir(tmp_path)
    outs = []
    for jobs in ("1", "2"):
        res = runner.invoke(app, ["scan", "secrets", ".", "--format", "json", "--jobs", jobs])
        assert res.exit_code == 1, res.output
        data = json.loads(res.output)
        outs.append(([(f["path"], f["line"], f["rule_id"]) for f in data["findings"]],
                     sorted(n["path"] for n in data["notes"])))
    assert outs[0] == outs[1]
    assert [p for p, _, _ in outs[0][0]] == ["m00.py", "m03.py", "m06.py", "m09.py"]
    assert outs[0][1] == ["z.bin"]


def test_custom_pattern_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hosts.txt").write_text("jump: bastion-2.corp.example\n")
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["scan", "secrets", ".", "--format", "json", "--jobs", "1",
                              "--pattern", r"corp-host=[a-z0-9-]+\.corp\.example"])
    assert res.exit_code == 1
    assert [f["rule_id"] for f in json.loads(res.output)["findings"]] == ["custom.corp-host"]
    bad = runner.invoke(app, ["scan", "secrets", ".", "--pattern", "corp-host=("])
    assert bad.exit_code == 2
    assert "invalid regular expression" in bad.output


def test_pii_found_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "users.csv").write_text("id,name,iban\n1,Ana," + "DE63" + "953402122084664015\n")
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["scan", "secrets", ".", "--format", "json"])
    assert res.exit_code == 1
    found = json.loads(res.output)["findings"]
    assert [(f["kind"], f["line"]) for f in found] == [("iban", 2)]
    assert "953402122084664015" not in res.output


def test_custom_patterns_from_the_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "seawall.yaml").write_text(
        "redaction:\n  custom: [{name: corp-host, pattern: '[a-z0-9-]+\\.corp\\.example'}]\n")
    (tmp_path / "hosts.txt").write_text("jump: bastion-2.corp.example\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEAWALL_CONFIG", raising=False)
    res = runner.invoke(app, ["scan", "secrets", "hosts.txt", "--format", "json", "--jobs", "1"])
    assert res.exit_code == 1, res.output
    assert [f["rule_id"] for f in json.loads(res.output)["findings"]] == ["custom.corp-host"]
    (tmp_path / "seawall.yaml").write_text("redaction: {custm: []}\n")
    bad = runner.invoke(app, ["scan", "secrets", "hosts.txt"])
    assert bad.exit_code == 2 and "did you mean 'custom'" in bad.output
