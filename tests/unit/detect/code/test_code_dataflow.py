"""Data flow: sources, propagation, sanitisers and guards, across frameworks and languages."""

from __future__ import annotations

import pytest

from seawall.detect.code.engine import CodeDetector
from seawall.detect.findings import Origin

DET = CodeDetector(use_secrets=False)


def rules(code: str, path: str = "app.py") -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for f in DET.scan(code, Origin(path=path)):
        out.setdefault(f.rule_id, []).append(f.line)
    return out


PY_VULN = {
    "flask through dict and helper": (
        "from flask import request\nimport sqlite3\n\ndef q(v):\n    sql = 'SELECT * FROM t WHERE a = %s' % v\n"
        "    return sqlite3.connect('x').execute(sql)\n\ndef view():\n    p = {'v': request.args.get('a')}\n"
        "    return q(p['v'].strip())\n", "py-sql-injection", 6),
    "tornado get_argument": (
        "import os\nclass H:\n    def get(self):\n    	pass\n".replace("\t", "    ") +
        "def h(handler):\n    name = handler.get_argument('n')\n    os.system('ls ' + name)\n",
        "py-command-injection", 7),
    "sys.argv": ("import sys, subprocess\narg = sys.argv[1]\nsubprocess.call('echo %s' % arg, shell=True)\n",
                 "py-command-injection", 3),
    "input()": ("x = input()\nprint(eval(x))\n", "py-code-injection", 2),
    "format string": ("def f(u, cur):\n    cur.execute('DELETE FROM s WHERE t = \"{}\"'.format(u))\n",
                      "py-sql-injection", 2),
    "walrus and augmented": ("def f(a, cur):\n    q = 'SELECT 1 WHERE x = '\n    q += a\n    cur.execute(q)\n",
                             "py-sql-injection", 4),
    "ssrf host from input": ("import httpx\ndef f(h):\n    return httpx.get(f'https://{h}/api')\n", "py-ssrf", 3),
    "unresolved containment check": (
        "import os\nBASE='/srv'\ndef f(n):\n    p = os.path.join(BASE, n)\n"
        "    if not p.startswith(BASE + os.sep):\n        raise ValueError\n    return open(p).read()\n",
        "py-path-traversal", 7),
    "django redirect": ("from django.shortcuts import redirect\ndef v(request):\n"
                        "    return redirect(request.GET['next'])\n", "py-open-redirect", 3),
    "mark_safe": ("from django.utils.safestring import mark_safe\ndef v(request):\n"
                  "    return mark_safe('<b>%s</b>' % request.POST['x'])\n", "py-xss", 3),
}

PY_SAFE = {
    "int() cast": "def f(a, cur):\n    cur.execute(f'SELECT * FROM t LIMIT {int(a)}')\n",
    "allow-list guard": ("COLS = {'a', 'b'}\ndef f(c, cur):\n    if c not in COLS:\n        raise ValueError(c)\n"
                         "    cur.execute(f'SELECT {c} FROM t')\n"),
    "regex guard": ("import re, os\ndef f(h):\n    if not re.fullmatch(r'[a-z0-9.-]+', h):\n        return None\n"
                    "    return os.system('ping -c 1 ' + h)\n"),
    "module constant": "import os\nCMD = 'uptime'\nos.system(CMD)\n",
    "shlex.quote": "import os, shlex\ndef f(a):\n    os.system('ls ' + shlex.quote(a))\n",
    "basename": "import os\ndef f(n):\n    return open(os.path.join('/srv', os.path.basename(n))).read()\n",
    "commonpath": ("import os\nB='/srv'\ndef f(n):\n    p = os.path.realpath(os.path.join(B, n))\n"
                   "    if os.path.commonpath([p, B]) != B:\n        raise ValueError\n    return open(p).read()\n"),
    "fixed host url": "import requests\ndef f(u):\n    return requests.get('https://api.example.com/u/' + u)\n",
    "html escape": ("import html\nfrom flask import make_response\ndef f(x):\n"
                    "    return make_response(html.escape(x))\n"),
    "typed int param": "def f(n: int, cur):\n    cur.execute(f'SELECT * FROM t LIMIT {n}')\n",
    "json content": ("from django.http import HttpResponse\nimport json\ndef v(r):\n"
                     "    return HttpResponse(json.dumps(r.GET), content_type='application/json')\n"),
}


