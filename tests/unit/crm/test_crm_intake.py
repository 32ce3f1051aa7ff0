"""Intake scripts (D4): schema validation with error paths, and answer checking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crm.errors import IntakeAnswerInvalid, IntakeAnswerMissing, IntakeUnknownQuestion
from crm.intake import IntakeConfigError, load_intake_file, load_intake_scripts

REPO = Path(__file__).resolve().parents[3]

DOC = {
    "version": 1,
    "queues": {
        "support": {
            "title": "Support",
            "questions": [
                {
                    "id": "product",
                    "label": "Product",
                    "type": "choice",
                    "required": True,
                    "choices": ["a", "b"],
                },
                {"id": "blocking", "label": "Blocking?", "type": "yes_no", "required": True},
                {
                    "id": "users",
                    "label": "Users",
                    "type": "number",
                    "required": True,
                    "when": {"question": "blocking", "equals": True},
                },
                {"id": "since", "label": "Since", "type": "date"},
                {"id": "notes", "label": "Notes", "type": "text"},
            ],
        }
    },
}


def test_shipped_intake_config_is_valid():  # D4
    scripts = load_intake_file(REPO / "ivr-config" / "intake.yaml")
    assert {"office", "hotel"} <= set(scripts)
    assert scripts["office"].name == "office"


def test_answers_are_typed_in_script_order():  # D4
    script = load_intake_scripts(DOC)["support"]
    typed = script.validate_answers(
        {"notes": " slow ", "since": "2025-01-02", "users": "12", "blocking": "oui", "product": "a"}
    )
    assert typed == {
        "product": "a",
        "blocking": True,
        "users": 12,
        "since": dt.date(2025, 1, 2),
        "notes": "slow",
    }
    assert list(typed) == ["product", "blocking", "users", "since", "notes"]


def test_required_answer_missing_is_refused():  # D4
    script = load_intake_scripts(DOC)["support"]
    with pytest.raises(IntakeAnswerMissing) as info:
        script.validate_answers({"product": "a"})
    assert info.value.code == "intake_answer_missing"
    assert info.value.details["question"] == "blocking"


def test_conditional_question_is_required_only_when_its_condition_holds():  # D4
    script = load_intake_scripts(DOC)["support"]
    assert script.validate_answers({"product": "b", "blocking": "no"}) == {
        "product": "b",
        "blocking": False,
    }
    with pytest.raises(IntakeAnswerMissing):
        script.validate_answers({"product": "b", "blocking": "yes"})
    # An answer to a question that was not asked is dropped.
    typed = script.validate_answers({"product": "b", "blocking": False, "users": 3})
    assert "users" not in typed


def test_a_conditional_question_is_asked_once_its_condition_holds():  # D4
    script = load_intake_scripts(DOC)["support"]
    asked = ["product", "blocking", "since", "notes"]
    assert [q.id for q in script.asked({})] == asked
    assert [q.id for q in script.asked({"blocking": "no", "users": 3})] == asked
    # Answers are read as when they are saved: "oui" is yes.
    with_users = ["product", "blocking", "users", "since", "notes"]
    assert [q.id for q in script.asked({"blocking": "oui"})] == with_users
    # An answer that does not read yet counts as none.
    assert [q.id for q in script.asked({"blocking": "maybe"})] == asked


@pytest.mark.parametrize(
    ("answers", "question"),
    [
        ({"product": "z", "blocking": True, "users": 1}, "product"),
        ({"product": "a", "blocking": "maybe"}, "blocking"),
        ({"product": "a", "blocking": True, "users": "many"}, "users"),
        ({"product": "a", "blocking": False, "since": "yesterday"}, "since"),
    ],
)
def test_badly_typed_answer_is_refused(answers, question):  # D4
    script = load_intake_scripts(DOC)["support"]
    with pytest.raises(IntakeAnswerInvalid) as info:
        script.validate_answers(answers)
    assert info.value.code == "intake_answer_invalid"
    assert info.value.details["question"] == question


def test_answer_to_unknown_question_is_refused():  # D4
    script = load_intake_scripts(DOC)["support"]
    with pytest.raises(IntakeUnknownQuestion):
        script.validate_answers({"product": "a", "blocking": False, "colour": "red"})


def test_config_errors_are_reported_with_their_path():  # D4
    bad = {
        "queues": {
            "support": {
                "questions": [
                    {"id": "kind", "label": "Kind", "type": "choice"},
                    {"id": "x", "label": "X", "type": "colour"},
                ]
            },
            "sales": {
                "questions": [
                    {"id": "a", "label": "A", "when": {"question": "later", "equals": 1}},
                    {"id": "later", "label": "Later"},
                ]
            },
        }
    }
    with pytest.raises(IntakeConfigError) as info:
        load_intake_scripts(bad, prefix="intake")
    paths = [path for path, _ in info.value.errors]
    assert "intake.queues.support.questions[0]" in paths
    assert "intake.queues.support.questions[1].type" in paths
    assert "intake.queues.sales" in paths
    assert any("earlier question" in message for _, message in info.value.errors)


def test_condition_on_a_choice_must_use_one_of_its_choices():  # D4
    doc = {
        "queues": {
            "q": {
                "questions": [
                    {"id": "k", "label": "K", "type": "choice", "choices": ["x"]},
                    {"id": "d", "label": "D", "when": {"question": "k", "equals": "y"}},
                ]
            }
        }
    }
    with pytest.raises(IntakeConfigError, match="not among the choices"):
        load_intake_scripts(doc)


def test_unknown_keys_are_rejected():  # D4
    with pytest.raises(IntakeConfigError) as info:
        load_intake_scripts(
            {"queues": {"q": {"questions": [{"id": "a", "label": "A", "reqired": True}]}}}
        )
    assert info.value.errors[0][0] == "queues.q.questions[0].reqired"


def test_only_one_choice_or_text_question_may_set_the_case_type():  # S4
    yes_no = {"id": "b", "label": "B", "type": "yes_no", "sets_case_type": True}
    two = [
        {"id": "a", "label": "A", "sets_case_type": True},
        {"id": "c", "label": "C", "sets_case_type": True},
    ]
    bad = {"queues": {"one": {"questions": [yes_no]}, "two": {"questions": two}}}
    with pytest.raises(IntakeConfigError) as info:
        load_intake_scripts(bad, prefix="intake")
    messages = " ".join(message for _, message in info.value.errors)
    assert "choice or text question" in messages and "at most one question" in messages
