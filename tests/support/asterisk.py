"""Fixtures for the sandbox Asterisk (scripts/asterisk-sandbox) and its test devices.

Agents' phones and callers are Local channels whose behaviour the AstDB sets
(see [test-phones] and [test-callers] in ivr-config/asterisk/extensions.conf).
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import AsyncIterator

import pytest

from acd.config import REPO_ROOT, Settings
from tests.support.sandbox import (
    TEST_SECRET_FILE,
    Switchboard,
    open_switchboard,
    switchboard_settings,
)

SANDBOX = REPO_ROOT / "scripts" / "asterisk-sandbox"


def _ami_answers(port: int = 5038) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            return sock.recv(64).startswith(b"Asterisk Call Manager")
    except OSError:
        return False


@pytest.fixture(scope="session")
def sandbox() -> None:
    """The sandbox Asterisk, brought up when it is not running or was started before
    the sandbox had its test user."""
    if not _ami_answers() or not TEST_SECRET_FILE.exists():
        result = subprocess.run([str(SANDBOX), "up"], capture_output=True, text=True)
        if result.returncode != 0 or not _ami_answers():
            pytest.fail(
                f"the sandbox Asterisk is not running and `{SANDBOX} up` failed:\n{result.stderr}"
            )


@pytest.fixture
async def switchboard(settings: Settings) -> AsyncIterator[Switchboard]:
    """The test devices, every channel hung up before and after the test."""
    async with open_switchboard(switchboard_settings(settings.ami)) as board:
        await board.hangup_everything()
        yield board
        await board.hangup_everything()
