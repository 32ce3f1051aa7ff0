"""Run the schema migrations from code: the Alembic configuration lives here, not in an
alembic.ini, so it works from an installed package (`acd migrate` calls `upgrade`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from crm.db.engine import create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (usable from a running event loop)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_command, "upgrade", revision)
    finally:
        await engine.dispose()


async def downgrade_async(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_command, "downgrade", revision)
    finally:
        await engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking form for the CLI."""
    asyncio.run(upgrade_async(url, revision))


async def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
    finally:
        await engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _run_command(connection: Connection, name: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if name == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)
