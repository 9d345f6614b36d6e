"""Who acts for which consortium. The rule "a member sees and acts for their own team only" is written here
once: ``member_team_id`` gives the team, ``consortia.scoping.TeamScope`` turns it into a queryset filter,
and the predicates below into a yes/no for one team. Views, the API, selectors and services all call
these."""

from __future__ import annotations

from common.roles import Role, can_read_everything, is_ministry_staff, user_has_role
from consortia.models import Consortium
from consortia.selectors import user_affiliation


def member_team(user) -> Consortium | None:
    """The consortium the user is a member of (their affiliation's), or None: not a consortium member, or a
    member without a team."""
    if not user_has_role(user, Role.CONSORTIUM_MEMBER):
        return None
    affiliation = user_affiliation(user=user)
    return affiliation.consortium if affiliation is not None else None


def member_team_id(user) -> int | None:
    team = member_team(user)
    return team.pk if team is not None else None


def can_act_for_consortium(user, consortium_id: int) -> bool:
    """Upload results or GPU usage, record spending for a team: only that team's own members."""
    return consortium_id is not None and member_team_id(user) == consortium_id


def can_view_team_data(user, consortium_id: int) -> bool:
    """A team's unpublished data (budget support, GPUs, uploads): staff and auditors see every team's; a
    member only their own. ``TeamScope.q`` is the same rule for a queryset."""
    return can_read_everything(user) or can_act_for_consortium(user, consortium_id)


def can_manage_registry(user) -> bool:
    """Organisations, partners joining or leaving, a team's withdrawal: ministry staff."""
    return is_ministry_staff(user)
