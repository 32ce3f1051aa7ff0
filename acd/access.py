"""Who may act on what: the pure rules behind every route's policy (no I/O).

Agents act only on themselves (their state, their calls, their tasks and notifications)
and on their own or their team's cases; a team is the agents who hold the skill of the
case's queue. Supervisors see and steer everything live; admins may do all a supervisor
may, and configure.
"""

from __future__ import annotations

from crm.accounts import Principal, Role


def is_supervisor(principal: Principal) -> bool:
    return principal.role in (Role.SUPERVISOR, Role.ADMIN)


def is_admin(principal: Principal) -> bool:
    return principal.role is Role.ADMIN


def may_act_for_agent(principal: Principal, agent_id: str) -> bool:
    """Supervisors act for anyone; an agent only for their own agent id."""
    if is_supervisor(principal):
        return True
    return principal.role is Role.AGENT and principal.agent_id == agent_id


def team_queues(
    agent_skills: dict[str, frozenset[str]], queue_skills: dict[str, str], agent_id: str
) -> frozenset[str]:
    """The queues whose skill the agent holds (primary, secondary or a proficiency)."""
    skills = agent_skills.get(agent_id, frozenset())
    return frozenset(queue for queue, skill in queue_skills.items() if skill in skills)


def may_see_case(
    principal: Principal,
    owner_agent_id: str | None,
    queue: str | None,
    teams: frozenset[str],
) -> bool:
    """An agent's own cases, and those of a queue their team takes."""
    if is_supervisor(principal):
        return True
    if principal.role is not Role.AGENT or principal.agent_id is None:
        return False
    return owner_agent_id == principal.agent_id or (queue is not None and queue in teams)
