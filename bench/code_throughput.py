"""Files per second of `seawall scan code` against Bandit on the same generated tree, same run.

usage: python bench/code_throughput.py [--files 5000] [--keep DIR] [--tree DIR] [--phases] [--repeat N]
                                      [--compare-src DIR]

The tree is a generated Python code base shaped like a real repository (fixed seed): package
`__init__` files, models (dataclasses, pydantic, Django, enums), services and API clients, utilities,
Flask and Django views, settings and CLIs, Django migrations and a quarter of pytest modules; file
sizes are log-normal (a few lines to several hundred, mean about 150). The code uses the library
calls ordinary code uses (SQL with parameters, subprocess with argument lists, requests with fixed
hosts, open(), hashlib, random for jitter and sampling, yaml.safe_load ...), so most files hold
names that rules look for without being insecure; about 3% of the files get one insecure site (SQL
built with an f-string, a shell command, a random token, yaml.load, verify=False ...). The script
prints how many files each tool flagged, so the mix can be checked.

Both tools scan all of it from a cold process (start-up included):
  seawall: `python -m seawall scan code TREE -f sarif -j 1` and `-j 0` (one worker per CPU)
  bandit:  `bandit -r TREE -f json -q` (single process; Bandit has no parallel mode)
The same tree, the same files, in one run. `--phases` also times seawall's phases in one process
(walk, read, prefilter, parse, analysis, secrets, output). `--repeat N` runs each tool N times and keeps
the fastest run of each. `--compare-src DIR` also times the seawall whose `src` folder is DIR (an
older checkout: `git archive REV src | tar -x -C DIR/..`) on the same tree, in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from string import Template

# --- the generated code base ----------------------------------------------------------------------

_NOUNS = ["user", "order", "invoice", "product", "account", "customer", "report", "ticket", "event", "shipment",
          "payment", "subscription", "project", "task", "comment", "document", "message", "team", "device", "job",
          "warehouse", "vendor", "booking", "coupon", "review"]
_FIELDS = ["name", "email", "status", "amount", "currency", "title", "description", "priority", "quantity",
           "price", "country", "notes", "score", "label", "version", "region", "category", "reference"]
_PKGS = ["core", "billing", "accounts", "catalog", "orders", "support", "analytics", "shipping", "notifications",
         "integrations", "reports", "search", "api", "web", "workers", "common", "inventory", "auth"]


class _Unit:
    """One piece of a module: its code, the imports it needs and module-level lines it relies on."""

    def __init__(self, code: str, imports: tuple[str, ...] = (), pre: tuple[str, ...] = ()) -> None:
        self.code, self.imports, self.pre = code, imports, pre


def _names(r: random.Random) -> dict[str, str]:
    n = r.choice(_NOUNS)
    f1, f2, f3 = r.sample(_FIELDS, 3)
    return {"n": n, "N": "".join(p.title() for p in n.split("_")), "f1": f1, "f2": f2, "f3": f3,
            "k": str(r.randint(2, 90)), "pkg": r.choice(_PKGS)}


def _t(text: str, names: dict[str, str]) -> str:
    return Template(text).substitute(names)


_ANY = "from typing import Any"
_LOG = ("import logging",)
_LOGGER = ("logger = logging.getLogger(__name__)",)

# Ordinary code. Each entry: (template, imports, module-level lines).
_CLEAN: dict[str, list[tuple[str, tuple[str, ...], tuple[str, ...]]]] = {
    "model": [
        ('''@dataclass
class $N:
    """A $n as stored in the database."""

    id: int
    $f1: str
    $f2: str | None = None
    $f3: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "$f1": self.$f1, "$f2": self.$f2, "$f3": list(self.$f3)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> $N:
        return cls(
            id=int(data["id"]),
            $f1=str(data.get("$f1", "")),
            $f2=data.get("$f2"),
            $f3=list(data.get("$f3", [])),
        )
''', ("from dataclasses import dataclass, field", _ANY), ()),
        ('''class ${N}Status(str, Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"

    @property
    def is_final(self) -> bool:
        return self in (${N}Status.ARCHIVED,)

    @classmethod
    def parse(cls, value: str) -> ${N}Status:
        try:
            return cls(value.lower())
        except ValueError:
            raise ValueError(f"unknown $n status: {value!r}") from None
''', ("from enum import Enum",), ()),
        ('''class ${N}Create(BaseModel):
    $f1: str = Field(min_length=1, max_length=200)
    $f2: str | None = None
    tags: list[str] = Field(default_factory=list)

    @field_validator("$f1")
    @classmethod
    def strip_$f1(cls, v: str) -> str:
        return v.strip()


class ${N}Out(${N}Create):
    id: int
    created_at: datetime

    model_config = ConfigDict(from_attributes=True)
''', ("from pydantic import BaseModel, ConfigDict, Field, field_validator", "from datetime import datetime"), ()),
        ('''class $N(models.Model):
    $f1 = models.CharField(max_length=200)
    $f2 = models.TextField(blank=True, default="")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="${n}s")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return self.$f1

    def get_absolute_url(self) -> str:
        return reverse("$n-detail", kwargs={"pk": self.pk})
''', ("from django.conf import settings", "from django.db import models", "from django.urls import reverse"), ()),
        ('''class ${N}Store(Protocol):
    """Where ${n}s live; the service does not care which backend."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...

    def delete(self, key: str) -> bool: ...


