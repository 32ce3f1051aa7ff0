"""Intake scripts (D4): per-queue ordered questions an agent asks when answering a call.

Schema of `ivr-config/intake.yaml`::

    version: 1
    queues:
      <queue name>:
        title: "..."
        questions:
          - id: product            # unique within the script
            label: "Which product?"
            type: choice           # text | number | choice | yes_no | date
            required: true
            choices: [office, hotel]
            when: {question: earlier_id, equals: value}   # or `in: [v1, v2]`
            sets_case_type: true   # at most one question: its answer is the case type (S4)

`load_intake_scripts(document)` validates a loaded document and raises
`IntakeConfigError` listing every problem with its path (`queues.support.questions[1].choices`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crm.errors import IntakeAnswerInvalid, IntakeAnswerMissing, IntakeUnknownQuestion

QuestionType = Literal["text", "number", "choice", "yes_no", "date"]
AnswerValue = str | int | float | bool | dt.date

_YES = {"yes", "y", "true", "1", "oui", "o"}
_NO = {"no", "n", "false", "0", "non"}


class Condition(BaseModel):
    """Ask the question only when an earlier answer equals a value (or is in a list)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    question: str
    equals: str | int | float | bool | None = None
    in_: list[str | int | float | bool] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.equals is None) == (self.in_ is None):
            raise ValueError("give exactly one of `equals` or `in`")
        return self

    def holds(self, answers: Mapping[str, Any]) -> bool:
        if self.question not in answers:
            return False
        value = answers[self.question]
        if self.in_ is not None:
            return any(_same(value, v) for v in self.in_)
        return _same(value, self.equals)


def _same(answer: Any, expected: Any) -> bool:
    if isinstance(answer, bool) or isinstance(expected, bool):
        return _as_bool(answer) == _as_bool(expected)
    if isinstance(answer, int | float) and isinstance(expected, int | float):
        return float(answer) == float(expected)
    return str(answer) == str(expected)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    label: str = Field(min_length=1)
    type: QuestionType = "text"
    required: bool = False
    choices: list[str] | None = None
    when: Condition | None = None
    # S4: the answer is the case's type, which escalation matches against agents' types.
    sets_case_type: bool = False

    @model_validator(mode="after")
    def _choices_match_type(self) -> Question:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice question needs a non-empty `choices` list")
        if self.type != "choice" and self.choices is not None:
            raise ValueError("`choices` is only for type `choice`")
        if self.choices is not None and len(set(self.choices)) != len(self.choices):
            raise ValueError("duplicate entries in `choices`")
        if self.sets_case_type and self.type not in ("choice", "text"):
            raise ValueError("`sets_case_type` is for a choice or text question")
        return self


class IntakeScript(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""  # the queue name, filled by the loader
    title: str = ""
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_and_conditions(self) -> IntakeScript:
        if sum(q.sets_case_type for q in self.questions) > 1:
            raise ValueError("at most one question may set the case type")
        seen: dict[str, Question] = {}
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"duplicate question id {question.id!r}")
            if question.when is not None:
                target = seen.get(question.when.question)
                if target is None:
                    raise ValueError(
                        f"question {question.id!r}: `when` must refer to an earlier question,"
                        f" not {question.when.question!r}"
                    )
                if target.type == "choice" and target.choices is not None:
                    expected = (
                        [question.when.equals]
                        if question.when.in_ is None
                        else list(question.when.in_)
                    )
                    unknown = [v for v in expected if str(v) not in target.choices]
                    if unknown:
                        raise ValueError(
                            f"question {question.id!r}: `when` tests {unknown!r}, not among"
                            f" the choices of {target.id!r}"
                        )
            seen[question.id] = question
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def validate_answers(self, answers: Mapping[str, Any]) -> dict[str, AnswerValue]:
        """Typed answers, in script order. Raises IntakeUnknownQuestion, IntakeAnswerMissing
        (required and applicable but absent) or IntakeAnswerInvalid. Answers to questions
        whose `when` does not hold are dropped: the agent was not asked them."""
        unknown = sorted(set(answers) - {q.id for q in self.questions})
        if unknown:
            raise IntakeUnknownQuestion(
                f"no such question in script {self.name!r}: {', '.join(unknown)}",
                questions=unknown,
            )
        typed: dict[str, AnswerValue] = {}
        for question in self.questions:
            if question.when is not None and not question.when.holds(typed):
                continue
            raw = answers.get(question.id)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if question.required:
                    raise IntakeAnswerMissing(
                        f"answer required: {question.label}", question=question.id
                    )
                continue
            typed[question.id] = _coerce(question, raw)
        return typed

    def asked(self, answers: Mapping[str, Any]) -> list[Question]:
        """The questions put to the caller given the answers so far, in script order: those
        whose `when` holds on the answers to the earlier questions asked, read as
        `validate_answers` reads them (an answer that does not read yet counts as none)."""
        typed: dict[str, AnswerValue] = {}
        asked: list[Question] = []
        for question in self.questions:
            if question.when is not None and not question.when.holds(typed):
                continue
            asked.append(question)
            raw = answers.get(question.id)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            with contextlib.suppress(IntakeAnswerInvalid):
                typed[question.id] = _coerce(question, raw)
        return asked


class IntakeDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    queues: dict[str, IntakeScript] = Field(default_factory=dict)


class IntakeConfigError(ValueError):
    """Every problem in an intake document, each as (path, message)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))


def _path(loc: tuple[int | str, ...], prefix: str) -> str:
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def load_intake_scripts(document: Mapping[str, Any], prefix: str = "") -> dict[str, IntakeScript]:
    """Validate a loaded intake document; returns queue name -> script.

    `prefix` is prepended to error paths, for a loader embedding this document elsewhere."""
    try:
        parsed = IntakeDocument.model_validate(document)
    except ValidationError as exc:
        raise IntakeConfigError(
            [(_path(tuple(err["loc"]), prefix), err["msg"]) for err in exc.errors()]
        ) from None
    return {
        queue: script.model_copy(update={"name": queue}) for queue, script in parsed.queues.items()
    }


def load_intake_file(path: str | Path) -> dict[str, IntakeScript]:
    with open(path, encoding="utf-8") as stream:
        document = yaml.safe_load(stream) or {}
    if not isinstance(document, Mapping):
        raise IntakeConfigError([("", "the document must be a mapping")])
    return load_intake_scripts(document)


def _coerce(question: Question, raw: Any) -> AnswerValue:
    def invalid(why: str) -> IntakeAnswerInvalid:
        return IntakeAnswerInvalid(f"{question.label}: {why}", question=question.id, value=str(raw))

    if question.type == "text":
        if not isinstance(raw, str):
            raise invalid("expected text")
        return raw.strip()
    if question.type == "number":
        if isinstance(raw, bool):
            raise invalid("expected a number")
        if isinstance(raw, int | float):
            return raw
        try:
            text = str(raw).strip().replace(",", ".")
            return int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            raise invalid("expected a number") from None
    if question.type == "choice":
        assert question.choices is not None  # guaranteed by Question's validator
        if str(raw) not in question.choices:
            raise invalid(f"expected one of {', '.join(question.choices)}")
        return str(raw)
    if question.type == "yes_no":
        value = _as_bool(raw)
        if value is None:
            raise invalid("expected yes or no")
        return value
    # date
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise invalid("expected a date (YYYY-MM-DD)") from None
