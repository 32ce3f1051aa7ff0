"""Users, their sessions and programs' bearer tokens: the tables and their repository."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from crm.accounts import Principal, Role, TokenInfo, UserInfo
from crm.db.models import Base
from crm.settings import parse_language

# A token's last use is written at most this often, not on every request.
_LAST_USE_RESOLUTION = timedelta(minutes=1)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    # The pages' language for this user (crm.settings.LANGUAGES); None: the centre's.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class UserSession(Base):
    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


@dataclass(frozen=True, slots=True)
class Credentials:
    id: int
    login: str
    password_hash: str
    role: Role
    agent_id: str | None
    disabled: bool
    language: str | None


def _user_info(user: User) -> UserInfo:
    return UserInfo(
        user.id,
        user.login,
        Role(user.role),
        user.agent_id,
        user.disabled_at is not None,
        user.created_at,
        parse_language(user.language),
    )


def _token_info(token: ApiToken) -> TokenInfo:
    return TokenInfo(
        token.id,
        token.name,
        Role(token.role),
        token.created_at,
        token.last_used_at,
        token.revoked_at is not None,
    )


class IdentityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user_by_login(self, login: str) -> UserInfo | None:
        user = await self.session.scalar(select(User).where(User.login == login))
        return _user_info(user) if user is not None else None

    async def user_credentials(self, login: str) -> Credentials | None:
        user = await self.session.scalar(select(User).where(User.login == login))
        if user is None:
            return None
        return Credentials(
            user.id,
            user.login,
            user.password_hash,
            Role(user.role),
            user.agent_id,
            user.disabled_at is not None,
            user.language,
        )

    async def add_user(
        self,
        login: str,
        password_hash: str,
        role: str,
        agent_id: str | None,
        now: datetime,
        language: str | None = None,
    ) -> UserInfo:
        user = User(
            login=login,
            password_hash=password_hash,
            role=role,
            agent_id=agent_id,
            language=language,
            created_at=now,
            password_changed_at=now,
        )
        self.session.add(user)
        await self.session.flush()
        return _user_info(user)

    async def users(self) -> list[UserInfo]:
        rows = await self.session.scalars(select(User).order_by(User.login))
        return [_user_info(user) for user in rows]

    async def _end_sessions_of(self, user_id: int, now: datetime) -> None:
        await self.session.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            .values(ended_at=now)
        )

    async def disable_user(self, login: str, now: datetime) -> bool:
        user = await self.session.scalar(select(User).where(User.login == login))
        if user is None:
            return False
        user.disabled_at = user.disabled_at or now
        await self._end_sessions_of(user.id, now)
        return True

    async def set_password(self, login: str, password_hash: str, now: datetime) -> bool:
        user = await self.session.scalar(select(User).where(User.login == login))
        if user is None:
            return False
        user.password_hash = password_hash
        user.password_changed_at = now
        await self._end_sessions_of(user.id, now)
        return True

    async def set_language(self, login: str, language: str | None) -> bool:
        user = await self.session.scalar(select(User).where(User.login == login))
        if user is None:
            return False
        user.language = language
        return True

    async def add_session(
        self,
        user_id: int,
        secret_digest: str,
        csrf_token: str,
        now: datetime,
        expires_at: datetime,
        address: str,
    ) -> None:
        self.session.add(
            UserSession(
                secret_digest=secret_digest,
                csrf_token=csrf_token,
                user_id=user_id,
                address=address[:64],
                created_at=now,
                expires_at=expires_at,
            )
        )
        await self.session.flush()

    async def session_principal(self, secret_digest: str, now: datetime) -> Principal | None:
        """The user of a live session: not ended, not expired, user not disabled."""
        row = (
            await self.session.execute(
                select(UserSession, User)
                .join(User, User.id == UserSession.user_id)
                .where(
                    UserSession.secret_digest == secret_digest,
                    UserSession.ended_at.is_(None),
                    UserSession.expires_at > now,
                    User.disabled_at.is_(None),
                )
            )
        ).first()
        if row is None:
            return None
        stored, user = row
        return Principal(
            "user",
            user.id,
            user.login,
            Role(user.role),
            user.agent_id,
            stored.csrf_token,
            stored.expires_at,
            parse_language(user.language),
        )

    async def end_session(self, secret_digest: str, now: datetime) -> None:
        await self.session.execute(
            update(UserSession)
            .where(UserSession.secret_digest == secret_digest, UserSession.ended_at.is_(None))
            .values(ended_at=now)
        )

    async def add_token(self, name: str, role: str, secret_digest: str, now: datetime) -> TokenInfo:
        token = ApiToken(name=name, role=role, secret_digest=secret_digest, created_at=now)
        self.session.add(token)
        await self.session.flush()
        return _token_info(token)

    async def tokens(self) -> list[TokenInfo]:
        rows = await self.session.scalars(select(ApiToken).order_by(ApiToken.name, ApiToken.id))
        return [_token_info(token) for token in rows]

    async def revoke_token(self, name: str, now: datetime) -> bool:
        result = await self.session.execute(
            update(ApiToken)
            .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def token_principal(self, secret_digest: str, now: datetime) -> Principal | None:
        token = await self.session.scalar(
            select(ApiToken).where(
                ApiToken.secret_digest == secret_digest, ApiToken.revoked_at.is_(None)
            )
        )
        if token is None:
            return None
        if token.last_used_at is None or now - token.last_used_at >= _LAST_USE_RESOLUTION:
            token.last_used_at = now
        return Principal("token", token.id, token.name, Role(token.role))
