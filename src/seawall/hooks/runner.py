"""`seawall hook CLIENT EVENT [--config F]`: read the event, decide, answer, audit.

Never a traceback: bad input, an unusable policy or an internal error are answered per the
policy's `on_error` (an unusable policy fails closed: seawall cannot tell what it would allow).
The order of imports matters for start-up time: the policy comes from the JSON cache first, then
(in a hook process) the schema stand-in is installed, and only then the decision code is imported.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import IO, TYPE_CHECKING, Any, NoReturn

from seawall.hooks import lite

if TYPE_CHECKING:
    from seawall.hooks.core import Verdict
    from seawall.hooks.engine import HookEngine
    from seawall.hooks.lite import LazyEngine

CLIENTS = ("claude-code", "cursor")
MAX_INPUT = 64 * 1024 * 1024
# set by run_fast(): audit rows are written after the answer, by a detached child process
BACKGROUND_AUDIT = False
USAGE = "usage: seawall hook claude-code|cursor EVENT [--config FILE]  (the event JSON on stdin)"


class Outcome:
    __slots__ = ("audit", "exit_code", "output", "tool", "verdict")

    def __init__(self, verdict: Verdict, output: dict[str, Any] | None, tool: str | None = None,
                 audit: bool = True, exit_code: int = 0) -> None:
        self.verdict = verdict
        self.output = output
        self.tool = tool
        self.audit = audit
        self.exit_code = exit_code


class Situation:
    __slots__ = ("fail_closed", "lazy", "policy_source", "project_dir")

    def __init__(self, lazy: LazyEngine, project_dir: str, policy_source: str, fail_closed: bool) -> None:
        self.lazy = lazy  # the policy; its Engine is built when a check needs it
        self.project_dir = project_dir
        self.policy_source = policy_source
        self.fail_closed = fail_closed

    @property
    def engine(self) -> HookEngine:
        return self.lazy.get()

    @property
    def policy(self) -> Any:
        return self.lazy.policy

    def summary(self) -> str:
        pol = self.policy
        cls = pol.classification
        tiers = {str(getattr(k, "value", k)): v for k, v in cls.tiers.items()}
        actions = {str(getattr(k, "value", k)): str(getattr(v, "value", v)) for k, v in cls.actions.items()}
        parts = []
        for tier, verb in (("restricted", "block"), ("confidential", "route_local")):
            globs = tiers.get(tier) or []
            act = actions.get(tier, verb)
            if globs and act in ("block", "route_local"):
                shown = ", ".join(globs[:4]) + (f" … ({len(globs)} patterns)" if len(globs) > 4 else "")
                what = "are blocked" if act == "block" else "need the user's approval"
                parts.append(f"{tier} files ({shown}) {what}")
        if pol.tools.bash.deny:
            parts.append(f"{len(pol.tools.bash.deny)} shell command patterns are denied")
        if pol.tools.deny:
            parts.append("tools denied: " + ", ".join(pol.tools.deny[:6]))
        wr = str(getattr(pol.tools.writes.outside_project, "value", pol.tools.writes.outside_project))
        if wr == "block":
            parts.append("writes outside the project are blocked")
        if str(getattr(pol.redaction.secrets, "value", pol.redaction.secrets)) in ("redact", "block"):
            parts.append("prompts holding secrets are stopped (refer to secrets by environment variable name)")
        src = "embedded defaults" if self.policy_source.startswith("<") else os.path.basename(self.policy_source)
        return (f"seawall policy active ({src}): " + "; ".join(parts) + ". A blocked call returns the rule and how "
                "to proceed; do not try to work around it.")


def _client(name: str) -> Any:
    if name == "claude-code":
        from seawall.hooks import claude

        return claude
    from seawall.hooks import cursor

    return cursor


def _parse_args(argv: list[str]) -> tuple[str, str, str | None] | None:
    args = list(argv)
    config = None
    for flag in ("--config", "-c"):
        while flag in args:
            i = args.index(flag)
            if i + 1 >= len(args):
                return None
            config = args[i + 1]
            del args[i:i + 2]
    for a in list(args):
        if a.startswith("--config="):
            config = a.split("=", 1)[1]
            args.remove(a)
    if len(args) != 2 or args[0] not in CLIENTS:
        return None
    return args[0], args[1], config


def main(argv: list[str], stdin: IO[bytes] | None = None, stdout: IO[str] | None = None,
         stderr: IO[str] | None = None, environ: dict[str, str] | None = None, shim: bool = False) -> int:
    t0 = time.perf_counter()
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    env = dict(os.environ) if environ is None else environ
    parsed = _parse_args(argv)
    if parsed is None or argv[:1] in (["-h"], ["--help"]):
        stderr.write(USAGE + "\n")
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    client_name, event_name, config = parsed
    if not shim:
        import seawall.policy.schema  # noqa: F401  (the real models; never the stand-in in this process)

    # the event
    event: dict[str, Any] | None = None
    bad_input: str | None = None
    try:
        raw = stdin.read(MAX_INPUT + 1)
        if len(raw) > MAX_INPUT:
            bad_input = "the hook input is larger than 64 MiB"
        else:
            value = json.loads(raw.decode("utf-8"))
            if isinstance(value, dict):
                event = value
            else:
                bad_input = "the hook input is not a JSON object"
    except (ValueError, UnicodeDecodeError):
        bad_input = "the hook input is not valid JSON"
    except OSError as exc:
        bad_input = f"the hook input could not be read ({type(exc).__name__})"

    project_dir = _project_dir(client_name, event or {}, env) or os.getcwd()

    # the policy
    from seawall.hooks import policycache

    try:
        hp = policycache.load_for_hook(config, project_dir, use_cache=env.get("SEAWALL_HOOK_CACHE", "1") != "0")
    except policycache.HookPolicyError as exc:
        msg = f"seawall could not load its policy, so it fails closed: {exc}"
        _answer(stdout, _failure(client_name, event_name, msg, True))
        _audit(client_name, event_name, event, None, {"kind": "spool"}, t0, env, error_code="policy_error")
        stderr.write(msg + "\n")
        return 0
    if shim:
        lite.install_schema_shim()

    from seawall.hooks.core import Verdict

    fail_closed = hp.policy.on_error == "block"
    if event is None:
        msg = (f"seawall could not check this {event_name}: {bad_input}. "
               + ("The policy fails closed (on_error: block)." if fail_closed else "Allowed (on_error: allow)."))
        _answer(stdout, _failure(client_name, event_name, msg, fail_closed))
        _audit(client_name, event_name, None, Verdict("block" if fail_closed else "log",
                                                      "deny" if fail_closed else None),
               hp.store, t0, env, error_code="bad_input")
        stderr.write(msg + "\n")
        return 0
    client = _client(client_name)
    try:
        situation = Situation(lite.LazyEngine(hp.policy, project_dir), project_dir, hp.source, fail_closed)
        outcome = client.handle(event_name, event, situation)
    except Exception as exc:  # never a traceback; the policy decides
        msg = (f"seawall could not check this {event_name} (internal error: {type(exc).__name__}). "
               + ("The policy fails closed (on_error: block)." if fail_closed else "Allowed (on_error: allow)."))
        _answer(stdout, _failure(client_name, event_name, msg, fail_closed))
        _audit(client_name, event_name, event, Verdict("block" if fail_closed else "log",
                                                       "deny" if fail_closed else None),
               hp.store, t0, env, error_code="internal")
        stderr.write(msg + "\n")
        return 0
    _answer(stdout, outcome.output)
    if outcome.audit:
        _audit(client_name, event_name, event, outcome.verdict, hp.store, t0, env, tool=outcome.tool)
    return outcome.exit_code


def _project_dir(client_name: str, event: dict[str, Any], env: dict[str, str]) -> str | None:
    if client_name == "claude-code":
        d = env.get("CLAUDE_PROJECT_DIR") or event.get("cwd")
    else:
        roots = event.get("workspace_roots")
        d = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else event.get("cwd")
    return os.path.normpath(d) if isinstance(d, str) and d.startswith("/") else None


def _failure(client_name: str, event_name: str, message: str, fail_closed: bool) -> dict[str, Any] | None:
    return _client(client_name).failure_output(event_name, message, fail_closed)


def _answer(stdout: IO[str], output: dict[str, Any] | None) -> None:
    if output is not None:
        stdout.write(json.dumps(output, ensure_ascii=False) + "\n")
        stdout.flush()


def _audit(client_name: str, event_name: str, event: dict[str, Any] | None, verdict: Verdict | None,
           store: dict[str, str], t0: float, env: dict[str, str], tool: str | None = None,
           error_code: str | None = None) -> None:
    """Metadata only: ids, tool name, paths, tiers, rule ids, decision. Never raises.

    With BACKGROUND_AUDIT (the console-script fast path) the row is written (or sent to the gateway)
    by a forked child that has let go of stdin/stdout/stderr, so the assistant gets its answer
    without waiting for the store or the network."""
    duration_ms = round((time.perf_counter() - t0) * 1000, 3)
    if BACKGROUND_AUDIT and hasattr(os, "fork"):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            if os.fork() != 0:
                return
        except OSError:
            pass
        else:  # the child: detach from the assistant's pipes, write, exit
            try:
                os.setsid()
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                _write_audit(client_name, event_name, event, verdict, store, duration_ms, tool, error_code, env)
            finally:
                os._exit(0)
    _write_audit(client_name, event_name, event, verdict, store, duration_ms, tool, error_code, env)


def _write_audit(client_name: str, event_name: str, event: dict[str, Any] | None, verdict: Verdict | None,
                 store: dict[str, str], duration_ms: float, tool: str | None, error_code: str | None,
                 env: dict[str, str] | None = None) -> None:
    try:
        import getpass

        from seawall.audit.events import AuditEvent
        from seawall.hooks import audit

        ev = event or {}
        client = _client(client_name)
        action = verdict.action if verdict is not None else "block"
        denied = verdict.permission == "deny" if verdict is not None else True
        calls = [{"name": tool, "paths": list(verdict.paths) if verdict is not None else []}] if tool else []
        try:
            user = getpass.getuser()[:64]
        except Exception:
            user = None
        row = AuditEvent(
            request_id=client.request_id(ev) or "-", route=f"hook:{event_name}"[:64],
            status=403 if denied else 200, duration_ms=duration_ms,
            decision=action, session_id=client.session_id(ev), user=user, provider=client_name,
            tool_calls=calls, tiers=list(verdict.tiers) if verdict is not None else [],
            rule_ids=list(verdict.rule_ids) if verdict is not None else [],
            error_code=error_code or (verdict.error_code if verdict is not None else None))
        audit.write(row, store, env)
    except Exception:
        pass


def run_fast(argv: list[str]) -> NoReturn:
    """`seawall hook ...` from the console script (argv after `hook`): no typer, the schema stand-in,
    and an exit without interpreter teardown (the answer is already flushed)."""
    from seawall.hooks import audit

    global BACKGROUND_AUDIT
    audit.KEEP_OPEN = True
    BACKGROUND_AUDIT = os.environ.get("SEAWALL_HOOK_AUDIT_SYNC", "") not in ("1", "true", "yes")
    try:
        code = main(argv, shim=True)
    except BaseException:  # main() answers every failure itself; this is the last resort, never a traceback
        sys.stderr.write("seawall: hook failed unexpectedly\n")
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)
