"""Accounts, the pure part: roles, password and login rules, secrets, login throttling and
the values the identity service hands out (no I/O; `crm.identity` stores them).

Secrets given to clients (session cookies, bearer tokens) are stored only
as SHA-256 digests: they are long random strings, so a digest is enough to make a leaked
table useless, and it can be looked up directly.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crm.clock import Clock
from crm.errors import CrmError
from crm.settings import LANGUAGES, Language, parse_language


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class IdentityError(CrmError):
    code = "identity_error"


class InvalidCredentials(IdentityError):
    """Unknown login, wrong password or disabled user: one answer for all three, so a
    caller cannot tell which logins exist."""

    code = "invalid_credentials"


class TooManyAttempts(IdentityError):
    code = "too_many_attempts"


class InvalidUser(IdentityError):
    code = "invalid_user"


class UnknownUser(IdentityError):
    code = "unknown_user"


class UnknownToken(IdentityError):
    code = "unknown_token"


LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
TOKEN_PREFIX = "acd_"

# argon2id (the library's default type) with its RFC 9106 low-memory parameters.
_HASHER = PasswordHasher()
# Verified against when the login is unknown, so both answers take the same time.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def check_login(login: str) -> str:
    if not LOGIN_PATTERN.fullmatch(login):
        raise InvalidUser(
            "a login is 1 to 64 letters, digits or . _ @ - and starts with a letter or digit",
            field="login",
        )
    return login


def check_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidUser(
            f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            field="password",
        )
    return password


def check_role(role: str, agent_id: str | None) -> Role:
    """An agent user is bound to exactly one agent id; other roles to none."""
    try:
        parsed = Role(role)
    except ValueError:
        raise InvalidUser("role is agent, supervisor or admin", field="role") from None
    if (parsed is Role.AGENT) != bool(agent_id):
        raise InvalidUser("an agent user needs --agent ID, and only an agent user", field="agent")
    return parsed


def check_language(language: str | None) -> Language | None:
    """A user's own language for the pages, or None for the centre's."""
    parsed = parse_language(language)
    if language is not None and parsed is None:
        raise InvalidUser(f"a language is one of {', '.join(LANGUAGES)}", field="language")
    return parsed


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


class LoginThrottle:
    """Failed sign-ins are counted per login and per client address over a sliding
    window; past the limit, further attempts are refused without checking the password
    until the oldest failure leaves the window. Kept in memory: a restart forgets it."""

    def __init__(
        self,
        clock: Clock,
        *,
        per_login: int = 5,
        per_address: int = 20,
        window: timedelta = timedelta(minutes=15),
    ) -> None:
        self._clock = clock
        self._limits = {"login": per_login, "address": per_address}
        self._window = window
        self._failures: dict[tuple[str, str], deque[datetime]] = {}

    def _recent(self, key: tuple[str, str]) -> deque[datetime]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        horizon = self._clock.now() - self._window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def check(self, login: str, address: str) -> None:
        for kind, value in (("login", login.lower()), ("address", address)):
            if len(self._recent((kind, value))) >= self._limits[kind]:
                raise TooManyAttempts(
                    f"too many failed sign-ins for this {kind}; try again later", scope=kind
                )

    def failed(self, login: str, address: str) -> None:
        now = self._clock.now()
        for key in (("login", login.lower()), ("address", address)):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, login: str) -> None:
        self._failures.pop(("login", login.lower()), None)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a signed-in user or a program with a token."""

    kind: str  # "user" or "token"
    id: int
    name: str  # the login, or the token's name
    role: Role
    agent_id: str | None = None
    # Present for a session: what state-changing requests must echo.
    csrf_token: str | None = None
    session_expires_at: datetime | None = None
    # A user's own language for the pages; None: the centre's.
    language: Language | None = None

    @property
    def actor(self) -> str:
        """The name written in audit trails: an agent's agent id (what calls and cases
        already name them by), a person's login, or `token:<name>`."""
        if self.kind == "token":
            return f"token:{self.name}"
        return self.agent_id or self.name

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    login: str
    role: Role
    agent_id: str | None
    disabled: bool
    created_at: datetime
    language: Language | None = None  # None: the centre's


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True, slots=True)
class NewSession:
    secret: str  # the cookie's value; only its digest is stored
    principal: Principal
