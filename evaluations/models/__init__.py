"""Evaluations models, split by concern; import them from here."""

from evaluations.models.phase import Benchmark, DeadlineExtension, Phase, PhaseParticipant, ReferenceScore
from evaluations.models.results import PhaseBenchmark, ResultRow, ResultUpload, TargetModel
from evaluations.models.rubric import (
    BenchmarkGroup,
    GateResult,
    PanelResult,
    RubricComponent,
    RubricCriterion,
    RubricGate,
)
from evaluations.models.scoring import CriterionScore, EvaluatorAssignment, ScoreSheet, StandingsSnapshot

__all__ = [
    "Benchmark",
    "BenchmarkGroup",
    "CriterionScore",
    "DeadlineExtension",
    "EvaluatorAssignment",
    "GateResult",
    "PanelResult",
    "Phase",
    "PhaseBenchmark",
    "PhaseParticipant",
    "ReferenceScore",
    "ResultRow",
    "ResultUpload",
    "RubricComponent",
    "RubricCriterion",
    "RubricGate",
    "ScoreSheet",
    "StandingsSnapshot",
    "TargetModel",
]
