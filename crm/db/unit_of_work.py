"""Unit of work: one transaction, rolled back unless `commit()` was called."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm.db.dead_letters import DeadLetterRepository
from crm.db.identity import IdentityRepository
from crm.db.repositories import (
    AgentStateRepository,
    CallRepository,
    CaseRepository,
    CustomerRepository,
    NotificationRepository,
    OutboxRepository,
    TaskRepository,
    WebhookRepository,
)


class WriteConflict(Exception):
    """A concurrent transaction inserted the same unique row first (its work was rolled
    back; running it again sees that row)."""


class UnitOfWork:
    customers: CustomerRepository
    cases: CaseRepository
    calls: CallRepository
    agent_states: AgentStateRepository
    tasks: TaskRepository
    notifications: NotificationRepository
    outbox: OutboxRepository
    webhooks: WebhookRepository
    dead_letters: DeadLetterRepository
    identity: IdentityRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> UnitOfWork:
        session = self._sessions()
        self._session = session
        self.customers = CustomerRepository(session)
        self.cases = CaseRepository(session)
        self.calls = CallRepository(session)
        self.agent_states = AgentStateRepository(session)
        self.tasks = TaskRepository(session)
        self.notifications = NotificationRepository(session)
        self.outbox = OutboxRepository(session)
        self.webhooks = WebhookRepository(session)
        self.dead_letters = DeadLetterRepository(session)
        self.identity = IdentityRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        self._session = None
        if session is None:
            return
        # Closing ends the transaction with a rollback: whatever was not committed is
        # discarded. Loaded objects are detached but keep their loaded values.
        await session.close()
        if isinstance(exc, IntegrityError):
            raise WriteConflict(str(exc.orig)) from exc

    async def commit(self) -> None:
        await self._require_session().commit()

    async def rollback(self) -> None:
        await self._require_session().rollback()

    async def flush(self) -> None:
        await self._require_session().flush()

    def _require_session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session


class UnitOfWorkFactory:
    """Callable giving a fresh UnitOfWork per use; owns nothing, the engine is disposed by
    whoever created it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)
