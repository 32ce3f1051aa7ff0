"""`acd users …` and `acd tokens …`: the admin's commands for people and programs.

Passwords are read from standard input (one line; prompted for without echo on a
terminal), never from the command line where `ps` and shell history would keep them."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO, TypeVar

from acd.centre import load_centre
from acd.config import Settings
from crm.clock import SystemClock
from crm.db.engine import create_engine
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.errors import CrmError
from crm.identity import IdentityService
from crm.settings import LANGUAGES

# `set-language LOGIN default` puts the user back on the centre's language.
CENTRE_LANGUAGE = "default"

T = TypeVar("T")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser(
        "users", help="people who sign in: add, list, disable, set-password, set-language"
    )
    users_sub = users.add_subparsers(dest="action", required=True)
    add = users_sub.add_parser("add", help="add a user; the password is read from stdin")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=["agent", "supervisor", "admin"])
    add.add_argument("--agent", help="the agent id an agent user is bound to")
    add.add_argument(
        "--language", choices=LANGUAGES, help="their pages' language (default: the centre's)"
    )
    users_sub.add_parser("list", help="list users")
    disable = users_sub.add_parser("disable", help="stop a user signing in; ends their sessions")
    disable.add_argument("login")
    password = users_sub.add_parser("set-password", help="read a new password from stdin")
    password.add_argument("login")
    language = users_sub.add_parser(
        "set-language", help=f"their pages' language; {CENTRE_LANGUAGE}: the centre's"
    )
    language.add_argument("login")
    language.add_argument("language", choices=[*LANGUAGES, CENTRE_LANGUAGE])

    tokens = sub.add_parser("tokens", help="bearer tokens for programs: create, list, revoke")
    tokens_sub = tokens.add_subparsers(dest="action", required=True)
    create = tokens_sub.add_parser("create", help="print a new token (shown once)")
    create.add_argument("--role", required=True, choices=["supervisor", "admin"])
    create.add_argument("--name", required=True)
    tokens_sub.add_parser("list", help="list tokens with their last use")
    revoke = tokens_sub.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")


def _read_password(stdin: TextIO) -> str:
    if stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise CrmError("the two passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


async def _with_identity(settings: Settings, work: Callable[[IdentityService], Awaitable[T]]) -> T:
    engine = create_engine(settings.database_url)
    try:
        return await work(IdentityService(UnitOfWorkFactory(engine), SystemClock()))
    finally:
        await engine.dispose()


def _when(value: object) -> str:
    return "never" if value is None else str(value)


async def _users(
    args: argparse.Namespace, identity: IdentityService, stdin: TextIO, agent_ids: set[str]
) -> None:
    if args.action == "add":
        if args.agent is not None and args.agent not in agent_ids:
            raise CrmError(f"agent {args.agent!r} is not in the centre's agents.yaml")
        password = _read_password(stdin)
        user = await identity.add_user(args.login, password, args.role, args.agent, args.language)
        print(
            f"added {user.login} ({user.role.value}{f', agent {user.agent_id}' if user.agent_id else ''})"
        )
    elif args.action == "list":
        for user in await identity.users():
            state = "disabled" if user.disabled else "active"
            language = user.language or CENTRE_LANGUAGE
            print(f"{user.login}\t{user.role.value}\t{user.agent_id or '-'}\t{state}\t{language}")
    elif args.action == "disable":
        await identity.disable_user(args.login)
        print(f"disabled {args.login}; their sessions are ended")
    elif args.action == "set-password":
        await identity.set_password(args.login, _read_password(stdin))
        print(f"password of {args.login} changed; their sessions are ended")
    elif args.action == "set-language":
        chosen = None if args.language == CENTRE_LANGUAGE else args.language
        await identity.set_language(args.login, chosen)
        print(f"language of {args.login}: {args.language}")


async def _tokens(args: argparse.Namespace, identity: IdentityService) -> None:
    if args.action == "create":
        _, secret = await identity.create_token(args.name, args.role)
        print(secret)
    elif args.action == "list":
        for token in await identity.tokens():
            state = "revoked" if token.revoked else "active"
            print(
                f"{token.name}\t{token.role.value}\t{state}\tlast used {_when(token.last_used_at)}"
            )
    elif args.action == "revoke":
        await identity.revoke_token(args.name)
        print(f"revoked {args.name}")


def run(settings: Settings, args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    agent_ids = set(load_centre(settings.centre_dir).agents) if args.command == "users" else set()

    async def work(identity: IdentityService) -> None:
        if args.command == "users":
            await _users(args, identity, stdin, agent_ids)
        else:
            await _tokens(args, identity)

    try:
        asyncio.run(_with_identity(settings, work))
    except CrmError as exc:
        print(f"{args.command} {args.action}: {exc.message}", file=sys.stderr)
        return 1
    return 0
