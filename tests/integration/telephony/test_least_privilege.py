"""The server's AMI user holds only the classes it uses: Asterisk itself refuses
what would let an AMI client run commands on its host (docs/security.md).

These tests speak AMI on a raw socket, so what refuses an action is Asterisk, not
the server's own action builders. That the server's normal actions still work
(Originate of Bridge and Dial, Redirect, Hangup, Setvar, Status) is what
every other test of this folder shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import stat
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url

from acd.bootstrap import Server
from acd.config import DEFAULT_STATE_DIR, AmiSettings, Settings
from tests.support.sandbox import switchboard_settings

SANDBOX_ROOT = DEFAULT_STATE_DIR / "asterisk-sid"


class RawAmi:
    """One AMI session on a plain socket: actions written as given, events kept."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self.events: list[dict[str, str]] = []

    async def read_message(self) -> dict[str, str]:
        block = await self._reader.readuntil(b"\r\n\r\n")
        message: dict[str, str] = {}
        for line in block.decode().split("\r\n"):
            key, _, value = line.partition(":")
            if key:
                message.setdefault(key, value.strip())
        return message

    async def action(self, name: str, **headers: str) -> dict[str, str]:
        """Send one action and return its reply (events read meanwhile are kept)."""
        action_id = f"raw-{next(self._ids)}"
        lines = [f"Action: {name}", f"ActionID: {action_id}"]
        lines += [f"{key}: {value}" for key, value in headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        async with asyncio.timeout(10):
            while True:
                message = await self.read_message()
                if message.get("ActionID") == action_id and "Response" in message:
                    return message
                if "Event" in message:
                    self.events.append(message)

    async def event(self, name: str, **where: str) -> dict[str, str]:
        """The next event called `name` whose headers match `where`."""
        async with asyncio.timeout(10):
            while True:
                message = await self.read_message()
                if "Event" not in message:
                    continue
                self.events.append(message)
                if message["Event"] == name and all(message.get(k) == v for k, v in where.items()):
                    return message


@contextlib.asynccontextmanager
async def raw_session(settings: AmiSettings) -> AsyncIterator[RawAmi]:
    reader, writer = await asyncio.open_connection(settings.host, settings.port)
    try:
        async with asyncio.timeout(10):
            await reader.readline()  # Asterisk Call Manager/...
        session = RawAmi(reader, writer)
        reply = await session.action(
            "Login", Username=settings.username, Secret=settings.resolved_secret()
        )
        assert reply["Response"] == "Success", reply
        yield session
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def test_the_servers_ami_user_may_not_originate_a_shell_command(
    settings: Settings,
) -> None:
    async with raw_session(settings.ami) as ami:
        for application, data in (("System", "touch /tmp/owned"), ("Exec", "System(id)")):
            reply = await ami.action(
                "Originate",
                Channel="Local/5550@test-phones",
                Application=application,
                Data=data,
                Async="true",
            )
            assert reply["Response"] == "Error", reply
            assert "Forbidden" in reply["Message"]
        # Nor dialplan functions that run one, through an allowed application.
        reply = await ami.action(
            "Originate",
            Channel="Local/5550@test-phones",
            Application="Wait",
            Data="${SHELL(id)}",
            Async="true",
        )
        assert reply["Response"] == "Error", reply


async def test_the_servers_ami_user_may_not_run_cli_commands_or_touch_the_astdb(
    settings: Settings,
) -> None:
    async with raw_session(settings.ami) as ami:
        for name, headers in (
            ("Command", {"Command": "core show version"}),
            ("DBPut", {"Family": "testphone", "Key": "5550/mode", "Val": "busy"}),
            ("Filter", {"Operation": "Add", "Filter": "Event: Hangup"}),
        ):
            reply = await ami.action(name, **headers)
            assert (reply["Response"], reply.get("Message")) == ("Error", "Permission denied"), name


async def test_the_sandbox_test_user_keeps_what_test_devices_need(settings: Settings) -> None:
    # The refusals above come from the user's classes, not from the actions themselves.
    async with raw_session(switchboard_settings(settings.ami)) as ami:
        reply = await ami.action("Command", Command="core show version")
        assert reply["Response"] == "Success", reply
        reply = await ami.action("DBPut", Family="testphone", Key="5550/mode", Val="answer")
        assert reply["Response"] == "Success", reply


async def test_the_servers_session_gets_only_the_events_it_reads_without_the_filter_action(
    settings: Settings,
) -> None:
    async with (
        raw_session(settings.ami) as server_side,
        raw_session(switchboard_settings(settings.ami)) as test_side,
    ):
        reply = await test_side.action(
            "Originate",
            Channel="Local/5551@test-phones",
            Application="Wait",
            Data="0.2",
            Async="true",
            ChannelId="least-privilege-a",
            OtherChannelId="a-egelivirp-tsael",
        )
        assert reply["Response"] == "Success", reply
        await server_side.event("Hangup", Uniqueid="least-privilege-a")
        seen = {event["Event"] for event in server_side.events}
        # Newstate (the phone answering) is a call-class event the server does not read:
        # the manager user's eventfilter lines keep it, and the dialplan's, away.
        assert {"Newchannel", "Hangup"} <= seen
        assert not seen & {"Newstate", "Newexten", "VarSet", "DialBegin", "LocalBridge"}, seen


async def test_a_fresh_servers_sqlite_database_is_readable_by_its_owner_only(
    server: Server, settings: Settings
) -> None:
    assert _mode(Path(str(make_url(settings.database_url).database))) == 0o600


def test_the_sandbox_asterisk_runs_as_its_own_user_and_keeps_its_secrets_private(
    settings: Settings,
) -> None:
    pid = (DEFAULT_STATE_DIR / "asterisk.pid").read_text().strip()
    status = Path(f"/proc/{pid}/status").read_text()
    [uids] = [line.split()[1:] for line in status.splitlines() if line.startswith("Uid:")]
    assert "0" not in uids, status
    for secret in ("ami.secret", "ami-test.secret", "phone.secret"):
        assert _mode(DEFAULT_STATE_DIR / secret) == 0o600, secret
    for conf in ("manager_users.conf", "pjsip_auth.conf"):
        mode = _mode(SANDBOX_ROOT / "etc" / "asterisk" / conf)
        assert mode & 0o007 == 0, f"{conf}: {oct(mode)}"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
