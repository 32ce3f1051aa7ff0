"""The contact centre an admin declares in ivr-config/: skills, agents, queues, IVR.

Read from YAML (`acd.centre_files`) and validated with pydantic; every problem is
reported with the file and line it comes from, so `acd check-config` points the admin at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from acd import routing

# The file layout stays importable from here (`X as X` marks a re-export).
from acd.centre_files import SECTION_FILES as SECTION_FILES
from acd.centre_files import WHOLE_FILE_SECTIONS as WHOLE_FILE_SECTIONS
from acd.centre_files import line_of, read_sources
from acd.config import ConfigError
from crm.intake import IntakeConfigError, IntakeScript, load_intake_scripts

SkillLevelName = Literal["primary", "secondary"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentConfig(_Model):
    name: str
    # skill -> "primary" | "secondary" | proficiency 1..100 (higher is better)
    skills: dict[str, SkillLevelName | int] = Field(default_factory=dict)
    # Dial string of this agent's phone; defaults to telephony.agent_dial.
    phone: str | None = None
    # Escalation group (D5): 0 first line, 1 and 2 the higher-level groups.
    level: int = Field(0, ge=0, le=2)
    # Case types (subjects) this agent takes on escalation (S4); empty means any.
    case_types: tuple[str, ...] = ()


class StepConfig(_Model):
    # Who the call is offered to during this step.
    target: Literal["primary", "primary_and_secondary"]
    # Seconds before the next step; None on the last step.
    timeout: float | None = Field(None, gt=0)
    # Widen at once when no agent of this step's target is ready (D3); by default
    # every step but the last does.
    skip_when_none_ready: bool | None = None


class CaseAssignmentConfig(_Model):
    """Q3: how a case of this queue that nobody owns finds an owner."""

    # The steps in order, each falling through; none turns automatic assignment off.
    steps: tuple[Literal["smart", "workload", "random"], ...] = ("smart", "workload", "random")
    # Only these agents, or the agents holding one of these skills; by default the
    # queue's team (the agents holding its skill).
    agents: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()


class QueueConfig(_Model):
    skill: str
    strategy: Literal["longest_idle", "fewest_calls", "round_robin", "random"] = "longest_idle"
    ring_timeout: float = Field(15, gt=0)
    wrapup_time: float = Field(30, ge=0)
    max_wait: float | None = Field(None, gt=0)
    max_length: int | None = Field(None, gt=0)
    overflow_to: str | None = None
    affinity_timeout: float = Field(20, ge=0)
    steps: tuple[StepConfig, ...] = ()
    aging_interval: float = Field(60, gt=0)
    # Offer "press 1 to be called back" after this many seconds of waiting.
    callback_after: float | None = Field(None, gt=0)
    # Reports: the service level counts calls answered within this many seconds.
    service_level_target: float = Field(20, gt=0)
    case_assignment: CaseAssignmentConfig = CaseAssignmentConfig()


class IvrChoice(_Model):
    queue: str | None = None
    menu: str | None = None
    priority: int = 0

    @model_validator(mode="after")
    def _one_target(self) -> IvrChoice:
        if (self.queue is None) == (self.menu is None):
            raise ValueError("give exactly one of 'queue' or 'menu'")
        return self


class MenuConfig(_Model):
    prompt: str
    choices: dict[str, IvrChoice]
    timeout: float = Field(5, gt=0)
    retries: int = Field(2, ge=0)
    invalid_prompt: str = "aiguilleur/invalid"
    # Where a caller who keys nothing valid goes; hung up when unset.
    default: IvrChoice | None = None


class DidConfig(_Model):
    queue: str | None = None
    menu: str | None = None
    priority: int = 0

    @model_validator(mode="after")
    def _one_target(self) -> DidConfig:
        if (self.queue is None) == (self.menu is None):
            raise ValueError("give exactly one of 'queue' or 'menu'")
        return self


class BusinessHours(_Model):
    timezone: str = "Europe/Paris"
    # weekday (mon..sun) -> list of "HH:MM-HH:MM"; a missing day is closed.
    open: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[str]] = Field(
        default_factory=dict
    )


class IvrConfig(_Model):
    dids: dict[str, DidConfig] = Field(default_factory=dict)
    menus: dict[str, MenuConfig] = Field(default_factory=dict)
    business_hours: BusinessHours | None = None
    closed_prompt: str = "closed"
    # "Press 1 to be called back", played to callers past their queue's callback_after.
    callback_prompt: str = "aiguilleur/callback-offer"
    # Then the number is read back: "we will call you back at" <digits> "press 1 to
    # confirm, 2 to key another number"; "key your number, then #"; "this number cannot
    # be called back".
    callback_confirm_prompt: str = "aiguilleur/callback-confirm"
    callback_confirm_keys_prompt: str = "aiguilleur/callback-confirm-keys"
    callback_number_prompt: str = "aiguilleur/callback-enter-number"
    callback_refused_prompt: str = "aiguilleur/callback-number-refused"


class Centre(_Model):
    """The whole admin configuration, cross-checked."""

    skills: tuple[str, ...] = ()
    agents: dict[str, AgentConfig] = Field(default_factory=dict)
    queues: dict[str, QueueConfig] = Field(default_factory=dict)
    ivr: IvrConfig = IvrConfig()
    intake: dict[str, Any] = Field(default_factory=dict)


def _cross_check(centre: Centre) -> list[tuple[tuple[Any, ...], str]]:
    """Problems a schema cannot see: references between sections."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    skills = set(centre.skills)
    for agent_id, agent in centre.agents.items():
        for skill in agent.skills:
            if skill not in skills:
                problems.append((("agents", agent_id, "skills", skill), f"unknown skill '{skill}'"))
    for name, queue in centre.queues.items():
        if queue.skill not in skills:
            problems.append((("queues", name, "skill"), f"unknown skill '{queue.skill}'"))
        rule = queue.case_assignment
        for agent_id in rule.agents:
            if agent_id not in centre.agents:
                where = ("queues", name, "case_assignment", "agents")
                problems.append((where, f"unknown agent '{agent_id}'"))
        for skill in rule.skills:
            if skill not in centre.skills:
                where = ("queues", name, "case_assignment", "skills")
                problems.append((where, f"unknown skill '{skill}'"))
        if queue.overflow_to is not None and queue.overflow_to not in centre.queues:
            problems.append(
                (("queues", name, "overflow_to"), f"unknown queue '{queue.overflow_to}'")
            )
    problems.extend(_overflow_loops(centre))

    def check_target(loc: tuple[Any, ...], queue: str | None, menu: str | None) -> None:
        if queue is not None and queue not in centre.queues:
            problems.append(((*loc, "queue"), f"unknown queue '{queue}'"))
        if menu is not None and menu not in centre.ivr.menus:
            problems.append(((*loc, "menu"), f"unknown menu '{menu}'"))

    for did, target in centre.ivr.dids.items():
        check_target(("ivr", "dids", did), target.queue, target.menu)
    for menu_name, menu in centre.ivr.menus.items():
        for key, choice in menu.choices.items():
            if key not in "0123456789*#" or len(key) != 1:
                problems.append(
                    (("ivr", "menus", menu_name, "choices", key), "a choice is one key")
                )
            check_target(("ivr", "menus", menu_name, "choices", key), choice.queue, choice.menu)
        if menu.default is not None:
            check_target(
                ("ivr", "menus", menu_name, "default"), menu.default.queue, menu.default.menu
            )
    return problems


