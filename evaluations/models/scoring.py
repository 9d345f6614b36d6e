"""Expert evaluation: evaluator assignments, their score sheets, and the standings snapshots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consortia.scoping import TeamScope, TeamScopedQuerySet
from evaluations import standings as pure
from evaluations.models.phase import Phase
from evaluations.models.rubric import RubricCriterion


class EvaluatorAssignment(models.Model):
    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("phase")
    )
    consortium = models.ForeignKey(
        "consortia.Consortium",
        on_delete=models.PROTECT,
        related_name="evaluator_assignments",
        verbose_name=_("consortium"),
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="evaluator_assignments",
        verbose_name=_("evaluator"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by")
    )
    assigned_at = models.DateTimeField(_("assigned at"))

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="consortium", members=False, evaluator="evaluator")

    class Meta:
        ordering = ("phase", "consortium__code", "evaluator__username")
        verbose_name = _("evaluator assignment")
        verbose_name_plural = _("evaluator assignments")
        constraints = [
            models.UniqueConstraint(
                fields=("phase", "consortium", "evaluator"),
                name="evaluator_assignment_unique",
                violation_error_message=_(
                    "This evaluator is already assigned to this consortium in this phase."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} → {self.consortium} ({self.phase.code})"


class ScoreSheet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    assignment = models.OneToOneField(
        EvaluatorAssignment, on_delete=models.CASCADE, related_name="sheet", verbose_name=_("assignment")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Optimistic concurrency: a save names the version it was based on; a stale one is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="assignment__consortium", members=False, evaluator="assignment__evaluator")

    class Meta:
        ordering = ("assignment",)
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="score_sheet_submitted_has_time",
                violation_error_message=_("A submitted score sheet records when it was submitted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} v{self.version}"


class CriterionScore(models.Model):
    sheet = models.ForeignKey(
        ScoreSheet, on_delete=models.CASCADE, related_name="scores", verbose_name=_("score sheet")
    )
    criterion = models.ForeignKey(
        RubricCriterion, on_delete=models.CASCADE, related_name="scores", verbose_name=_("criterion")
    )
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(
        team="sheet__assignment__consortium", members=False, evaluator="sheet__assignment__evaluator"
    )

    class Meta:
        ordering = ("sheet", "criterion__component__order", "criterion__order")
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(
                fields=("sheet", "criterion"),
                name="criterion_score_unique",
                violation_error_message=_("This criterion is already scored on this sheet."),
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0),
                name="criterion_score_not_negative",
                violation_error_message=_("Points cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.points}"


class StandingsSnapshot(models.Model):
    """One computed standings table. Immutable history: recomputes add rows, finalize marks one official."""

    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("phase")
    )
    generation = models.PositiveBigIntegerField(_("inputs generation"))
    inputs_hash = models.CharField(_("inputs hash"), max_length=64)
    computed_at = models.DateTimeField(_("computed at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    trigger = models.CharField(_("trigger"), max_length=200)
    table = models.JSONField(_("table"))
    cut_count = models.PositiveSmallIntegerField(_("cut count"))
    cut_line_tie = models.BooleanField(_("tie on the cut line"), default=False)
    is_official = models.BooleanField(_("official"), default=False)

    class Meta:
        ordering = ("phase", "-generation", "-id")
        get_latest_by = ("generation", "id")
        verbose_name = _("standings snapshot")
        verbose_name_plural = _("standings snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=("phase", "generation"),
                name="standings_snapshot_unique_generation",
                violation_error_message=_("A snapshot for this generation of inputs already exists."),
            ),
            models.UniqueConstraint(
                fields=("phase",),
                condition=Q(is_official=True),
                name="standings_snapshot_one_official",
                violation_error_message=_("A phase has only one official standings table."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase.code} standings g{self.generation}"

    def rows(self) -> tuple[pure.Row, ...]:
        """The stored table as typed rows, in table order (rank, then the unranked)."""
        return tuple(pure.Row.from_dict(row) for row in self.table)
