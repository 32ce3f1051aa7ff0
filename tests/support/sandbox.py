"""The sandbox Asterisk's test devices, driven over AMI: callers and auto-answering
phones (see [test-phones] and [test-callers] in ivr-config/asterisk/extensions.conf).

Used by the tests and scripts/demo.py, never by the server, so it lives with the tests
rather than in the installed `acd` package; scripts import it as `tests.support.sandbox`
with the repository root on sys.path. They drive Asterisk as their own AMI user,
`aiguilleur-test` (the AstDB and the CLI need the `system` and `command` classes the
server's user does not have), which only scripts/asterisk-sandbox writes: a deployment
has no such user.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from acd.ami import actions
from acd.ami.client import AmiActionFailed, AmiClient
from acd.config import DEFAULT_STATE_DIR, AmiSettings

TEST_USER = "aiguilleur-test"
TEST_SECRET_FILE = DEFAULT_STATE_DIR / "ami-test.secret"


def switchboard_settings(server: AmiSettings) -> AmiSettings:
    """The sandbox's test user on the Asterisk the server's settings point at."""
    return server.model_copy(
        update={"username": TEST_USER, "secret": None, "secret_file": TEST_SECRET_FILE}
    )


class Switchboard:
    """The outside world: customers calling in, and how each phone behaves."""

    def __init__(self, client: AmiClient) -> None:
        self.ami = client

    async def phone(self, number: str, mode: str = "answer", talk: float | None = None) -> None:
        """How the phone `number` (an agent's or a customer's) behaves when it rings:
        `mode` answer | noanswer | busy; `talk` seconds before it hangs up."""
        await self.ami.send(actions.db_put("testphone", f"{number}/mode", mode))
        with contextlib.suppress(AmiActionFailed):
            await self.ami.send(actions.db_del("testphone", f"{number}/talk"))
        if talk is not None:
            await self.ami.send(actions.db_put("testphone", f"{number}/talk", str(talk)))

    async def call(self, did: str, caller: str, dtmf: str = "") -> None:
        """A caller dials `did` and keys `dtmf` at every prompt."""
        await self.ami.send(actions.db_put("testcaller", f"{caller}/dtmf", dtmf))
        await self.ami.send(
            actions.originate_to_dialplan(
                f"Local/{did}@from-trunk", "test-callers", caller_id=f"<{caller}>"
            )
        )

    async def hangup(self, channel: str) -> None:
        await self.ami.send(actions.hangup(channel))

    async def hangup_everything(self) -> None:
        with contextlib.suppress(AmiActionFailed):
            await self.ami.send(actions.hangup("/.*/"))


@contextlib.asynccontextmanager
async def open_switchboard(
    settings: AmiSettings, timeout: float = 10
) -> AsyncIterator[Switchboard]:
    """A switchboard on its own AMI session, logged in within `timeout` seconds
    (`settings`: the test user's, see `switchboard_settings`)."""
    client = AmiClient.from_settings(settings, sink=lambda _: None)
    await client.start()
    try:
        await client.wait_connected(timeout)
        yield Switchboard(client)
    finally:
        await client.close()
