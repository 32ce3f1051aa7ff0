"""The lengths the edges check are the lengths of the columns the values reach."""

from __future__ import annotations

from sqlalchemy import String

from crm import limits
from crm.db.models import Base


def _length(table: str, column: str) -> int:
    kind = Base.metadata.tables[table].c[column].type
    assert isinstance(kind, String) and kind.length
    return kind.length


def test_input_limits_equal_the_lengths_of_their_columns() -> None:
    assert _length("agent_state_changes", "reason") == limits.AGENT_STATE_REASON
    assert _length("agent_state_changes", "agent_id") == limits.AGENT_ID
    assert _length("case_events", "actor") == limits.ACTOR
    assert _length("follow_ups", "author") == limits.ACTOR
    assert _length("tasks", "created_by") == limits.ACTOR
    assert _length("notifications", "sender") == limits.ACTOR
    assert _length("follow_ups", "call_id") == limits.CALL_ID
    assert _length("intake_answers", "call_id") == limits.CALL_ID
    assert _length("tasks", "title") == limits.TITLE
    assert _length("notifications", "title") == limits.TITLE
    assert _length("calls", "caller_number") == limits.PHONE_NUMBER
