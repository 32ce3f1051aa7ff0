"""The callback offer reads the number back and the caller confirms it or keys another.

The conversation runs against a scripted caller (the keys a person would press); the
real prompts and key presses on Asterisk run in the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

from acd.centre import IvrConfig
from acd.config import TelephonySettings
from acd.telephony.destinations import DestinationPolicy
from acd.telephony.ivr import choose_callback_number

POLICY = DestinationPolicy.from_settings(TelephonySettings(), "FR")


class ScriptedCaller:
    """Answers each prompt with the next entry of `keys` (None: no key in time)."""

    def __init__(self, *keys: str | None) -> None:
        self._keys: Iterator[str | None] = iter(keys)
        self.heard: list[str] = []

    def _next(self) -> str | None:
        return next(self._keys, None)

    async def play(self, prompt: str) -> None:
        self.heard.append(prompt)

    async def ask_digit(self, prompt: str, timeout: float) -> str | None:
        self.heard.append(prompt)
        return self._next()

    async def ask_digits(self, prompt: str, timeout: float, max_digits: int) -> str | None:
        self.heard.append(prompt)
        return self._next()

    async def say_digits(self, digits: str, escape: str = "") -> str | None:
        self.heard.append(f"digits:{digits}")
        return None

    async def set_variable(self, name: str, value: str) -> None:
        return None


async def test_the_caller_confirms_the_number_read_back() -> None:  # S7
    caller = ScriptedCaller("1", "1")
    number = await choose_callback_number(caller, IvrConfig(), "0611000021", POLICY.check)
    assert number is not None and number.e164 == "+33611000021"
    assert "digits:0611000021" in caller.heard


async def test_the_caller_keys_another_number_and_confirms_it() -> None:  # S7
    caller = ScriptedCaller("1", "2", "0622000031", "1")
    number = await choose_callback_number(caller, IvrConfig(), "0611000021", POLICY.check)
    assert number is not None and number.e164 == "+33622000031"
    assert caller.heard.count(IvrConfig().callback_number_prompt) == 1


async def test_a_premium_caller_id_is_never_read_back_and_a_premium_number_never_taken() -> None:
    caller = ScriptedCaller("1", "0899123456", "0899123456", "0899123456")
    number = await choose_callback_number(caller, IvrConfig(), "0899123456", POLICY.check)
    assert number is None
    assert not any(h.startswith("digits:") for h in caller.heard)
    assert caller.heard.count(IvrConfig().callback_refused_prompt) == 3


async def test_a_caller_who_does_not_press_1_keeps_waiting() -> None:  # S7
    caller = ScriptedCaller(None)
    assert await choose_callback_number(caller, IvrConfig(), "0611000021", POLICY.check) is None
