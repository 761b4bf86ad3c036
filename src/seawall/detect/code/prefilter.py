"""Which lines of a Python source could produce a finding, from one pass over its text.

Most code names no sink: no `execute`, `os.system`, `yaml.load`, `verify=`, no credential-like name.
The data-flow analysis only has something to report where a line names one, so it skips every
function and expression whose lines name none (python.py asks `hot(lines, first, last)`). Hot lines:

- for each sink glob of the rule table and each check of the analyser (`CHECK_GLOBS` in python.py),
  what a call to it must show at the call site: the last two parts of a spelled-out dotted name
  (`os.system`, `subprocess.run`, `Crypto.Cipher`) or, for a glob that starts with a wildcard, its
  literal tail (`execute`, `ession.get`, `PoolManager`). Dots may be surrounded by blanks, line
  continuations and parentheses; a comment inside a dotted name is caught by two patterns of its own;
- keyword names a sink or check requires (`verify`, `ssl`) and names the analyser checks as keyword
  arguments, assignment targets or string keys (`WTF_CSRF_ENABLED`, `check_hostname`), credential-like
  names (a superset of `common.SECRET_NAME`) and `access-control-allow-origin`. Names that can be
  string keys are matched across implicit concatenation (`"pass" "word"`);
- a `@` right after a non-blank character (a URL with a password), escapes that could spell a
  letter (`\\x70assword`), and per file the local name of an import alias whose target could reach a
  sink (`import yaml as y`, `from requests import get`): the call site shows the alias.

An HTML view (a route-decorated function returning a string with `<`) needs no sink name; a function
is also analysed when it holds a route-decorator line and a `<` (`Lines.route`, `Lines.lt`).

Every trigger is conservative: it may fire where no finding follows, never the reverse, so skipped
code produces no hit. Tests compare gated and ungated analysis on every rule snippet, the labelled
corpus and the throughput tree. Lines are counted on "\\n" as the tokenizer does; a text with a lone
"\\r" line break turns the gate off.

Backends: Hyperscan (one SIMD pass for all patterns), compiled once per process; without it there
is no gate (every line is analysed, as before). Compiling takes about 0.3 s, so the database is kept
in the user's cache folder, keyed by a hash of the patterns and the Hyperscan version and checked by
a digest when loaded; a one-file scan (the PostToolUse hook) uses it only once it is cached. A
Python `re` backend finds the same lines (tests hold Hyperscan to it) but costs about as much as the
analysis it would save, so it is never chosen by itself.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.util
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from seawall.cachefiles import cache_dir
from seawall.detect.hsscratch import ScratchPerThread

# Between the parts of a dotted name: blanks, line continuations, parentheses (`(os).system`).
_SEP = r"[ \t\r\n\f\\()]*"
_WILD = re.compile(r"[*?\[]")
# Between the pieces of an implicitly concatenated string: "pass" "word", '''a''' f"b".
_CONCAT = r"""(?:['"]{1,3}[ \t\r\n\f\\]*[rRbBuUfF]{0,2}['"]{1,3})?"""

# Every name common.SECRET_NAME matches contains one of these (any case); a test checks it.
SECRET_FRAGMENTS = ("passw", "pwd", "secret", "api_key", "apikey", "access_key", "accesskey", "signing_key",
                    "signingkey", "private_key", "privatekey", "jwt_key", "jwtkey", "encryption_key",
                    "encryptionkey", "enc_key", "enckey", "token", "credential", "master_key", "masterkey",
                    "db_pass", "dbpass")

HOT, ROUTE, LT, IMPORT = 0, 1, 2, 3
# (pattern, caseless, class) not derived from names.
_FIXED: tuple[tuple[str, bool, int], ...] = (
    (r"[^\s]@", False, HOT),  # a URL with a password: scheme://user:pw@host (no blank before the @)
    (r"\\[xuUN0-7]", False, HOT),  # an escape that could spell a letter of a name or a URL
    (r"\.[ \t\f]*#", False, HOT),  # a dotted name broken by a comment: `os.  # why` + `system(...)`
    (r"#[^\n]*\n[ \t\f\r()]*\.", False, HOT),  # ... or continued after one: `(os  # why` + `.system(...))`
    # two string pieces with a comment between them: ("pass"  # why  + "word")
    (r"""['"][ \t\f]*#[^\n]*\n(?:[ \t\f]*(?:#[^\n]*)?\r?\n)*[ \t\f]*[rRbBuUfF]{0,2}['"]""", False, HOT),
    (r"(?m)^[ \t]*@[^\n]*\b(?:route|get|post|put|patch|delete)\b", False, ROUTE),  # a route decorator
    (r"(?m)^[ \t]*@[ \t]*\(", False, ROUTE),  # a parenthesised decorator expression could hide one
    (r"(?m)^[ \t]*@[^\n]*\\\r?$", False, ROUTE),  # ... and so could a decorator continued on the next line
    (r"<", False, LT),
    (r"\bimport\b", False, IMPORT),  # where import statements can be (for the aliases)
)


def glob_parts(glob: str) -> tuple[tuple[str, ...], bool, bool] | None:
    """What a call matching `glob` must show at its call site: dotted parts (adjacent in the text),
    whether the first part starts a name and whether the last part ends one. None when the glob is
    too open to say (the gate is then off)."""
    m = _WILD.search(glob)
    if m is None or m.start() > 0:
        literal = glob if m is None else glob[:m.start()]
        literal = literal.split("(", 1)[0]
        if m is not None:  # whole segments before the wildcard: "Crypto.Cipher.*.new" -> Crypto.Cipher
            if "." not in literal:  # "foo*.bar": the first segment starts with foo
                return (literal,), True, False
            literal = literal[:literal.rfind(".")]
        # any adjacent parts of a spelled-out name are in the text; the last two are the telling ones
        # (an import alias that shortens the spelling adds its local name, see Gate.lines)
        return tuple(literal.split(".")[-2:]), True, True
    tail = glob[_last_wild(glob) + 1:].split("(", 1)[0]  # "*ession.get" -> ession.get
    parts = tuple(p for p in tail.split(".") if p)
    if not parts:
        return None
    return parts, tail.startswith("."), True


def _last_wild(glob: str) -> int:
    return max(i for i, c in enumerate(glob) if c in "*?]")


def _rx(head: tuple[str, ...], lasts: Iterable[str], first: bool, last: bool) -> str:
    dot = _SEP + r"\." + _SEP
    alts = sorted(map(re.escape, lasts), key=len, reverse=True)
    tail = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    body = "".join(re.escape(p) + dot for p in head) + tail
    return (r"\b" if first else "") + body + (r"\b" if last else "")


def _split_tolerant(name: str) -> str:
    """`name`, also when written as implicitly concatenated string pieces."""
    return _CONCAT.join(re.escape(c) for c in name)


def alias_relevant(target: str, globs: Iterable[str]) -> bool:
    """Could a call through a name bound to `target` (an import's dotted target) match one of the
    globs? Over-approximates: True when the target is compatible with a glob's literal prefix or, for a
    glob that starts with a wildcard, ends with the start of the glob's literal tail."""
    for g in globs:
        m = _WILD.search(g)
        prefix = g if m is None else g[:m.start()]
        if prefix:
            if target.startswith(prefix) or (prefix.startswith(target) and (
                    len(prefix) == len(target) or prefix[len(target)] in ".(")):
                return True
            continue
        tail = g[_last_wild(g) + 1:]
        if not tail:
            return True
        for k in range(1, len(tail) + 1):
            if (k == len(tail) or tail[k] in ".(") and target.endswith(tail[:k]):
                return True
    return False


@dataclass(frozen=True, slots=True)
class Lines:
    """Sorted 1-based line numbers: hot ones, route-decorator lines, lines with a `<`, lines with the
    word `import`."""

    hot: list[int]
    route: list[int]
    lt: list[int]
    imports: list[int]


def hot(lines: list[int] | None, first: int, last: int) -> bool:
    """True when one of `lines` lies in [first, last] (always, when `lines` is None: no gate)."""
    if lines is None:
        return True
    i = bisect.bisect_left(lines, first)
    return i < len(lines) and lines[i] <= last


class Gate:
    """The hot lines of Python sources for one rule table."""

    def __init__(self, globs: Iterable[str], words: Iterable[str] = (), keys: Iterable[str] = (),
                 backend: str | None = None, compile_hyperscan: bool = True) -> None:
        """`globs`: call names (dotted globs); `words`: identifiers (keyword names); `keys`: names that
        may also be string keys (matched across implicit concatenation). `backend`: "hyperscan", "re"
        or None: Hyperscan when installed (with `compile_hyperscan` False only when its compiled database
        is already cached: a one-file scan should not wait 0.3 s for it), else no gate at all. The `re`
        backend gives the same lines but costs about as much as the analysis it saves; it stays as the
        portable reference the tests hold Hyperscan to."""
        self.globs = tuple(dict.fromkeys(globs))
        groups: dict[tuple[tuple[str, ...], bool, bool], list[str]] = {}
        self.open = False  # a glob without a usable literal: every line is hot
        for g in self.globs:
            got = glob_parts(g)
            if got is None:
                self.open = True
                continue
            parts, first, last = got
            groups.setdefault((parts[:-1], first, last), []).append(parts[-1])
        groups.setdefault(((), True, True), []).extend(words)
        groups = {k: list(dict.fromkeys(v)) for k, v in groups.items() if v}
        keys = tuple(dict.fromkeys(keys))
        names = (*SECRET_FRAGMENTS, "access-control-allow-origin")
        patterns: list[tuple[str, bool, int]] = [
            (_rx(head, lasts, first, last), False, HOT) for (head, first, last), lasts in groups.items()]
        if keys:
            patterns.append((r"\b(?:" + "|".join(map(_split_tolerant, keys)) + r")\b", False, HOT))
        patterns.append(("|".join(map(_split_tolerant, names)), True, HOT))
        patterns += _FIXED
        self.patterns = patterns
        plan = lambda: _re_plan(groups, keys, names)  # noqa: E731  (built only for the re backend)
        self._alias_cache: dict[str, bool] = {}
        self._alias_rx: dict[frozenset[str], re.Pattern[str]] = {}
        self._impl = _build(patterns, plan, backend, compile_hyperscan)
        self.backend = self._impl.name if self._impl is not None else "off"
        if self._impl is None:
            self.open = True
        self.auto = False  # built by gate() with the backend left to it

    def relevant(self, target: str) -> bool:
        r = self._alias_cache.get(target)
        if r is None:
            r = self._alias_cache[target] = alias_relevant(target, self.globs)
        return r

    def lines(self, text: str, aliases: Mapping[str, str] | Callable[[list[int]], Mapping[str, str]] | None = None
              ) -> Lines | None:
        """The hot lines of `text`, or None when the gate cannot tell (every line is hot). `aliases`: the
        file's import aliases (local name -> dotted target), or a function of the lines holding the word
        `import` that returns them."""
        if self.open or ("\r" in text and text.count("\r") != text.count("\r\n")):
            return None
        assert self._impl is not None
        found = self._impl.lines(text)
        imports = sorted(found[IMPORT])
        if callable(aliases):
            aliases = aliases(imports)
        extra = frozenset(name for name, target in (aliases or {}).items()
                          if name != target and self.relevant(target))
        if extra:
            rx = self._alias_rx.get(extra)
            if rx is None:
                rx = self._alias_rx[extra] = re.compile(
                    r"\b(?:" + "|".join(sorted(map(re.escape, extra), key=len, reverse=True)) + r")\b")
            found[HOT].update(_line_numbers(text, [m.end() for m in rx.finditer(text)]))
        return Lines(sorted(found[HOT]), sorted(found[ROUTE]), sorted(found[LT]), imports)


def _line_numbers(text: str, ends: list[int]) -> set[int]:
    """1-based line numbers of the last characters of matches (`ends`: offsets just past them)."""
    out: set[int] = set()
    line, pos = 1, 0
    for off in sorted(ends):
        end = max(off - 1, 0)
        line += text.count("\n", pos, end)
        pos = end
        out.add(line)
    return out


def _re_plan(groups: Mapping[tuple[tuple[str, ...], bool, bool], list[str]], keys: tuple[str, ...],
             names: tuple[str, ...]) -> list[_Step]:
    """The same patterns as steps for Python's `re`, each run only when the literals it needs are in
    the text (an alternation of many words is slow in `re`; a substring test is not). A `\\b` before a
    name becomes a look-behind after it, so every regular expression starts with a literal."""
    plan: list[_Step] = []

    def word(w: str, first: bool) -> str:
        return re.escape(w) + (f"(?<!\\w{re.escape(w)})" if first else "")

    dot = _SEP + r"\." + _SEP
    for (head, first, last), lasts in groups.items():
        end = r"\b" if last else ""
        if not head:
            for w in lasts:
                plan.append(_Step(re.compile(word(w, first) + end), (w,), (), False, False, HOT))
            continue
        alts = sorted(map(re.escape, lasts), key=len, reverse=True)
        rx = word(head[0], first) + "".join(dot + re.escape(p) for p in head[1:]) + dot + "(?:" + "|".join(alts) \
            + ")" + end
        plan.append(_Step(re.compile(rx), head, tuple(lasts), False, False, HOT))
    for k in keys:
        plan.append(_Step(re.compile(word(k, True) + r"\b"), (k,), (), False, False, HOT))
    if keys:
        plan.append(_Step(re.compile(r"\b(?:" + "|".join(map(_split_tolerant, keys)) + r")\b"), (), (), False,
                          True, HOT))
    for n in names:
        plan.append(_Step(None, (n.lower(),), (), True, False, HOT))
    plan.append(_Step(re.compile("|".join(map(_split_tolerant, names)), re.I), (), (), False, True, HOT))
    need = {HOT: {"[^\\s]@": "@", "\\\\[xuUN0-7]": "\\"}, ROUTE: {}, LT: {}, IMPORT: {}}
    for p, _caseless, cls in _FIXED:
        lit = need[cls].get(p) or {LT: "<", ROUTE: "@", IMPORT: "import"}.get(cls, "#")
        plan.append(_Step(re.compile(p) if p != "<" else None, (lit,), (), False, False, cls))
    return plan


@dataclass(frozen=True, slots=True)
class _Step:
    rx: re.Pattern[str] | None  # None: the literal itself is the pattern
    all_of: tuple[str, ...]  # literals that must all be in the text
    any_of: tuple[str, ...]  # ... and one of these
    lowered: bool  # match against the lower-cased text
    split: bool  # only when the text holds a string split by implicit concatenation
    cls: int


# A name split by implicit concatenation has a name character on each side of the quotes.
_SPLIT_MARK = re.compile(r"""['"](?<=[\w-]['"])['"]{0,2}[ \t\r\n\f\\]*[rRbBuUfF]{0,2}['"]{1,3}(?=[\w-])""")


class _ReLines:
    name = "re"

    def __init__(self, plan: list[_Step]) -> None:
        self._plan = plan

    def lines(self, text: str) -> list[set[int]]:
        ends: list[list[int]] = [[], [], [], []]
        lower_ends: list[int] = []  # offsets in the lower-cased text (lower() may change the length)
        lowered = text.lower()
        split = _SPLIT_MARK.search(text) is not None
        for step in self._plan:
            if step.split and not split:
                continue
            hay = lowered if step.lowered else text
            if not all(w in hay for w in step.all_of) or (step.any_of and not any(w in hay for w in step.any_of)):
                continue
            out = lower_ends if step.lowered else ends[step.cls]
            if step.rx is None:
                lit = step.all_of[0]
                i = hay.find(lit)
                while i != -1:
                    out.append(i + len(lit))
                    i = hay.find(lit, i + 1)
            else:
                out.extend(m.end() for m in step.rx.finditer(hay))
        found = [_line_numbers(text, e) for e in ends]
        found[HOT] |= _line_numbers(lowered, lower_ends)
        return found


class _HyperscanLines:
    """All patterns in one Hyperscan block-mode database over the UTF-8 bytes of the text. Match ends
    are byte offsets; line numbers only need the newlines before them, which bytes and characters
    share."""

    name = "hyperscan"

    def __init__(self, patterns: list[tuple[str, bool, int]], compile_db: bool = True) -> None:
        import hyperscan

        self._hs = hyperscan
        exprs, flags = [], []
        for p, caseless, _cls in patterns:
            m = re.match(r"\(\?([a-zA-Z]+)\)", p)
            f = 0
            if m:
                p = p[m.end():]
                if "m" in m.group(1):
                    f |= hyperscan.HS_FLAG_MULTILINE
            if caseless:
                f |= hyperscan.HS_FLAG_CASELESS
            exprs.append(p.encode())
            flags.append(f)
        self._cls = [c for _p, _c, c in patterns]
        key = hashlib.sha256(repr((getattr(hyperscan, "__version__", ""), exprs, flags)).encode()).hexdigest()
        self._db = self._load(key)
        if self._db is None and not compile_db:
            raise LookupError("no cached Hyperscan database")
        if self._db is None:
            self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            self._db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs), flags=flags)
            self._save(key, self._db)
        self._scratch = ScratchPerThread(hyperscan, self._db)

    def _load(self, key: str) -> Any:
        try:
            raw = (cache_dir() / f"code-gate-{key[:32]}.hsdb").read_bytes()
            digest, payload = raw[:32], raw[32:]
            if hashlib.sha256(payload).digest() != digest:
                return None
            return self._hs.loadb(payload, self._hs.HS_MODE_BLOCK)
        except Exception:  # absent, unreadable, or from another Hyperscan build: compile instead
            return None

    def _save(self, key: str, db: Any) -> None:
        try:
            payload = self._hs.dumpb(db)
            folder = cache_dir()
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".code-gate-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, folder / f"code-gate-{key[:32]}.hsdb")
        except Exception:  # a read-only home: compile again next time
            return

    def lines(self, text: str) -> list[set[int]]:
        data = text.encode("utf-8", "surrogatepass")
        found: list[tuple[int, int]] = []
        add = found.append

        def on_match(pid: int, _frm: int, to: int, _flags: int, _ctx: object) -> None:
            add((to, pid))

        self._scratch.scan(data, on_match)
        out: list[set[int]] = [set(), set(), set(), set()]
        cls = self._cls
        line, pos = 1, 0
        for to, pid in sorted(found):
            end = max(to - 1, 0)
            line += data.count(b"\n", pos, end)
            pos = end
            out[cls[pid]].add(line)
        return out


