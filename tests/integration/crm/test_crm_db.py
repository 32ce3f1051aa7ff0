"""Schema, migrations and the unit of work, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from crm.clock import FakeClock
from crm.db.engine import create_engine
from crm.db.migrate import current_revision, downgrade_async, head_revision, upgrade_async
from crm.db.models import Base, Customer
from crm.db.unit_of_work import UnitOfWorkFactory


def _customer(clock: FakeClock, account: str) -> Customer:
    now = clock.now()
    return Customer(account_number=account, created_at=now, updated_at=now)


async def test_fixture_database_is_migrated_to_head(database_url: str):
    assert await current_revision(database_url) == head_revision()


async def test_migrations_match_the_models(database_url: str):
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata
                )
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_migrations_downgrade_to_base_and_upgrade_again(database_url: str):
    await downgrade_async(database_url, "base")
    assert await current_revision(database_url) is None
    await upgrade_async(database_url)
    assert await current_revision(database_url) == head_revision()


async def test_unit_of_work_rolls_back_unless_committed(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
):
    async with uow_factory() as uow:
        await uow.customers.add(_customer(clock, "NOT-COMMITTED"))
    async with uow_factory() as uow:
        assert await uow.customers.get_by_account("NOT-COMMITTED") is None


async def test_unit_of_work_rolls_back_when_an_error_escapes(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
):
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.customers.add(_customer(clock, "FAILED"))
            raise RuntimeError("boom")
    async with uow_factory() as uow:
        assert await uow.customers.get_by_account("FAILED") is None


async def test_unit_of_work_keeps_committed_work(uow_factory: UnitOfWorkFactory, clock: FakeClock):
    async with uow_factory() as uow:
        await uow.customers.add(_customer(clock, "KEPT"))
        await uow.commit()
        # Changes after the commit are discarded on exit.
        await uow.customers.add(_customer(clock, "AFTER-COMMIT"))
    async with uow_factory() as uow:
        kept = await uow.customers.get_by_account("KEPT")
        assert kept is not None
        assert kept.created_at == clock.now()
        assert kept.created_at.utcoffset() == timedelta(0)
        assert await uow.customers.get_by_account("AFTER-COMMIT") is None