@pytest.mark.parametrize("case", sorted(PY_VULN))
def test_python_vulnerable(case: str) -> None:
    code, rule, line = PY_VULN[case]
    assert line in rules(code).get(rule, []), rules(code)


@pytest.mark.parametrize("case", sorted(PY_SAFE))
def test_python_safe(case: str) -> None:
    assert rules(PY_SAFE[case]) == {}


def test_broken_prefix_check_is_explained() -> None:
    code = ("import os\nB='/srv'\ndef f(n):\n    p = os.path.realpath(os.path.join(B, n))\n"
            "    if not p.startswith(B):\n        raise ValueError\n    return open(p).read()\n")
    [f] = DET.scan(code, Origin(path="a.py"))
    assert f.rule_id == "py-path-traversal" and f.line == 7
    assert "trailing separator" in f.message


JS_VULN = {
    "koa ctx": ("const { exec } = require('child_process');\nrouter.get('/x', async (ctx) => {\n"
                "  exec('ls ' + ctx.query.dir);\n});\n", "js-command-injection", 3),
    "fastify": ("fastify.get('/f', async (request, reply) => {\n  const p = request.query.p;\n"
                "  return db.query(\"SELECT * FROM t WHERE p = '\" + p + \"'\");\n});\n", "js-sql-injection", 3),
    "browser hash": ("const h = decodeURIComponent(location.hash.slice(1));\n"
                     "document.querySelector('#o').innerHTML = h;\n", "js-xss", 2),
    "template via helper": ("import fs from 'fs';\nfunction read(n) {\n  const p = `/data/${n}`;\n"
                            "  return fs.readFileSync(p, 'utf8');\n}\n", "js-path-traversal", 4),
    "ssrf through variable": ("import axios from 'axios';\nexport async function h(req, res) {\n"
                              "  const target = req.body.callback;\n  await axios.post(target, {});\n}\n",
                              "js-ssrf", 4),
    "location assignment": ("const n = new URLSearchParams(location.search).get('next');\n"
                            "window.location.href = n;\n", "js-open-redirect", 2),
    "vm": "import vm from 'vm';\nexport function run(code) {\n  return vm.runInThisContext(code);\n}\n",
}
JS_VULN["vm"] = (JS_VULN["vm"], "js-code-injection", 3)  # type: ignore[assignment]

JS_SAFE = {
    "parameterised": ("app.get('/x', async (req, res) => {\n"
                      "  res.json(await pool.query('SELECT * FROM t WHERE a = $1', [req.query.a]));\n});\n"),
    "allow-list": ("const OK = ['a', 'b'];\napp.get('/x', async (req, res) => {\n  const c = req.query.c;\n"
                   "  if (!OK.includes(c)) return res.sendStatus(400);\n"
                   "  res.json(await pool.query(`SELECT ${c} FROM t`));\n});\n"),
    "textContent": ("const q = new URLSearchParams(location.search).get('q');\n"
                    "document.getElementById('x').textContent = q;\n"),
    "number": "function f(n) {\n  return pool.query(`SELECT * FROM t LIMIT ${Number(n)}`);\n}\n",
    "execFile array": ("const { execFile } = require('child_process');\nfunction f(h) {\n"
                       "  execFile('ping', ['-c', '1', h]);\n}\n"),
    "json response": "app.get('/x', (req, res) => {\n  res.json({ q: req.query.q });\n});\n",
    "relative check": ("const fs = require('fs');\nconst path = require('path');\nfunction f(n) {\n"
                       "  const p = path.resolve('/up', n);\n  const rel = path.relative('/up', p);\n"
                       "  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error('no');\n"
                       "  return fs.readFileSync(p);\n}\n"),
}


@pytest.mark.parametrize("case", sorted(JS_VULN))
@pytest.mark.parametrize("ext", ["js", "ts"])
def test_js_vulnerable(case: str, ext: str) -> None:
    code, rule, line = JS_VULN[case]
    assert line in rules(code, f"a.{ext}").get(rule, []), rules(code, f"a.{ext}")


@pytest.mark.parametrize("case", sorted(JS_SAFE))
def test_js_safe(case: str) -> None:
    assert rules(JS_SAFE[case], "a.js") == {}