def _build(patterns: list[tuple[str, bool, int]], plan: Callable[[], list[_Step]], backend: str | None,
           compile_hyperscan: bool = True) -> _HyperscanLines | _ReLines | None:
    if backend == "re":
        return _ReLines(plan())
    if backend is None and importlib.util.find_spec("hyperscan") is None:
        return None
    try:
        return _HyperscanLines(patterns, compile_db=compile_hyperscan or backend == "hyperscan")
    except Exception:  # not cached yet, a pattern Hyperscan rejects, a broken install: no gate
        if backend == "hyperscan":
            raise
        return None




_GATES: dict[Any, Gate] = {}
_LOCK = threading.Lock()


def gate(key: Any, globs: Iterable[str], words: Iterable[str] = (), keys: Iterable[str] = (),
         batch: bool = False) -> Gate:
    """The process-wide gate for `key`, compiled on first use. `batch`: many files will follow, worth
    compiling the Hyperscan database when it is not cached (a gate built without is upgraded)."""
    g = _GATES.get(key)
    if g is None or (batch and g.backend == "off" and g.auto):
        with _LOCK:
            g = _GATES.get(key)
            if g is None or (batch and g.backend == "off" and g.auto):
                g = _GATES[key] = Gate(globs, words, keys, compile_hyperscan=batch)
                g.auto = True
    return g