def _overflow_loops(centre: Centre) -> list[tuple[tuple[Any, ...], str]]:
    problems: list[tuple[tuple[Any, ...], str]] = []
    reported: set[str] = set()
    for start in centre.queues:
        seen = [start]
        current = centre.queues[start].overflow_to
        while current is not None and current in centre.queues:
            if current in seen:
                cycle = seen[seen.index(current) :]
                if not reported & set(cycle):
                    reported.update(cycle)
                    problems.append(
                        (
                            ("queues", current, "overflow_to"),
                            "overflow loop: " + " -> ".join([*cycle, current]),
                        )
                    )
                break
            seen.append(current)
            current = centre.queues[current].overflow_to
    return problems


_TIERS = {
    "primary": (routing.SkillLevel.PRIMARY,),
    "primary_and_secondary": (routing.SkillLevel.PRIMARY, routing.SkillLevel.SECONDARY),
}


def queue_specs(centre: Centre) -> list[routing.QueueSpec]:
    """The queues as the routing core takes them."""
    specs = []
    for name, queue in centre.queues.items():
        last = len(queue.steps) - 1
        steps = tuple(
            routing.RoutingStep(
                _TIERS[step.target],
                timeout=step.timeout,
                skip_if_no_agent=(
                    step.skip_when_none_ready
                    if step.skip_when_none_ready is not None
                    else index < last
                ),
            )
            for index, step in enumerate(queue.steps)
        )
        specs.append(
            routing.QueueSpec(
                name=name,
                skill=queue.skill,
                strategy=routing.Strategy(queue.strategy),
                ring_timeout=queue.ring_timeout,
                wrapup_time=queue.wrapup_time,
                max_wait=queue.max_wait,
                max_length=queue.max_length,
                overflow_to=queue.overflow_to,
                steps=steps or routing.DEFAULT_STEPS,
                affinity_timeout=queue.affinity_timeout,
                aging_interval=queue.aging_interval,
            )
        )
    return specs


