"""Engine from a URL: SQLite (default, one node) or PostgreSQL (several nodes)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from crm.db.sqlite import OneTripAiosqlite

DEFAULT_URL = "sqlite+aiosqlite:///var/aiguilleur.sqlite3"

# What the composition root holds the database by.
Engine = AsyncEngine


def create_engine(url: str = DEFAULT_URL, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite every connection gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        # Sessions and connections always end their transaction before giving the
        # connection back; skipping the pool's extra rollback saves a thread hop per use
        # with aiosqlite (visible in look-up latency).
        kwargs.setdefault("pool_reset_on_return", None)
        # A fixed pool: with aiosqlite each connection is a thread plus its pragmas, and
        # the default overflow opened and closed one per burst of IVR look-ups. SQLite
        # runs one writer at a time anyway; a look-up beyond eight waits its turn.
        if parsed.database not in (None, "", ":memory:"):
            kwargs.setdefault("pool_size", 8)
            kwargs.setdefault("max_overflow", 0)
    if parsed.drivername == "sqlite+aiosqlite":
        kwargs.setdefault("module", OneTripAiosqlite())
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL makes NORMAL durable against application crashes; only power loss can drop
        # the last transactions.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB page cache (default is 2 MiB): keeps hot index pages in memory.
        cursor.execute("PRAGMA cache_size=-65536")
    finally:
        cursor.close()


def ensure_sqlite_directory(database_url: str) -> None:
    """The SQLite file and its directory, readable by this user only (it holds
    customers' numbers and cases): SQLite would create the file with the umask's
    mode and not create the directory. Its journal and WAL files take its mode."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
        # A file made before (by an older version, or a migration run first) too.
        mode = stat.S_IMODE(database.stat().st_mode)
        if mode & 0o077:
            database.chmod(mode & 0o700)
