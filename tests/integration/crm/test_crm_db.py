"""Schema, migrations and the unit of work, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import OperationalError

from crm.clock import FakeClock
from crm.db.engine import create_engine
from crm.db.migrate import current_revision, downgrade_async, head_revision, upgrade_async
from crm.db.models import Base, Customer
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.services import CrmService
from crm.settings import CrmSettings
from crm.views import CallRecord, NewCustomer


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


async def test_the_languages_migration_goes_down_and_up_keeping_the_customers(
    database_url: str, uow_factory: UnitOfWorkFactory, clock: FakeClock
):
    service = CrmService(uow_factory, clock, CrmSettings())
    customer = await service.create_customer(NewCustomer(account_number="L-1", language="en"))
    await downgrade_async(database_url, "0004")
    await upgrade_async(database_url, "0005")
    kept = await service.get_customer(customer.id)
    # The column came back empty: the customer is on the centre's language again.
    assert (kept.account_number, kept.language) == ("L-1", None)


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


@contextlib.asynccontextmanager
async def _sqlite_service(tmp_path: Path, busy_timeout: float) -> AsyncIterator[CrmService]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'crm.sqlite3'}"
    await upgrade_async(url)
    engine = create_engine(url, connect_args={"timeout": busy_timeout})
    try:
        yield CrmService(UnitOfWorkFactory(engine), FakeClock(), CrmSettings())
    finally:
        await engine.dispose()


async def test_sqlite_locked_by_another_process_keeps_the_server_responsive(tmp_path: Path):
    other = sqlite3.connect(tmp_path / "crm.sqlite3")  # an admin's sqlite3 shell, say
    async with _sqlite_service(tmp_path, busy_timeout=10) as service:
        other.execute("BEGIN IMMEDIATE")
        write = asyncio.create_task(
            service.record_call(CallRecord(call_id="c1", caller_number="0612345678"))
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(write), 0.2)
        # The event loop ran on time while the write waited for the lock.
        assert loop.time() - started < 1.0
        other.rollback()
        entry = await asyncio.wait_for(write, 5)
        assert entry.call_id == "c1"
        assert [e.call_id for e in await service.call_history("06 12 34 56 78")] == ["c1"]
    other.close()


async def test_sqlite_write_gives_up_once_the_busy_timeout_is_spent(tmp_path: Path):
    other = sqlite3.connect(tmp_path / "crm.sqlite3")
    async with _sqlite_service(tmp_path, busy_timeout=0.3) as service:
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(OperationalError, match="database is locked"):
                await asyncio.wait_for(
                    service.record_call(CallRecord(call_id="c1", caller_number="0612345678")), 5
                )
        finally:
            other.rollback()
        # Nothing half-written: the call goes in once the lock is free.
        await service.record_call(CallRecord(call_id="c1", caller_number="0612345678"))
        assert [e.call_id for e in await service.call_history("0612345678")] == ["c1"]
    other.close()
