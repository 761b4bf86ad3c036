"""JavaScript and TypeScript analysis on tree-sitter: intra-procedural taint tracking plus structural checks.

The same model as the Python analyser: every function (declarations, arrows, methods, callbacks) is
analysed on its own, its parameters tainted and the enclosing scope visible; request objects, the
page URL, `process.argv` and (for commands, code and SQL) `process.env` are sources; sanitisers and
guards clean values; sinks come from the rule table.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
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
from seawall.detect.code.js_rules import JS_RULES
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

Node = Any  # tree_sitter.Node

RULES = {r.id: r for r in JS_RULES}
_SINKS = index_sinks(JS_RULES)
_ALL = "*"

_SANITISERS: tuple[tuple[str, frozenset[str] | str], ...] = (
    *((n, _ALL) for n in ("Number", "parseInt", "parseFloat", "Boolean", "Math.*", "Number.*", "*.startsWith",
                          "*.endsWith", "*.includes", "*.has", "*.test", "*.indexOf", "*.digest", "*.randomUUID",
                          "*.randomBytes", "*.randomInt", "uuid.*", "isNaN", "Array.isArray", "Date.*", "*.getTime",
                          "*.localeCompare", "bcrypt.*", "argon2.*")),
    *((n, frozenset({XSS, "regex", "sql"})) for n in ("*scape*", "*Escape*")),
    *((n, frozenset({XSS})) for n in ("DOMPurify.sanitize", "*.sanitize", "sanitize*", "*anitizeHtml", "xss",
                                      "he.encode", "*.encode", "*ncodeHTML", "*ncodeHtml", "validator.escape",
                                      "filterXSS")),
    *((n, frozenset({SSRF, XSS, PATH, REDIRECT, "cmd"})) for n in ("encodeURIComponent",)),
    *((n, frozenset({SSRF, XSS})) for n in ("encodeURI", "querystring.stringify", "qs.stringify",
                                            "querystring.escape")),
    *((n, frozenset({PATH})) for n in ("path.basename", "basename", "sanitize-filename", "sanitizeFilename")),
    *((n, frozenset({"cmd"})) for n in ("shell-quote.quote", "shellescape", "shell-escape", "*.quote")),
    *((n, frozenset({"sql"})) for n in ("sqlstring.escape", "*.escapeId", "pg-format", "*.escapeLiteral",
                                        "*.escapeIdentifier")),
)
_RESOLVERS = ("path.resolve", "path.normalize", "path.join", "fs.realpathSync", "*.realpath", "path.posix.resolve",
              "path.posix.join")
_SOURCE_MEMBER = re.compile(r"^(window\.|document\.)?location(\.|$)|^document\.(URL|documentURI|cookie|referrer|"
                            r"baseURI)$|^window\.name$|^process\.argv")
_ENV_MEMBER = re.compile(r"^process\.env\b")
_SOURCE_CALLS = ("prompt", "window.prompt", "*.getItem", "*readline*.question")
_TERMINATOR_CALLS = ("process.exit", "*.sendStatus", "next")
_VALIDATOR_NAME = re.compile(r"(?i)^(is_?safe|is_?valid|valid|allowed|is_?allowed|whitelist|allowlist|isAllowed|"
                             r"isSafe|isValid|validate)")
_FUNCTIONS = {"function_declaration", "generator_function_declaration", "function_expression", "function",
              "arrow_function", "generator_function", "method_definition"}
_WRAPPERS = {"parenthesized_expression", "await_expression", "as_expression", "non_null_expression",
             "satisfies_expression", "type_assertion"}
_STATEMENTS = {"expression_statement", "lexical_declaration", "variable_declaration", "return_statement",
               "if_statement", "throw_statement", "export_statement", "for_statement", "for_in_statement",
               "while_statement", "do_statement", "try_statement", "switch_statement", "function_declaration",
               "class_declaration", "statement_block", "program", "public_field_definition"}
_WEAK_HASHES = {"md5", "sha1", "md4", "ripemd160", "sha-1", "rsa-md5"}
_FAST_HASHES = {"sha256", "sha512", "sha384", "sha224", "sha-256", "sha-512", "sha3-256"}
_PASSWORDISH = re.compile(r"(?i)passw|pwd|pwhash|pw_hash|^pw$")

_local = threading.local()


def _parser(lang: str) -> Any:
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    p = parsers.get(lang)
    if p is None:
        import tree_sitter

        if lang == "js":
            import tree_sitter_javascript as tsj

            language = tree_sitter.Language(tsj.language())
        else:
            import tree_sitter_typescript as tst

            language = tree_sitter.Language(tst.language_tsx() if lang == "tsx" else tst.language_typescript())
        p = parsers[lang] = tree_sitter.Parser(language)
    return p


def _text(n: Node) -> str:
    return n.text.decode("utf-8", "replace") if n is not None else ""


def _glob_any(name: str, globs: tuple[str, ...]) -> bool:
    return any(fnmatchcase(name, g) for g in globs)


def _sanitiser(name: str) -> frozenset[str] | str | None:
    last = name.rsplit(".", 1)[-1]
    out: set[str] = set()
    for glob, fams in _SANITISERS:
        if fnmatchcase(name, glob) or ("." not in glob and "*" in glob and fnmatchcase(last, glob)):
            if fams == _ALL:
                return _ALL
            out |= fams  # type: ignore[arg-type]
    return frozenset(out) if out else None


def _string_value(n: Node | None) -> str | None:
    if n is None:
        return None
    if n.type == "string":
        return "".join(_text(c) for c in n.named_children if c.type in ("string_fragment", "escape_sequence"))
    if n.type == "template_string" and not any(c.type == "template_substitution" for c in n.named_children):
        return "".join(_text(c) for c in n.named_children if c.type in ("string_fragment", "escape_sequence"))
    return None


def _identifiers(n: Node) -> set[str]:
    out: set[str] = set()
    stack = [n]
    while stack:
        x = stack.pop()
        if x.type in ("identifier", "shorthand_property_identifier", "shorthand_property_identifier_pattern"):
            out.add(_text(x))
        elif x.type in _FUNCTIONS:
            continue
        stack.extend(x.named_children)
    return out


def _unwrap(n: Node) -> Node:
    while n is not None and n.type in _WRAPPERS:
        inner = [c for c in n.named_children if c.type != "comment" and not c.type.startswith("type")]
        if not inner:
            break
        n = inner[-1] if n.type == "await_expression" else inner[0]
    return n


def _args(call: Node) -> tuple[list[Node], bool]:
    """Argument nodes and whether the call is a tagged template."""
    a = call.child_by_field_name("arguments")
    if a is None:
        return [], False
    if a.type == "template_string":
        return [], True
    return [c for c in a.named_children if c.type != "comment"], False


def _pairs(obj: Node) -> Iterator[tuple[str, Node]]:
    for c in obj.named_children:
        if c.type == "pair":
            k = c.child_by_field_name("key")
            v = c.child_by_field_name("value")
            key = _string_value(k) if k is not None and k.type == "string" else _text(k)
            yield key or "", v
        elif c.type == "shorthand_property_identifier":
            yield _text(c), c


def _terminates(n: Node | None) -> bool:
    if n is None:
        return False
    if n.type == "statement_block":
        kids = [c for c in n.named_children if c.type != "comment"]
        return bool(kids) and _terminates(kids[-1])
    return n.type in ("throw_statement", "return_statement", "continue_statement", "break_statement")


class _Analyser:
    def __init__(self, root: Node, src: bytes) -> None:
        self.root = root
        self.src = src
        self.aliases: dict[str, str] = {}
        self.hits: dict[tuple[str, int], Hit] = {}
        self.globals: dict[str, Taint] = {}
        self.deps: dict[str, set[str]] = {}
        self._imports(root)

    # -- imports ----------------------------------------------------------------------------------------

    def _imports(self, root: Node) -> None:
        for n in root.named_children:
            if n.type == "import_statement":
                srcn = n.child_by_field_name("source")
                mod = (_string_value(srcn) or "").removeprefix("node:")
                for clause in n.named_children:
                    if clause.type != "import_clause":
                        continue
                    for c in clause.named_children:
                        if c.type == "identifier":
                            self.aliases[_text(c)] = mod
                        elif c.type == "namespace_import":
                            ids = [x for x in c.named_children if x.type == "identifier"]
                            if ids:
                                self.aliases[_text(ids[0])] = mod
                        elif c.type == "named_imports":
                            for spec in c.named_children:
                                if spec.type == "import_specifier":
                                    name = spec.child_by_field_name("name")
                                    alias = spec.child_by_field_name("alias") or name
                                    self.aliases[_text(alias)] = f"{mod}.{_text(name)}"
            elif n.type in ("lexical_declaration", "variable_declaration"):
                for d in n.named_children:
                    if d.type != "variable_declarator":
                        continue
                    val = _unwrap(d.child_by_field_name("value"))
                    req = self._required(val)
                    if req is None:
                        continue
                    mod = req
                    name = d.child_by_field_name("name")
                    if name.type == "identifier":
                        self.aliases[_text(name)] = mod
                    elif name.type == "object_pattern":
                        for c in name.named_children:
                            if c.type == "shorthand_property_identifier_pattern":
                                self.aliases[_text(c)] = f"{mod}.{_text(c)}"
                            elif c.type == "pair_pattern":
                                k, v = c.child_by_field_name("key"), c.child_by_field_name("value")
                                self.aliases[_text(v)] = f"{mod}.{_text(k)}"

    def _required(self, val: Node | None) -> str | None:
        """'mod' for require("mod") / require("mod").x -> 'mod.x'."""
        if val is None:
            return None
        if val.type == "member_expression":
            inner = self._required(val.child_by_field_name("object"))
            return f"{inner}.{_text(val.child_by_field_name('property'))}" if inner else None
        if val.type == "call_expression" and _text(val.child_by_field_name("function")) == "require":
            args, _ = _args(val)
            if args:
                s = _string_value(args[0])
                return s.removeprefix("node:") if s else None
        return None

    # -- names ------------------------------------------------------------------------------------------

    def dotted(self, n: Node | None) -> str:
        parts: list[str] = []
        while n is not None:
            t = n.type
            if t == "member_expression":
                parts.append(_text(n.child_by_field_name("property")))
                n = n.child_by_field_name("object")
            elif t == "subscript_expression":
                idx = _string_value(n.child_by_field_name("index"))
                parts.append(idx if idx is not None else "?")
                n = n.child_by_field_name("object")
            elif t == "call_expression":
                parts.append("()")
                n = n.child_by_field_name("function")
            elif t == "new_expression":
                parts.append("()")
                n = n.child_by_field_name("constructor")
            elif t in _WRAPPERS:
                n = _unwrap(n)
            elif t in ("identifier", "this", "super"):
                name = _text(n)
                parts.append(self.aliases.get(name, name))
                break
            else:
                parts.append("?")
                break
        out = ""
        for p in reversed(parts):
            out = out + p if (p == "()" or not out) else f"{out}.{p}"
        return out

    def report(self, rule: Rule, line: int, confidence: float, detail: str = "", value: str | None = None) -> None:
        key = (rule.id, line)
        if key not in self.hits:
            self.hits[key] = Hit(rule, line, confidence, detail, value)

    # -- taint ------------------------------------------------------------------------------------------

    def taint(self, n: Node | None, env: dict[str, Taint]) -> Taint:
        if n is None:
            return EMPTY
        t = n.type
        if t in ("string", "number", "true", "false", "null", "undefined", "regex", "comment"):
            return EMPTY
        if t == "identifier":
            name = _text(n)
            if name in env:
                return env[name]
            return self.globals.get(name, EMPTY)
        if t in ("shorthand_property_identifier",):
            return env.get(_text(n), self.globals.get(_text(n), EMPTY))
        if t in ("member_expression", "subscript_expression"):
            d = self.dotted(n)
            if _SOURCE_MEMBER.match(d):
                return SOURCE
            if _ENV_MEMBER.match(d):
                return ENVIRON
            if t == "member_expression" and _text(n.child_by_field_name("property")) == "length":
                return EMPTY
            return self.taint(n.child_by_field_name("object"), env)
        if t in ("call_expression", "new_expression"):
            return self.call_taint(n, env)
        if t == "template_string":
            return self.concat(n.named_children, env)
        if t == "binary_expression":
            op = _text(n.child_by_field_name("operator"))
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if op == "+":
                return self.concat(self._flatten_add(n), env)
            if op in ("??", "||", "&&"):
                return self.taint(left, env) | self.taint(right, env)
            return EMPTY
        if t == "ternary_expression":
            cond = n.child_by_field_name("condition")
            good = self.validations(cond, True)
            bad = self.validations(cond, False)
            return self.taint(n.child_by_field_name("consequence"), self.apply(good, env)) | \
                self.taint(n.child_by_field_name("alternative"), self.apply(bad, env))
        if t in _WRAPPERS:
            return self.taint(_unwrap(n), env)
        if t in _FUNCTIONS or t in ("unary_expression", "update_expression", "class", "arrow_function"):
            return EMPTY
        if t == "assignment_expression":
            return self.taint(n.child_by_field_name("right"), env)
        if t == "sequence_expression":
            kids = n.named_children
            return self.taint(kids[-1], env) if kids else EMPTY
        if t == "object":
            out: Taint = EMPTY
            for _k, v in _pairs(n):
                out = out | self.taint(v, env)
            for c in n.named_children:
                if c.type == "spread_element":
                    out = out | self.taint(c, env)
            return out
        out = EMPTY
        for c in n.named_children:
            out = out | self.taint(c, env)
        return out

    def _flatten_add(self, n: Node) -> list[Node]:
        n = _unwrap(n) if n.type == "parenthesized_expression" else n
        if n.type == "binary_expression" and _text(n.child_by_field_name("operator")) == "+":
            return self._flatten_add(n.child_by_field_name("left")) + self._flatten_add(n.child_by_field_name("right"))
        return [n]

    def concat(self, parts: list[Node], env: dict[str, Taint]) -> Taint:
        prefix = ""
        out: Taint = EMPTY
        tainted_yet = False
        for p in parts:
            if p.type == "string_fragment" or p.type == "escape_sequence":
                if not tainted_yet:
                    prefix += _text(p)
                continue
            s = _string_value(p)
            if s is not None:
                if not tainted_yet:
                    prefix += s
                continue
            inner = p.named_children[0] if p.type == "template_substitution" and p.named_children else p
            t = self.taint(inner, env)
            if t and not tainted_yet:
                tainted_yet = True
                if re.match(r"^[a-z][a-z0-9+.-]*://[^/]+/|^/[^/]", prefix, re.I):
                    t = t - {SSRF, REDIRECT}
            out = out | t
        return out - {RESOLVED} if out else out

    def call_taint(self, n: Node, env: dict[str, Taint]) -> Taint:
        fn = n.child_by_field_name("function") if n.type == "call_expression" else n.child_by_field_name("constructor")
        name = self.dotted(fn)
        if _glob_any(name, _SOURCE_CALLS):
            return SOURCE
        args, tagged = _args(n)
        base: Taint = EMPTY
        if tagged:
            a = n.child_by_field_name("arguments")
            base = self.concat(a.named_children, env) if a is not None else EMPTY
        for a in args:
            if a.type not in _FUNCTIONS:
                base = base | self.taint(a, env)
        if fn is not None and fn.type == "member_expression":
            base = base | self.taint(fn.child_by_field_name("object"), env)
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

    # -- validations ------------------------------------------------------------------------------------

    def validations(self, test: Node | None, positive: bool) -> list[tuple[set[str], str]]:
        if test is None:
            return []
        test = _unwrap(test)
        t = test.type
        if t == "unary_expression" and _text(test.child_by_field_name("operator")) == "!":
            return self.validations(test.child_by_field_name("argument"), not positive)
        if t == "binary_expression":
            op = _text(test.child_by_field_name("operator"))
            left, right = test.child_by_field_name("left"), test.child_by_field_name("right")
            if op in ("&&", "||"):
                if (op == "&&") == positive:
                    return self.validations(left, positive) + self.validations(right, positive)
                return []
            if op in ("===", "==", "!==", "!="):
                holds = (op in ("===", "==")) == positive
                lu, ru = _unwrap(left), _unwrap(right)
                if any(x.type == "unary_expression" and _text(x.child_by_field_name("operator")) == "typeof"
                       for x in (lu, ru)):
                    return []
                for a, b in ((lu, ru), (ru, lu)):
                    if a.type == "call_expression" and self.dotted(a.child_by_field_name("function")).endswith(
                            ".indexOf") and _text(b) in ("-1",):
                        # X.indexOf(v) !== -1  → v is in X
                        if not holds:
                            fn = a.child_by_field_name("function")
                            args, _ = _args(a)
                            del fn
                            return [(set().union(*(_identifiers(x) for x in args)), "all")] if args else []
                        return []
                if not holds:
                    return []
                if _string_value(ru) is not None or ru.type in ("number", "true", "false"):
                    return [(_identifiers(lu), "all")]
                if _string_value(lu) is not None or lu.type in ("number", "true", "false"):
                    return [(_identifiers(ru), "all")]
            return []
        if t == "call_expression":
            fn = test.child_by_field_name("function")
            name = self.dotted(fn)
            last = name.rsplit(".", 1)[-1]
            recv = fn.child_by_field_name("object") if fn is not None and fn.type == "member_expression" else None
            args, _ = _args(test)
            if last == "startsWith" and recv is not None and args:
                arg = args[0]
                s = _string_value(arg)
                if s is not None and s.startswith(".."):
                    return [] if positive else [(_identifiers(recv), "path")]
                if not positive:
                    return []
                if s is not None:
                    if s in ("/", "\\"):
                        return [(_identifiers(recv), "redirect")]
                    return [(_identifiers(recv), "path" if s.endswith(("/", "\\")) else "broken")]
                if arg.type == "binary_expression" and _text(arg.child_by_field_name("operator")) == "+":
                    tail = arg.child_by_field_name("right")
                    ts = _string_value(tail)
                    if (ts is not None and ts.endswith(("/", "\\"))) or self.dotted(tail) in ("path.sep",
                                                                                               "path.posix.sep"):
                        return [(_identifiers(recv), "path")]
                if arg.type == "template_string":
                    frags = [c for c in arg.named_children if c.type == "string_fragment"]
                    if frags and _text(frags[-1]).endswith("/") and arg.named_children[-1].type == "string_fragment":
                        return [(_identifiers(recv), "path")]
                return [(_identifiers(recv), "broken")]
            if not positive:
                return []
            if last in ("has", "includes") and recv is not None and args:
                return [(_identifiers(args[0]), "all")]
            if last == "test" and recv is not None and _unwrap(recv).type == "regex" and args:
                return [(_identifiers(args[0]), "all")]
            if last == "match" and recv is not None and args and _unwrap(args[0]).type == "regex":
                return [(_identifiers(recv), "all")]
            if _VALIDATOR_NAME.search(last) and args:
                return [(set().union(*(_identifiers(a) for a in args)), "all")]
        return []

    def closure(self, names: set[str]) -> set[str]:
        return dependency_closure(self.deps, names)

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
                for n in self.closure(names):
                    tt = env.get(n)
                    if tt is None:
                        continue
                    if RESOLVED in tt or PATH not in tt or n not in names:
                        env[n] = tt - {PATH, PREFIX_NOSEP}
                    else:
                        env[n] = tt | {UNRESOLVED_CHECK}
        return env

    # -- statements -------------------------------------------------------------------------------------

    def bind(self, target: Node | None, t: Taint, env: dict[str, Taint], value: Node | None) -> None:
        if target is None:
            return
        if target.type == "identifier":
            name = _text(target)
            env[name] = t
            self.deps[name] = _identifiers(value) if value is not None else set()
        elif target.type in ("object_pattern", "array_pattern"):
            for name in _identifiers(target):
                env[name] = t
                self.deps[name] = _identifiers(value) if value is not None else set()
        elif target.type in ("member_expression", "subscript_expression") and t:
            base = target
            while base.type in ("member_expression", "subscript_expression"):
                base = base.child_by_field_name("object")
            if base.type == "identifier":
                name = _text(base)
                env[name] = env.get(name, EMPTY) | t

    def function(self, fn: Node, outer: dict[str, Taint]) -> None:
        env = dict(outer)
        params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
        if params is not None:
            if params.type == "identifier":
                env[_text(params)] = PARAMETER
            for p in params.named_children if params.type != "identifier" else []:
                typ = p.child_by_field_name("type")
                clean = typ is not None and re.search(r"\b(number|boolean)\b", _text(typ)) is not None
                pat = p.child_by_field_name("pattern") or p
                if pat.type == "assignment_pattern":
                    pat = pat.child_by_field_name("left")
                for name in _identifiers(pat) if pat is not None else set():
                    env[name] = EMPTY if clean else PARAMETER
        body = fn.child_by_field_name("body")
        if body is None:
            return
        if body.type == "statement_block":
            self.block(body.named_children, env)
        else:
            self.exprs(body, env)

    def block(self, stmts: list[Node], env: dict[str, Taint]) -> dict[str, Taint]:
        for st in stmts:
            env = self.stmt(st, env)
        return env

    def stmt(self, st: Node, env: dict[str, Taint]) -> dict[str, Taint]:
        t = st.type
        if t in ("function_declaration", "generator_function_declaration"):
            self.function(st, env)
        elif t in ("class_declaration", "class", "abstract_class_declaration"):
            body = st.child_by_field_name("body")
            for m in body.named_children if body is not None else []:
                if m.type == "method_definition":
                    self.function(m, env)
                else:
                    self.exprs(m, env)
        elif t == "export_statement":
            decl = st.child_by_field_name("declaration")
            if decl is not None:
                env = self.stmt(decl, env)
            else:
                for c in st.named_children:
                    if c.type.endswith("declaration"):
                        env = self.stmt(c, env)
                    elif c.type in _FUNCTIONS:
                        self.function(c, env)
                    else:
                        self.exprs(c, env)
        elif t in ("lexical_declaration", "variable_declaration"):
            for d in st.named_children:
                if d.type == "variable_declarator":
                    val = d.child_by_field_name("value")
                    if val is not None:
                        self.exprs(val, env)
                        self.bind(d.child_by_field_name("name"), self.taint(val, env), env, val)
        elif t == "expression_statement":
            for c in st.named_children:
                self.exprs(c, env)
                self.assignment(c, env)
        elif t == "if_statement":
            cond = st.child_by_field_name("condition")
            self.exprs(cond, env)
            cons = st.child_by_field_name("consequence")
            alt = st.child_by_field_name("alternative")
            good = self.validations(cond, True)
            bad = self.validations(cond, False)
            e1 = self.stmt(cons, self.apply(good, env)) if cons is not None else env
            if alt is not None:
                alt_body = [c for c in alt.named_children if c.type != "comment"]
                e2 = self.block(alt_body, self.apply(bad, env))
            else:
                e2 = self.apply(bad, env)
            if _terminates(cons):
                env = e2
            elif alt is not None and alt.named_children and _terminates(alt.named_children[-1]):
                env = e1
            else:
                env = {k: e1.get(k, EMPTY) | e2.get(k, EMPTY) for k in set(e1) | set(e2)}
        elif t == "statement_block":
            env = self.block(st.named_children, env)
        elif t in ("for_statement", "for_in_statement", "while_statement", "do_statement"):
            if t == "for_in_statement":
                right = st.child_by_field_name("right")
                self.exprs(right, env)
                self.bind(st.child_by_field_name("left"), self.taint(right, env), env, right)
            else:
                for f in ("initializer", "condition", "increment"):
                    c = st.child_by_field_name(f)
                    if c is not None:
                        env = self.stmt(c, env) if c.type in _STATEMENTS else env
                        if c.type not in _STATEMENTS:
                            self.exprs(c, env)
            body = st.child_by_field_name("body")
            if body is not None:
                env = self.stmt(body, env)
        elif t == "try_statement":
            for f in ("body", "handler", "finalizer"):
                c = st.child_by_field_name(f)
                if c is None:
                    continue
                b = c.child_by_field_name("body") if c.type in ("catch_clause", "finally_clause") else c
                if b is not None:
                    env = self.stmt(b, env)
        elif t == "switch_statement":
            self.exprs(st.child_by_field_name("value"), env)
            body = st.child_by_field_name("body")
            for case in body.named_children if body is not None else []:
                env = self.block([c for c in case.named_children if c.type.endswith("statement")
                                  or c.type.endswith("declaration")], env)
        elif t in ("labeled_statement",):
            b = st.child_by_field_name("body")
            if b is not None:
                env = self.stmt(b, env)
        else:
            for c in st.named_children:
                self.exprs(c, env)
        return env

    def assignment(self, n: Node, env: dict[str, Taint]) -> None:
        n = _unwrap(n)
        if n.type not in ("assignment_expression", "augmented_assignment_expression"):
            if n.type == "sequence_expression":
                for c in n.named_children:
                    self.assignment(c, env)
            return
        left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
        if right is not None and _unwrap(right).type in ("assignment_expression",):
            self.assignment(right, env)
        tr = self.taint(right, env)
        if n.type == "augmented_assignment_expression" and left is not None and left.type == "identifier":
            tr = tr | env.get(_text(left), EMPTY)
        if left is not None and left.type in ("member_expression", "subscript_expression", "identifier"):
            name = self.dotted(left)
            last = name.rsplit(".", 1)[-1]
            for cs in _SINKS.get(("assign", last), []):
                if cs.sink.matches(name) and cs.rule.family in tr:
                    self.report(cs.rule, n.start_point[0] + 1, confidence_of(tr))
        self.bind(left, tr, env, right)

    def exprs(self, node: Node | None, env: dict[str, Taint]) -> None:
        if node is None:
            return
        stack = [node]
        while stack:
            n = stack.pop()
            t = n.type
            if t in _FUNCTIONS:
                self.function(n, env)
                continue
            if t in ("call_expression", "new_expression"):
                self.check_call(n, env)
            elif t == "pair":
                k = n.child_by_field_name("key")
                if k is not None and _text(k).strip("'\"") == "__html":
                    tv = self.taint(n.child_by_field_name("value"), env)
                    if XSS in tv:
                        self.report(RULES["js-xss"], n.start_point[0] + 1, confidence_of(tv),
                                    "dangerouslySetInnerHTML with unsanitised input")
            elif t in ("assignment_expression", "augmented_assignment_expression") and n is not node:
                self.assignment(n, env)
            stack.extend(n.named_children)

    def _option(self, call: Node, args: list[Node], name: str | None, pos: int | None) -> str | None:
        if name is not None:
            for a in args:
                a = _unwrap(a)
                if a.type == "object":
                    for k, v in _pairs(a):
                        if k == name:
                            return _text(v)
        if pos is not None and pos < len(args):
            return _text(args[pos])
        return None

    def check_call(self, call: Node, env: dict[str, Taint]) -> None:
        fn = call.child_by_field_name("function") if call.type == "call_expression" \
            else call.child_by_field_name("constructor")
        name = self.dotted(fn)
        last = name.rsplit(".", 1)[-1]
        args, tagged = _args(call)
        if tagged:
            return  # tagged templates (sql`...`, prisma.$queryRaw`...`) pass values as parameters
        cands: list[CompiledSink] = _SINKS.get(("call", last), []) + _SINKS.get(("call", "*"), [])
        for cs in cands:
            if not cs.sink.matches(name):
                continue
            if not all(c.holds(self._option(call, args, c.name, c.pos)) for c in cs.when):
                continue
            if any(c.holds(self._option(call, args, c.name, c.pos)) for c in cs.unless):
                continue
            line = call.start_point[0] + 1
            if not cs.sink.tainted:
                self.report(cs.rule, line, 0.85)
                continue
            tt: Taint = EMPTY
            for i in cs.sink.args:
                if i == -1:
                    if fn is not None and fn.type == "member_expression":
                        tt = tt | self.taint(fn.child_by_field_name("object"), env)
                elif i < len(args) and args[i].type not in _FUNCTIONS:
                    tt = tt | self.taint(args[i], env)
            fam = cs.rule.family
            if fam is None or fam not in tt:
                continue
            detail = ""
            if fam == PATH and PREFIX_NOSEP in tt:
                detail = ("the prefix check startsWith(ROOT) has no trailing separator, so a sibling such as "
                          "ROOT + '-evil/...' passes it; compare against ROOT + path.sep")
            elif fam == PATH and UNRESOLVED_CHECK in tt:
                detail = "the containment check runs on a path that was not resolved first (path.resolve)"
            self.report(cs.rule, line, confidence_of(tt), detail)

    # -- whole program ----------------------------------------------------------------------------------

    def run(self) -> list[Hit]:
        genv: dict[str, Taint] = {}
        for st in self.root.named_children:
            if st.type in ("lexical_declaration", "variable_declaration"):
                for d in st.named_children:
                    if d.type == "variable_declarator":
                        val = d.child_by_field_name("value")
                        if val is not None:
                            self.bind(d.child_by_field_name("name"), self.taint(val, genv), genv, val)
        self.globals = genv
        self.deps = {}
        self.block(self.root.named_children, {})
        self.structural()
        return sorted(self.hits.values(), key=lambda h: (h.line, h.rule.id))

    # -- structural checks ------------------------------------------------------------------------------

    def structural(self) -> None:
        src_lower = self.src.decode("utf-8", "replace").lower()
        stack = [(self.root, None)]
        while stack:
            n, fn = stack.pop()
            t = n.type
            line = n.start_point[0] + 1
            if t in _FUNCTIONS:
                fn = n
            if t == "regex":
                pat = n.child_by_field_name("pattern")
                if pat is not None and nested_quantifier(_text(pat), js=True):
                    self.report(RULES["js-redos"], line, 0.85)
            elif t in ("call_expression", "new_expression"):
                self._call_checks(n, fn, line, src_lower)
            elif t == "pair":
                self._pair_checks(n, line)
            elif t == "variable_declarator":
                name, val = n.child_by_field_name("name"), n.child_by_field_name("value")
                s = _string_value(val)
                if name is not None and name.type == "identifier" and s is not None and secret_name(_text(name)) \
                        and secret_value(s):
                    self.report(RULES["js-hardcoded-credentials"], line, 0.8, value=s)
            elif t == "assignment_expression":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                lname = self.dotted(left)
                env_off = lname.endswith("NODE_TLS_REJECT_UNAUTHORIZED") and _text(right).strip("'\"`") == "0"
                if env_off or (lname.endswith("rejectUnauthorized") and _text(right) == "false"):
                    self.report(RULES["js-tls-verify-disabled"], line, 0.9)
                s = _string_value(right)
                if s is not None and left is not None and left.type == "member_expression" \
                        and secret_name(_text(left.child_by_field_name("property"))) and secret_value(s):
                    self.report(RULES["js-hardcoded-credentials"], line, 0.75, value=s)
            elif t == "string":
                s = _string_value(n)
                if s and "://" in s and url_with_password(s):
                    self.report(RULES["js-hardcoded-credentials"], line, 0.8, value=s)
            for c in n.named_children:
                stack.append((c, fn))

    def _context(self, n: Node, fn: Node | None) -> set[str]:
        """Names around a call: the declared variable, the assigned property, object keys, function name."""
        out: set[str] = set()
        cur = n
        while cur is not None and cur.type not in _STATEMENTS and cur.type not in _FUNCTIONS:
            if cur.type == "variable_declarator":
                out |= _identifiers(cur.child_by_field_name("name"))
            elif cur.type == "pair":
                out.add(_text(cur.child_by_field_name("key")).strip("'\""))
            elif cur.type == "assignment_expression":
                left = cur.child_by_field_name("left")
                prop = left.child_by_field_name("property") if left.type == "member_expression" else left
                out.add(_text(prop))
            cur = cur.parent
        if cur is not None and cur.type == "return_statement" and fn is not None:
            nm = fn.child_by_field_name("name")
            if nm is not None:
                out.add(_text(nm))
            elif fn.parent is not None and fn.parent.type == "variable_declarator":
                out |= _identifiers(fn.parent.child_by_field_name("name"))
        return out

    def _call_checks(self, n: Node, fn: Node | None, line: int, src_lower: str) -> None:
        f = n.child_by_field_name("function") if n.type == "call_expression" else n.child_by_field_name("constructor")
        name = self.dotted(f)
        last = name.rsplit(".", 1)[-1]
        args, _ = _args(n)
        if last == "RegExp" and args:
            s = _string_value(args[0])
            if s is not None and nested_quantifier(s, js=True):
                self.report(RULES["js-redos"], line, 0.85)
        elif last in ("createHash",) and args:
            algo = (_string_value(args[0]) or "").lower()
            ctx = self._context(n, fn)
            pw = any(_PASSWORDISH.search(c) for c in ctx)
            if algo in _WEAK_HASHES:
                if pw or not any(NONSECURITY_HASH_NAME.search(c) for c in ctx):
                    self.report(RULES["js-weak-hash"], line, 0.85 if pw else 0.6, "used for a password" if pw else "")
            elif algo in _FAST_HASHES and pw:
                self.report(RULES["js-weak-hash"], line, 0.7, "a fast unsalted hash is not a password hash (CWE-916)")
        elif last in ("createCipheriv", "createDecipheriv", "createCipher", "createDecipher") and args:
            algo = (_string_value(args[0]) or "").lower()
            if last in ("createCipher", "createDecipher") or "ecb" in algo or algo.startswith(
                    ("des", "rc4", "rc2", "bf", "blowfish", "cast")):
                self.report(RULES["js-weak-cipher"], line, 0.85)
        elif name == "Math.random":
            if any(SENSITIVE_NAME.search(c) for c in self._context(n, fn)):
                self.report(RULES["js-insecure-random"], line, 0.85)
        elif last in ("decode", "decodeJwt") and (name.startswith(("jsonwebtoken", "jose", "jwt-decode"))
                                                  or name in ("jwt.decode", "jwt_decode", "jwtDecode")):
            body = _text(fn) if fn is not None else self.src.decode("utf-8", "replace")
            if not re.search(r"\b(verify|jwtVerify)\s*\(", body):
                self.report(RULES["js-jwt-verification-disabled"], line, 0.8)
        elif last == "verify" and (name.startswith("jsonwebtoken") or name == "jwt.verify"):
            opts = self._option(n, args, "algorithms", None)
            if opts and re.search(r"(?i)['\"]none['\"]", opts):
                self.report(RULES["js-jwt-verification-disabled"], line, 0.9)
            if self._option(n, args, "ignoreSignature", None) == "true":
                self.report(RULES["js-jwt-verification-disabled"], line, 0.9)
        elif name in ("cors", "@fastify/cors", "fastify-cors") or name.endswith(".enableCors"):
            creds = self._option(n, args, "credentials", None)
            origin = self._option(n, args, "origin", None)
            if creds == "true" and (origin is None or origin.strip("'\"`") in ("*", "true") or origin == "true"
                                    or re.search(r"(cb|callback)\s*\(\s*null\s*,\s*true\s*\)", origin or "")):
                self.report(RULES["js-cors-credentials-wildcard"], line, 0.85)
        elif name in ("lusca", "lusca.csrf") or name.endswith("csurf"):
            if self._option(n, args, "csrf", None) == "false":
                self.report(RULES["js-csrf-disabled"], line, 0.85)
        elif last in ("setHeader", "header", "set", "append") and len(args) >= 2:
            key = (_string_value(args[0]) or "").lower()
            if key == "access-control-allow-origin" and "access-control-allow-credentials" in src_lower:
                v = _text(args[1])
                if _string_value(args[1]) == "*" or "origin" in v.lower():
                    self.report(RULES["js-cors-credentials-wildcard"], line, 0.8)

    def _pair_checks(self, n: Node, line: int) -> None:
        k = n.child_by_field_name("key")
        v = n.child_by_field_name("value")
        key = _string_value(k) if k is not None and k.type == "string" else _text(k)
        vt = _text(v)
        if key in ("rejectUnauthorized", "strictSSL", "verifySSL") and vt == "false":
            self.report(RULES["js-tls-verify-disabled"], line, 0.9)
        elif (key == "checkServerIdentity" and v is not None and v.type in _FUNCTIONS and "undefined" in vt) \
                or (key == "checkServerIdentity" and re.fullmatch(r"\(\)\s*=>\s*(undefined|null|\{\s*\})", vt)):
            self.report(RULES["js-tls-verify-disabled"], line, 0.85)
        elif key == "insecure" and vt == "true" and "tls" in (_text(n.parent) or "").lower():
            self.report(RULES["js-tls-verify-disabled"], line, 0.6)
        s = _string_value(v)
        if s is not None and key and secret_name(key) and secret_value(s):
            self.report(RULES["js-hardcoded-credentials"], line, 0.8, value=s)


def analyse(text: str, lang: str = "js") -> list[Hit]:
    """Hits for one JavaScript/TypeScript source; raises CodeSyntaxError when tree-sitter finds errors."""
    from seawall.detect.code.engine import CodeSyntaxError

    src = text.encode("utf-8", "surrogatepass")
    tree = _parser(lang).parse(src)
    root = tree.root_node
    if root.has_error:
        line = _first_error(root)
        if lang == "ts" and line is not None:  # TypeScript files with JSX in them
            alt = _parser("tsx").parse(src).root_node
            if not alt.has_error:
                root = alt
        if lang == "js" and line is not None:
            alt = _parser("tsx").parse(src).root_node  # Flow/TS syntax in a .js file
            if not alt.has_error:
                root = alt
        if root.has_error:
            raise CodeSyntaxError("JavaScript/TypeScript syntax error", line)
    return _Analyser(root, src).run()


def _first_error(root: Node) -> int | None:
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return int(n.start_point[0]) + 1
        stack.extend(reversed(n.children))
    return None
