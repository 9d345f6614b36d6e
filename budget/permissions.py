"""Who may do what with budget data. Shared by services, selectors, the browser views and the API.

Ministry staff manage lines, caps and allocations and approve spending; auditors read everything; a
consortium member reads and reports for their own team only; evaluators see nothing of the budget.
"""

from __future__ import annotations

from common.roles import Role, can_read_everything, is_ministry_staff, user_has_role
from consortia.permissions import can_act_for_consortium, member_team_id


def can_manage_budget(user) -> bool:
    return is_ministry_staff(user)


def can_approve_execution(user) -> bool:
    return is_ministry_staff(user)


def can_view_budget_lines(user) -> bool:
    """Program-level lines and caps: everyone but evaluators (and anonymous users)."""
    return can_read_everything(user) or user_has_role(user, Role.CONSORTIUM_MEMBER)


def can_record_execution(user, consortium_id: int) -> bool:
    """Spending is reported by the team itself or entered by ministry staff."""
    return is_ministry_staff(user) or can_act_for_consortium(user, consortium_id)


def can_record_some_execution(user) -> bool:
    """Whether ``can_record_execution`` holds for any team: staff, or a member who has a team."""
    return is_ministry_staff(user) or member_team_id(user) is not None


def can_upload_gpu_usage(user, consortium_id: int) -> bool:
    return can_act_for_consortium(user, consortium_id)
