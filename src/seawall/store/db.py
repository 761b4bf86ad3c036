"""The store: SQLite (WAL) by default, PostgreSQL by URL; schema managed by alembic migrations."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seawall.errors import SeawallError
from seawall.store import keys as keyfmt
from seawall.store.tables import audit_events, meta
from seawall.store.tables import keys as keys_table

_MIGRATIONS_LOCK = 0x5EA3A11  # PostgreSQL advisory lock id while migrating
CONNECT_TIMEOUT_S = 5  # PostgreSQL: a server that does not answer fails a connection attempt, not hangs it


_SQLITE_MAX_VARIABLES = 32_766  # SQLite >= 3.32 (Python 3.11 wheels ship 3.40+)

class StoreUnavailable(SeawallError):
    """The database cannot be reached or written now (down, refused, read-only, disk error). Transient
    from the gateway's point of view: clients get a 503, the audit writer keeps its events and retries."""


# audit columns with a length limit (PostgreSQL refuses longer strings; SQLite would keep them)
_LENGTHS = {c.name: c.type.length for c in audit_events.columns if isinstance(c.type, sa.String) and c.type.length}

# driver errors that mean "the database is not usable right now", as opposed to a refused statement
_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: str
    user: str
    team: str | None
    name: str | None
    last4: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def normal_url(url: str) -> str:
    """`sqlite:///~/x.db` -> absolute path; `postgresql://` -> the psycopg 3 driver."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            return "sqlite:///" + os.path.abspath(os.path.expanduser(path))
        return url
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    raise SeawallError(f"store: unsupported database URL scheme {url.split(':', 1)[0]!r} "
                       "(use sqlite:///path or postgresql://...)")


class Store:
    def __init__(self, url: str) -> None:
        self.url = normal_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            path = self.url[len("sqlite:///"):]
            if path and path != ":memory:":
                try:
                    Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                except OSError as exc:
                    raise SeawallError(f"store: cannot create the directory of {path} "
                                       f"({exc.strerror or type(exc).__name__})") from None
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        else:
            # pre-ping: a connection the server dropped (restart, outage) is replaced at checkout
            kwargs.update(pool_size=5, max_overflow=10, pool_pre_ping=True)
            # a server that goes silent (partition, no RST) is noticed in about 30 s, not at the OS's
            # two-hour keepalive default: libpq TCP keepalives plus a user timeout on unacknowledged data
            args: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                                    "keepalives_count": 3, "tcp_user_timeout": 30_000}
            if "connect_timeout" not in self.url:
                args["connect_timeout"] = CONNECT_TIMEOUT_S
            kwargs["connect_args"] = {k: v for k, v in args.items() if k not in self.url}
        try:
            self.engine: Engine = sa.create_engine(self.url, **kwargs)
        except Exception as exc:  # bad URL parts
            raise SeawallError(f"store: cannot use {self.safe_url()}: {type(exc).__name__}") from None
        if self.is_sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._pepper: bytes | None = None
        self._lock = threading.Lock()

    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        try:
            return sa.engine.make_url(self.url).render_as_string(hide_password=True)
        except Exception:
            return self.url.split("://", 1)[0] + "://…"

    # --- schema --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def guarded(self) -> Iterator[None]:
        """Connection-level failures become StoreUnavailable (one line, no SQL, no parameters)."""
        try:
            yield
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"store: {self.safe_url()} unavailable ({_short(exc)})") from None

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe when several replicas start at once. Fails with
        one line when the database cannot be reached or written (the gateway needs it for its audit log)."""
        logging.getLogger("alembic").setLevel(logging.WARNING)  # before import: it logs its plugins
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", "seawall.store:migrations")
        try:
            with self._migration_lock(), self.engine.begin() as conn:
                if not self.is_sqlite:
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATIONS_LOCK})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if self.is_sqlite:  # an up-to-date schema needs no write: prove that writing works (a
                    # read-only file or disk) before serving requests that could not be audited. Not on
                    # PostgreSQL, where read-only users (audit queries on a replica) are legitimate.
                    conn.execute(meta.update().where(meta.c.name == "write-probe").values(value="-"))
        except OSError as exc:  # the SQLite migration lock file next to the database
            raise SeawallError(f"store: cannot write {self.safe_url()}: {exc.strerror or type(exc).__name__} "
                               f"({exc.filename})") from None
        except sa.exc.DBAPIError as exc:
            what = "cannot write" if self.is_sqlite or "read-only" in _short(exc) else "cannot reach"
            raise SeawallError(f"store: {what} {self.safe_url()} ({_short(exc)})") from None

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if not self.is_sqlite or ":memory:" in self.url:
            yield
            return
        lock_path = self.url[len("sqlite:///"):] + ".migrate.lock"
        with open(lock_path, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # --- keys ------------------------------------------------------------------------------------

    def pepper(self) -> bytes:
        """The HMAC key for virtual-key hashes: $SEAWALL_KEY_PEPPER, else one generated once and
        kept in the store (setting the variable keeps it out of database backups)."""
        if self._pepper is not None:
            return self._pepper
        env = os.environ.get("SEAWALL_KEY_PEPPER")
        if env:
            self._pepper = env.encode()
            return self._pepper
        with self._lock, self.guarded(), self.engine.begin() as conn:
            row = conn.execute(sa.select(meta.c.value).where(meta.c.name == "key_pepper")).first()
            if row is None:
                value = secrets.token_hex(32)
                with contextlib.suppress(sa.exc.IntegrityError), conn.begin_nested():  # another process won
                    conn.execute(meta.insert().values(name="key_pepper", value=value))
                row = conn.execute(sa.select(meta.c.value).where(meta.c.name == "key_pepper")).first()
            assert row is not None
            self._pepper = str(row[0]).encode()
        return self._pepper

    def create_key(self, user: str, team: str | None = None, name: str | None = None) -> tuple[str, KeyRecord]:
        """A new virtual key. The key itself is returned once and never stored."""
        key = keyfmt.generate()
        rec = KeyRecord(id="key_" + uuid.uuid4().hex[:16], user=user, team=team, name=name, last4=key[-4:],
                        created_at=datetime.now(UTC), revoked_at=None)
        with self.guarded(), self.engine.begin() as conn:
            conn.execute(keys_table.insert().values(
                id=rec.id, key_hash=keyfmt.key_hash(key, self.pepper()), last4=rec.last4, user=user, team=team,
                name=name, created_at=rec.created_at, revoked_at=None))
        return key, rec

    def find_key(self, key: str) -> KeyRecord | None:
        """The record of a presented key (active or revoked), or None."""
        if not keyfmt.well_formed(key):
            return None
        digest = keyfmt.key_hash(key, self.pepper())
        with self.guarded(), self.engine.connect() as conn:
            row = conn.execute(sa.select(keys_table).where(keys_table.c.key_hash == digest)).mappings().first()
        return _record(row) if row is not None else None

    def list_keys(self, user: str | None = None, include_revoked: bool = False) -> list[KeyRecord]:
        q = sa.select(keys_table).order_by(keys_table.c.created_at)
        if user is not None:
            q = q.where(keys_table.c.user == user)
        if not include_revoked:
            q = q.where(keys_table.c.revoked_at.is_(None))
        with self.guarded(), self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]

    def revoke_key(self, key_id: str) -> bool:
        with self.guarded(), self.engine.begin() as conn:
            res = conn.execute(keys_table.update().where(
                (keys_table.c.id == key_id) & keys_table.c.revoked_at.is_(None)).values(revoked_at=datetime.now(UTC)))
        return bool(res.rowcount)

    # --- audit -------------------------------------------------------------------------------------

    def insert_audit(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert a batch through the driver's executemany: SQLAlchemy's per-row processing cost more
        CPU than the gateway's own work per request (measured with py-spy at ~1,000 requests/s).

        Idempotent: a row whose id is already there is skipped, so a batch retried after its commit
        landed but the acknowledgement was lost (connection cut) is not written twice. Strings longer
        than their column (a client-chosen model name) are cut to fit rather than refused by PostgreSQL.
        Raises StoreUnavailable when the database cannot be reached or written."""
        if not rows:
            return
        cols = [c.name for c in audit_events.columns]
        names = ", ".join(f'"{c}"' for c in cols)  # quoted: "user" is reserved in PostgreSQL
        values = [tuple(self._db_value(c, r.get(c)) for c in cols) for r in rows]
        head = f"INSERT INTO audit_events ({names}) VALUES "
        tail = ' ON CONFLICT ("id") DO NOTHING'
        with self.guarded(), self.engine.begin() as conn:
            if not self.is_sqlite:  # psycopg pipelines executemany
                conn.exec_driver_sql(head + "(" + ", ".join(["%s"] * len(cols)) + ")" + tail, values)
                return
            # SQLite: many rows per statement. executemany steps once per row, and Python's sqlite3
            # releases and re-takes the GIL around every step, stalling the event loop's thread.
            one = "(" + ", ".join(["?"] * len(cols)) + ")"
            per = max(1, _SQLITE_MAX_VARIABLES // len(cols))
            for i in range(0, len(values), per):
                chunk = values[i:i + per]
                flat = [v for row in chunk for v in row]
                conn.exec_driver_sql(head + ", ".join([one] * len(chunk)) + tail, tuple(flat))

    _JSON_COLUMNS = frozenset(c.name for c in audit_events.columns if isinstance(c.type, sa.JSON))

    def _db_value(self, col: str, value: Any) -> Any:
        if col in self._JSON_COLUMNS:
            return None if value is None else orjson.dumps(value).decode()
        if isinstance(value, str) and col in _LENGTHS:
            return value[: _LENGTHS[col]]
        if isinstance(value, datetime) and self.is_sqlite:  # SQLAlchemy's SQLite format, UTC without zone
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, bool) and self.is_sqlite:
            return int(value)
        return value

    def audit(self, limit: int = 1000) -> list[dict[str, Any]]:
        q = sa.select(audit_events).order_by(audit_events.c.ts.desc()).limit(limit)
        with self.guarded(), self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def connection(self) -> Connection:
        return self.engine.connect()

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> Store:
    store = Store(url)
    store.migrate()
    return store


def _record(row: Any) -> KeyRecord:
    return KeyRecord(id=row["id"], user=row["user"], team=row["team"], name=row["name"], last4=row["last4"],
                     created_at=_aware(row["created_at"]), revoked_at=_aware(row["revoked_at"]))


def _aware(ts: datetime | None) -> Any:
    if ts is not None and ts.tzinfo is None:  # SQLite gives naive datetimes back
        return ts.replace(tzinfo=UTC)
    return ts


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
