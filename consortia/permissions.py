"""Who may see which consortium's data. Shared by the browser views, the API and selectors."""

from __future__ import annotations

from common.roles import Role, can_read_everything, user_has_role
from consortia.selectors import user_consortium_id


def can_view_unpublished_team_data(user, consortium_id: int) -> bool:
    """Unpublished uploads and scores: staff and auditors see all; a member only their own team's."""
    if can_read_everything(user):
        return True
    return user_has_role(user, Role.CONSORTIUM_MEMBER) and user_consortium_id(user=user) == consortium_id


def can_act_for_consortium(user, consortium_id: int) -> bool:
    """Upload results or GPU usage for a team: only that team's own members."""
    return user_has_role(user, Role.CONSORTIUM_MEMBER) and user_consortium_id(user=user) == consortium_id
