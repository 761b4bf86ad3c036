"""Real git repositories in a temp dir: the plain hook and the pre-commit framework refuse a secret."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SEAWALL = str(Path(sys.executable).with_name("seawall"))
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _gh_token(seed: str) -> str:
    body = (seed * 30)[:30]
    n, digits = zlib.crc32(body.encode()) & 0xFFFFFFFF, ""
    while n:
        n, r = divmod(n, 62)
        digits = _B62[r] + digits
    return "gh" + "p_" + body + digits.rjust(6, "0")


TOKEN = _gh_token("Xq7Lm2Rv9Tz4Wb8Nc1Pd6Hf3Jk5Gs0")  # seawall:allow (a seed, not a token)


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t.invalid",
           "PATH": f"{Path(SEAWALL).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env,
                          check=check, timeout=120)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    (r / "README.md").write_text("hello\n")
    git(r, "add", ".")
    git(r, "commit", "-q", "-m", "init")
    return r


def test_plain_hook_refuses_secret_and_allows_clean_commit(repo: Path) -> None:
    out = subprocess.run([SEAWALL, "install", "pre-commit", "--repo", str(repo)],
                         capture_output=True, text=True, check=True)
    assert "installed" in out.stdout
    (repo / "config").mkdir()
    (repo / "config" / "app.py").write_text(f'import os\n\nTOKEN = "{TOKEN}"\n')
    git(repo, "add", ".")
    res = git(repo, "commit", "-m", "add token", check=False)
    assert res.returncode != 0
    text = res.stdout + res.stderr
    assert "config/app.py:3" in text and "github" in text.lower()
    assert TOKEN not in text
    assert "Commit refused" in text
    # clean change commits
    (repo / "config" / "app.py").write_text('import os\n\nTOKEN = os.environ["TOKEN"]\n')
    git(repo, "add", ".")
    assert git(repo, "commit", "-q", "-m", "use env", check=False).returncode == 0


def test_staged_scan_sees_only_added_lines(repo: Path) -> None:
    # a secret already committed is not blamed on the next commit that touches the file
    (repo / "old.py").write_text(f'T = "{TOKEN}"  # seawall:allow\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "old")
    (repo / "old.py").write_text(f'T = "{TOKEN}"\nprint(1)\n')
    git(repo, "add", ".")
    res = subprocess.run([SEAWALL, "scan", "secrets", "--staged"], cwd=repo, capture_output=True, text=True)
    assert res.returncode == 1  # line 1 changed (marker removed): it is an added line again
    (repo / "old.py").write_text(f'T = "{TOKEN}"\nprint(2)\n')
    git(repo, "commit", "-q", "-am", "x", "--no-verify")
    (repo / "old.py").write_text(f'T = "{TOKEN}"\nprint(3)\n')
    git(repo, "add", ".")
    res = subprocess.run([SEAWALL, "scan", "secrets", "--staged"], cwd=repo, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout  # only line 2 was added


def test_install_is_idempotent_keeps_foreign_hook_and_uninstalls(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho mine\n")
    res = subprocess.run([SEAWALL, "install", "pre-commit", "--repo", str(repo)], capture_output=True, text=True)
    assert res.returncode == 2 and "--force" in res.stderr
    subprocess.run([SEAWALL, "install", "pre-commit", "--repo", str(repo), "--force"], check=True,
                   capture_output=True)
    again = subprocess.run([SEAWALL, "install", "pre-commit", "--repo", str(repo)], capture_output=True, text=True)
    assert "already installed" in again.stdout
    subprocess.run([SEAWALL, "install", "pre-commit", "--repo", str(repo), "--uninstall"], check=True,
                   capture_output=True)
    assert hook.read_text() == "#!/bin/sh\necho mine\n"


def test_manifest_is_valid_for_the_pre_commit_framework() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert hooks[0]["id"] == "seawall-secrets"
    assert hooks[0]["entry"] == "seawall scan secrets --staged"


def test_pre_commit_framework_refuses_secret(repo: Path, tmp_path: Path) -> None:
    # `language: system` runs the installed seawall, so the framework needs no network.
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: seawall-secrets\n    name: seawall secrets\n"
        "    entry: seawall scan secrets --staged\n    language: system\n    pass_filenames: false\n"
        "    always_run: true\n")
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    assert pre_commit
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
           "PATH": f"{Path(SEAWALL).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([pre_commit, "install"], cwd=repo, env=env, check=True, capture_output=True)
    (repo / "deploy.env").write_text(f"X=1\n\nGITHUB_TOKEN={TOKEN}\n")
    git(repo, "add", ".")
    res = subprocess.run(["git", "commit", "-m", "oops"], cwd=repo, env={**env, **{
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t.invalid"}}, capture_output=True, text=True)
    assert res.returncode != 0
    assert "deploy.env:3" in res.stdout + res.stderr
    assert TOKEN not in res.stdout + res.stderr
