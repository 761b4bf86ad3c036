"""Python rules (data). Each rule names its sinks or structural check and carries test snippets."""

from __future__ import annotations

from seawall.detect.code.rules import CMD, CODE, PATH, REDIRECT, REGEX, SQL, SSRF, XSS, Rule, Sink
from seawall.detect.findings import Severity

H, M, C, L = Severity.HIGH, Severity.MEDIUM, Severity.CRITICAL, Severity.LOW

_HTTP = ("get", "post", "put", "patch", "delete", "head", "options")

PY_RULES: tuple[Rule, ...] = (
    Rule(
        "py-sql-injection", "py", "CWE-89", "SQL injection",
        "untrusted input is formatted into an SQL statement",
        "pass values as query parameters: cur.execute(\"... WHERE name = ?\", (name,)) (or %s / :name "
        "placeholders); whitelist identifiers such as column names",
        C, SQL,
        sinks=tuple(Sink(c) for c in ("*.execute", "*.executemany", "*.executescript", "*.raw", "*.exec_driver_sql",
                                        "sqlalchemy.text", "sqlalchemy.sql.text", "*.read_sql", "*.read_sql_query")),
        positive=("def f(name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n",
                  "import sys\nq = \"DELETE FROM t WHERE id = \" + sys.argv[1]\ndb.execute(q)\n"),
        negative=("def f(name):\n    cur.execute(\"SELECT * FROM users WHERE name = ?\", (name,))\n",
                  "ALLOWED = {'a', 'b'}\ndef f(col):\n    col = col if col in ALLOWED else 'a'\n"
                  "    cur.execute(f\"SELECT {col} FROM t\")\n"),
    ),
    Rule(
        "py-command-injection", "py", "CWE-78", "OS command injection",
        "untrusted input reaches a shell command",
        "pass an argument list without a shell: subprocess.run([\"ping\", \"-c\", \"1\", host]); if a shell is "
        "unavoidable, quote each value with shlex.quote()",
        C, CMD,
        sinks=(Sink("os.system"), Sink("os.popen"), Sink("os.popen2"), Sink("commands.getoutput"),
               Sink("subprocess.getoutput"), Sink("subprocess.getstatusoutput"),
               Sink("asyncio.create_subprocess_shell"),
               *(Sink(f"subprocess.{f}", args=(0,), kwargs=("args",), when=("shell~True|1",))
                 for f in ("run", "call", "check_call", "check_output", "Popen")),
               *(Sink(f"subprocess.{f}", args=(0,), when=("@0~^[\\[(]\\s*['\"](/usr)?(/bin/)?(ba|z|da)?sh['\"]\\s*,"
                                                          "\\s*['\"]-c",))
                 for f in ("run", "call", "check_call", "check_output", "Popen"))),
        positive=("import os\ndef f(host):\n    os.system(f\"ping -c 1 {host}\")\n",
                  "import subprocess\ndef f(x):\n    subprocess.run(\"tar czf out.tgz \" + x, shell=True)\n"),
        negative=("import subprocess\ndef f(host):\n    subprocess.run([\"ping\", \"-c\", \"1\", host])\n",
                  "import subprocess, shlex\ndef f(x):\n    subprocess.run(\"tar czf o.tgz \" + shlex.quote(x), "
                  "shell=True)\n"),
    ),
    Rule(
        "py-path-traversal", "py", "CWE-22", "Path traversal",
        "an untrusted path reaches the file system without a containment check",
        "resolve the path and check containment: p = (BASE / name).resolve(); "
        "if not p.is_relative_to(BASE.resolve()): reject (or compare against BASE + os.sep, with the trailing "
        "separator); use os.path.basename() for plain file names",
        H, PATH,
        sinks=(Sink("open"), Sink("io.open"), Sink("codecs.open"), Sink("os.open"), Sink("aiofiles.open"),
               Sink("os.remove"), Sink("os.unlink"), Sink("os.rmdir"), Sink("shutil.rmtree"),
               Sink("shutil.copy", args=(0, 1)), Sink("shutil.copyfile", args=(0, 1)),
               Sink("shutil.move", args=(0, 1)), Sink("flask.send_file"), Sink("*.FileResponse"),
               Sink("FileResponse"),
               *(Sink(f"*.{m}", args=(-1,)) for m in ("read_text", "read_bytes", "write_text", "write_bytes",
                                                       "unlink", "iterdir", "rmdir", "mkdir", "touch"))),
        positive=("import os\nBASE = '/srv'\ndef f(name):\n    p = os.path.join(BASE, name)\n"
                  "    return open(p).read()\n",
                  "import os\nBASE = '/srv'\ndef f(name):\n    p = os.path.realpath(os.path.join(BASE, name))\n"
                  "    if not p.startswith(BASE):\n        raise PermissionError()\n    return open(p).read()\n"),
        negative=("import os\nBASE = '/srv'\ndef f(name):\n    p = os.path.realpath(os.path.join(BASE, name))\n"
                  "    if not p.startswith(BASE + os.sep):\n        raise PermissionError()\n"
                  "    return open(p).read()\n",
                  "from pathlib import Path\nROOT = Path('/srv').resolve()\ndef f(name):\n"
                  "    p = (ROOT / name).resolve()\n    if not p.is_relative_to(ROOT):\n        raise ValueError()\n"
                  "    return p.read_text()\n"),
    ),
    Rule(
        "py-code-injection", "py", "CWE-94", "Code injection",
        "untrusted input is evaluated as Python code",
        "never eval/exec input: parse data with json.loads() or ast.literal_eval(), map names to functions "
        "with a dict",
        C, CODE,
        sinks=(Sink("eval"), Sink("exec"), Sink("compile"), Sink("builtins.eval"), Sink("builtins.exec"),
               Sink("importlib.import_module"), Sink("__import__")),
        positive=("def f(expr):\n    return eval(expr)\n",
                  "def f(v):\n    code = f\"{v} * 1.2\"\n    return eval(code)\n"),
        negative=("import ast\ndef f(expr):\n    return ast.literal_eval(expr)\n",
                  "OPS = {'add': 1}\ndef f(name):\n    return OPS.get(name)\n"),
    ),
    Rule(
        "py-template-injection", "py", "CWE-1336", "Server-side template injection",
        "untrusted input is used as a template",
        "render a fixed template and pass the input as a variable: render_template_string(\"<p>{{ c }}</p>\", c=value)",
        C, CODE,
        sinks=(Sink("flask.render_template_string"), Sink("jinja2.Template"), Sink("*.from_string"),
               Sink("mako.template.Template")),
        positive=("from flask import render_template_string\ndef f(t):\n    return render_template_string(t)\n",),
        negative=("from flask import render_template_string\ndef f(t):\n"
                  "    return render_template_string(\"<p>{{ c }}</p>\", c=t)\n",),
    ),
    Rule(
        "py-xss", "py", "CWE-79", "Cross-site scripting",
        "untrusted input is written into HTML without escaping",
        "let the template engine escape (render_template with autoescape), or escape explicitly with "
        "markupsafe.escape()/django.utils.html.format_html(); never mark input as safe",
        H, XSS,
        sinks=(Sink("flask.make_response", unless=("mimetype~json|plain", "content_type~json|plain")),
               Sink("flask.Response", unless=("mimetype~json|plain", "content_type~json|plain")),
               Sink("django.http.HttpResponse", unless=("content_type~json|plain",)),
               Sink("*.HTMLResponse"), Sink("HTMLResponse"),
               Sink("markupsafe.Markup"), Sink("flask.Markup"), Sink("jinja2.Markup"),
               Sink("django.utils.safestring.mark_safe"), Sink("mark_safe"), Sink("Markup")),
        check="jinja_safe_filter",
        positive=("from flask import make_response, request\ndef f():\n    q = request.args.get('q')\n"
                  "    return make_response(f\"<h1>{q}</h1>\")\n",
                  "from flask import render_template_string\ndef f(c):\n"
                  "    return render_template_string(\"<p>{{ c|safe }}</p>\", c=c)\n"),
        negative=("from flask import make_response, request\nfrom markupsafe import escape\ndef f():\n"
                  "    q = request.args.get('q')\n    return make_response(f\"<h1>{escape(q)}</h1>\")\n",
                  "from markupsafe import Markup\ndef f(v):\n    return Markup(\"<b>{}</b>\").format(v)\n"),
    ),
    Rule(
        "py-ssrf", "py", "CWE-918", "Server-side request forgery",
        "the server fetches a URL that the caller controls",
        "fetch only fixed hosts: build the URL from a constant base and quote() the input into its path, or "
        "check urlparse(url).hostname against an allow-list before the request",
        H, SSRF,
        sinks=(*(Sink(f"{m}.{v}", args=(0,), kwargs=("url",)) for m in ("requests", "httpx") for v in _HTTP),
               Sink("requests.request", args=(1,), kwargs=("url",)), Sink("httpx.request", args=(1,), kwargs=("url",)),
               Sink("urllib.request.urlopen"), Sink("urllib.urlopen"),
               Sink("*.urlopen"), Sink("*.PoolManager().request", args=(1,)),
               *(Sink(f"*ession.{v}", args=(0,), kwargs=("url",)) for v in _HTTP),
               *(Sink(f"*lient.{v}", args=(0,), kwargs=("url",)) for v in _HTTP)),
        positive=("import requests\ndef f(url):\n    return requests.get(url, timeout=5)\n",
                  "import urllib.request\ndef f(h):\n    return urllib.request.urlopen(f\"{h}/health\")\n"),
        negative=("import requests\nfrom urllib.parse import quote\ndef f(u):\n"
                  "    return requests.get(f\"https://api.example.com/users/{quote(u, safe='')}\")\n",
                  "import requests\nfrom urllib.parse import urlparse\nALLOWED = {'a.example'}\ndef f(u):\n"
                  "    if urlparse(u).hostname not in ALLOWED:\n        raise ValueError()\n"
                  "    return requests.get(u)\n"),
    ),
    Rule(
        "py-open-redirect", "py", "CWE-601", "Open redirect",
        "the response redirects to a URL that the caller controls",
        "redirect only to local paths (starts with '/' but not '//', no scheme or host) or to an allow-list; "
        "Django: url_has_allowed_host_and_scheme()",
        M, REDIRECT,
        sinks=(Sink("flask.redirect", kwargs=("location",)), Sink("django.shortcuts.redirect", kwargs=("to",)),
               Sink("django.http.HttpResponseRedirect", kwargs=("redirect_to",)),
               Sink("django.http.HttpResponsePermanentRedirect", kwargs=("redirect_to",)),
               Sink("*.RedirectResponse", kwargs=("url",)), Sink("RedirectResponse", kwargs=("url",))),
        positive=("from flask import redirect, request\ndef f():\n    return redirect(request.args.get('next'))\n",),
        negative=("from flask import redirect, request\ndef f():\n    n = request.args.get('next', '/')\n"
                  "    t = n if n.startswith('/') and not n.startswith('//') else '/'\n    return redirect(t)\n",),
    ),
    Rule(
        "py-unsafe-deserialization", "py", "CWE-502", "Unsafe deserialisation",
        "deserialising with pickle/yaml.load/marshal can run code chosen by whoever wrote the data",
        "use json.loads() or yaml.safe_load() (yaml.load(..., Loader=yaml.SafeLoader)); sign data you must "
        "unpickle and verify the signature first",
        H,
        sinks=(*(Sink(f"{m}.{f}", tainted=False) for m in ("pickle", "cPickle", "_pickle", "dill", "marshal",
                                                         "cloudpickle") for f in ("loads", "load", "Unpickler")),
               Sink("jsonpickle.decode", tainted=False), Sink("pandas.read_pickle", tainted=False),
               Sink("shelve.open", tainted=False),
               Sink("yaml.load", tainted=False, unless=("Loader@1~Safe|CSafe|Base",)),
               Sink("yaml.load_all", tainted=False, unless=("Loader@1~Safe|CSafe|Base",)),
               Sink("yaml.unsafe_load", tainted=False), Sink("yaml.unsafe_load_all", tainted=False),
               Sink("yaml.full_load", tainted=False),
               Sink("torch.load", tainted=False, unless=("weights_only=True",)),
               Sink("numpy.load", tainted=False, when=("allow_pickle=True",))),
        positive=("import pickle, base64\ndef f(b):\n    return pickle.loads(base64.b64decode(b))\n",
                  "import yaml\ndef f(s):\n    return yaml.load(s, Loader=yaml.Loader)\n"),
        negative=("import yaml\ndef f(s):\n    return yaml.safe_load(s)\n",
                  "import yaml\ndef f(s):\n    return yaml.load(s, Loader=yaml.SafeLoader)\n"),
    ),
    Rule(
        "py-redos", "py", "CWE-1333", "Regular expression denial of service",
        "a regular expression with nested quantifiers backtracks exponentially on crafted input",
        "remove the nested repetition (e.g. ^[\\w.+-]+@example\\.com$), bound the input length, or use a "
        "linear-time engine (google-re2)",
        M, check="redos",
        positive=("import re\ndef f(s):\n    return re.match(r\"^([a-z0-9]+)+@x\\.com$\", s)\n",),
        negative=("import re\ndef f(s):\n    return re.fullmatch(r\"[a-z0-9_.+-]{1,64}@x\\.com\", s)\n",),
    ),
    Rule(
        "py-regex-injection", "py", "CWE-730", "Regular expression injection",
        "untrusted input is compiled as a regular expression",
        "escape the input with re.escape() before building a pattern from it",
        M, REGEX,
        sinks=tuple(Sink(f"re.{f}") for f in ("compile", "match", "search", "fullmatch", "findall", "finditer",
                                              "sub", "subn", "split")),
        positive=("import re\ndef f(p, s):\n    return re.search(p, s)\n",),
        negative=("import re\ndef f(p, s):\n    return re.search(re.escape(p), s)\n",),
    ),
    Rule(
        "py-xxe", "py", "CWE-611", "XML external entities",
        "the XML parser resolves external entities, so a document can read local files or reach the network",
        "use defusedxml (defusedxml.ElementTree.fromstring) or lxml with "
        "etree.XMLParser(resolve_entities=False, no_network=True)",
        H,
        sinks=(Sink("lxml.etree.XMLParser", tainted=False, when=("resolve_entities~True",)),
               Sink("lxml.etree.XMLParser", tainted=False, when=("load_dtd~True",),
                    unless=("resolve_entities~False",)),
               Sink("lxml.etree.XMLParser", tainted=False, when=("no_network~False",),
                    unless=("resolve_entities~False",)),
               Sink("*.setFeature", tainted=False, when=("@0~external_ges|external_pes", "@1~True|1")),
               Sink("xml.sax.make_parser", tainted=False, when=("@0",))),
        positive=("from lxml import etree\ndef f(x):\n    p = etree.XMLParser(resolve_entities=True)\n"
                  "    return etree.fromstring(x, p)\n",),
        negative=("from lxml import etree\ndef f(x):\n"
                  "    p = etree.XMLParser(resolve_entities=False, no_network=True)\n"
                  "    return etree.fromstring(x, p)\n",),
    ),
    Rule(
        "py-weak-hash", "py", "CWE-328", "Weak hash",
        "MD5/SHA-1 are broken for security uses (passwords, signatures, tokens)",
        "hash passwords with a slow salted KDF (hashlib.scrypt, hashlib.pbkdf2_hmac with 600000 iterations, "
        "argon2/bcrypt); use SHA-256 or better elsewhere; for non-security uses pass usedforsecurity=False",
        M, check="weak_hash",
        positive=("import hashlib\ndef f(pw):\n    return {'password_hash': hashlib.md5(pw.encode()).hexdigest()}\n",
                  "import hashlib\ndef f(pw):\n    h = hashlib.sha256(pw.encode()).hexdigest()\n"
                  "    store_password('u', h)\n"),
        negative=("import hashlib\ndef f(body):\n    return hashlib.md5(body, usedforsecurity=False).hexdigest()\n",
                  "import hashlib, os\ndef f(pw):\n    s = os.urandom(16)\n"
                  "    return hashlib.pbkdf2_hmac('sha256', pw.encode(), s, 600_000)\n"),
    ),
    Rule(
        "py-weak-cipher", "py", "CWE-327", "Broken or risky cipher",
        "ECB mode, DES, RC4 and Blowfish do not protect data",
        "use authenticated encryption: AES-GCM (Crypto.Cipher.AES.new(key, AES.MODE_GCM)) or "
        "cryptography's Fernet/AESGCM",
        H,
        sinks=(Sink("Crypto.Cipher.*.new", tainted=False, when=("mode@1~ECB",)),
               Sink("Cryptodome.Cipher.*.new", tainted=False, when=("mode@1~ECB",)),
               *(Sink(f"{p}.Cipher.{c}.new", tainted=False) for p in ("Crypto", "Cryptodome")
                 for c in ("DES", "DES3", "ARC4", "ARC2", "Blowfish", "XOR")),
               Sink("cryptography.hazmat.primitives.ciphers.modes.ECB", tainted=False),
               *(Sink(f"cryptography.hazmat.primitives.ciphers.algorithms.{c}", tainted=False)
                 for c in ("ARC4", "TripleDES", "Blowfish", "IDEA", "CAST5"))),
        positive=("from Crypto.Cipher import AES\ndef f(k, d):\n    return AES.new(k, AES.MODE_ECB).encrypt(d)\n",),
        negative=("from Crypto.Cipher import AES\ndef f(k, d):\n    return AES.new(k, AES.MODE_GCM).encrypt(d)\n",),
    ),
    Rule(
        "py-insecure-random", "py", "CWE-330", "Insecure randomness",
        "the random module is predictable; it must not make tokens, passwords, OTPs or keys",
        "use the secrets module: secrets.token_urlsafe(32), secrets.randbelow(10**6), secrets.choice()",
        H, check="weak_random",
        positive=("import random\ndef f():\n    otp = random.randint(100000, 999999)\n    return otp\n",),
        negative=("import random\ndef f():\n    theme = random.choice(['a', 'b'])\n    return theme\n",
                  "import secrets\ndef f():\n    token = secrets.token_urlsafe(32)\n    return token\n"),
    ),
    Rule(
        "py-tls-verify-disabled", "py", "CWE-295", "TLS certificate verification disabled",
        "certificate checks are turned off, so anyone on the path can impersonate the server",
        "keep verification on (the default); for a private CA pass verify=\"/path/ca.pem\" or "
        "ssl.create_default_context(cafile=...)",
        H,
        sinks=(Sink("*", tainted=False, when=("verify=False",)), Sink("*", tainted=False, when=("ssl=False",)),
               Sink("ssl._create_unverified_context", tainted=False),
               Sink("ssl._create_stdlib_context", tainted=False),
               Sink("*", tainted=False, when=("cert_reqs~CERT_NONE",))),
        check="tls_assign",
        positive=("import requests\ndef f(u):\n    return requests.get(u, verify=False)\n",
                  "import ssl\nctx = ssl._create_unverified_context()\n"),
        negative=("import requests\ndef f(u):\n    return requests.get(u, verify='/etc/ca.pem')\n",),
    ),
    Rule(
        "py-jwt-verification-disabled", "py", "CWE-347", "JWT signature not verified",
        "the token is decoded without verifying its signature (or accepts alg none), so anyone can forge claims",
        "verify with a key and a fixed algorithm list: jwt.decode(token, KEY, algorithms=[\"HS256\"])",
        H,
        sinks=(Sink("jwt.decode", tainted=False, when=("options~verify_signature['\"]?\\s*:\\s*False",)),
               Sink("jwt.decode", tainted=False, when=("verify=False",)),
               Sink("jwt.decode", tainted=False, when=("algorithms~(?i)['\"]none['\"]",)),
               Sink("jose.jwt.get_unverified_claims", tainted=False),
               Sink("jwt.api_jwt.decode_complete", tainted=False, when=("options~verify_signature",))),
        positive=("import jwt\ndef f(t):\n    return jwt.decode(t, options={\"verify_signature\": False})\n",),
        negative=("import jwt\ndef f(t, k):\n    return jwt.decode(t, k, algorithms=[\"HS256\"])\n",),
    ),
    Rule(
        "py-cors-credentials-wildcard", "py", "CWE-942", "CORS: any origin with credentials",
        "every origin may make credentialed requests, so any site can read users' data",
        "list the allowed origins explicitly when credentials are allowed: "
        "CORS(app, origins=[\"https://app.example.com\"], supports_credentials=True)",
        H,
        sinks=(Sink("flask_cors.CORS", tainted=False, when=("supports_credentials~True", "origins~\\*|True")),
               Sink("flask_cors.CORS", tainted=False, when=("supports_credentials~True", "!origins", "!resources")),
               Sink("flask_cors.CORS", tainted=False,
                    when=("supports_credentials~True", "resources~['\"]\\*['\"]|origins.{0,6}\\*")),
               Sink("flask_cors.cross_origin", tainted=False, when=("supports_credentials~True", "!origins")),
               Sink("flask_cors.cross_origin", tainted=False, when=("supports_credentials~True", "origins~\\*")),
               Sink("*.add_middleware", tainted=False,
                    when=("@0~CORSMiddleware", "allow_credentials~True", "allow_origins~\\*")),
               Sink("*.add_middleware", tainted=False,
                    when=("@0~CORSMiddleware", "allow_credentials~True", "allow_origin_regex~^.\\.\\*|\\.\\+"))),
        check="cors_settings",
        positive=("from flask_cors import CORS\nCORS(app, origins=\"*\", supports_credentials=True)\n",),
        negative=("from flask_cors import CORS\n"
                  "CORS(app, origins=[\"https://a.example\"], supports_credentials=True)\n",
                  "from fastapi.middleware.cors import CORSMiddleware\n"
                  "app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_credentials=False)\n"),
    ),
    Rule(
        "py-csrf-disabled", "py", "CWE-352", "CSRF protection disabled",
        "CSRF protection is switched off for state-changing requests",
        "keep CSRF protection on (Flask-WTF CSRFProtect, Django CsrfViewMiddleware) and send the token with "
        "forms and fetch calls; exempt only endpoints that authenticate with a header token",
        M, check="csrf",
        positive=("app.config[\"WTF_CSRF_ENABLED\"] = False\n",
                  "from django.views.decorators.csrf import csrf_exempt\n@csrf_exempt\ndef view(request):\n"
                  "    return None\n"),
        negative=("app.config[\"WTF_CSRF_ENABLED\"] = True\n",),
    ),
    Rule(
        "py-hardcoded-credentials", "py", "CWE-798", "Hard-coded credentials",
        "a password, key or token is written into the source",
        "read it at run time from the environment or a secret store: os.environ[\"DB_PASSWORD\"]",
        H, check="hardcoded_secret",
        positive=("DB_PASSWORD = \"Pr0d-Passw0rd!2024\"\n",
                  "conn = pymysql.connect(host='db', user='root', password='toor#1234')\n"),
        negative=("import os\nDB_PASSWORD = os.environ[\"DB_PASSWORD\"]\n", "PASSWORD_FIELD = \"password\"\n"),
    ),
)