class InMemory${N}Store:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        item = self._items.get(key)
        return dict(item) if item is not None else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._items[key] = dict(value)

    def delete(self, key: str) -> bool:
        return self._items.pop(key, None) is not None
''', ("from typing import Any, Protocol",), ()),
    ],
    "service": [
        ('''class ${N}Repository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, ${n}_id: int) -> dict[str, Any] | None:
        cur = self.conn.execute("SELECT id, $f1, $f2 FROM ${n}s WHERE id = ?", (${n}_id,))
        row = cur.fetchone()
        return None if row is None else dict(zip(("id", "$f1", "$f2"), row))

    def list_by_$f1(self, value: str, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, $f1, $f2 FROM ${n}s WHERE $f1 = ? ORDER BY id LIMIT ?", (value, limit)
        ).fetchall()
        return [dict(zip(("id", "$f1", "$f2"), r)) for r in rows]

    def update_$f2(self, ${n}_id: int, value: str) -> None:
        with self.conn:
            self.conn.execute("UPDATE ${n}s SET $f2 = ? WHERE id = ?", (value, ${n}_id))

    def delete(self, ${n}_id: int) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM ${n}s WHERE id = ?", (${n}_id,))
''', ("import sqlite3", _ANY), ()),
        ('''class ${N}NotFound(LookupError):
    """Raised when a $n does not exist."""


class ${N}Service:
    def __init__(self, repo: Any, notifier: Any | None = None) -> None:
        self.repo = repo
        self.notifier = notifier

    def get(self, ${n}_id: int) -> dict[str, Any]:
        item = self.repo.get(${n}_id)
        if item is None:
            raise ${N}NotFound(${n}_id)
        return item

    def archive_stale(self, older_than_days: int = 30) -> int:
        """Archive ${n}s that have not changed for `older_than_days` days."""
        cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
        count = 0
        for item in self.repo.list_by_status("closed"):
            if item["updated_at"] < cutoff:
                self.repo.archive(item["id"])
                count += 1
        logger.info("archived %d ${n}s older than %s", count, cutoff.isoformat())
        if self.notifier is not None and count:
            self.notifier.send(f"{count} ${n}s archived")
        return count
