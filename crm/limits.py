"""Lengths of the bounded text columns that outside input reaches. The edges (HTTP, AMI)
check against these, so a value too long is refused where it enters instead of failing
a database write later; tests/unit/crm/test_limits.py keeps them equal to the columns."""

from __future__ import annotations

AGENT_ID = 64  # agent_state_changes.agent_id, calls.agent_id
AGENT_STATE_REASON = 120  # agent_state_changes.reason
ACTOR = 64  # case_events.actor, follow_ups.author, tasks.created_by, notifications.sender
CALL_ID = 64  # follow_ups.call_id, intake_answers.call_id, calls.call_id
TITLE = 300  # tasks.title, notifications.title
PHONE_NUMBER = 32  # calls.caller_number and the other number columns
