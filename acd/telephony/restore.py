"""Agents back in the states they were in when the server stopped (D8's journal of
transitions is the record): logged in, paused with their reason, or in manual-call mode.
An agent who was ringing, on a call or in wrap-up comes back ready: the calls themselves
are Asterisk's to report, and a wrap-up's deadline has passed by the time a server
restarts."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from acd import routing

Command = Callable[[float], routing.Event]

_LOGGED_IN = {"ready", "ringing", "on_call", "wrap_up", "paused", "manual_call"}


def restoring_commands(agent_id: str, state: str, reason: str | None) -> list[Command]:
    """The core events, built at the writer's clock, that put one agent back in `state`."""
    if state not in _LOGGED_IN:
        return []
    commands: list[Command] = [lambda at: routing.AgentLoggedIn(agent_id, at=at)]
    if state == "paused":
        commands.append(lambda at: routing.AgentPaused(agent_id, reason or "break", at=at))
    elif state == "manual_call":
        commands.append(lambda at: routing.EnterManualCall(agent_id, at=at))
    return commands


def restore_plan(
    stored: Mapping[str, tuple[str, str | None]], known_agents: set[str]
) -> list[Command]:
    """Every command to replay, agents no longer configured left out."""
    return [
        command
        for agent_id, (state, reason) in sorted(stored.items())
        if agent_id in known_agents
        for command in restoring_commands(agent_id, state, reason)
    ]
