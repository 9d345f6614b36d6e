"""Writes for evaluations; every path (UI, API, admin, tasks, loader) comes through these functions."""

from evaluations.services._common import standings_enqueue, standings_inputs_changed
from evaluations.services.lifecycle import (
    Transition,
    TransitionCheck,
    phase_begin_evaluation,
    phase_open,
    phase_transition_check,
    transition_next,
)
from evaluations.services.recompute import RecomputeResult, RecomputeStatus, standings_recompute
from evaluations.services.rubric import (
    gate_result_record,
    panel_result_record,
    phase_benchmark_add,
    phase_participant_add,
    rubric_component_create,
    rubric_criterion_create,
    rubric_gate_create,
    rubric_weights_set,
    target_model_set,
)
from evaluations.services.scoring import (
    ScoreInput,
    evaluator_assign,
    evaluator_unassign,
    result_upload_create,
    score_sheet_save,
)
from evaluations.services.standings import (
    FinalizePreview,
    WhatIf,
    phase_finalize,
    phase_finalize_preview,
    standings_what_if,
)
from evaluations.services.transition_preview import TransitionPreview, phase_transition_preview

__all__ = [
    "FinalizePreview",
    "RecomputeResult",
    "RecomputeStatus",
    "ScoreInput",
    "Transition",
    "TransitionCheck",
    "TransitionPreview",
    "WhatIf",
    "evaluator_assign",
    "evaluator_unassign",
    "gate_result_record",
    "panel_result_record",
    "phase_begin_evaluation",
    "phase_benchmark_add",
    "phase_finalize",
    "phase_finalize_preview",
    "phase_open",
    "phase_participant_add",
    "phase_transition_check",
    "phase_transition_preview",
    "result_upload_create",
    "rubric_component_create",
    "rubric_criterion_create",
    "rubric_gate_create",
    "rubric_weights_set",
    "score_sheet_save",
    "standings_enqueue",
    "standings_inputs_changed",
    "standings_recompute",
    "standings_what_if",
    "target_model_set",
    "transition_next",
]
