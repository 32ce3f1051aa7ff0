"""Database fixtures shared by every integration test.

- `database_url`: the URL of a fresh database, already migrated to head with
  `crm.db.migrate.upgrade_async` (so the migrations themselves are exercised). Parametrised
  over two backends:
    * `sqlite`: a temporary file, `sqlite+aiosqlite:///<tmp>/crm.sqlite3`;
    * `postgresql`: a new database with a random name on 127.0.0.1:5432 (user postgres, trust
      auth; override the server with AIGUILLEUR_TEST_PG_URL), dropped after the test.
      PostgreSQL being unreachable FAILS the test: CI always has it.
  AIGUILLEUR_TEST_DB=sqlite (or postgresql) restricts a local run to one backend.
- `db_backend`: "sqlite" or "postgresql", the backend of the current parameter.
- `uow_factory`: a `crm.db.unit_of_work.UnitOfWorkFactory` on `database_url`; calling it
  gives a unit of work (`async with uow_factory() as uow: ...; await uow.commit()`). Its
  engine is disposed after the test.
- `clock`: a `crm.clock.FakeClock` at 2025-01-06 09:00 UTC; advance it, never sleep.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from crm.clock import FakeClock
from crm.db.engine import create_engine
from crm.db.migrate import upgrade_async
from crm.db.unit_of_work import UnitOfWorkFactory

PG_SERVER_URL = os.environ.get(
    "AIGUILLEUR_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
_ALL_BACKENDS = ("sqlite", "postgresql")
_SELECTED = os.environ.get("AIGUILLEUR_TEST_DB")
BACKENDS = tuple(b for b in _ALL_BACKENDS if not _SELECTED or b == _SELECTED)


async def _pg_admin() -> asyncpg.Connection:
    url = make_url(PG_SERVER_URL)
    try:
        return await asyncpg.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            database=url.database or "postgres",
            timeout=5,
        )
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {url.render_as_string(hide_password=True)} "
            f"({type(exc).__name__}: {exc}). The suite runs on SQLite and PostgreSQL; start "
            "PostgreSQL (trust auth, user postgres) or set AIGUILLEUR_TEST_DB=sqlite for a "
            "local SQLite-only run.",
            pytrace=False,
        )


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(db_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A freshly migrated database (see the module docstring)."""
    if db_backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'crm.sqlite3'}"
        await upgrade_async(url)
        yield url
        return
    name = f"aiguilleur_test_{uuid.uuid4().hex[:12]}"
    admin = await _pg_admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade_async(url)
        yield url
    finally:
        admin = await _pg_admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def uow_factory(database_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    """Unit-of-work factory on the migrated database; the engine is disposed afterwards."""
    engine = create_engine(database_url)
    try:
        yield UnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
