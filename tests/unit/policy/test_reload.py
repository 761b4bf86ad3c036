"""Atomic reload: a bad new file is refused and the running policy keeps working."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from seawall.policy.decide import Context, decide
from seawall.policy.load import PolicyError
from seawall.policy.reload import PolicyHolder


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def test_reload(tmp_path: Path) -> None:
    f = tmp_path / "seawall.yaml"
    _write(f, "tools: {deny: [WebFetch]}\n", 0)
    holder = PolicyHolder(f)
    assert decide(holder.active.engine, Context(tool="WebFetch")).blocked

    _write(f, "tools: {deny: [WebFetch, Bash]\n", 1)  # broken YAML
    err = holder.reload_if_changed()
    assert isinstance(err, PolicyError)
    assert decide(holder.active.engine, Context(tool="WebFetch")).blocked  # the old policy still applies
    assert not decide(holder.active.engine, Context(tool="Bash")).blocked

    _write(f, "tools: {deny: [Bash]}\n", 2)
    assert holder.reload_if_changed() is None
    assert decide(holder.active.engine, Context(tool="Bash")).blocked
    assert not decide(holder.active.engine, Context(tool="WebFetch")).blocked
    assert holder.reload_if_changed() is None  # unchanged: nothing to do


def test_bad_policy_at_start(tmp_path: Path) -> None:
    f = tmp_path / "seawall.yaml"
    f.write_text("nope: 1\n")
    with pytest.raises(PolicyError):
        PolicyHolder(f)


def test_readers_never_see_a_partial_policy(tmp_path: Path) -> None:
    f = tmp_path / "seawall.yaml"
    good = ["tools: {deny: [A]}\n", "tools: {deny: [A, B]}\n"]
    f.write_text(good[0])
    holder = PolicyHolder(f)
    stop = threading.Event()
    seen: list[bool] = []

    def reader() -> None:
        while not stop.is_set():
            seen.append(decide(holder.active.engine, Context(tool="A")).blocked)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(30):
        f.write_text(good[i % 2] if i % 3 else "tools: [broken\n")
        holder.reload()
    stop.set()
    for t in threads:
        t.join()
    assert seen and all(seen)
