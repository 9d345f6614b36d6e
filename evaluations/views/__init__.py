"""Browser pages of evaluations: phases and their rubric and standings, the staff's forms (assignments,
gates, panel results, transition previews, what-if, phase set-up, deadlines), evaluators' score sheets and
the consortium upload page. Every write goes through evaluations.services / budget.services; reads through
the selectors."""

from evaluations.views.deadlines import phase_deadlines_view
from evaluations.views.phases import (
    phase_detail_view,
    phase_list_view,
    phase_transition_view,
    phase_what_if_view,
)
from evaluations.views.scoring import my_assignments_view, score_sheet_view
from evaluations.views.setup import phase_create_view, phase_next_view, phase_setup_view
from evaluations.views.staff import assignment_view, gate_decision_view, panel_result_view
from evaluations.views.uploads import (
    gpu_report_file_view,
    gpu_usage_template_view,
    result_template_view,
    result_upload_file_view,
    upload_view,
)

__all__ = [
    "assignment_view",
    "gate_decision_view",
    "gpu_report_file_view",
    "gpu_usage_template_view",
    "my_assignments_view",
    "panel_result_view",
    "phase_deadlines_view",
    "phase_create_view",
    "phase_detail_view",
    "phase_list_view",
    "phase_next_view",
    "phase_setup_view",
    "phase_transition_view",
    "phase_what_if_view",
    "result_template_view",
    "result_upload_file_view",
    "score_sheet_view",
    "upload_view",
]
