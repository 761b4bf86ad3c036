"""Python analysis on the standard `ast`: intra-procedural taint tracking plus structural checks.

Every function is analysed on its own. Its parameters are tainted (a handler's arguments come from the
request; a helper's from its caller), as are request objects, `input()`, `sys.argv`, argparse results
and (for commands, code and SQL) the environment. Taint flows through assignments, containers,
string building and calls; sanitisers remove the families they defend against; guards (`if not ok:
raise`) and validating conditional expressions clean the names they test. Statements are visited in
order, so a value checked before its use is clean at the sink.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from typing import Any

from seawall.detect.code.common import (
    EMPTY,
    ENVIRON,
    PARAMETER,
    SOURCE,
    Hit,
    Taint,
    confidence_of,
    dependency_closure,
    nested_quantifier,
    secret_name,
    secret_value,
    url_with_password,
)
from seawall.detect.code.prefilter import Gate, Lines, gate, hot
from seawall.detect.code.python_rules import PY_RULES
from seawall.detect.code.rules import (
    NONSECURITY_HASH_NAME,
    PATH,
    PREFIX_NOSEP,
    REDIRECT,
    RESOLVED,
    SENSITIVE_NAME,
    SSRF,
    UNRESOLVED_CHECK,
    XSS,
    CompiledSink,
    Rule,
    index_sinks,
)

RULES = {r.id: r for r in PY_RULES}
_SINKS = index_sinks(PY_RULES)
_ALL = "*"

# Sanitisers: callee glob -> families removed ("*": the result carries no taint at all).
_SANITISERS: tuple[tuple[str, frozenset[str] | str], ...] = (
    *((n, _ALL) for n in ("int", "float", "bool", "len", "abs", "round", "ord", "hash", "uuid.UUID", "hashlib.*",
                          "hmac.*", "*.hexdigest", "*.digest", "secrets.*", "*.startswith", "*.endswith",
                          "*.isdigit", "*.isalnum", "*.isalpha", "*.isnumeric", "*.isdecimal", "*.isidentifier",
                          "*.count", "*.find", "*.index", "datetime.*", "decimal.Decimal", "id", "isinstance",
                          "*.fullmatch", "*.match", "*.search", "bcrypt.*", "*.hash_password", "*.check_password")),
    *((n, frozenset({XSS})) for n in ("html.escape", "markupsafe.escape", "flask.escape", "escape", "bleach.clean",
                                      "django.utils.html.escape", "django.utils.html.format_html",
                                      "django.utils.html.conditional_escape", "django.utils.html.strip_tags",
                                      "*Markup().format", "*.escape", "cgi.escape", "nh3.clean")),
    *((n, frozenset({"sql"})) for n in ("*.escape_string", "*.escape", "*.literal", "psycopg2.sql.Literal",
                                        "psycopg2.sql.Identifier")),
    # SQLAlchemy expressions bind their values as parameters (text() stays a sink)
    *((n, frozenset({"sql"})) for n in ("sqlalchemy.select", "sqlalchemy.insert", "sqlalchemy.update",
                                        "sqlalchemy.delete", "sqlalchemy.bindparam", "*.where", "*.in_",
                                        "*.not_in", "*.filter_by", "*.values", "*.bindparams")),
    *((n, frozenset({"cmd"})) for n in ("shlex.quote", "shlex.join", "pipes.quote")),
    *((n, frozenset({SSRF, XSS})) for n in ("urllib.parse.quote", "urllib.parse.quote_plus",
                                            "urllib.parse.urlencode", "urllib.quote")),
    *((n, frozenset({PATH})) for n in ("os.path.basename", "werkzeug.utils.secure_filename", "*.secure_filename",
                                       "secure_filename", "posixpath.basename")),
    ("re.escape", frozenset({"regex"})),
    ("ast.literal_eval", frozenset({"code"})),
)
_RESOLVERS = ("os.path.realpath", "os.path.abspath", "os.path.normpath", "*.resolve", "posixpath.realpath")
_SOURCE_CALLS = ("input", "raw_input", "*.parse_args", "*.parse_known_args", "sys.stdin.*", "click.prompt",
                 "flask.request.*", "bottle.request.*", "quart.request.*")
_ENV_CALLS = ("os.getenv", "os.environ.get", "os.environ.copy")
_SOURCE_ATTR = re.compile(r"^(flask|bottle|quart|sanic|werkzeug)\.request\b|^sys\.(argv|stdin)\b")
_PYTEST_PATHS = frozenset({"tmp_path", "tmpdir", "tmp_path_factory", "tmpdir_factory"})  # pytest's own
_HANDLER_DECORATOR = re.compile(r"(?:^|\.)(?:route|get|post|put|patch|delete|websocket|api_view|command)$")
_CLEAN_ANNOTATIONS = {"int", "float", "bool", "datetime", "date", "UUID", "uuid.UUID", "Decimal"}
_TERMINATORS = ("abort", "flask.abort", "sys.exit", "exit", "quit", "os._exit", "*.abort", "django.http.Http404",
                "*.HTTPException", "fastapi.HTTPException")
_VALIDATORS = re.compile(r"(?i)(^|_)(is_?safe|is_?valid|valid|allowed|is_?allowed|whitelist|allowlist|"
                         r"url_has_allowed_host_and_scheme|safe_join|verify)")
_HTTPISH_RE_FUNCS = {"match", "fullmatch", "search"}
_RE_FUNCS = {"compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"}
_WEAK_HASHES = {"md5", "sha1", "sha", "md4", "md2", "ripemd160"}
_FAST_HASHES = {"sha224", "sha256", "sha384", "sha512", "sha3_256", "sha3_512", "blake2b", "blake2s"}
_PASSWORDISH = re.compile(r"(?i)passw|passwd|pwd|pw_?hash|^pw$|password")
_RANDOM_FUNCS = {"random", "randint", "randrange", "choice", "choices", "sample", "getrandbits", "uniform",
                 "shuffle", "randbytes"}
# What the checks below (beyond the rule table's sinks) look for, for the prefilter (prefilter.py): call
# names as globs over the resolved dotted name, and keyword / assignment-target names. A new check must
# list its names here; tests compare gated and ungated analysis on every rule snippet and the corpus.
CHECK_GLOBS: tuple[str, ...] = (
    *(f"re.{f}" for f in sorted(_RE_FUNCS)), "*regex.compile",  # ReDoS
    *(f"hashlib.{a}" for a in sorted(_WEAK_HASHES | _FAST_HASHES)), "hashlib.new",  # weak hashes
    "Crypto.Hash.*.new", "Cryptodome.Hash.*.new",
    *(f"random.{f}" for f in sorted(_RANDOM_FUNCS)),  # insecure randomness
    "*csrf_exempt", "*.exempt",  # CSRF decorators
    "render_template_string", "*.render_template_string", "render", "*.render",  # templates marked |safe
)
CHECK_WORDS: tuple[str, ...] = ("WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT", "check_hostname", "verify_mode",
                                "verify", "PYTHONHTTPSVERIFY", "CURL_CA_BUNDLE")
_ASSIGN_KEYS = frozenset(CHECK_WORDS)


def _gate_terms() -> tuple[list[str], list[str], list[str]]:
    """(call globs, keyword names, names that are also string keys) for the prefilter."""
    globs, words = list(CHECK_GLOBS), list[str]()
    for (kind, last), sinks in _SINKS.items():
        if kind != "call":
            continue
        for cs in sinks:
            if last == "*" and cs.keywords:  # any callee, with these keyword arguments
                words.extend(k for k in cs.keywords if k)
            else:
                globs.append(cs.sink.callee)
    return globs, words, list(CHECK_WORDS)


_GATE: Gate | None = None


def prefilter(batch: bool = False) -> Gate:
    """The Python gate (built on first use, once per process; `batch`: many files follow, see gate())."""
    global _GATE
    if _GATE is None or (batch and _GATE.backend == "off" and _GATE.auto):
        _GATE = gate("py", *_gate_terms(), batch=batch)
    return _GATE


_GLOB_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}
_GLOB_HITS: dict[tuple[str, ...], dict[str, bool]] = {}


def _glob_any(name: str, globs: tuple[str, ...]) -> bool:
    hits = _GLOB_HITS.get(globs)
    if hits is None:
        hits = _GLOB_HITS[globs] = {}
    got = hits.get(name)
    if got is None:
        rx = _GLOB_CACHE.get(globs)
        if rx is None:
            rx = _GLOB_CACHE[globs] = re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))
        got = hits[name] = rx.match(name) is not None
        if len(hits) > 50_000:  # names are few in practice; keep a pathological input from growing it
            hits.clear()
    return got


_SANITISER_CACHE: dict[str, frozenset[str] | str | None] = {}


def _sanitiser(name: str) -> frozenset[str] | str | None:
    if name in _SANITISER_CACHE:
        return _SANITISER_CACHE[name]
    out: set[str] = set()
    got: frozenset[str] | str | None = None
    for glob, fams in _SANITISERS:
        if fnmatchcase(name, glob):
            if fams == _ALL:
                got = _ALL
                break
            out |= fams  # type: ignore[arg-type]
    else:
        got = frozenset(out) if out else None
    if len(_SANITISER_CACHE) > 50_000:
        _SANITISER_CACHE.clear()
    _SANITISER_CACHE[name] = got
    return got


# Child nodes without ast.iter_child_nodes' generator overhead: the fields of each node type that hold
# nodes (scalars, contexts and operators, which have no children, are left out; the order is kept).
_SCALAR_FIELDS = frozenset({"ctx", "id", "attr", "arg", "kind", "type_comment", "level", "module", "conversion",
                            "is_async", "simple", "name", "names", "asname", "op", "ops", "tag"})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    f = _FIELDS.get(cls)
    if f is None:
        leaf = cls in (ast.Constant, ast.MatchSingleton) or not issubclass(cls, ast.AST)
        f = _FIELDS[cls] = () if leaf else tuple(x for x in getattr(cls, "_fields", ()) if x not in _SCALAR_FIELDS)
    return f


def _push_children(n: ast.AST, stack: list[Any]) -> None:
    """Push the child nodes of `n` in field order (None entries may be pushed; skip them on pop)."""
    for f in _fields(type(n)):
        v = getattr(n, f, None)
        if type(v) is list:
            stack.extend(v)
        elif v is not None:
            stack.append(v)


def _children(n: ast.AST) -> list[Any]:
    out: list[Any] = []
    _push_children(n, out)
    return [c for c in out if c is not None]


def _names(node: ast.AST) -> set[str]:
    """Every variable name used anywhere inside `node`."""
    out: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if n is None:
            continue
        if type(n) is ast.Name:
            out.add(n.id)
            continue
        _push_children(n, stack)
    return out


def _terminates(body: list[ast.stmt], dotted: Any) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Raise, ast.Return, ast.Continue, ast.Break)):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        return _glob_any(dotted(last.value.func), _TERMINATORS)
    return False


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Analyser:
    def __init__(self, tree: ast.Module, lines: list[str], import_lines: list[int] | None = None,
                 aliases: bool = True) -> None:
        self.tree = tree
        self.lines = lines
        self.gate: Lines | None = None  # where a finding can come from (None: anywhere)
        self.hot: list[int] | None = None  # lines that name a sink, a check or a credential (None: all)
        self.aliases: dict[str, str] = {}
        self.hits: dict[tuple[str, int], Hit] = {}
        self.globals: dict[str, Taint] = {}
        self.deps: dict[str, ast.AST | None] = {}  # variable -> the value it was last computed from
        self._dep_names: dict[int, set[str]] = {}
        self._dotted: dict[int, str] = {}
        self.cur_stmt: ast.stmt | None = None
        self.cur_fn: ast.AST | None = None
        if aliases:
            self.find_aliases(import_lines)

    def find_aliases(self, import_lines: list[int] | None = None) -> dict[str, str]:
        """Local name -> dotted target of the module's imports (`import_lines`: the lines that hold the
        word `import`, to skip compound statements without one; None: look everywhere)."""
        self.aliases = {}
        for node in _import_nodes(self.tree.body, import_lines):
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        return self.aliases

    # -- names ----------------------------------------------------------------------------------------

    def dotted(self, node: ast.AST) -> str:
        key = id(node)  # nodes live as long as the tree: the same call is named by several checks
        got = self._dotted.get(key)
        if got is not None:
            return got
        start = node
        parts: list[str] = []
        while True:
            t = type(node)
            if t is ast.Attribute:
                parts.append(node.attr)  # type: ignore[attr-defined]
                node = node.value  # type: ignore[attr-defined]
            elif t is ast.Call:
                parts.append("()")
                node = node.func  # type: ignore[attr-defined]
            elif t is ast.Name:
                name: str = node.id  # type: ignore[attr-defined]
                parts.append(self.aliases.get(name, name))
                break
            else:
                parts.append("?")
                break
        out = ""
        for p in reversed(parts):
            out = out + p if (p == "()" or not out) else f"{out}.{p}"
        self._dotted[id(start)] = out
        return out

    # -- reporting ------------------------------------------------------------------------------------

    def report(self, rule: Rule, line: int, confidence: float, detail: str = "", value: str | None = None) -> None:
        key = (rule.id, line)
        if key not in self.hits:
            self.hits[key] = Hit(rule, line, confidence, detail, value)

    # -- taint of expressions -------------------------------------------------------------------------

    def taint(self, e: ast.AST | None, env: dict[str, Taint]) -> Taint:
        if e is None:
            return EMPTY
        t = type(e)
        if t is ast.Constant:
            return EMPTY
        if t is ast.Name:
            name = e.id  # type: ignore[attr-defined]
            if name in env:
                return env[name]
            if self.aliases.get(name, "") in ("sys.argv", "os.environ"):
                return SOURCE if name.endswith("argv") else ENVIRON
            return self.globals.get(name, EMPTY)
        if t is ast.Attribute:
            d = self.dotted(e)
            if _SOURCE_ATTR.match(d):
                return SOURCE
            if d.startswith("os.environ"):
                return ENVIRON
            return self.taint(e.value, env)  # type: ignore[attr-defined]
        if t is ast.Subscript:
            return self.taint(e.value, env)  # type: ignore[attr-defined]
        if t is ast.Call:
            return self.call_taint(e, env)  # type: ignore[arg-type]
        if t is ast.JoinedStr:
            parts = [v.value if isinstance(v, ast.FormattedValue) else v for v in e.values]  # type: ignore[attr-defined]
            return self.concat(parts, env)
        if t is ast.BinOp:
            op = e.op  # type: ignore[attr-defined]
            if isinstance(op, ast.Add):
                return self.concat(self._flatten_add(e), env)
            if isinstance(op, ast.Mod) and _const_str(e.left) is not None:  # type: ignore[attr-defined]
                fmt = _const_str(e.left) or ""  # type: ignore[attr-defined]
                right = e.right  # type: ignore[attr-defined]
                args = right.elts if isinstance(right, ast.Tuple) else [right]
                return self.concat([ast.Constant(fmt.split("%", 1)[0]), *args], env)
            return self.taint(e.left, env) | self.taint(e.right, env)  # type: ignore[attr-defined]
        if t is ast.IfExp:
            return self.ifexp_taint(e, env)  # type: ignore[arg-type]
        if t is ast.NamedExpr:
            v = self.taint(e.value, env)  # type: ignore[attr-defined]
            env[e.target.id] = v  # type: ignore[attr-defined]
            return v
        if t in (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
            inner = dict(env)
            for g in e.generators:  # type: ignore[attr-defined]
                self.bind(g.target, self.taint(g.iter, inner), inner, g.iter)
            if t is ast.DictComp:
                return self.taint(e.key, inner) | self.taint(e.value, inner)  # type: ignore[attr-defined]
            return self.taint(e.elt, inner)  # type: ignore[attr-defined]
        if t is ast.Lambda:
            return EMPTY
        if t in (ast.Compare, ast.BoolOp) and t is ast.Compare:
            return EMPTY  # a comparison yields a bool
        out: Taint = EMPTY
        for child in _children(e):
            if isinstance(child, ast.expr):
                out = out | self.taint(child, env)
        return out

    def _flatten_add(self, e: ast.AST) -> list[ast.AST]:
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            return self._flatten_add(e.left) + self._flatten_add(e.right)
        return [e]

    def concat(self, parts: list[Any], env: dict[str, Taint]) -> Taint:
        """String building: a fixed scheme://host/ (or /path) prefix before the first tainted part keeps
        the request on a fixed host (no SSRF, no open redirect)."""
        prefix = ""
        out: Taint = EMPTY
        tainted_yet = False
        for p in parts:
            s = _const_str(p)
            if s is not None:
                if not tainted_yet:
                    prefix += s
                continue
            t = self.taint(p, env)
            if t and not tainted_yet:
                tainted_yet = True
                if re.match(r"^[a-z][a-z0-9+.-]*://[^/]+/|^/[^/]", prefix, re.I):
                    t = t - {SSRF, REDIRECT}
            elif t:
                t = t  # later parts: host already fixed or already tainted
            out = out | t
        if out and prefix and re.match(r"^[a-z][a-z0-9+.-]*://[^/]+/|^/[^/]", prefix, re.I):
            pass
        return out - {RESOLVED} if out else out

    def call_taint(self, e: ast.Call, env: dict[str, Taint]) -> Taint:
        name = self.dotted(e.func)
        if _glob_any(name, _SOURCE_CALLS):
            return SOURCE
        if _glob_any(name, _ENV_CALLS):
            return ENVIRON
        if name.endswith(".format") and isinstance(e.func, ast.Attribute) and _const_str(e.func.value) is not None:
            fmt = _const_str(e.func.value) or ""
            base = self.concat([ast.Constant(fmt.split("{", 1)[0]), *e.args, *(k.value for k in e.keywords)], env)
        else:
            base = EMPTY
            for a in e.args:
                base = base | self.taint(a, env)
            for k in e.keywords:
                base = base | self.taint(k.value, env)
            if isinstance(e.func, ast.Attribute):
                base = base | self.taint(e.func.value, env)
        if not base:
            return EMPTY
        san = _sanitiser(name)
        if san == _ALL:
            return EMPTY
        if san:
            base = base - san  # type: ignore[operator]
        if _glob_any(name, _RESOLVERS):
            base = base | {RESOLVED}
        return base

    def ifexp_taint(self, e: ast.IfExp, env: dict[str, Taint]) -> Taint:
        good = self.validations(e.test, True, env)
        bad = self.validations(e.test, False, env)
        return self.taint(e.body, self.apply(good, env)) | self.taint(e.orelse, self.apply(bad, env))

    # -- validations (guards and validating conditions) -----------------------------------------------

    def validations(self, test: ast.AST, positive: bool, env: dict[str, Taint]) -> list[tuple[set[str], str]]:
        """What holds about tainted names when `test` is `positive`: (names, kind) with kind in
        all | path | broken | redirect."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.validations(test.operand, not positive, env)
        if isinstance(test, ast.BoolOp):
            conj = isinstance(test.op, ast.And)
            if conj == positive:  # all parts hold with the same polarity
                out: list[tuple[set[str], str]] = []
                for v in test.values:
                    out += self.validations(v, positive, env)
                return out
            return []
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, left, right = test.ops[0], test.left, test.comparators[0]
            if isinstance(op, (ast.In, ast.NotIn)):
                holds = isinstance(op, ast.In) == positive
                ls = _const_str(left)
                if ls is not None:  # ".." in name → reject
                    return [(_names(right), "path")] if (not holds and ".." in ls) else []
                if holds and not (isinstance(right, ast.Constant)):
                    return [(_names(left), "all")]
                return []
            if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
                holds = isinstance(op, (ast.Eq, ast.Is)) == positive
                if not holds:
                    return []
                for a in (left, right):
                    if isinstance(a, ast.Call) and self.dotted(a.func).endswith("commonpath"):
                        return [(_names(a), "path")]
                if isinstance(right, ast.Constant) and right.value is not None:
                    return [(_names(left), "all")]
                if isinstance(left, ast.Constant) and left.value is not None:
                    return [(_names(right), "all")]
            return []
        if isinstance(test, ast.Call):
            name = self.dotted(test.func)
            last = name.rsplit(".", 1)[-1]
            recv = test.func.value if isinstance(test.func, ast.Attribute) else None
            if last == "startswith" and recv is not None and test.args:
                arg = test.args[0]
                s = _const_str(arg)
                if s is not None and s.startswith(".."):
                    return [] if positive else [(_names(recv), "path")]
                if not positive:
                    return []
                if s is not None:
                    if s in ("/", "\\"):
                        return [(_names(recv), "redirect")]
                    return [(_names(recv), "path" if s.endswith(("/", "\\")) else "broken")]
                if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
                    tail = arg.right
                    ts = _const_str(tail)
                    if (ts is not None and ts.endswith(("/", "\\"))) or self.dotted(tail) in ("os.sep", "os.path.sep"):
                        return [(_names(recv), "path")]
                if isinstance(arg, ast.Call) and self.dotted(arg.func) == "os.path.join" and len(arg.args) >= 2 \
                        and _const_str(arg.args[-1]) == "":
                    return [(_names(recv), "path")]
                return [(_names(recv), "broken")]
            if not positive:
                return []
            if last == "is_relative_to" and recv is not None:
                return [(_names(recv), "path")]
            if last in ("isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "isidentifier") and recv is not None:
                return [(_names(recv), "all")]
            if last in _HTTPISH_RE_FUNCS and (name.startswith("re.") or recv is not None):
                args = test.args[1:] if name.startswith("re.") else test.args[:1]
                return [(set().union(*(_names(a) for a in args)) if args else set(), "all")]
            if _VALIDATORS.search(last):
                return [(set().union(*(_names(a) for a in test.args)) if test.args else set(), "all")]
        return []

    def closure(self, names: set[str]) -> set[str]:
        return dependency_closure(self, names)

    def get(self, name: str, default: Iterable[str] = ()) -> Iterable[str]:
        """The names `name` was computed from (dependency_closure's view of `deps`, built lazily)."""
        if name not in self.deps:
            return default
        value = self.deps[name]
        if value is None:
            return ()
        got = self._dep_names.get(id(value))
        if got is None:
            got = self._dep_names[id(value)] = _names(value)
        return got

    def apply(self, vals: list[tuple[set[str], str]], env: dict[str, Taint]) -> dict[str, Taint]:
        if not vals:
            return env
        env = dict(env)
        for names, kind in vals:
            if kind == "all":
                for n in self.closure(names):
                    if n in env or n in self.globals:
                        env[n] = EMPTY
            elif kind == "broken":
                for n in names:
                    if n in env:
                        env[n] = env[n] | {PREFIX_NOSEP}
            elif kind == "redirect":
                for n in self.closure(names):
                    if n in env:
                        env[n] = env[n] - {REDIRECT, SSRF}
            elif kind == "path":
                for n in names:
                    t = env.get(n)
                    if t is None:
                        continue
                    if RESOLVED in t or PATH not in t:
                        env[n] = t - {PATH, PREFIX_NOSEP}
                        for d in self.closure({n}) - {n}:
                            if d in env:
                                env[d] = env[d] - {PATH}
                    else:
                        env[n] = t | {UNRESOLVED_CHECK}
        return env

    # -- statements -----------------------------------------------------------------------------------

    def bind(self, target: ast.AST, t: Taint, env: dict[str, Taint], value: ast.AST | None) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = t
            self.deps[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.bind(elt.value if isinstance(elt, ast.Starred) else elt, t, env, value)
        elif isinstance(target, (ast.Subscript, ast.Attribute)) and t:
            base = target.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name) and base.id not in ("self", "cls"):
                env[base.id] = env.get(base.id, EMPTY) | t

    def function(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, outer: dict[str, Taint]) -> None:
        env = dict(outer)
        a = fn.args
        # a pytest test's parameters are fixtures and parametrize values, never outside input
        is_test = fn.name.startswith("test_") and not any(
            _HANDLER_DECORATOR.search(self.dotted(d.func if isinstance(d, ast.Call) else d) or "")
            for d in fn.decorator_list)
        for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, *(x for x in (a.vararg, a.kwarg) if x)]:
            if arg.arg in ("self", "cls") or is_test or arg.arg in _PYTEST_PATHS:
                env[arg.arg] = EMPTY
                continue
            ann = arg.annotation
            if ann is not None and self.dotted(ann) in _CLEAN_ANNOTATIONS:
                env[arg.arg] = EMPTY
            else:
                env[arg.arg] = PARAMETER
        for d in fn.decorator_list:
            self.exprs(d, outer)
        saved = self.deps
        self.deps = dict(saved)  # a function sees the outer scopes' dependencies, and leaves them as they were
        try:
            self.block(fn.body, env)
        finally:
            self.deps = saved

    def block(self, body: list[ast.stmt], env: dict[str, Taint]) -> dict[str, Taint]:
        for st in body:
            env = self.stmt(st, env)
        return env

    def stmt(self, st: ast.stmt, env: dict[str, Taint]) -> dict[str, Taint]:
        self.cur_stmt = st
        if isinstance(st, (ast.Assign, ast.AnnAssign)) and (
                self.hot is None or hot(self.hot, st.lineno, st.end_lineno or st.lineno)):
            self._assign_checks(st)
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if self.gate is not None and self._cold(st):
                return env  # nothing in it could be reported (and a function leaves `env` as it was)
            for d in st.decorator_list:
                dn = self.dotted(d.func if isinstance(d, ast.Call) else d)
                if dn.endswith("csrf_exempt") or dn.endswith(".exempt"):
                    self.report(RULES["py-csrf-disabled"], d.lineno, 0.8)
            outer_fn, self.cur_fn = self.cur_fn, st
            self.function(st, env)
            self.cur_fn = outer_fn
        elif isinstance(st, ast.ClassDef):
            for d in st.decorator_list:
                self.exprs(d, env)
            self.block(st.body, dict(env))
        elif isinstance(st, ast.Assign):
            self.exprs(st.value, env)
            t = self.taint(st.value, env)
            for tgt in st.targets:
                self.exprs(tgt, env)
                self.bind(tgt, t, env, st.value)
        elif isinstance(st, ast.AnnAssign):
            if st.value is not None:
                self.exprs(st.value, env)
                self.bind(st.target, self.taint(st.value, env), env, st.value)
        elif isinstance(st, ast.AugAssign):
            self.exprs(st.value, env)
            if isinstance(st.target, ast.Name):
                env[st.target.id] = env.get(st.target.id, EMPTY) | self.taint(st.value, env)
        elif isinstance(st, ast.If):
            self.exprs(st.test, env)
            if _terminates(st.body, self.dotted) and not st.orelse:
                self.block(st.body, self.apply(self.validations(st.test, True, env), env))
                env = self.apply(self.validations(st.test, False, env), env)
            else:
                e1 = self.block(st.body, self.apply(self.validations(st.test, True, env), env))
                e2 = self.block(st.orelse, self.apply(self.validations(st.test, False, env), env))
                if _terminates(st.body, self.dotted):
                    env = e2
                elif st.orelse and _terminates(st.orelse, self.dotted):
                    env = e1
                else:
                    env = {k: e1.get(k, EMPTY) | e2.get(k, EMPTY) for k in set(e1) | set(e2)}
        elif isinstance(st, ast.Assert):
            self.exprs(st.test, env)
            env = self.apply(self.validations(st.test, True, env), env)
        elif isinstance(st, (ast.For, ast.AsyncFor)):
            self.exprs(st.iter, env)
            self.bind(st.target, self.taint(st.iter, env), env, st.iter)
            env = self.block(st.body, env)
            env = self.block(st.orelse, env)
        elif isinstance(st, ast.While):
            self.exprs(st.test, env)
            env = self.block(st.body, env)
            env = self.block(st.orelse, env)
        elif isinstance(st, (ast.With, ast.AsyncWith)):
            for item in st.items:
                self.exprs(item.context_expr, env)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, self.taint(item.context_expr, env), env, item.context_expr)
            env = self.block(st.body, env)
        elif isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
            env = self.block(st.body, env)  # type: ignore[attr-defined]
            for h in st.handlers:  # type: ignore[attr-defined]
                env = self.block(h.body, env)
            env = self.block(st.orelse, env)  # type: ignore[attr-defined]
            env = self.block(st.finalbody, env)  # type: ignore[attr-defined]
        elif isinstance(st, ast.Match):
            self.exprs(st.subject, env)
            for case in st.cases:
                env = self.block(case.body, env)
        else:
            for child in _children(st):
                if isinstance(child, ast.expr):
                    self.exprs(child, env)
            if isinstance(st, ast.Return) and st.value is not None:
                self._html_return(st.value, env)
        return env

    def _html_return(self, value: ast.expr, env: dict[str, Taint]) -> None:
        """A Flask/Bottle view that returns an HTML string built from input (served as text/html)."""
        fn = self.cur_fn
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or not isinstance(
                value, (ast.JoinedStr, ast.BinOp, ast.Call)):
            return
        if any(v.split(".")[0] in ("fastapi", "starlette") for v in self.aliases.values()):
            return  # these frameworks serialise a returned str as JSON
        names = [self.dotted(d.func if isinstance(d, ast.Call) else d) for d in fn.decorator_list]
        if not any(re.search(r"\.(route|get|post|put|patch|delete)$", n) for n in names):
            return
        if not any(isinstance(c, ast.Constant) and isinstance(c.value, str) and "<" in c.value
                   for c in ast.walk(value)):
            return
        t = self.taint(value, env)
        if XSS in t:
            self.report(RULES["py-xss"], value.lineno, confidence_of(t), "the view returns HTML built from input")

    def exprs(self, node: ast.AST, env: dict[str, Taint]) -> None:
        """Check every call inside one expression against the sinks."""
        if self.hot is not None and not hot(self.hot, node.lineno, node.end_lineno or node.lineno):  # type: ignore[attr-defined]
            return  # no line of it names a sink, a check or a credential: nothing to report
        rules = RULES
        stack: list[Any] = [node]
        while stack:
            n = stack.pop()
            if n is None:
                continue
            if isinstance(n, ast.Call):
                self.check_call(n, env)
                self._call_checks(n, self.cur_stmt, self.cur_fn)
                for k in n.keywords:
                    kv = k.value
                    if k.arg and isinstance(kv, ast.Constant) and isinstance(kv.value, str) and secret_name(k.arg) \
                            and secret_value(kv.value):
                        self.report(rules["py-hardcoded-credentials"], kv.lineno, 0.8, value=kv.value)
            elif isinstance(n, ast.Dict):
                for dk, dv in zip(n.keys, n.values, strict=True):
                    ks, vs = _const_str(dk), _const_str(dv)
                    if ks and vs is not None and secret_name(ks) and secret_value(vs):
                        self.report(rules["py-hardcoded-credentials"], dv.lineno, 0.75, value=vs)
            elif isinstance(n, ast.Constant):
                v = n.value
                if isinstance(v, str) and "://" in v and "@" in v and url_with_password(v):
                    self.report(rules["py-hardcoded-credentials"], n.lineno, 0.8, value=v)
                continue
            elif isinstance(n, (ast.Name, ast.Lambda)):
                continue
            _push_children(n, stack)

    def _option(self, call: ast.Call, name: str | None, pos: int | None) -> str | None:
        if name is not None:
            for k in call.keywords:
                if k.arg == name:
                    return ast.unparse(k.value)
        if pos is not None and pos < len(call.args):
            return ast.unparse(call.args[pos])
        return None

    def check_call(self, call: ast.Call, env: dict[str, Taint]) -> None:
        name = self.dotted(call.func)
        last = name.rsplit(".", 1)[-1]
        cands: list[CompiledSink] = _SINKS.get(("call", last), [])
        if call.keywords:
            kws = {k.arg for k in call.keywords}
            cands = cands + [cs for cs in _SINKS.get(("call", "*"), []) if cs.keywords <= kws]
        for cs in cands:
            if not cs.sink.matches(name):
                continue
            if not all(c.holds(self._option(call, c.name, c.pos)) for c in cs.when):
                continue
            if any(c.holds(self._option(call, c.name, c.pos)) for c in cs.unless):
                continue
            if not cs.sink.tainted:
                self.report(cs.rule, call.lineno, 0.85)
                continue
            t: Taint = EMPTY
            for i in cs.sink.args:
                if i == -1:
                    if isinstance(call.func, ast.Attribute):
                        t = t | self.taint(call.func.value, env)
                elif i < len(call.args) and not isinstance(call.args[i], ast.Starred):
                    t = t | self.taint(call.args[i], env)
            for k in call.keywords:
                if k.arg in cs.sink.kwargs:
                    t = t | self.taint(k.value, env)
            fam = cs.rule.family
            if fam is None or fam not in t:
                continue
            detail = ""
            if fam == PATH and PREFIX_NOSEP in t:
                detail = ("the prefix check startswith(BASE) has no trailing separator, so a sibling such as "
                          "BASE + '-evil/...' passes it; compare against BASE + os.sep or use is_relative_to()")
            elif fam == PATH and UNRESOLVED_CHECK in t:
                detail = "the containment check runs on a path that was not resolved first (realpath/resolve)"
            self.report(cs.rule, call.lineno, confidence_of(t), detail)
        if last in ("render_template_string", "render") and call.args:
            tpl = _const_str(call.args[0]) if last == "render_template_string" else None
            if last == "render" and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call) \
                    and self.dotted(call.func.value.func).endswith("Template") and call.func.value.args:
                tpl = _const_str(call.func.value.args[0])
            if tpl and re.search(r"\|\s*safe\b|autoescape\s+false", tpl):
                t = EMPTY
                for k in call.keywords:
                    t = t | self.taint(k.value, env)
                if XSS in t:
                    self.report(RULES["py-xss"], call.lineno, confidence_of(t),
                                "the template marks the value |safe, which turns escaping off")

    # -- whole module ---------------------------------------------------------------------------------

    def use_gate(self, lines: Lines | None) -> None:
        self.gate = lines
        self.hot = lines.hot if lines is not None else None

    def _cold(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """No line of the function (decorators included) names anything a rule looks for, and it is
        not a view that could return HTML (a route decorator and a `<`)."""
        g = self.gate
        assert g is not None
        first, last = min([fn.lineno, *(d.lineno for d in fn.decorator_list)]), fn.end_lineno or fn.lineno
        # a `<` in the function's own decorators (a route path such as "/items/<int:id>") is not returned
        return not hot(g.hot, first, last) and not (hot(g.route, first, last) and hot(g.lt, fn.lineno, last))

    def run(self) -> list[Hit]:
        g = self.gate
        if g is not None and not g.hot and not (g.route and g.lt):
            # no line names anything a rule looks for: only module-level settings remain
            self.structural()
            return sorted(self.hits.values(), key=lambda h: (h.line, h.rule.id))
        # module-level names first (so functions see globals such as KEY = os.environ[...])
        genv: dict[str, Taint] = {}
        for st in self.tree.body:
            if isinstance(st, (ast.Assign, ast.AnnAssign)) and st.value is not None:
                t = self.taint(st.value, genv)
                for tgt in st.targets if isinstance(st, ast.Assign) else [st.target]:
                    self.bind(tgt, t, genv, st.value)
        self.globals = genv
        self.deps = {}
        self.block(self.tree.body, {})
        self.structural()
        return sorted(self.hits.values(), key=lambda h: (h.line, h.rule.id))

    # -- structural checks (no taint needed) ----------------------------------------------------------

    def structural(self) -> None:
        """Checks over module-level settings (node-level checks run during the taint walk)."""
        module_names: dict[str, ast.AST] = {}
        for st in self.tree.body:
            if isinstance(st, ast.Assign):
                for tgt in st.targets:
                    if isinstance(tgt, ast.Name):
                        module_names[tgt.id] = st.value
        self._cors_settings(module_names)

    def _call_checks(self, call: ast.Call, st: ast.stmt | None, fn: ast.AST | None) -> None:
        func = call.func
        if isinstance(func, ast.Name) and func.id not in self.aliases:
            return  # builtins and local functions: no structural check applies
        name = self.dotted(func)
        last = name.rsplit(".", 1)[-1]
        if name.startswith("re.") and last in _RE_FUNCS and call.args:
            pat = _const_str(call.args[0])
            if pat is not None and nested_quantifier(pat):
                self.report(RULES["py-redos"], call.lineno, 0.85)
        elif last in ("compile",) and call.args and _const_str(call.args[0]) and name.endswith("regex.compile"):
            pat = _const_str(call.args[0]) or ""
            if nested_quantifier(pat):
                self.report(RULES["py-redos"], call.lineno, 0.85)
        # weak hashes
        algo = None
        if name.startswith("hashlib.") and last in _WEAK_HASHES | _FAST_HASHES:
            algo = last
        elif name == "hashlib.new" and call.args and _const_str(call.args[0]):
            algo = (_const_str(call.args[0]) or "").lower().replace("-", "")
        elif re.match(r"^Crypto(dome)?\.Hash\.(MD5|SHA|SHA1|MD4|MD2)\.new$", name):
            algo = "md5"
        if algo is not None:
            if any(k.arg == "usedforsecurity" and isinstance(k.value, ast.Constant) and k.value.value is False
                   for k in call.keywords):
                return
            ctx = _context_names(st, fn) if st is not None else set()
            pw = any(_PASSWORDISH.search(n) for n in ctx) or any(
                _PASSWORDISH.search(n) for a in call.args for n in _names(a))
            if algo in _WEAK_HASHES:
                if not pw and any(NONSECURITY_HASH_NAME.search(n) for n in ctx):
                    return
                self.report(RULES["py-weak-hash"], call.lineno, 0.85 if pw else 0.6,
                            "used for a password" if pw else "")
            elif algo in _FAST_HASHES and pw:
                self.report(RULES["py-weak-hash"], call.lineno, 0.7,
                            "a fast unsalted hash is not a password hash (CWE-916)")
        # insecure randomness for secrets
        if name.startswith("random.") and last in _RANDOM_FUNCS and name.count(".") == 1:
            ctx = _context_names(st, fn) if st is not None else set()
            if any(SENSITIVE_NAME.search(n) for n in ctx):
                self.report(RULES["py-insecure-random"], call.lineno, 0.85)
        # csrf switched off through config.update(WTF_CSRF_ENABLED=False)
        for k in call.keywords:
            if k.arg in ("WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT") and isinstance(k.value, ast.Constant) \
                    and k.value.value is False:
                self.report(RULES["py-csrf-disabled"], call.lineno, 0.85)

    def _assign_checks(self, st: ast.Assign | ast.AnnAssign) -> None:
        targets = st.targets if isinstance(st, ast.Assign) else [st.target]
        value = st.value
        if value is None:
            return
        for tgt in targets:
            key = None
            if isinstance(tgt, ast.Subscript):
                key = _const_str(tgt.slice)
            elif isinstance(tgt, ast.Name):
                key = tgt.id
            elif isinstance(tgt, ast.Attribute):
                key = tgt.attr
            if key is None:
                continue
            cors = key.lower() == "access-control-allow-origin"
            vtext = ast.unparse(value) if key in _ASSIGN_KEYS or cors else ""
            if key in ("WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT") and vtext == "False":
                self.report(RULES["py-csrf-disabled"], st.lineno, 0.85)
            elif (key == "check_hostname" and vtext == "False") or (key == "verify_mode" and "CERT_NONE" in vtext) \
                    or (key == "verify" and vtext == "False" and isinstance(tgt, ast.Attribute)) \
                    or (key in ("PYTHONHTTPSVERIFY", "CURL_CA_BUNDLE") and vtext in ("'0'", "''")):
                self.report(RULES["py-tls-verify-disabled"], st.lineno, 0.85)
            elif cors and (vtext in ("'*'", '"*"') or "origin" in vtext.lower()):
                src = "\n".join(self.lines)
                if "access-control-allow-credentials" in src.lower():
                    self.report(RULES["py-cors-credentials-wildcard"], st.lineno, 0.8)
            s = _const_str(value)
            if s is not None and isinstance(tgt, (ast.Name, ast.Attribute)) and secret_name(key) and secret_value(s):
                self.report(RULES["py-hardcoded-credentials"], st.lineno, 0.8, value=s)

    def _cors_settings(self, names: dict[str, ast.AST]) -> None:
        def is_true(n: str) -> bool:
            v = names.get(n)
            return isinstance(v, ast.Constant) and v.value is True

        any_origin = is_true("CORS_ALLOW_ALL_ORIGINS") or is_true("CORS_ORIGIN_ALLOW_ALL")
        if is_true("CORS_ALLOW_CREDENTIALS") and any_origin:
            for st in self.tree.body:
                if isinstance(st, ast.Assign) and any(isinstance(t, ast.Name) and t.id in (
                        "CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL") for t in st.targets):
                    self.report(RULES["py-cors-credentials-wildcard"], st.lineno, 0.85)


_IMPORT_SCOPES = (ast.If, ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.With)


def _import_nodes(body: list[ast.stmt], import_lines: list[int] | None = None) -> list[ast.stmt]:
    """Import statements at module level and in top-level if/try blocks and function bodies, in
    source order (`import_lines`: only blocks that span one of these lines can hold one)."""
    out: list[ast.stmt] = []
    todo = [iter(body)]
    while todo:
        for st in todo[-1]:
            if isinstance(st, (ast.Import, ast.ImportFrom)):
                out.append(st)
            elif isinstance(st, _IMPORT_SCOPES) and hot(import_lines, st.lineno, st.end_lineno or st.lineno):
                inner: list[ast.stmt] = [*getattr(st, "body", ()), *(getattr(st, "orelse", None) or ()),
                                         *(getattr(st, "finalbody", None) or ())]
                for h in getattr(st, "handlers", None) or ():
                    inner.extend(h.body)
                todo.append(iter(inner))
                break
        else:
            todo.pop()
    return out


def _own_nodes(st: ast.stmt) -> Iterator[ast.AST]:
    """Expression nodes of one statement, not of the statements nested in it."""
    stack: list[ast.AST] = [c for c in _children(st) if not isinstance(c, (ast.stmt, ast.excepthandler,
                                                                              ast.match_case))]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(c for c in _children(n) if not isinstance(c, ast.stmt))


def _context_names(st: ast.stmt, fn: ast.AST | None) -> set[str]:
    """Names that say what a statement computes: assignment targets, dict keys, keyword names, the
    enclosing function's name when the statement returns."""
    out: set[str] = set()
    if isinstance(st, ast.Assign):
        for t in st.targets:
            out |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
            out |= {n.attr for n in ast.walk(t) if isinstance(n, ast.Attribute)}
            if isinstance(t, ast.Subscript) and _const_str(t.slice):
                out.add(_const_str(t.slice) or "")
    elif isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name):
        out.add(st.target.id)
    elif isinstance(st, (ast.Return, ast.Expr)) and isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        out.add(fn.name)
    for n in _own_nodes(st):
        if isinstance(n, ast.Dict):
            out |= {s for k in n.keys if (s := _const_str(k))}
        elif isinstance(n, ast.keyword) and n.arg:
            out.add(n.arg)
        elif isinstance(n, ast.Call):
            d = n.func
            if isinstance(d, ast.Name):
                out.add(d.id)
            elif isinstance(d, ast.Attribute):
                out.add(d.attr)
    return out


def analyse(text: str, gated: bool = True) -> list[Hit]:
    """Hits for one Python source; raises SyntaxError / ValueError when it does not parse. `gated`:
    skip the code whose lines name nothing a rule looks for (the same hits, faster; see prefilter.py)."""
    tree = ast.parse(text)
    an = _Analyser(tree, text.split("\n"), aliases=False)
    if gated:
        an.use_gate(prefilter().lines(text, an.find_aliases))
    if an.gate is None:  # no gate: the aliases were not needed to find hot lines
        an.find_aliases()
    return an.run()
