"""JavaScript / TypeScript rules (data). Callee names are resolved through require() and import, so
`child_process.exec` matches `const { exec } = require("child_process")` and `import cp from "node:child_process"`."""

from __future__ import annotations

from seawall.detect.code.rules import CMD, CODE, PATH, REDIRECT, REGEX, SQL, SSRF, XSS, Rule, Sink
from seawall.detect.findings import Severity

H, M, C = Severity.HIGH, Severity.MEDIUM, Severity.CRITICAL
_CP = ("child_process", "exec")
_FS_READ = ("readFile", "readFileSync", "createReadStream", "writeFile", "writeFileSync", "createWriteStream",
            "appendFile", "appendFileSync", "unlink", "unlinkSync", "rm", "rmSync", "readdir", "readdirSync",
            "open", "openSync", "access", "stat", "statSync", "copyFile", "copyFileSync", "rename", "renameSync")

JS_RULES: tuple[Rule, ...] = (
    Rule(
        "js-sql-injection", "js", "CWE-89", "SQL injection",
        "untrusted input is formatted into an SQL statement",
        "use placeholders and pass values separately: pool.query(\"... WHERE id = $1\", [id]) / "
        "conn.execute(\"... = ?\", [v]) / sequelize.query(sql, { replacements }) / prisma.$queryRaw`...${v}`",
        C, SQL,
        sinks=tuple(Sink(c) for c in ("*.query", "*.execute", "*.$queryRawUnsafe", "*.$executeRawUnsafe", "*.raw",
                                       "*.whereRaw", "*.orderByRaw", "*.unsafe", "*db.all", "*db.run", "*db.exec",
                                       "*db.get", "*.prepare")),
        positive=("async function f(name) {\n  return pool.query(`SELECT * FROM u WHERE n = '${name}'`);\n}\n",),
        negative=("async function f(name) {\n  return pool.query(\"SELECT * FROM u WHERE n = $1\", [name]);\n}\n",
                  "async function f(t) {\n  return prisma.$queryRaw`SELECT * FROM p WHERE t = ${t}`;\n}\n"),
    ),
    Rule(
        "js-command-injection", "js", "CWE-78", "OS command injection",
        "untrusted input reaches a shell command",
        "use execFile/spawn with an argument array and no shell: execFile(\"ping\", [\"-c\", \"1\", host])",
        C, CMD,
        sinks=(Sink("child_process.exec"), Sink("child_process.execSync"), Sink("exec"), Sink("execSync"),
               Sink("child_process.spawn", when=("shell~true",)), Sink("child_process.spawnSync", when=("shell~true",)),
               Sink("child_process.execFile", when=("shell~true",)),
               Sink("child_process.execFileSync", when=("shell~true",)),
               Sink("spawn", when=("shell~true",)), Sink("spawnSync", when=("shell~true",)),
               Sink("child_process.spawn", unless=("@1",)), Sink("child_process.execFile", unless=("@1",)),
               *(Sink(f, args=(1,), when=("@0~^['\"`](/usr)?(/bin/)?(ba|z|da)?sh['\"`]$", "@1~^\\[\\s*['\"`]-c"))
                 for f in ("child_process.spawn", "child_process.spawnSync", "child_process.execFile",
                           "child_process.execFileSync", "spawn", "spawnSync", "execFile", "execFileSync")),
               Sink("execa.command"), Sink("execa.commandSync"), Sink("shelljs.exec")),
        positive=("const { exec } = require(\"child_process\");\nfunction f(h) {\n  exec(`ping -c 1 ${h}`);\n}\n",),
        negative=("const { execFile } = require(\"child_process\");\nfunction f(h) {\n"
                  "  execFile(\"ping\", [\"-c\", \"1\", h]);\n}\n",),
    ),
    Rule(
        "js-path-traversal", "js", "CWE-22", "Path traversal",
        "an untrusted path reaches the file system without a containment check",
        "resolve and check containment with the separator: const p = path.resolve(ROOT, name); "
        "if (!p.startsWith(ROOT + path.sep)) reject; or use path.basename(name) for plain file names",
        H, PATH,
        sinks=(*(Sink(f"fs.{f}") for f in _FS_READ), *(Sink(f"fs.promises.{f}") for f in _FS_READ),
               *(Sink(f"fs/promises.{f}") for f in _FS_READ), *(Sink(f"fs-extra.{f}") for f in _FS_READ),
               *(Sink(f) for f in ("readFile", "readFileSync", "createReadStream", "writeFile", "writeFileSync")),
               Sink("*.sendFile", unless=("root",)), Sink("*.download")),
        positive=("const fs = require(\"fs\");\nconst path = require(\"path\");\nfunction f(n) {\n"
                  "  return fs.readFileSync(path.join(\"/srv\", n));\n}\n",
                  "const fs = require(\"fs\");\nconst path = require(\"path\");\nfunction f(n) {\n"
                  "  const p = path.resolve(\"/srv\", n);\n  if (!p.startsWith(\"/srv\")) throw new Error();\n"
                  "  return fs.readFileSync(p);\n}\n"),
        negative=("const fs = require(\"fs\");\nconst path = require(\"path\");\nconst ROOT = \"/srv\";\n"
                  "function f(n) {\n  const p = path.resolve(ROOT, n);\n"
                  "  if (!p.startsWith(ROOT + path.sep)) throw new Error();\n  return fs.readFileSync(p);\n}\n",
                  "const fs = require(\"fs\");\nconst path = require(\"path\");\nfunction f(n) {\n"
                  "  return fs.readFileSync(path.join(\"/srv\", path.basename(n)));\n}\n"),
    ),
    Rule(
        "js-code-injection", "js", "CWE-94", "Code injection",
        "untrusted input is evaluated as JavaScript",
        "never evaluate input: parse data with JSON.parse(), map names to functions with an object lookup",
        C, CODE,
        sinks=(Sink("eval", args=(0,)), Sink("Function", args=(0, 1, 2, 3)), Sink("vm.runInNewContext"),
               Sink("vm.runInThisContext"), Sink("vm.runInContext"), Sink("vm.Script"), Sink("vm.compileFunction"),
               Sink("setTimeout", when=("@0~^[`'\"]|\\+",)), Sink("setInterval", when=("@0~^[`'\"]|\\+",)),
               Sink("window.eval"), Sink("globalThis.eval")),
        positive=("function f(x) {\n  return eval(x);\n}\n",
                  "function f(x) {\n  const fn = new Function(\"a\", \"return \" + x);\n  return fn(1);\n}\n"),
        negative=("function f(x) {\n  return JSON.parse(x);\n}\n",
                  "function f(x) {\n  const fn = new Function(\"a\", \"b\", \"return a + b\");\n"
                  "  return fn(2, Number(x));\n}\n"),
    ),
    Rule(
        "js-xss", "js", "CWE-79", "Cross-site scripting",
        "untrusted input is written into HTML without escaping",
        "set text with element.textContent, escape with a vetted encoder (escape-html, he) or sanitise HTML with "
        "DOMPurify.sanitize(); send data with res.json()",
        H, XSS,
        sinks=(Sink("*.innerHTML", kind="assign"), Sink("*.outerHTML", kind="assign"),
               Sink("*.insertAdjacentHTML", args=(1,)), Sink("document.write", args=(0, 1, 2)),
               Sink("document.writeln", args=(0, 1, 2)), Sink("*res.send"), Sink("*res.write"), Sink("*res.end"),
               Sink("*.status().send"), Sink("*.status().end"), Sink("*.type().send"), Sink("*.set().send"),
               Sink("*.header().send"), Sink("*.html", args=(0,)), Sink("*.createContextualFragment"),
               Sink("*.body", kind="assign"), Sink("*.srcdoc", kind="assign")),
        check="react_dangerous_html",
        positive=("app.get(\"/\", (req, res) => {\n  res.send(`<h1>${req.query.q}</h1>`);\n});\n",
                  "const q = new URLSearchParams(location.search).get(\"q\");\n"
                  "document.getElementById(\"x\").innerHTML = `<p>${q}</p>`;\n"),
        negative=("app.get(\"/\", (req, res) => {\n  res.send(`<h1>${escapeHtml(req.query.q)}</h1>`);\n});\n",
                  "const q = new URLSearchParams(location.search).get(\"q\");\n"
                  "document.getElementById(\"x\").textContent = q;\n"),
    ),
    Rule(
        "js-ssrf", "js", "CWE-918", "Server-side request forgery",
        "the server fetches a URL that the caller controls",
        "fetch fixed hosts only: a constant base URL with encodeURIComponent(input) in the path, or check "
        "new URL(input).hostname against an allow-list before the request",
        H, SSRF,
        sinks=(Sink("fetch"), Sink("node-fetch"), Sink("axios"), Sink("axios.request"),
               *(Sink(f"axios.{m}") for m in ("get", "post", "put", "patch", "delete", "head", "options")),
               Sink("got"), *(Sink(f"got.{m}") for m in ("get", "post", "put", "patch", "delete")),
               Sink("http.get"), Sink("http.request"), Sink("https.get"), Sink("https.request"),
               Sink("request"), Sink("needle.get"), Sink("superagent.get"), Sink("superagent.post"),
               Sink("undici.request"), Sink("undici.fetch"), Sink("ky"), Sink("ky.get")),
        positive=("export default async function handler(req, res) {\n  const r = await fetch(req.query.url);\n"
                  "  res.json(await r.json());\n}\n",),
        negative=("export default async function handler(req, res) {\n"
                  "  const r = await fetch(`https://api.example.com/u/${encodeURIComponent(req.query.u)}`);\n"
                  "  res.json(await r.json());\n}\n",
                  "const ALLOWED = new Set([\"a.example\"]);\nasync function f(u) {\n"
                  "  if (!ALLOWED.has(new URL(u).hostname)) throw new Error();\n  return fetch(u);\n}\n"),
    ),
    Rule(
        "js-open-redirect", "js", "CWE-601", "Open redirect",
        "the response redirects to a URL that the caller controls",
        "redirect only to local paths (starts with '/' and not '//') or to an allow-list of hosts",
        M, REDIRECT,
        sinks=(Sink("*res.redirect", args=(0, 1)), Sink("*.redirect", args=(0, 1)),
               Sink("NextResponse.redirect"), Sink("next/server.NextResponse.redirect"),
               Sink("*.writeHead", args=(1,), when=("@1~(?i)location",)),
               Sink("location.assign"), Sink("location.replace"), Sink("window.location.assign"),
               Sink("window.location.replace"), Sink("window.open"),
               Sink("location", kind="assign"), Sink("location.href", kind="assign"),
               Sink("window.location", kind="assign"), Sink("window.location.href", kind="assign"),
               Sink("document.location", kind="assign"), Sink("document.location.href", kind="assign")),
        positive=("app.get(\"/go\", (req, res) => {\n  res.redirect(req.query.next);\n});\n",),
        negative=("app.get(\"/go\", (req, res) => {\n  const n = req.query.next;\n"
                  "  res.redirect(typeof n === \"string\" && n.startsWith(\"/\") && !n.startsWith(\"//\")"
                  " ? n : \"/\");\n"
                  "});\n",),
    ),
    Rule(
        "js-unsafe-deserialization", "js", "CWE-502", "Unsafe deserialisation",
        "this deserialiser can run code embedded in the data",
        "parse data with JSON.parse(); with js-yaml use load() of v4 (safe schema) and never unsafeLoad()",
        H,
        sinks=(Sink("node-serialize.unserialize", tainted=False), Sink("serialize-to-js.deserialize", tainted=False),
               Sink("funcster.deepDeserialize", tainted=False), Sink("js-yaml.unsafeLoad", tainted=False),
               Sink("js-yaml.load", tainted=False, when=("schema~DEFAULT_FULL|unsafe",)),
               Sink("cryo.parse", tainted=False)),
        positive=("const serialize = require(\"node-serialize\");\nfunction f(x) {\n"
                  "  return serialize.unserialize(x);\n}\n",),
        negative=("function f(x) {\n  return JSON.parse(x);\n}\n",),
    ),
    Rule(
        "js-redos", "js", "CWE-1333", "Regular expression denial of service",
        "a regular expression with nested quantifiers backtracks exponentially on crafted input",
        "remove the nested repetition, bound the input length, or use a linear-time engine (re2)",
        M, check="redos",
        positive=("function f(s) {\n  return /^(\\w+\\s?)*$/.test(s);\n}\n",),
        negative=("function f(s) {\n  return /^[\\w ]{1,80}$/.test(s);\n}\n",),
    ),
    Rule(
        "js-regex-injection", "js", "CWE-730", "Regular expression injection",
        "untrusted input is compiled as a regular expression",
        "escape the input (escape-string-regexp, or s.replace(/[.*+?^${}()|[\\]\\\\]/g, \"\\\\$&\")) "
        "before new RegExp()",
        M, REGEX,
        sinks=(Sink("RegExp"),),
        positive=("function f(s) {\n  return new RegExp(s, \"i\");\n}\n",),
        negative=("function f(s) {\n  return new RegExp(escapeRegExp(s), \"i\");\n}\n",),
    ),
    Rule(
        "js-xxe", "js", "CWE-611", "XML external entities",
        "the XML parser expands external entities, so a document can read local files",
        "parse with entity expansion off: libxmljs.parseXml(xml, { noent: false, nonet: true })",
        H,
        sinks=(Sink("libxmljs.parseXml", tainted=False, when=("noent~true",)),
               Sink("libxmljs.parseXmlString", tainted=False, when=("noent~true",)),
               Sink("libxmljs2.parseXml", tainted=False, when=("noent~true",)),
               Sink("*.parseXml", tainted=False, when=("noent~true",))),
        positive=("import libxmljs from \"libxmljs\";\nfunction f(x) {\n"
                  "  return libxmljs.parseXml(x, { noent: true });\n}\n",),
        negative=("import libxmljs from \"libxmljs\";\nfunction f(x) {\n"
                  "  return libxmljs.parseXml(x, { noent: false, nonet: true });\n}\n",),
    ),
    Rule(
        "js-weak-hash", "js", "CWE-328", "Weak hash",
        "MD5/SHA-1 are broken for security uses (passwords, signatures, tokens)",
        "hash passwords with crypto.scrypt / argon2 / bcrypt and a random salt; use SHA-256 or better elsewhere",
        M, check="weak_hash",
        positive=("const crypto = require(\"crypto\");\nfunction f(p) {\n"
                  "  return { passwordHash: crypto.createHash(\"md5\").update(p).digest(\"hex\") };\n}\n",),
        negative=("const crypto = require(\"crypto\");\nfunction f(b) {\n"
                  "  const etag = crypto.createHash(\"sha256\").update(b).digest(\"hex\");\n  return etag;\n}\n",),
    ),
    Rule(
        "js-weak-cipher", "js", "CWE-327", "Broken or risky cipher",
        "ECB mode, DES, RC4 and createCipher (no IV) do not protect data",
        "use authenticated encryption: crypto.createCipheriv(\"aes-256-gcm\", key, randomIv)",
        H, check="weak_cipher",
        positive=("const crypto = require(\"crypto\");\nfunction f(k, d) {\n"
                  "  return crypto.createCipheriv(\"aes-128-ecb\", k, null).update(d);\n}\n",),
        negative=("const crypto = require(\"crypto\");\nfunction f(k, iv, d) {\n"
                  "  return crypto.createCipheriv(\"aes-256-gcm\", k, iv).update(d);\n}\n",),
    ),
    Rule(
        "js-insecure-random", "js", "CWE-330", "Insecure randomness",
        "Math.random() is predictable; it must not make tokens, passwords, OTPs or keys",
        "use crypto.randomBytes(32).toString(\"hex\"), crypto.randomInt(), crypto.randomUUID() or "
        "crypto.getRandomValues()",
        H, check="weak_random",
        positive=("function f() {\n  const resetToken = Math.random().toString(36).slice(2);\n"
                  "  return resetToken;\n}\n",),
        negative=("function f() {\n  const jitterMs = Math.floor(Math.random() * 250);\n  return jitterMs;\n}\n",),
    ),
    Rule(
        "js-tls-verify-disabled", "js", "CWE-295", "TLS certificate verification disabled",
        "certificate checks are turned off, so anyone on the path can impersonate the server",
        "keep rejectUnauthorized true (the default); for a private CA pass { ca: fs.readFileSync(caFile) }",
        H, check="tls",
        positive=("const https = require(\"https\");\nconst agent = new https.Agent({ rejectUnauthorized: false });\n",
                  "process.env.NODE_TLS_REJECT_UNAUTHORIZED = \"0\";\n"),
        negative=("const https = require(\"https\");\nconst agent = new https.Agent({ rejectUnauthorized: true });\n",),
    ),
    Rule(
        "js-jwt-verification-disabled", "js", "CWE-347", "JWT signature not verified",
        "the token's claims are used without verifying its signature (or alg none is accepted)",
        "verify with a key and a fixed algorithm list: jwt.verify(token, secret, { algorithms: [\"HS256\"] })",
        H, check="jwt",
        positive=("const jwt = require(\"jsonwebtoken\");\nfunction f(t) {\n  const c = jwt.decode(t);\n"
                  "  return c.role === \"admin\";\n}\n",),
        negative=("const jwt = require(\"jsonwebtoken\");\nfunction f(t) {\n"
                  "  return jwt.verify(t, process.env.S, { algorithms: [\"HS256\"] });\n}\n",),
    ),
    Rule(
        "js-cors-credentials-wildcard", "js", "CWE-942", "CORS: any origin with credentials",
        "every origin may make credentialed requests, so any site can read users' data",
        "list allowed origins explicitly when credentials are on: cors({ origin: [\"https://app.example.com\"], "
        "credentials: true })",
        H, check="cors",
        positive=("const cors = require(\"cors\");\napp.use(cors({ origin: \"*\", credentials: true }));\n",
                  "const cors = require(\"cors\");\napp.use(cors({ origin: true, credentials: true }));\n"),
        negative=("const cors = require(\"cors\");\napp.use(cors({ origin: \"*\" }));\n",
                  "const cors = require(\"cors\");\n"
                  "app.use(cors({ origin: [\"https://a.example\"], credentials: true }));\n"),
    ),
    Rule(
        "js-csrf-disabled", "js", "CWE-352", "CSRF protection disabled",
        "CSRF protection is switched off for a cookie-authenticated app",
        "keep CSRF protection on (lusca({ csrf: true }) / csrf-csrf) and send the token with forms and fetch calls",
        M, check="csrf",
        positive=("const lusca = require(\"lusca\");\napp.use(lusca({ csrf: false }));\n",),
        negative=("const lusca = require(\"lusca\");\napp.use(lusca({ csrf: true }));\n",),
    ),
    Rule(
        "js-hardcoded-credentials", "js", "CWE-798", "Hard-coded credentials",
        "a password, key or token is written into the source",
        "read it at run time from the environment or a secret store: process.env.DB_PASSWORD",
        H, check="hardcoded_secret",
        positive=("const JWT_SECRET = \"supersecret123\";\n",
                  "const pool = new Pool({ user: \"app\", password: \"postgres123!\" });\n",
                  "mongoose.connect(\"mongodb://admin:Adm1nPass!@db.internal:27017/app\");\n"),
        negative=("const JWT_SECRET = process.env.JWT_SECRET;\n", "const passwordField = \"password\";\n"),
    ),
)
