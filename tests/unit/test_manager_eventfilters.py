"""The manager user's static event filter matches the events the server reads."""

from __future__ import annotations

import re

from acd.ami.events import SUBSCRIBED_EVENTS
from acd.config import REPO_ROOT

FILTERS = REPO_ROOT / "ivr-config" / "asterisk" / "manager_eventfilters.conf"


def test_the_manager_users_eventfilter_lets_through_exactly_the_events_the_server_reads() -> None:
    # The server does not send the Filter action by default (it needs `system`): an event
    # it starts reading must be added to manager_eventfilters.conf, or it never arrives.
    lines = [line for line in FILTERS.read_text().splitlines() if line and line[0] != ";"]
    names = set()
    for line in lines:
        match = re.fullmatch(r"eventfilter\(action\(include\),name\((\w+)\)\) =", line)
        assert match, f"unexpected line in {FILTERS.name}: {line!r}"
        names.add(match[1])
    assert names == SUBSCRIBED_EVENTS
    assert "OriginateResponse" in names  # or an asynchronous Originate never completes