def test_typescript_types_and_tsx() -> None:
    ts = ("import type { NextApiRequest, NextApiResponse } from 'next';\n"
          "export default async function handler(req: NextApiRequest, res: NextApiResponse) {\n"
          "  const id = req.query.id as string;\n"
          "  const rows = await pool.query(`SELECT * FROM t WHERE id = '${id}'`);\n"
          "  res.status(200).json(rows);\n}\n")
    assert 4 in rules(ts, "a.ts")["js-sql-injection"]
    tsx = ("export function C({ html }: { html: string }) {\n"
           "  return <div dangerouslySetInnerHTML={{ __html: html }} />;\n}\n")
    assert rules(tsx, "c.tsx") == {"js-xss": [2]}
    assert rules(tsx.replace("__html: html", "__html: DOMPurify.sanitize(html)"), "c.tsx") == {}


MORE_VULN = [
    ("from flask import Flask, request\napp = Flask(__name__)\n@app.route('/h')\ndef h():\n"
     "    n = request.args.get('n', '')\n    return f'<h1>Hello {n}</h1>'\n", "app.py", "py-xss", 6),
    ("import subprocess\ndef f(c):\n    subprocess.run(['sh', '-c', 'echo ' + c])\n", "a.py",
     "py-command-injection", 3),
    ("import aiohttp\nasync def f(s, u):\n    return await s.get('https://x.example', ssl=False)\n", "a.py",
     "py-tls-verify-disabled", 3),
    ("from fastapi.responses import RedirectResponse\ndef f(n: str):\n    return RedirectResponse(url=n)\n", "a.py",
     "py-open-redirect", 3),
    ("const { spawn } = require('child_process');\nfunction f(c) {\n  spawn('sh', ['-c', `echo ${c}`]);\n}\n",
     "a.js", "js-command-injection", 3),
    ("const http = require('http');\nhttp.createServer((req, res) => {\n"
     "  res.writeHead(302, { Location: new URL(req.url, 'http://x').searchParams.get('to') });\n  res.end();\n});\n",
     "a.js", "js-open-redirect", 3),
    ("export async function GET(request) {\n  const { searchParams } = new URL(request.url);\n"
     "  const q = searchParams.get('q');\n"
     "  return new Response(await db.query(`SELECT * FROM t WHERE q = '${q}'`));\n}\n",
     "route.ts", "js-sql-injection", 4),
]


@pytest.mark.parametrize(("code", "path", "rule", "line"), MORE_VULN)
def test_more_frameworks(code: str, path: str, rule: str, line: int) -> None:
    assert line in rules(code, path).get(rule, []), rules(code, path)


def test_set_timeout_with_a_function_is_not_code_injection() -> None:
    assert rules("function debounce(fn, ms) {\n  setTimeout(fn, ms);\n}\n", "a.js") == {}
    assert rules("function f(x) {\n  setTimeout('run(' + x + ')', 10);\n}\n", "a.js") == {"js-code-injection": [2]}


def test_fastapi_string_return_is_not_xss() -> None:
    code = ("from fastapi import FastAPI\napp = FastAPI()\n@app.get('/h')\ndef h(n: str = ''):\n"
            "    return f'<h1>{n}</h1>'\n")
    assert rules(code) == {}


def test_pytest_fixtures_are_not_outside_input() -> None:
    code = ("import subprocess\nfrom flask import Flask\napp = Flask(__name__)\n\n"
            "def test_export(tmp_path, name):\n    out = tmp_path / name\n    out.write_text('a')\n\n"
            "@app.route('/test_run')\ndef test_run(cmd):\n    subprocess.run(cmd, shell=True)\n\n"
            "def helper(name, tmp_path):\n    open(tmp_path / 'a').read()\n    return open(name).read()\n")
    found = rules(code)
    assert found.get("py-command-injection") == [11]  # a route handler named test_* is still a handler
    assert found.get("py-path-traversal") == [15]  # tmp_path is pytest's; `name` in a helper is still tainted


def test_sqlalchemy_expressions_are_parameterised() -> None:
    code = ("import sqlalchemy as sa\n\ndef f(conn, table, ids, name):\n"
            "    conn.execute(sa.select(table.c.id).where(table.c.id.in_(ids)))\n"
            "    conn.execute(sa.text(f\"SELECT * FROM t WHERE name = '{name}'\"))\n")
    assert rules(code).get("py-sql-injection") == [5]  # text() with formatting is still found