''', (_ANY, "from datetime import datetime, timedelta, timezone", *_LOG), _LOGGER),
        ('''class ${N}Client:
    """Thin client for the $n API."""

    def __init__(self, base_url: str = API_URL, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "$pkg/1.0"

    def fetch(self, ${n}_id: int) -> dict[str, Any]:
        resp = self.session.get(f"{self.base_url}/${n}s/{${n}_id}", timeout=self.timeout)
        resp.raise_for_status()
        return resp.json()

    def search(self, query: str, page: int = 1) -> list[dict[str, Any]]:
        resp = self.session.get(f"{self.base_url}/${n}s", params={"q": query, "page": page},
                                timeout=self.timeout)
        resp.raise_for_status()
        return resp.json()["results"]

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        resp = self.session.post(f"{self.base_url}/${n}s", json=payload, timeout=self.timeout)
        if resp.status_code == 409:
            raise ValueError("$n already exists")
        resp.raise_for_status()
        return resp.json()
''', ("import requests", "import os", _ANY), ('API_URL = os.environ.get("API_URL", "https://api.example.com/v1")',)),
        ('''async def fetch_${n}s(ids: Sequence[int]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=API_BASE, timeout=10) as client:
        responses = await asyncio.gather(*(client.get(f"/${n}s/{i}") for i in ids))
    return [r.json() for r in responses if r.status_code == 200]


async def poll_$n(${n}_id: int, interval: float = 2.0, attempts: int = 30) -> dict[str, Any] | None:
    async with httpx.AsyncClient(base_url=API_BASE, timeout=10) as client:
        for _ in range(attempts):
            resp = await client.get(f"/${n}s/{${n}_id}/status")
            if resp.status_code == 200 and resp.json().get("done"):
                return resp.json()
            await asyncio.sleep(interval)
    return None
''', ("import asyncio", "import httpx", "from collections.abc import Sequence", _ANY),
         ('API_BASE = "https://api.example.com/v2"',)),
        ('''_cache: dict[str, tuple[float, Any]] = {}


def cached(key: str, ttl: float, compute: Callable[[], Any]) -> Any:
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    value = compute()
    _cache[key] = (now, value)
    return value


def invalidate(prefix: str = "") -> int:
    keys = [k for k in _cache if k.startswith(prefix)]
    for k in keys:
        del _cache[k]
    return len(keys)
''', ("import time", "from collections.abc import Callable", _ANY), ()),
        ('''def publish_$n(channel: Any, ${n}_id: int, event: str, payload: dict[str, Any] | None = None) -> None:
    message = {
        "type": f"$n.{event}",
        "id": ${n}_id,
        "at": datetime.now(timezone.utc).isoformat(),
        "payload": payload or {},
    }
    body = json.dumps(message, separators=(",", ":"), sort_keys=True)
    for attempt in range(3):
        try:
            channel.basic_publish(exchange="${n}s", routing_key=event, body=body)
            return
        except ConnectionError:
            logger.warning("publish failed (attempt %d), retrying", attempt + 1)
            time.sleep(0.2 * (attempt + 1))
    raise RuntimeError("could not publish $n event")
''', ("import json", "import time", "from datetime import datetime, timezone", _ANY, *_LOG), _LOGGER),
    ],
    "util": [
        ('''def slugify(value: str, max_length: int = 64) -> str:
    """Lower-case, ASCII-only, dash-separated version of `value`."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = _SLUG_RE.sub("-", value.lower()).strip("-")
    return value[:max_length].rstrip("-")
''', ("import re", "import unicodedata"), ('_SLUG_RE = re.compile(r"[^a-z0-9]+")',)),
        ('''def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    if size <= 0:
        raise ValueError("size must be positive")
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def first(items: Iterable[T], default: T | None = None) -> T | None:
    return next(iter(items), default)
''', ("from collections.abc import Iterable, Iterator, Sequence", "from typing import TypeVar"),
         ('T = TypeVar("T")',)),
        ('''def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def etag_for(body: bytes) -> str:
    etag = hashlib.md5(body).hexdigest()
    return f'"{etag}"'
''', ("import hashlib",), ()),
        ('''def backoff_delay(attempt: int, base: float = 0.5, cap: float = 30.0) -> float:
    return min(cap, base * 2 ** attempt) * random.uniform(0.5, 1.5)


def sample_rows(rows: list[dict[str, Any]], k: int, seed: int | None = None) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return rng.sample(rows, min(k, len(rows)))
''', ("import random", _ANY), ()),
        ('''def retry(times: int = 3, exceptions: tuple[type[BaseException], ...] = (OSError,)) -> Callable[..., Any]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for attempt in range(times):
                try:
                    return fn(*args, **kwargs)
                except exceptions:
                    if attempt == times - 1:
                        raise
                    time.sleep(0.1 * 2 ** attempt)
            return None
        return wrapper
    return deco
''', ("import functools", "import time", "from collections.abc import Callable", _ANY), ()),
        ('''def summarise(rows: Iterable[dict[str, Any]]) -> dict[str, float]:
    totals: defaultdict[str, float] = defaultdict(float)
    counts: Counter[str] = Counter()
    for row in rows:
        key = row.get("$f1") or "unknown"
        totals[key] += float(row.get("amount", 0))
        counts[key] += 1
    return {k: round(totals[k] / counts[k], 2) for k in totals}


def top_n(rows: Iterable[dict[str, Any]], n: int = 10, key: str = "score") -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r.get(key, 0), reverse=True)[:n]
''', ("from collections import Counter, defaultdict", "from collections.abc import Iterable", _ANY), ()),
        ('''def load_${n}_schema() -> dict[str, Any]:
    with open(SCHEMAS / "$n.schema.json", encoding="utf-8") as fh:
        return json.load(fh)


def write_atomic(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)
''', ("import json", "import os", "import tempfile", "from pathlib import Path", _ANY),
         ('SCHEMAS = Path(__file__).resolve().parent / "schemas"',)),
        ('''def git_revision(repo: Path) -> str:
    out = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True,
                         text=True)
    return out.stdout.strip()


def run_checked(args: list[str], cwd: Path | None = None, timeout: float = 60) -> str:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {proc.stderr.strip()[:200]}")
    return proc.stdout
''', ("import subprocess", "from pathlib import Path"), ()),
        ('''def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def humanize_delta(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
''', ("from datetime import datetime, timedelta, timezone",), ()),
        ('''def load_settings(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("settings must be a mapping")
    return {k.lower(): v for k, v in data.items() if not k.startswith("_")}


def dump_settings(settings: dict[str, Any]) -> str:
    return yaml.safe_dump(settings, sort_keys=True, default_flow_style=False)
''', ("import yaml", _ANY), ()),
        ('''def read_csv_rows(text: str, required: Sequence[str] = ("id", "$f1")) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    return [row for row in reader if any(v.strip() for v in row.values())]
''', ("import csv", "import io", "from collections.abc import Sequence"), ()),
    ],
    "view": [
        ('''@bp.route("/${n}s/<int:${n}_id>")
def show_$n(${n}_id: int):
    item = db.session.get($N, ${n}_id)
    if item is None:
        abort(404)
    return render_template("${n}s/show.html", item=item)


@bp.route("/${n}s")
def list_${n}s():
    page = request.args.get("page", 1, type=int)
    q = request.args.get("q", "").strip()
    query = $N.query.order_by($N.id.desc())
    if q:
        query = query.filter($N.$f1.ilike(f"%{q}%"))
    items = query.paginate(page=page, per_page=20)
    return jsonify([i.to_dict() for i in items.items])


@bp.route("/${n}s", methods=["POST"])
def create_$n():
    data = request.get_json(silent=True) or {}
    if not data.get("$f1"):
        return jsonify(error="$f1 is required"), 400
    item = $N($f1=data["$f1"], $f2=data.get("$f2"))
    db.session.add(item)
    db.session.commit()
    return jsonify(item.to_dict()), 201
''', ("from flask import Blueprint, abort, jsonify, render_template, request", "from .models import db",
          "from .models import $N"), ('bp = Blueprint("${n}s", __name__)',)),
        ('''class ${N}ListView(LoginRequiredMixin, ListView):
    model = $N
    paginate_by = 25
    template_name = "${n}s/list.html"

    def get_queryset(self):
        qs = super().get_queryset().filter(owner=self.request.user)
        status = self.request.GET.get("status")
        if status in ("open", "closed"):
            qs = qs.filter(status=status)
        return qs


class ${N}DetailView(LoginRequiredMixin, DetailView):
    model = $N

    def get_queryset(self):
        return super().get_queryset().filter(owner=self.request.user)
''', ("from django.contrib.auth.mixins import LoginRequiredMixin",
          "from django.views.generic import DetailView, ListView",
          "from .models import $N"), ()),
        ('''@router.get("/${n}s/{${n}_id}", response_model=${N}Out)
async def get_$n(${n}_id: int, session: AsyncSession = Depends(get_session)) -> ${N}Out:
    item = await session.get($N, ${n}_id)
    if item is None:
        raise HTTPException(status_code=404, detail="$n not found")
    return ${N}Out.model_validate(item)


@router.post("/${n}s", response_model=${N}Out, status_code=201)
async def create_$n(body: ${N}Create, session: AsyncSession = Depends(get_session)) -> ${N}Out:
    item = $N(**body.model_dump())
    session.add(item)
    await session.commit()
    await session.refresh(item)
    return ${N}Out.model_validate(item)
''', ("from fastapi import APIRouter, Depends, HTTPException", "from sqlalchemy.ext.asyncio import AsyncSession",
          "from .db import get_session", "from .models import $N", "from .schemas import ${N}Create, ${N}Out"),
         ('router = APIRouter(prefix="/api")',)),
    ],
    "test": [
        ('''@pytest.fixture
def $n():
    return {"id": 1, "$f1": "example", "$f2": None}


def test_${n}_round_trip($n):
    data = dict($n)
    assert data["id"] == 1
    assert data["$f1"] == "example"


@pytest.mark.parametrize(("value", "expected"), [("a", "a"), ("A b", "a-b"), ("  x  ", "x")])
def test_normalise_${n}_$f1(value, expected):
    assert value.strip().lower().replace(" ", "-") == expected
''', ("import pytest",), ()),
        ('''def test_${n}_service_calls_repo():
    repo = mock.Mock()
    repo.get.return_value = {"id": 7, "$f1": "x"}
    assert repo.get(7)["id"] == 7
    repo.get.assert_called_once_with(7)


def test_${n}_missing_raises():
    repo = mock.Mock()
    repo.get.return_value = None
    with pytest.raises(LookupError):
        if repo.get(3) is None:
            raise LookupError(3)
''', ("import pytest", "from unittest import mock"), ()),
        ('''def test_${n}_api_list(client):
    resp = client.get("/${n}s?page=2")
    assert resp.status_code == 200
    body = resp.get_json()
    assert isinstance(body, list)


def test_${n}_api_create_requires_$f1(client):
    resp = client.post("/${n}s", json={"$f2": "x"})
    assert resp.status_code == 400
    assert "$f1" in resp.get_json()["error"]
''', (), ()),
        ('''def test_${n}_export(tmp_path):
    out = tmp_path / "${n}s.csv"
    out.write_text("id,$f1\\n1,a\\n", encoding="utf-8")
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "id,$f1"
    assert len(rows) == 2


def test_${n}_digest_is_stable():
    a = hashlib.sha256(b"$n").hexdigest()
    b = hashlib.sha256(b"$n").hexdigest()
    assert a == b
''', ("import hashlib",), ()),
        ('''class Test${N}Status:
    def test_parse(self):
        assert "ACTIVE".lower() == "active"

    def test_ordering(self):
        items = sorted([3, 1, 2])
        assert items == [1, 2, 3]

    @pytest.mark.parametrize("n", [0, 1, $k])
    def test_pages(self, n):
        assert max(0, n) >= 0
''', ("import pytest",), ()),
    ],
    "config": [
        ('''DEBUG = os.environ.get("DEBUG", "0") == "1"
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///local.db")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost").split(",") if h]
CACHE_TTL = int(os.environ.get("CACHE_TTL", "300"))
PAGE_SIZE = 50
TIME_ZONE = "UTC"
FEATURE_FLAGS = {
    "new_checkout": os.environ.get("FF_NEW_CHECKOUT") == "1",
    "bulk_export": True,
    "beta_reports": False,
}
''', ("import os",), ()),
        ('''def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export ${n}s as CSV.")
    parser.add_argument("--since", type=date.fromisoformat, default=None)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    writer = csv.writer(sys.stdout)
    writer.writerow(["id", "$f1", "$f2"])
    count = 0
    for row in iter_${n}s(since=args.since, limit=args.limit):
        writer.writerow([row["id"], row["$f1"], row.get("$f2", "")])
        count += 1
    logger.info("exported %d ${n}s", count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
''', ("import argparse", "import csv", "import sys", "from datetime import date", *_LOG,
          "from .queries import iter_${n}s"), _LOGGER),
    ],
}

_MIGRATION_OP = '''        migrations.AddField(
            model_name="$n",
            name="$f1",
            field=models.CharField(blank=True, default="", max_length=$k),
        ),
        migrations.AlterField(
            model_name="$n",
            name="$f2",
            field=models.TextField(blank=True, null=True),
        ),
'''

# One insecure site; about 3% of the files get one.
_INSECURE: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ('''def find_${n}s_by_$f1(value):
    cur = sqlite3.connect("app.db").cursor()
    cur.execute(f"SELECT * FROM ${n}s WHERE $f1 = '{value}'")
    return cur.fetchall()
''', ("import sqlite3",), ()),
    ('''def ping_host(host):
    return os.system("ping -c 1 " + host)
''', ("import os",), ()),
    ('''def new_reset_token():
    token = "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(24))
    return token
''', ("import random",), ()),
    ('''def load_${n}_rules(text):
    return yaml.load(text)
''', ("import yaml",), ()),
    ('''def fetch_internal_$n(${n}_id):
    return requests.get(f"https://internal.example.com/${n}s/{${n}_id}", verify=False, timeout=5).json()
''', ("import requests",), ()),
    ('''SMTP_PASSWORD = "Rk9x-2mQ7vLp8Tz"
''', (), ()),
    ('''def hash_password(password):
    return hashlib.md5(password.encode()).hexdigest()
''', ("import hashlib",), ()),
    ('''def archive(path, name):
    subprocess.run(f"tar czf /tmp/{name}.tgz {path}", shell=True, check=True)
''', ("import subprocess",), ()),
]

_KINDS = [("init", 10), ("model", 12), ("service", 18), ("util", 15), ("view", 8), ("test", 25), ("config", 5),
          ("migration", 7)]


def _module(r: random.Random, kind: str) -> str:
    """One file's text."""
    if kind == "init":
        names = _names(r)
        items = [f"from .{r.choice(['models', 'services', 'utils', 'client', 'errors'])} import "
                 f"{_names(r)['N']}{r.choice(['', 'Service', 'Client', 'Error'])}" for _ in range(r.randint(0, 6))]
        doc = [f'"""The {names["pkg"]} package."""'] if r.random() < 0.6 else []
        return "\n".join(doc + sorted(set(items))) + ("\n" if doc or items else "")
    if kind == "migration":
        names = _names(r)
        ops = "".join(_t(_MIGRATION_OP, _names(r)) for _ in range(max(1, int(r.lognormvariate(1.0, 0.7)))))
        return (f"# Generated by Django 4.2 on 2024-0{r.randint(1, 9)}-1{r.randint(0, 9)}\n\n"
                "from django.db import migrations, models\n\n\n"
                "class Migration(migrations.Migration):\n"
                f"    dependencies = [(\"{names['pkg']}\", \"{int(names['k']):04d}_auto\")]\n\n"
                f"    operations = [\n{ops}    ]\n")
    count = max(1, min(60, round(r.lognormvariate(math.log(6.5), 0.8))))
    pools = {"model": ["model"], "service": ["service", "service", "util"], "util": ["util"], "view": ["view"],
             "test": ["test"], "config": ["config"]}[kind]
    units: list[_Unit] = []
    for _ in range(count if kind != "config" else 1):
        tpl, imps, pre = r.choice(_CLEAN[r.choice(pools)])
        names = _names(r)
        units.append(_Unit(_t(tpl, names), tuple(_t(i, names) for i in imps), tuple(_t(p, names) for p in pre)))
    if r.random() < 0.03:
        tpl, imps, pre = r.choice(_INSECURE)
        names = _names(r)
        units.insert(r.randrange(len(units) + 1), _Unit(_t(tpl, names), imps, pre))
    std = sorted({i for u in units for i in u.imports if not i.startswith("from .")}, key=lambda i: i.split()[1])
    local = sorted({i for u in units for i in u.imports if i.startswith("from .")})
    pre_lines = list(dict.fromkeys(p for u in units for p in u.pre))
    head = [f'"""{kind.title()} code for {_names(r)["pkg"]}."""', "", "from __future__ import annotations", ""]
    head += std + (["", *local] if local else [])
    body = "\n\n".join(u.code for u in units)
    return "\n".join(head) + "\n\n" + ("\n".join(pre_lines) + "\n\n\n" if pre_lines else "\n") + body


def generate(root: Path, n: int, seed: int = 20261125) -> int:
    """`n` Python files under `root`; returns their total size in bytes."""
    rnd = random.Random(seed)
    kinds = [k for k, w in _KINDS for _ in range(w)]
    total = 0
    for i in range(n):
        kind = rnd.choice(kinds)
        pkg = root / "src" / _PKGS[i % len(_PKGS)] / f"sub{(i // len(_PKGS)) % 12:02d}"
        if kind == "test":
            pkg = root / "tests" / _PKGS[i % len(_PKGS)] / f"sub{(i // len(_PKGS)) % 12:02d}"
        name = {"init": "__init__", "migration": f"migrations/{i:05d}_auto", "test": f"test_m{i:05d}"}.get(
            kind, f"m{i:05d}_{kind}")
        if kind == "init":
            name = f"p{i:05d}/__init__"
        path = pkg / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = _module(rnd, kind)
        path.write_text(body, encoding="utf-8")
        total += len(body.encode())
    return total


# --- running the tools ----------------------------------------------------------------------------


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return dt


def _best(fn: Callable[[], float], repeat: int) -> float:
    return min(fn() for _ in range(max(1, repeat)))


def _flagged_sarif(path: Path) -> int:
    doc = json.loads(path.read_text())
    return len({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for run in doc["runs"] for r in run["results"]})


def _flagged_bandit(path: Path) -> tuple[int, int]:
    doc = json.loads(path.read_text())
    res = doc.get("results", [])
    return len({r["filename"] for r in res}), len({r["filename"] for r in res if r["test_id"] != "B101"})


def phases(tree: Path) -> None:
    """Seawall's phases in one process (Python files; the collector paused as the CLI does)."""
    import ast
    import gc

    from seawall.cli import scan_code
    from seawall.detect import registry
    from seawall.detect.code import python
    from seawall.detect.findings import Origin
    from seawall.report.sarif import to_sarif
    from seawall.scanning.walk import SourceFile, read_source

    secrets = registry.get("secrets")
    gate = python.prefilter(batch=True)
    t: dict[str, float] = dict.fromkeys(("walk", "read", "parse", "prefilter", "analysis", "secrets"), 0.0)
    clock = time.perf_counter
    gc.disable()
    try:
        t0 = clock()
        targets, _notes = scan_code.collect([tree])
        t["walk"] = clock() - t0
        hot = skipped = 0
        for path, rel in targets:
            t0 = clock()
            src = read_source(path, rel, 5 << 20)
            t1 = clock()
            t["read"] += t1 - t0
            if not isinstance(src, SourceFile):
                continue
            try:
                tree_ = ast.parse(src.text)
            except (SyntaxError, ValueError):
                continue
            t2 = clock()
            an = python._Analyser(tree_, src.text.split("\n"), aliases=False)
            an.use_gate(gate.lines(src.text, an.find_aliases))
            t3 = clock()
            an.run()
            t4 = clock()
            list(secrets.scan(src.text, Origin(path=rel)))
            t5 = clock()
            t["parse"] += t2 - t1
            t["prefilter"] += t3 - t2
            t["analysis"] += t4 - t3
            t["secrets"] += t5 - t4
            g = an.gate
            skipped += g is not None and not g.hot and not (g.route and g.lt)
            hot += g is None or bool(g.hot)
        t0 = clock()
        res = scan_code.scan_targets(targets, jobs=1)
        t_scan = clock() - t0
        t0 = clock()
        json.dumps(to_sarif(res.findings, root=tree))
        t_out = clock() - t0
    finally:
        gc.enable()
    n = len(targets)
    print(f"phases (one process, {n} files; {skipped} files without a hot line skip the analysis):")
    for k, v in t.items():
        print(f"  {k:10} {1e3 * v:8.0f} ms  {1e6 * v / max(n, 1):7.0f} us/file")
    print(f"  scan as the CLI runs it (read, parse, prefilter, analysis, secrets, suppressions): "
          f"{1e3 * t_scan:.0f} ms, {n / t_scan:.0f} files/s")
    print(f"  output (SARIF, {len(res.findings)} findings): {1e3 * t_out:.0f} ms")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--tree", type=Path, help="scan this existing tree instead of generating one")
    ap.add_argument("--phases", action="store_true", help="also time seawall's phases in this process")
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool; the fastest counts")
    ap.add_argument("--compare-src", type=Path, help="also time the seawall in this src folder")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="seawall-code-bench-"))
    try:
        if a.tree:
            tree = a.tree
            files = sum(1 for _ in tree.rglob("*.py"))
            size = sum(p.stat().st_size for p in tree.rglob("*.py"))
        else:
            tree = tmp / "tree"
            files = a.files
            size = generate(tree, a.files)
        print(f"tree: {files} Python files, {size / 1e6:.1f} MB, {os.cpu_count()} CPUs, "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        bandit = next((str(p) for p in (Path(sys.executable).parent / "bandit",
                                        Path.home() / ".cache/seawall-bench/bin/bandit") if p.exists()),
                      shutil.which("bandit"))
        entry = [sys.executable, "-c",
                 "import sys, seawall.cli.scan_code; from seawall.cli.main import app; "
                 "sys.argv=['seawall', *sys.argv[1:]]; app()"]
        sw1 = _best(lambda: _time([*entry, "scan", "code", str(tree), "-f", "sarif", "-o", str(tmp / "sw1.sarif"),
                                   "-j", "1"]), a.repeat)
        swn = _best(lambda: _time([*entry, "scan", "code", str(tree), "-f", "sarif", "-o", str(tmp / "swn.sarif"),
                                   "-j", "0"]), a.repeat)
        old: tuple[float, float] | None = None
        if a.compare_src:
            env = {**os.environ, "PYTHONPATH": str(a.compare_src.resolve())}

            def old_run(j: str) -> float:
                t0 = time.perf_counter()
                subprocess.run([*entry, "scan", "code", str(tree), "-f", "sarif", "-o", str(tmp / "old.sarif"),
                                "-j", j], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                return time.perf_counter() - t0

            old = (_best(lambda: old_run("1"), a.repeat), _best(lambda: old_run("0"), a.repeat))
            same = _flagged_sarif(tmp / "old.sarif") == _flagged_sarif(tmp / "sw1.sarif")
            print(f"compared seawall ({a.compare_src}): -j 1 {old[0]:.2f} s {files / old[0]:.0f} files/s, "
                  f"-j 0 {old[1]:.2f} s {files / old[1]:.0f} files/s; same files flagged: {same}")
        flagged = _flagged_sarif(tmp / "sw1.sarif")
        print(f"seawall -j 1 : {sw1:7.2f} s  {files / sw1:8.0f} files/s   files flagged: {flagged} "
              f"({100 * flagged / files:.1f}%)")
        print(f"seawall -j 0 : {swn:7.2f} s  {files / swn:8.0f} files/s")
        if bandit is None:
            print("bandit not installed; no ratio")
            return 0
        bt = _best(lambda: _time([bandit, "-r", str(tree), "-f", "json", "-q", "-o", str(tmp / "bandit.json")]),
                   a.repeat)
        bf, bf_noassert = _flagged_bandit(tmp / "bandit.json")
        print(f"bandit       : {bt:7.2f} s  {files / bt:8.0f} files/s   files flagged: {bf} ({100 * bf / files:.1f}%;"
              f" {bf_noassert} without B101 assert_used)")
        print(f"ratio (single process, seawall -j 1 vs bandit): {bt / sw1:.1f}x")
        print(f"ratio (seawall -j 0 vs bandit):                  {bt / swn:.1f}x   goal >= 10x")
        if old is not None:
            print(f"ratio of the compared seawall vs bandit: -j 1 {bt / old[0]:.1f}x, -j 0 {bt / old[1]:.1f}x")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if a.phases:
            phases(tree)
    finally:
        if a.keep and not a.tree:
            shutil.copytree(tmp / "tree", a.keep, dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
