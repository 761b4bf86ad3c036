"""The Python prefilter (prefilter.py): skipping code whose lines name nothing a rule looks for must
never change what the analysis reports."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.detect.code import python
from seawall.detect.code.common import SECRET_NAME
from seawall.detect.code.prefilter import SECRET_FRAGMENTS, Gate, alias_relevant, glob_parts, hot
from seawall.detect.code.python_rules import PY_RULES

CORPUS = Path("/work/shared/data/sast/corpus/py")

# Code that reaches a finding in ways a text prefilter could miss: aliases, split or escaped names,
# comments and parentheses inside dotted names, nested views, keys written as strings.
TRICKY = [
    "from os import system as run_it\ndef f(x):\n    run_it(x)\n",
    "import subprocess as sp\ndef f(x):\n    sp.call(x, shell=True)\n",
    "from requests import get\ndef f(u):\n    return get(u)\n",
    "import requests as r\ndef f(u):\n    return r.get(u)\n",
    "from flask import session as s\ndef f(u):\n    return s.get(u)\n",
    "import yaml as y\ndef f(t):\n    return y.load(t)\n",
    "from yaml import load\ndef f(t):\n    return load(t)\n",
    "import os\ndef f(x):\n    return (os  # why not\n            .system(x))\n",
    "import os\ndef f(x):\n    return os.  \\\n        system(x)\n",
    "import os\ndef f(x):\n    return (os).system(x)\n",
    "import os\ndef f(x):\n    return os . system ( x )\n",
    "def f():\n    d = {'pass' 'word': 'hunter2-Xy9!'}\n    return d\n",
    "def f():\n    d = {'pass'  # split\n         'word': 'hunter2-Xy9!'}\n    return d\n",
    "def f():\n    d = {'\\x70assword': 'hunter2-Xy9!'}\n    return d\n",
    "def f():\n    d = {'''pass''' '''word''': 'hunter2-Xy9!'}\n    return d\n",
    "def f():\n    return connect('postgres://admin:' 'S3cr3t-pw@db.internal/app')\n",
    "def f():\n    x = Client(api_key='AKfz93k2Lq8xPz0')\n    return x\n",
    "def f(app):\n    app.config['WTF_CSRF_' 'ENABLED'] = False\n",
    "import os\ndef f():\n    os.environ['PYTHONHTTPSVERIFY'] = '0'\n",
    "import ssl\ndef f(ctx):\n    ctx.check_hostname = False\n",
    "def f(resp):\n    resp.headers['Access-Control-Allow-Origin'] = '*'\n"
    "    resp.headers['Access-Control-Allow-Credentials'] = 'true'\n",
    "from flask import Flask\ndef create():\n    app = Flask(__name__)\n\n    @app.route('/hi/<name>')\n"
    "    def hi(name):\n        return f'<h1>{name}</h1>'\n    return app\n",
    "from flask import Flask\napp = Flask(__name__)\n@app.route('/hi/<name>')\ndef hi(name):\n"
    "    return '<h1>' + name + '</h1>'\n",
    "import hashlib\ndef f(password):\n    return hashlib.md5(password.encode()).hexdigest()\n",
    "from hashlib import md5 as weak\ndef f(password):\n    return weak(password.encode()).hexdigest()\n",
    "import random\ndef f():\n    token = random.choice('abcdef')\n    return token\n",
    "import re\ndef f(x):\n    return re.compile('(a+)+$').match(x)\n",
    "from django.views.decorators.csrf import csrf_exempt\n@csrf_exempt\ndef v(request):\n    return 1\n",
    "import requests\ndef f(u):\n    return requests.get(u, verify=False)\n",
    "import pickle\ndef f(b):\n    return pickle.loads(b)\n",
    "KEY = 'x'\nclass A:\n    def m(self, p):\n        def inner(q):\n            return open(q)\n"
    "        return inner(p)\n",
    # a sibling's assignments do not leak into the analysis of b (y = q in a must not clean q in b)
    "def a(p, q):\n    y = q\n    return y\n\ndef b(y, q):\n    if not y.isdigit():\n        raise ValueError()\n"
    "    return open(q)\n",
]


BACKENDS = ["re", pytest.param("hyperscan", marks=pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("hyperscan") is None, reason="hyperscan not installed"))]


@pytest.fixture(scope="module", params=BACKENDS)
def gate(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gate]:
    """python.analyse() gated by a gate on this backend (its Hyperscan cache in a temporary folder)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEAWALL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        g = Gate(*python._gate_terms(), backend=request.param)
        mp.setattr(python, "_GATE", g)
        yield g


def _hits(text: str, gated: bool) -> list[tuple[object, ...]]:
    return [(h.rule.id, h.line, h.confidence, h.detail, h.value) for h in python.analyse(text, gated=gated)]


def _texts() -> list[str]:
    out = [s for r in PY_RULES for s in (*r.positive, *r.negative)] + TRICKY
    if CORPUS.is_dir():
        out += [p.read_text("utf-8", "replace") for p in sorted(CORPUS.rglob("*.py"))]
    return out


def test_gated_analysis_reports_exactly_what_full_analysis_reports(gate: Gate) -> None:
    n = 0
    for text in _texts():
        try:
            full = _hits(text, gated=False)
        except SyntaxError:
            continue
        assert _hits(text, gated=True) == full, text
        n += bool(full)
    assert n > 50  # the check ran on code with findings


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_cases_are_found(gate: Gate, text: str) -> None:
    assert _hits(text, gated=True), text


