"""Who may do what in evaluations. Predicates shared by the UI views, the API and the services."""

from __future__ import annotations

from common.roles import Role, can_read_everything, evaluator_id, is_ministry_staff, user_has_role
from evaluations.models import EvaluatorAssignment, Phase, ScoreSheet


def can_manage_phase(user) -> bool:
    """Rubric, benchmark set, assignments, gates, panel results, status changes and finalize."""
    return is_ministry_staff(user)


def is_assigned_evaluator(user, *, assignment: EvaluatorAssignment) -> bool:
    """The user is the evaluator of this assignment (the rows of which ``visible_to`` shows them)."""
    own_id = evaluator_id(user)
    return own_id is not None and assignment.evaluator_id == own_id


def can_edit_score_sheet(user, *, sheet: ScoreSheet) -> bool:
    """Only the assigned evaluator, while the phase is open or evaluating."""
    assignment: EvaluatorAssignment = sheet.assignment
    return is_assigned_evaluator(user, assignment=assignment) and assignment.phase.status in (
        Phase.Status.OPEN,
        Phase.Status.EVALUATING,
    )


def can_view_working_standings(user) -> bool:
    """Standings before a phase is finalized: staff, auditors and evaluators."""
    return can_read_everything(user) or user_has_role(user, Role.EVALUATOR)


def can_view_standings(user, *, phase: Phase) -> bool:
    """Working standings are internal until the phase is finalized; the final table is for everyone."""
    if not getattr(user, "is_authenticated", False):
        return False
    return phase.status == Phase.Status.FINALIZED or can_view_working_standings(user)


def can_run_what_if(user) -> bool:
    return can_read_everything(user)
