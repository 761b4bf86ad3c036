"""Read seawall.yaml: YAML with line numbers (ruamel), ${ENV} interpolation, pydantic validation,
and every problem reported with file:line:column, the key path, and a "did you mean"."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from seawall.policy.schema import Policy

DEFAULT_NAME = "seawall.yaml"
MAX_BYTES = 1024 * 1024
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int  # 1-based; 0 when the place is unknown
    column: int
    key: str  # dotted key path, e.g. classification.tiers.restricted[2]
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.key + ': ' if self.key else ''}{self.message}"


class PolicyError(Exception):
    """The policy file cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Loaded:
    policy: Policy
    source: str  # file path, or "<embedded defaults>"
    root: Path  # project root that relative paths are classified against
    warnings: list[Problem] = field(default_factory=list)


def starter_text() -> str:
    """The commented starter policy (`seawall init`); also the embedded defaults."""
    return resources.files("seawall.policy").joinpath("starter.yaml").read_text("utf-8")


def find_policy_file(explicit: str | Path | None = None) -> Path | None:
    """--config, else $SEAWALL_CONFIG, else ./seawall.yaml when it exists, else None (embedded defaults)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SEAWALL_CONFIG")
    if env:
        return Path(env)
    local = Path.cwd() / DEFAULT_NAME
    return local if local.is_file() else None


def load(path: str | Path | None = None, *, environ: dict[str, str] | None = None,
         allow_missing_env: bool = False, scan_secrets: bool = True) -> Loaded:
    """Load and validate a policy file, or the embedded defaults when `path` is None."""
    if path is None:
        return load_text(starter_text(), "<embedded defaults>", Path.cwd(), environ=environ,
                         allow_missing_env=allow_missing_env, scan_secrets=scan_secrets)
    p = Path(path)
    name = str(p)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise PolicyError([Problem(name, 0, 0, "", f"file is larger than {MAX_BYTES} bytes")])
        data = p.read_bytes()
    except FileNotFoundError:
        raise PolicyError([Problem(name, 0, 0, "", "no such file")]) from None
    except IsADirectoryError:
        raise PolicyError([Problem(name, 0, 0, "", "is a directory, not a policy file")]) from None
    except OSError as exc:
        raise PolicyError([Problem(name, 0, 0, "", f"cannot read: {exc.strerror or exc}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError([Problem(name, 0, 0, "", f"not UTF-8 text (byte {exc.start})")]) from None
    return load_text(text, name, p.resolve().parent, environ=environ, allow_missing_env=allow_missing_env,
                     scan_secrets=scan_secrets)


def load_text(text: str, name: str, base: Path, *, environ: dict[str, str] | None = None,
              allow_missing_env: bool = False, scan_secrets: bool = True) -> Loaded:
    """`scan_secrets=False` skips the literal-credential warning scan (hooks do not show warnings)."""
    if "\x00" in text:
        raise PolicyError([Problem(name, 0, 0, "", "binary content, not a YAML policy file")])
    yaml = YAML(typ="rt", pure=True)
    try:
        doc = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
        raise PolicyError([Problem(name, line, col, "", f"YAML syntax: {msg}")]) from None
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. bad tags)
        raise PolicyError([Problem(name, 0, 0, "", f"YAML syntax: {type(exc).__name__}")]) from None
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise PolicyError([Problem(name, 1, 1, "", "the policy must be a mapping (version:, classification:, ...)")])
    env = os.environ if environ is None else environ
    problems: list[Problem] = []
    warnings: list[Problem] = []
    plain = _interpolate(doc, (), env, name, doc, problems if not allow_missing_env else warnings)
    try:
        policy = Policy.model_validate(plain)
    except ValidationError as exc:
        problems.extend(_problems(exc, doc, name))
        policy = None
    if problems or policy is None:
        problems.sort(key=lambda p: (p.line, p.column))
        raise PolicyError(problems)
    root = Path(os.path.expanduser(policy.project_root)) if policy.project_root else base
    if not root.is_absolute():
        root = base / root
    if scan_secrets:
        warnings.extend(_literal_secrets(text, name))
    return Loaded(policy=policy, source=name, root=Path(os.path.normpath(root)), warnings=warnings)


# --- ${ENV} ------------------------------------------------------------------------------------

def _interpolate(node: Any, path: tuple[Any, ...], env: Any, name: str, doc: CommentedMap,
                 problems: list[Problem]) -> Any:
    if isinstance(node, dict):
        return {k: _interpolate(v, (*path, k), env, name, doc, problems) for k, v in node.items()}
    if isinstance(node, list):
        return [_interpolate(v, (*path, i), env, name, doc, problems) for i, v in enumerate(node)]
    if isinstance(node, str) and "${" in node:
        def sub(m: re.Match[str]) -> str:
            value = env.get(m.group(1))
            if value is not None:
                return str(value)
            if m.group(2) is not None:
                return m.group(2)
            line, col = _position(doc, path)
            problems.append(Problem(name, line, col, _dotted(path),
                                    f"environment variable {m.group(1)} is not set (use ${{{m.group(1)}:-default}} "
                                    "for a default)"))
            return ""
        return _ENV.sub(sub, node)
    return node


# --- validation errors -> problems ----------------------------------------------------------------

def _problems(exc: ValidationError, doc: CommentedMap, name: str) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            key = loc[-1]
            known = _fields_at(Policy, loc[:-1])
            hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            msg = f"unknown key {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
            if known and not hint:
                msg += f" (expected one of: {', '.join(known)})"
        elif kind in ("enum", "literal_error"):
            msg = err["msg"].replace("Input should be", "expected")
            got = _value_at(doc, loc)
            if isinstance(got, str) and len(got) <= 40:
                options = re.findall(r"'([^']+)'", err["msg"])
                hint = difflib.get_close_matches(got, options, n=1, cutoff=0.6)
                if hint:  # the value is repeated only when it is a near miss of an option, never a stray secret
                    msg += f"; got {got!r} (did you mean {hint[0]!r}?)"
        elif kind == "missing":
            msg = "required key is missing"
        else:
            msg = err["msg"].removeprefix("Value error, ").replace("Input should be", "expected")
        line, col = _position(doc, loc)
        out.append(Problem(name, line, col, _dotted(loc), msg))
    return out


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at `loc` (for "did you mean")."""
    tp: Any = model
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            f = tp.model_fields.get(str(part))
            if f is None:
                return []
            tp = f.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    """Optional[X] / Annotated[X, ...] -> X."""
    for _ in range(4):
        args = [a for a in get_args(tp) if a is not type(None)]
        origin = get_origin(tp)
        if origin is not None and origin not in (dict, list) and args:
            tp = args[0]
        else:
            break
    return tp