def test_code_without_sink_names_is_skipped(gate: Gate) -> None:
    text = ("from dataclasses import dataclass\n\n\n@dataclass\nclass Point:\n    x: int\n    y: int\n\n"
            "    def norm(self) -> float:\n        return (self.x ** 2 + self.y ** 2) ** 0.5\n")
    lines = gate.lines(text, {})
    assert lines is not None and lines.hot == []
    an = python._Analyser(__import__("ast").parse(text), text.split("\n"))
    an.use_gate(lines)
    assert an.run() == []


def test_only_the_function_that_names_a_sink_is_hot(gate: Gate) -> None:
    text = "import os\n\ndef a(x):\n    return x + 1\n\ndef b(x):\n    os.system(x)\n"
    lines = gate.lines(text, {"os": "os"})
    assert lines is not None
    assert not hot(lines.hot, 3, 4) and hot(lines.hot, 6, 7)


def test_lone_carriage_return_turns_the_gate_off(gate: Gate) -> None:
    assert gate.lines("x = 1\ry = 2\n", {}) is None
    assert gate.lines("x = 1\r\ny = 2\r\n", {}) is not None


@settings(max_examples=300, deadline=None)
@given(st.from_regex(SECRET_NAME, fullmatch=False))
def test_secret_fragments_cover_every_secret_name(name: str) -> None:
    rx = re.compile("|".join(map(re.escape, SECRET_FRAGMENTS)), re.I)
    assert rx.search(name), name


def test_secret_fragments_cover_each_alternative() -> None:
    rx = re.compile("|".join(map(re.escape, SECRET_FRAGMENTS)), re.I)
    body = SECRET_NAME.pattern.removeprefix("(?i)")[1:-1]  # the outer group's alternatives
    for alt in body.split("|"):
        sample = re.sub(r"[\^$]", "", alt).replace("_?", "_").replace("(or)?", "or").replace("s?", "s")
        assert SECRET_NAME.search(sample), sample
        assert rx.search(sample), alt


def test_glob_parts() -> None:
    assert glob_parts("os.system") == (("os", "system"), True, True)
    assert glob_parts("django.http.HttpResponse") == (("http", "HttpResponse"), True, True)
    assert glob_parts("*.execute") == (("execute",), True, True)
    assert glob_parts("*ession.get") == (("ession", "get"), False, True)
    assert glob_parts("*.PoolManager().request") == (("PoolManager",), True, True)
    assert glob_parts("Crypto.Cipher.*.new") == (("Crypto", "Cipher"), True, True)
    assert glob_parts("*") is None


def test_alias_relevance() -> None:
    globs = ["yaml.load", "*.execute", "*ession.get", "Crypto.Cipher.*.new"]
    assert alias_relevant("yaml", globs) and alias_relevant("yaml.load", globs)
    assert alias_relevant("flask.session", globs) and alias_relevant("x.session.get", globs)
    assert alias_relevant("Crypto.Cipher.AES", globs) and alias_relevant("Crypto", globs)
    assert not alias_relevant("typing.Any", globs) and not alias_relevant("pathlib.Path", globs)


def test_open_glob_turns_the_gate_off() -> None:
    assert Gate(["*"], backend="re").lines("x = 1\n") is None


def test_backends_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("SEAWALL_CACHE_DIR", str(tmp_path))
    globs, words, keys = python._gate_terms()
    a, b = Gate(globs, words, keys, backend="re"), Gate(globs, words, keys, backend="hyperscan")
    for text in [*_texts(), *TRICKY_LINES]:
        assert a.lines(text, {"get": "requests.get"}) == b.lines(text, {"get": "requests.get"}), text


# Texts for the backends' agreement: one of each kind of pattern, and near misses.
TRICKY_LINES = [
    "x = 'pass' 'word'\ny = \" \".join(z)\nw = 'access-Control-' \"allow-origin\"\n",
    "@app.route('/a/<int:b>')\ndef f():\n    return a < b\n",
    "@(\n  app.route)\ndef f(): pass\n@app.\\\n  get('/')\ndef g(): pass\n",
    "a = repo.get(1)\nb = self.session.get(u)\nc = client . post(u)\nd = sessions.get(u)\n",
    "u = 'https://user:pw@host/x'\nv = 'a@b'\nw = '\\x41'\n",
    "x = (a  # c\n     .b)\ny = a.  # c\n",
    "api_key = 1\nTOKEN = 2\nreopen(x)\nopen(x)\nopened(x)\n",
]


def test_without_hyperscan_or_its_cache_there_is_no_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAWALL_CACHE_DIR", str(tmp_path))
    globs, words, keys = python._gate_terms()
    g = Gate(globs, words, keys, compile_hyperscan=False)
    assert g.backend == "off" and g.lines("import os\nos.system(x)\n") is None
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    assert Gate(globs, words, keys).backend == "off"


def test_hyperscan_database_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("SEAWALL_CACHE_DIR", str(tmp_path))
    globs, words, keys = python._gate_terms()
    text = "import os\ndef f(x):\n    os.system(x)\n"
    first = Gate(globs, words, keys, backend="hyperscan")
    files = list(tmp_path.glob("code-gate-*.hsdb"))
    assert len(files) == 1
    assert Gate(globs, words, keys, backend="hyperscan").lines(text) == first.lines(text)
    files[0].write_bytes(b"\0" * 64)  # a damaged cache is ignored and rewritten
    assert Gate(globs, words, keys, backend="hyperscan").lines(text) == first.lines(text)
    assert files[0].stat().st_size > 64
