"""Package references in launch commands and install lines: which package, which version, pinned or
not, and whether the name is one slip away from a well-known one (typosquatting)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

# Well-known packages an attacker would imitate: MCP servers and the tools skills commonly install.
# A name equal to one of these is never a typosquat; a name one edit away from one is.
KNOWN_NPM: frozenset[str] = frozenset({
    "@modelcontextprotocol/server-filesystem", "@modelcontextprotocol/server-github",
    "@modelcontextprotocol/server-gitlab", "@modelcontextprotocol/server-memory",
    "@modelcontextprotocol/server-everything", "@modelcontextprotocol/server-puppeteer",
    "@modelcontextprotocol/server-brave-search", "@modelcontextprotocol/server-google-maps",
    "@modelcontextprotocol/server-slack", "@modelcontextprotocol/server-postgres",
    "@modelcontextprotocol/server-sequential-thinking", "@modelcontextprotocol/server-redis",
    "@modelcontextprotocol/server-gdrive", "@modelcontextprotocol/server-aws-kb-retrieval",
    "@modelcontextprotocol/server-everart", "@modelcontextprotocol/inspector", "@modelcontextprotocol/sdk",
    "@playwright/mcp", "@upstash/context7-mcp", "@notionhq/notion-mcp-server", "figma-developer-mcp",
    "browser-tools-mcp", "@agentdeskai/browser-tools-mcp", "@browsermcp/mcp", "@sentry/mcp-server",
    "mcp-server-kubernetes", "@supabase/mcp-server-supabase", "@stripe/mcp", "@cloudflare/mcp-server-cloudflare",
    "@heroku/mcp-server", "exa-mcp-server", "tavily-mcp", "firecrawl-mcp", "@benborla29/mcp-server-mysql",
    "mcp-remote", "@executeautomation/playwright-mcp-server", "@21st-dev/magic", "@anthropic-ai/claude-code",
    "@wonderwhy-er/desktop-commander", "mongodb-mcp-server", "@elastic/mcp-server-elasticsearch",
    "@hubspot/mcp-server", "@azure/mcp", "@shopify/dev-mcp", "@googlemaps/code-assist-mcp", "puppeteer-mcp-server",
    "@openai/codex", "@google/gemini-cli", "prettier", "eslint", "typescript", "purgecss", "playwright",
    "puppeteer", "vite", "webpack", "jest", "vitest", "lodash", "express", "axios", "react", "next",
    "@biomejs/biome", "markdownlint-cli", "npm-check-updates", "serve", "http-server", "zod",
})
KNOWN_PYPI: frozenset[str] = frozenset({
    "mcp", "fastmcp", "mcp-server-fetch", "mcp-server-git", "mcp-server-time", "mcp-server-sqlite",
    "mcp-server-qdrant", "mcp-server-postgres", "mcp-server-docker", "mcp-server-kubernetes", "markitdown-mcp",
    "awslabs.core-mcp-server", "awslabs.aws-documentation-mcp-server", "awslabs.aws-api-mcp-server",
    "duckdb-mcp", "serena", "mcp-proxy", "mcp-atlassian", "blender-mcp", "zotero-mcp", "arxiv-mcp-server",
    "requests", "httpx", "urllib3", "numpy", "pandas", "pytest", "ruff", "black", "mypy", "flake8", "pylint",
    "pyyaml", "setuptools", "wheel", "pip", "uv", "boto3", "django", "flask", "fastapi", "pydantic",
    "python-dotenv", "jupyter", "nbconvert", "pdfplumber", "pypdf", "beautifulsoup4", "openai", "anthropic",
})

_NPX = {"npx", "bunx", "pnpx"}
_DLX = {"pnpm", "yarn", "bun", "npm"}  # `pnpm dlx`, `yarn dlx`, `npm exec`, `bun x`
_UVX = {"uvx", "pipx"}
_OPTS_WITH_VALUE = {"-p", "--package", "--from", "--with", "--python", "-c", "--call", "--index-url", "-i",
                    "--registry", "--cache", "--spec"}
_NPM_VERSION = re.compile(r"^(@?[^@\s]+)@(.+)$")
_FLOATING = {"latest", "next", "*", "x", "canary", "beta", "alpha", "dev", "nightly", "main", "master"}


@dataclass(frozen=True, slots=True)
class PackageRef:
    ecosystem: str  # npm | pypi | docker
    name: str
    version: str | None  # None: no version at all
    raw: str

    @property
    def pinned(self) -> bool:
        if self.version is None:
            return False
        v = self.version.strip().lower()
        if self.ecosystem == "docker":
            return v.startswith("sha256:") or v not in _FLOATING
        if v in _FLOATING or v.startswith(("^", "~", ">", "<", "*")) or "x" in v.split("."):
            return False
        return bool(re.match(r"^v?\d", v))


def split_command(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError:
        return line.split()


def _npm_ref(token: str) -> PackageRef:
    m = _NPM_VERSION.match(token)
    if m:
        return PackageRef("npm", m.group(1), m.group(2), token)
    return PackageRef("npm", token, None, token)


def _pypi_ref(token: str) -> PackageRef:
    m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(==|===|@|~=|>=|<=|>|<|!=)?\s*(\S+)?$", token)
    if not m:
        return PackageRef("pypi", token, None, token)
    name, op, ver = m.groups()
    if op in ("==", "===", "@") and ver:
        return PackageRef("pypi", name, ver, token)
    return PackageRef("pypi", name, None, token)  # ranges (>=) float too


def _first_positional(args: list[str]) -> tuple[str | None, dict[str, str]]:
    opts: dict[str, str] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-"):
            if "=" in a:
                k, _, v = a.partition("=")
                opts[k] = v
            elif a in _OPTS_WITH_VALUE and i + 1 < len(args):
                opts[a] = args[i + 1]
                i += 1
            else:
                opts[a] = ""
            i += 1
            continue
        return a, opts
    return None, opts


def launch_packages(command: str, args: list[str]) -> tuple[list[PackageRef], bool]:
    """Packages a launch command fetches and runs, and whether it installs without asking (`-y`)."""
    exe = command.rsplit("/", 1)[-1].lower()
    argv = list(args)
    if exe in _DLX and argv and argv[0] in ("dlx", "exec", "x"):
        exe, argv = "npx", argv[1:]
    if exe in _NPX:
        first, opts = _first_positional(argv)
        refs = [_npm_ref(v) for k, v in opts.items() if k in ("-p", "--package") and v]
        if first and not refs:
            refs.append(_npm_ref(first))
        auto = any(k in ("-y", "--yes") for k in opts) or exe != "npx"
        return refs, auto
    if exe in _UVX or (exe == "uv" and argv[:2] == ["tool", "run"]):
        if exe == "uv":
            argv = argv[2:]
        if exe == "pipx":
            if not argv or argv[0] != "run":
                return [], False
            argv = argv[1:]
        first, opts = _first_positional(argv)
        src = opts.get("--from") or opts.get("--spec")
        if src:
            return [_pypi_ref(src)], True
        return ([_pypi_ref(first)] if first else []), True
    if exe in ("docker", "podman") and argv and argv[0] == "run":
        rest = argv[1:]
        i = 0
        while i < len(rest):
            a = rest[i]
            if a.startswith("-"):
                if "=" not in a and a in ("-e", "--env", "-v", "--volume", "--name", "-p", "--publish", "--network",
                                          "--env-file", "-w", "--workdir", "--entrypoint", "-u", "--user",
                                          "--mount", "--platform", "-l", "--label", "--add-host"):
                    i += 1
                i += 1
                continue
            image = a
            if "@sha256:" in image:
                return [PackageRef("docker", image.split("@")[0], image.split("@", 1)[1], image)], True
            last = image.rsplit("/", 1)[-1]
            if ":" in last:
                name, _, tag = image.rpartition(":")
                return [PackageRef("docker", name, tag, image)], True
            return [PackageRef("docker", image, None, image)], True
        return [], True
    return [], False


_PIP_INSTALL = re.compile(r"\b(?:pip3?|python3?\s+-m\s+pip|uv\s+pip)\s+install\b([^\n;&|]*)")
_NPM_INSTALL = re.compile(r"\b(?:npm\s+(?:install|i|add)|yarn\s+(?:global\s+)?add|pnpm\s+(?:add|install))\b([^\n;&|]*)")


def install_packages(line: str) -> list[tuple[PackageRef, bool]]:
    """Packages named on a `pip install` / `npm install` line, each with whether the install is global
    (npm) — local installs of unpinned npm packages are ordinary development."""
    out: list[tuple[PackageRef, bool]] = []
    for m in _PIP_INSTALL.finditer(line):
        toks = split_command(m.group(1))
        if any(t in ("-r", "--requirement", "--require-hashes", "-c", "--constraint") or
               t.startswith(("-r", "--requirement=")) for t in toks):
            continue
        skip_next = False
        for t in toks:
            if skip_next:
                skip_next = False
                continue
            if t in ("-i", "--index-url", "--extra-index-url", "-t", "--target", "--prefix", "-f", "--find-links"):
                skip_next = True
                continue
            if t.startswith("-") or t in (".", "..") or "/" in t or t.startswith(("$", "<")):
                continue
            if t.lower() in ("pip", "setuptools", "wheel", "uv"):
                continue  # upgrading the installer itself
            out.append((_pypi_ref(t), True))
    for m in _NPM_INSTALL.finditer(line):
        toks = split_command(m.group(1))
        glob = any(t in ("-g", "--global") for t in toks) or "global" in m.group(0)
        for t in toks:
            if t.startswith("-") or t.startswith((".", "/", "$", "<")) or t.startswith(("git+", "http")):
                continue
            out.append((_npm_ref(t), glob))
    return out


def _damerau(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance, stopping early past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.lower())


@lru_cache(maxsize=4096)
def typosquat_of(ecosystem: str, name: str) -> str | None:
    """The well-known package `name` imitates, or None."""
    if ecosystem not in ("npm", "pypi"):
        return None
    known = KNOWN_NPM if ecosystem == "npm" else KNOWN_PYPI
    n = _norm(name)
    norm_known = {_norm(k): k for k in known}
    if n in norm_known or len(n) < 5:
        return None
    scope, _, base = n.rpartition("/")
    for nk, original in norm_known.items():
        kscope, _, kbase = nk.rpartition("/")
        if len(nk) >= 6 and _damerau(n, nk, 1) <= 1:
            return original
        # a look-alike scope with the same package name: @playwrite/mcp for @playwright/mcp
        if scope and kscope and base == kbase and scope != kscope and _damerau(scope, kscope, 3) <= 3 \
                and len(kscope) >= 6 and scope[:3] == kscope[:3]:
            return original
    return None