def agent_specs(centre: Centre) -> list[routing.AgentSpec]:
    """The agents as the routing core takes them."""
    levels = {"primary": routing.SkillLevel.PRIMARY, "secondary": routing.SkillLevel.SECONDARY}
    return [
        routing.AgentSpec(
            agent_id=agent_id,
            name=agent.name,
            skills={
                skill: levels[value] if isinstance(value, str) else value
                for skill, value in agent.skills.items()
            },
        )
        for agent_id, agent in centre.agents.items()
    ]


# The core's field names, as an admin wrote them in queues.yaml.
_CONFIG_NAMES = {"skip_if_no_agent": "skip_when_none_ready", "tiers": "target"}


def _config_loc(field: str) -> tuple[Any, ...]:
    """ "steps[1].skip_if_no_agent" -> ("steps", 1, "skip_when_none_ready")."""
    loc: list[Any] = []
    for part in field.split("."):
        name, _, index = part.partition("[")
        loc.append(_CONFIG_NAMES.get(name, name))
        if index:
            loc.append(int(index.rstrip("]")))
    return tuple(loc)


def _plan_problems(centre: Centre) -> list[tuple[tuple[Any, ...], str]]:
    errors = routing.validate_plan(queue_specs(centre)) + routing.validate_agents(
        agent_specs(centre)
    )
    problems = []
    for error in errors:
        owner = ("queues", error.queue) if error.queue is not None else ("agents", error.agent)
        loc = (*owner, *_config_loc(error.field))
        problems.append((loc, error.message))
    return problems


def intake_scripts(centre: Centre) -> dict[str, IntakeScript]:
    """Queue name -> the intake script an agent follows when answering its calls (D4)."""
    return load_intake_scripts(centre.intake) if centre.intake else {}


def _intake_problems(centre: Centre) -> list[tuple[tuple[Any, ...], str]]:
    try:
        scripts = intake_scripts(centre)
    except IntakeConfigError as exc:
        return [(("intake", *_config_loc(path)), message) for path, message in exc.errors]
    return [
        (("intake", "queues", queue), f"unknown queue '{queue}'")
        for queue in scripts
        if queue not in centre.queues
    ]


def load_centre(directory: Path) -> Centre:
    """Load and check ivr-config/; raise ConfigError with `file:line: problem` lines."""
    if not directory.is_dir():
        raise ConfigError([f"{directory}: not a directory"])
    raw, sources, problems = read_sources(directory)

    def where(loc: tuple[Any, ...]) -> str:
        source = sources.get(str(loc[0])) if loc else None
        if source is None:
            return str(directory)
        node_loc = loc[1:] if source.whole_file else loc
        return f"{source.path}:{line_of(source.root, node_loc)}"

    centre: Centre | None = None
    try:
        centre = Centre.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{where(loc)}: {'.'.join(map(str, loc))}: {message}")
    if centre is not None:
        checks = _cross_check(centre)
        if not checks:  # the core's own checks assume the references resolve
            checks = _plan_problems(centre)
        checks += _intake_problems(centre)
        for loc, message in checks:
            problems.append(f"{where(loc)}: {'.'.join(map(str, loc))}: {message}")
    if problems:
        raise ConfigError(problems)
    assert centre is not None
    return centre
