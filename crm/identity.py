"""Who may sign in: users (people, with a role and a password), their server-side sessions
(stored, so they survive a restart and can be ended), and bearer tokens for programs.
The rules live in `crm.accounts`; this service stores their results."""

from __future__ import annotations

from datetime import timedelta

from crm.accounts import (
    TOKEN_PREFIX,
    InvalidCredentials,
    InvalidUser,
    LoginThrottle,
    NewSession,
    Principal,
    Role,
    TokenInfo,
    UnknownToken,
    UnknownUser,
    UserInfo,
    check_language,
    check_login,
    check_password,
    check_role,
    digest,
    hash_password,
    new_secret,
    verify_password,
)
from crm.clock import Clock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.settings import parse_language


class IdentityService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        session_lifetime: timedelta = timedelta(hours=12),
        throttle: LoginThrottle | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.session_lifetime = session_lifetime
        self.throttle = throttle or LoginThrottle(clock)

    # --- users ---------------------------------------------------------------------

    async def add_user(
        self,
        login: str,
        password: str,
        role: str,
        agent_id: str | None = None,
        language: str | None = None,
    ) -> UserInfo:
        parsed = check_role(role, agent_id)
        chosen = check_language(language)
        password_hash = hash_password(check_password(password))
        async with self._uow() as uow:
            if await uow.identity.user_by_login(check_login(login)) is not None:
                raise InvalidUser(f"login {login!r} is taken", field="login")
            user = await uow.identity.add_user(
                login, password_hash, parsed.value, agent_id, self._clock.now(), chosen
            )
            await uow.commit()
            return user

    async def users(self) -> list[UserInfo]:
        async with self._uow() as uow:
            return await uow.identity.users()

    async def disable_user(self, login: str) -> None:
        """The user can no longer sign in, and their open sessions end now."""
        async with self._uow() as uow:
            if not await uow.identity.disable_user(login, self._clock.now()):
                raise UnknownUser(f"no user {login!r}")
            await uow.commit()

    async def set_password(self, login: str, password: str) -> None:
        """Also ends the user's open sessions: a changed password signs everyone out."""
        password_hash = hash_password(check_password(password))
        async with self._uow() as uow:
            if not await uow.identity.set_password(login, password_hash, self._clock.now()):
                raise UnknownUser(f"no user {login!r}")
            await uow.commit()

    async def set_language(self, login: str, language: str | None) -> None:
        """The user's own language for the pages; None puts them back on the centre's."""
        chosen = check_language(language)
        async with self._uow() as uow:
            if not await uow.identity.set_language(login, chosen):
                raise UnknownUser(f"no user {login!r}")
            await uow.commit()

    # --- sessions ------------------------------------------------------------------

    async def sign_in(self, login: str, password: str, address: str) -> NewSession:
        self.throttle.check(login, address)
        async with self._uow() as uow:
            user = await uow.identity.user_credentials(login)
            if user is None or user.disabled or not verify_password(user.password_hash, password):
                if user is None:
                    verify_password(None, password)
                self.throttle.failed(login, address)
                raise InvalidCredentials("wrong login or password")
            self.throttle.succeeded(login)
            secret, csrf = new_secret(), new_secret()
            now = self._clock.now()
            expires = now + self.session_lifetime
            await uow.identity.add_session(user.id, digest(secret), csrf, now, expires, address)
            await uow.commit()
        return NewSession(
            secret,
            Principal(
                "user",
                user.id,
                user.login,
                user.role,
                user.agent_id,
                csrf,
                expires,
                parse_language(user.language),
            ),
        )

    async def session_principal(self, secret: str) -> Principal | None:
        async with self._uow() as uow:
            return await uow.identity.session_principal(digest(secret), self._clock.now())

    async def sign_out(self, secret: str) -> None:
        async with self._uow() as uow:
            await uow.identity.end_session(digest(secret), self._clock.now())
            await uow.commit()

    # --- tokens --------------------------------------------------------------------

    async def create_token(self, name: str, role: str) -> tuple[TokenInfo, str]:
        """A bearer token for a program; the secret is shown once and stored as a digest."""
        parsed = check_role(role, None)
        if parsed is Role.AGENT:
            raise InvalidUser("tokens are for supervisor or admin programs", field="role")
        check_login(name)
        secret = TOKEN_PREFIX + new_secret()
        async with self._uow() as uow:
            token = await uow.identity.add_token(
                name, parsed.value, digest(secret), self._clock.now()
            )
            await uow.commit()
        return token, secret

    async def tokens(self) -> list[TokenInfo]:
        async with self._uow() as uow:
            return await uow.identity.tokens()

    async def revoke_token(self, name: str) -> None:
        async with self._uow() as uow:
            if not await uow.identity.revoke_token(name, self._clock.now()):
                raise UnknownToken(f"no active token {name!r}")
            await uow.commit()

    async def token_principal(self, secret: str) -> Principal | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        async with self._uow() as uow:
            principal = await uow.identity.token_principal(digest(secret), self._clock.now())
            await uow.commit()
            return principal
