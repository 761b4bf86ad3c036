"""Shell commands, parsed (tree-sitter-bash), not pattern-matched as raw strings.

A command line becomes its simple commands and pipelines in a canonical spelling: wrappers
(`sudo`, `env`, `command`, `exec`, `nohup`, `time`), leading `VAR=value` assignments and
directory prefixes (`/bin/rm` -> `rm`) are dropped, quotes are removed, whitespace is single.
`$(...)`, backticks, `sh -c '...'`, `bash -c`, and `eval` are parsed recursively, so a denied
command cannot hide inside them. Policy patterns are shell globs over that canonical text.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# Commands that run another command, with their options that take a value.
WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "--user", "--group", "--host",
                       "--prompt", "--chdir", "--close-from", "--role", "--type", "--other-user", "--command-timeout"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}),
    "command": frozenset(), "exec": frozenset({"-a"}), "nohup": frozenset(), "time": frozenset({"-f", "-o"}),
    "builtin": frozenset(), "nice": frozenset({"-n", "--adjustment"}), "stdbuf": frozenset({"-i", "-o", "-e"}),
    "timeout": frozenset({"-s", "--signal", "-k", "--kill-after"}),
    "xargs": frozenset({"-I", "-n", "-P", "-L", "-s", "-d", "-E", "-a", "--max-args", "--max-procs"}),
}
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "busybox"})
_MAX_DEPTH = 4
_URL = re.compile(r"\b(?:https?|ftp|wss?)://[^\s'\"<>|;&)]+", re.I)


@dataclass
class ParsedCommand:
    commands: list[str] = field(default_factory=list)  # each simple command, canonical
    pipelines: list[str] = field(default_factory=list)  # each pipeline: commands joined by " | "
    words: list[str] = field(default_factory=list)  # every argument and redirect target (paths, urls)
    urls: list[str] = field(default_factory=list)
    tails: list[str] = field(default_factory=list)  # each command from each later word on (deny rules only)
    error: str | None = None  # the command could not be parsed with confidence

    def candidates(self) -> list[str]:
        return self.commands + self.pipelines


def deny_candidates(parsed: ParsedCommand) -> list[str]:
    """What deny patterns are matched against: the commands, the pipelines, and each command read
    from any later word, so an unknown wrapper (`chroot /x rm -rf /`) cannot hide a denied one."""
    return parsed.commands + parsed.pipelines + parsed.tails


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


def canonical_pattern(pattern: str) -> str:
    """A policy pattern in the same canonical spelling as commands ("curl *  |  sh" -> "curl * | sh")."""
    return " | ".join(" ".join(part.split()) for part in pattern.split("|"))


def matches(pattern: str, parsed: ParsedCommand, deny: bool = False) -> bool:
    pat = canonical_pattern(pattern).casefold()
    pool = deny_candidates(parsed) if deny else parsed.candidates()
    return any(fnmatch.fnmatchcase(c.casefold(), pat) for c in pool)


@lru_cache(maxsize=2048)
def parse(command: str) -> ParsedCommand:
    out = ParsedCommand()
    _parse_into(command, out, 0)
    out.urls = [u for w in out.words for u in _URL.findall(w)]
    return out


# Any character above U+00FF. tree-sitter-bash's scanner passes the lookahead code point to
# <ctype.h> isdigit/isalpha, which index a 256-entry table: larger code points read wild memory
# and can crash the process (tree-sitter/tree-sitter-bash#337, e.g. "{" + U+CDA61).
_WIDE = re.compile("[^\x00-\xff]")


def _stand_in(m: re.Match[str]) -> str:
    # the same UTF-8 length, so node byte offsets index the original: a Latin-1 letter, then ASCII
    n = len(m.group().encode("utf-8", "surrogatepass"))
    return "\u00c3" + "x" * (n - 2)


def scanner_safe(data: str) -> bytes:
    """`data` as UTF-8 with every character above U+00FF replaced by word characters of the same
    byte length (all are plain word characters to bash, as the originals are)."""
    if not data.isascii():
        data = _WIDE.sub(_stand_in, data)
    return data.encode("utf-8", "surrogatepass")


@dataclass
class _Ctx:
    depth: int
    src: bytes  # the original bytes; the parser only ever sees scanner_safe() of them


def _parse_into(command: str, out: ParsedCommand, depth: int) -> None:
    if depth > _MAX_DEPTH:
        out.error = "commands nested too deeply"
        return
    tree = _parser().parse(scanner_safe(command))
    if tree.root_node.has_error:
        out.error = "the command does not parse as shell syntax"
    _visit(tree.root_node, out, _Ctx(depth, command.encode("utf-8", "surrogatepass")))


def _visit(node: Any, out: ParsedCommand, ctx: _Ctx) -> None:
    t = node.type
    if t == "pipeline":
        parts = []
        for child in node.named_children:
            if child.type == "command":
                parts.append(_command(child, out, ctx))
            else:
                _visit(child, out, ctx)
        if parts:
            out.pipelines.append(" | ".join(p for p in parts if p))
        return
    if t == "command":
        _command(node, out, ctx)
        return
    if t in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
        for child in node.named_children:
            if child.type in ("word", "string", "raw_string", "concatenation", "number", "simple_expansion",
                              "expansion"):
                out.words.append(_text(child, ctx.src))
            else:
                _visit(child, out, ctx)
        return
    for child in node.named_children:
        _visit(child, out, ctx)


def _command(node: Any, out: ParsedCommand, ctx: _Ctx) -> str:
    words: list[str] = []
    for child in node.named_children:
        ct = child.type
        if ct == "variable_assignment":
            for sub in child.named_children:  # FOO=$(cmd) runs cmd
                _visit(sub, out, ctx)
            continue
        if ct in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
            _visit(child, out, ctx)
            continue
        for sub in _substitutions(child):
            _visit(sub, out, ctx)
        words.append(_text(child, ctx.src))
    # drop wrappers and their options: sudo -u x rm ... -> rm ...
    while words:
        head = words[0].rsplit("/", 1)[-1]
        takes_value = WRAPPERS.get(head)
        if takes_value is None:
            break
        words = words[1:]
        while words and (words[0].startswith("-") or "=" in words[0]):
            opt = words.pop(0)
            if opt in takes_value and words:
                words.pop(0)
        if head == "timeout" and words and words[0][:1].isdigit():
            words = words[1:]
    if not words:
        return ""
    words[0] = words[0].rsplit("/", 1)[-1]
    name = words[0]
    if name in SHELLS and "-c" in words[1:]:
        i = words.index("-c", 1)
        if i + 1 < len(words):
            _parse_into(words[i + 1], out, ctx.depth + 1)
    elif name == "eval" and len(words) > 1:
        _parse_into(" ".join(words[1:]), out, ctx.depth + 1)
    out.words.extend(words[1:])
    for i in range(1, len(words)):
        w = words[i]
        if w and not w.startswith("-") and not any(c.isspace() for c in w):
            out.tails.append(" ".join([w.rsplit("/", 1)[-1], *words[i + 1:]]))
    canon = " ".join(words)
    out.commands.append(canon)
    return canon


def _substitutions(node: Any) -> list[Any]:
    """Command and process substitutions anywhere inside one word."""
    found = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("command_substitution", "process_substitution"):
            found.append(n)
            continue
        stack.extend(n.named_children)
    return found


def _text(node: Any, src: bytes) -> str:
    """A word as the shell would see it, quotes removed (expansions kept as written)."""
    raw = src[node.start_byte:node.end_byte].decode("utf-8", "surrogatepass")
    t = node.type
    if t == "raw_string":
        return raw[1:-1]
    if t in ("string", "concatenation", "word", "command_name"):
        return _unquote(raw)
    return raw


def _unquote(raw: str) -> str:
    out, i, quote = [], 0, ""
    while i < len(raw):
        c = raw[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"' and i + 1 < len(raw) and raw[i + 1] in '"\\$`':
                i += 1
                out.append(raw[i])
            else:
                out.append(c)
        elif c in "'\"":
            quote = c
        elif c == "\\" and i + 1 < len(raw):
            i += 1
            out.append(raw[i])
        else:
            out.append(c)
        i += 1
    return "".join(out)
