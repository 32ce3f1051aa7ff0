"""Every AMI action the server sends is built here, and only here.

An AMI frame is lines of `Header: value` ended by a blank line, and panoramisk
writes values as given: a CR or LF inside a value would end the header and could
start a second action in the same frame (an `Originate` of `Application: System`
runs a shell command). Each builder checks every value before anything is
written, so no value from outside can change the frame's shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

# Asterisk reads a header line into a fixed buffer; nothing we send is near this.
MAX_VALUE_LENGTH = 1024
_FORBIDDEN = frozenset("\r\n\x00")

# The applications an Originate may run: bridging a waiting caller, or dialling a
# customer from the agent's answered phone. Never System, Exec, Eval and the like.
ORIGINATE_APPLICATIONS = frozenset({"Bridge", "Dial"})


class UnsafeAction(ValueError):
    """A value would break the AMI frame (CR, LF, NUL, too long) or is not allowed."""


def checked(name: str, value: str) -> str:
    """`value` as it may go into the header `name`; raises UnsafeAction otherwise."""
    if not isinstance(value, str):
        raise UnsafeAction(f"{name}: not text ({type(value).__name__})")
    if len(value) > MAX_VALUE_LENGTH:
        raise UnsafeAction(f"{name}: {len(value)} characters, at most {MAX_VALUE_LENGTH}")
    if not _FORBIDDEN.isdisjoint(value):
        raise UnsafeAction(f"{name}: contains a line break or NUL")
    return value


@dataclass(frozen=True, slots=True)
class Action:
    """One AMI action whose headers were all checked (build it with the functions below)."""

    name: str
    headers: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, str]:
        return {"Action": self.name, **dict(self.headers)}

    def __iter__(self) -> Iterator[tuple[str, str]]:
        yield "Action", self.name
        yield from self.headers


def _action(name: str, headers: Mapping[str, str | None]) -> Action:
    return Action(
        name,
        tuple((key, checked(key, value)) for key, value in headers.items() if value is not None),
    )


def originate(
    *,
    channel: str,
    application: str,
    data: str,
    timeout_ms: int,
    channel_id: str,
    other_channel_id: str,
    caller_id: str | None = None,
    variable: tuple[str, str] | None = None,
) -> Action:
    """An asynchronous Originate of `channel` running `application(data)` once answered,
    with one channel `variable` (name, value) set on the originated channel."""
    if application not in ORIGINATE_APPLICATIONS:
        raise UnsafeAction(f"Application: {application!r} may not be originated")
    return _action(
        "Originate",
        {
            "Channel": channel,
            "Application": application,
            "Data": data,
            "Timeout": str(int(timeout_ms)),
            "CallerID": caller_id,
            "Async": "true",
            "ChannelId": channel_id,
            "OtherChannelId": other_channel_id,
            "Variable": _assignment(*variable) if variable is not None else None,
        },
    )


def _assignment(name: str, value: str) -> str:
    # Originate splits its Variable header on commas: one more would set a second one.
    if not name.isidentifier() or "," in value:
        raise UnsafeAction(f"Variable: {name!r} = {value!r} is not one assignment")
    return f"{name}={value}"


def redirect(channel: str, context: str, exten: str = "s", priority: int = 1) -> Action:
    return _action(
        "Redirect",
        {"Channel": channel, "Context": context, "Exten": exten, "Priority": str(int(priority))},
    )


def hangup(channel: str) -> Action:
    return _action("Hangup", {"Channel": channel})


def setvar(variable: str, value: str, channel: str | None = None) -> Action:
    return _action("Setvar", {"Channel": channel, "Variable": variable, "Value": value})


def status(variables: tuple[str, ...]) -> Action:
    """Every channel's status, with the channel variables named in `variables`."""
    for name in variables:
        if not name.isidentifier():
            raise UnsafeAction(f"Variables: {name!r} is not a variable name")
    return _action("Status", {"Variables": ",".join(variables)})


def ping() -> Action:
    return Action("Ping")


def filter_add(expression: str) -> Action:
    return _action("Filter", {"Operation": "Add", "Filter": expression})


# --- the sandbox's test devices and the benchmarks (their own AMI user, never the server's)


def originate_to_dialplan(
    channel: str, context: str, exten: str = "s", caller_id: str | None = None
) -> Action:
    """An asynchronous Originate of `channel` that continues at `context`,`exten`,1."""
    return _action(
        "Originate",
        {
            "Channel": channel,
            "Context": context,
            "Exten": exten,
            "Priority": "1",
            "CallerID": caller_id,
            "Async": "true",
        },
    )


def db_put(family: str, key: str, value: str) -> Action:
    return _action("DBPut", {"Family": family, "Key": key, "Val": value})


def db_del(family: str, key: str) -> Action:
    return _action("DBDel", {"Family": family, "Key": key})


def command(text: str) -> Action:
    return _action("Command", {"Command": text})


def originate_wait(
    channel: str,
    seconds: int = 3600,
    *,
    caller_id: str | None = None,
    channel_id: str | None = None,
    other_channel_id: str | None = None,
    variable: str | None = None,
) -> Action:
    """A test call: `channel` is dialled and, once answered, waits `seconds`."""
    return _action(
        "Originate",
        {
            "Channel": channel,
            "Application": "Wait",
            "Data": str(int(seconds)),
            "CallerID": caller_id,
            "Async": "true",
            "ChannelId": channel_id,
            "OtherChannelId": other_channel_id,
            "Variable": variable,
        },
    )
