"""What a reload of the program file must leave as it is: workflow state and everything users entered."""

from __future__ import annotations

from budget.models import Allocation, BudgetLine, BudgetLineAmendment, CategoryCap, Execution
from consortia.models import Consortium, Partnership
from evaluations.models import (
    CriterionScore,
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    ScoreSheet,
    StandingsSnapshot,
    TargetModel,
)

MODELS = (
    Phase,
    PhaseParticipant,
    StandingsSnapshot,
    Consortium,
    Partnership,
    RubricComponent,
    RubricCriterion,
    GateResult,
    PanelResult,
    PhaseBenchmark,
    TargetModel,
    ReferenceScore,
    ResultUpload,
    EvaluatorAssignment,
    ScoreSheet,
    CriterionScore,
    BudgetLine,
    BudgetLineAmendment,
    CategoryCap,
    Allocation,
    Execution,
)


def workflow_state() -> dict[str, list[dict]]:
    """Every row of every model that carries workflow state or user input, all fields."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}