def _value_at(doc: Any, loc: tuple[Any, ...]) -> Any:
    node = doc
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _position(doc: Any, loc: tuple[Any, ...]) -> tuple[int, int]:
    """1-based line and column of the deepest part of `loc` present in the YAML document."""
    node, best = doc, (0, 0)
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line, col = node.lc.key(part)
            best = (line + 1, col + 1)
            node = node[part]
        elif isinstance(node, CommentedMap) and isinstance(part, str):
            # pydantic names enum keys by value; YAML may hold them as-is
            match = next((k for k in node if str(k) == part), None)
            if match is None:
                break
            line, col = node.lc.key(match)
            best = (line + 1, col + 1)
            node = node[match]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, col = node.lc.item(part)
            best = (line + 1, col + 1)
            node = node[part]
        else:
            break
    if best == (0, 0) and isinstance(doc, CommentedMap) and doc.lc.line is not None:
        best = (doc.lc.line + 1, doc.lc.col + 1)
    return best


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _literal_secrets(text: str, name: str) -> list[Problem]:
    """Credentials written into the policy itself: warn, and say how to move them out."""
    from seawall.detect.registry import get

    out = []
    lines = text.splitlines()
    for f in get("secrets").scan(text):
        if "seawall:allow" in lines[f.line - 1]:
            continue
        out.append(Problem(name, f.line, 0, "", f"a {f.kind} is written in the policy file; "
                                                 "reference it as ${ENV_VAR} instead"))
    return out
