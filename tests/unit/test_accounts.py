"""The pure rules of accounts and access: passwords, roles, throttling, who may act on
what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from acd import access
from crm.accounts import (
    InvalidUser,
    LoginThrottle,
    Principal,
    Role,
    TooManyAttempts,
    check_password,
    check_role,
    digest,
    hash_password,
    verify_password,
)
from crm.clock import FakeClock

BEN = Principal("user", 1, "ben", Role.AGENT, "2002")
CLEO = Principal("user", 2, "cleo", Role.AGENT, "2003")
SUP = Principal("user", 3, "sup", Role.SUPERVISOR)


def test_passwords_are_stored_as_argon2id_hashes_that_verify_only_the_right_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(None, "correct horse battery")
    assert not verify_password("not a hash", "x")


def test_short_passwords_and_agents_without_an_agent_id_are_refused() -> None:
    with pytest.raises(InvalidUser):
        check_password("short")
    with pytest.raises(InvalidUser):
        check_role("agent", None)
    with pytest.raises(InvalidUser):
        check_role("supervisor", "2002")
    with pytest.raises(InvalidUser):
        check_role("root", None)
    assert check_role("agent", "2002") is Role.AGENT


def test_secrets_are_kept_as_digests_that_do_not_reveal_them() -> None:
    assert digest("abc") != "abc" and len(digest("abc")) == 64
    assert digest("abc") == digest("abc") != digest("abd")


def test_five_failures_lock_a_login_for_the_window_and_a_success_clears_it() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock, per_login=5, per_address=20, window=timedelta(minutes=15))
    for _ in range(5):
        throttle.check("Ben", "10.0.0.1")
        throttle.failed("Ben", "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        throttle.check("ben", "10.0.0.2")  # logins compare without case, from anywhere
    throttle.check("sup", "10.0.0.1")
    clock.advance(minutes=15)
    throttle.check("ben", "10.0.0.1")
    throttle.failed("ben", "10.0.0.1")
    throttle.succeeded("ben")
    throttle.check("ben", "10.0.0.1")


def test_one_address_trying_many_logins_is_throttled() -> None:
    throttle = LoginThrottle(FakeClock(), per_login=5, per_address=3)
    for login in ("a", "b", "c"):
        throttle.failed(login, "10.0.0.9")
    with pytest.raises(TooManyAttempts):
        throttle.check("d", "10.0.0.9")
    throttle.check("d", "10.0.0.10")


def test_agents_act_for_themselves_only_and_supervisors_for_anyone() -> None:
    assert access.may_act_for_agent(BEN, "2002")
    assert not access.may_act_for_agent(BEN, "2003")
    assert access.may_act_for_agent(SUP, "2003")
    token = Principal("token", 1, "reports", Role.SUPERVISOR)
    assert access.may_act_for_agent(token, "2002") and token.actor == "token:reports"
    assert BEN.actor == "2002" and SUP.actor == "sup"


def test_an_agent_sees_their_own_cases_and_their_teams_queues_only() -> None:
    skills = {"2002": frozenset({"support", "sales"}), "2003": frozenset({"backup"})}
    queues = {"support": "support", "sales": "sales", "backup": "backup"}
    bens = access.team_queues(skills, queues, "2002")
    assert bens == {"support", "sales"}
    assert access.may_see_case(BEN, "2002", "backup", bens)  # his own
    assert access.may_see_case(BEN, None, "support", bens)  # his team's queue
    cleos = access.team_queues(skills, queues, "2003")
    assert not access.may_see_case(CLEO, "2002", "support", cleos)
    assert not access.may_see_case(CLEO, None, None, cleos)
    assert access.may_see_case(SUP, "2002", "support", frozenset())
