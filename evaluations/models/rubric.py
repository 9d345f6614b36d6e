"""A phase's rubric: weighted components with criteria, pass/fail gates, and staff-entered panel results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.choices import text_choices
from consortia.models import SourcedMixin
from consortia.scoping import TeamScope, TeamScopedQuerySet
from evaluations import standings as pure
from evaluations.models.phase import Phase


class BenchmarkGroup(models.TextChoices):
    COMMON = "common", _("Common")
    AGENCY = "agency", _("Agency")
    TEAM_SPECIFIC = "team_specific", _("Team-specific")


SOURCE_LABELS = {
    pure.Source.BENCHMARKS: _("Benchmark results (frontier ratio)"),
    pure.Source.EVALUATORS: _("Evaluator score sheets"),
    pure.Source.PANEL: _("Aggregated panel result entered by staff"),
}


class RubricComponent(SourcedMixin):
    # The standings' sources (evaluations.standings.Source) with their labels; compare with those.
    Source = text_choices(pure.Source, SOURCE_LABELS, module=__name__, qualname="RubricComponent.Source")

    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="components", verbose_name=_("phase")
    )
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Points of 100 this component contributes; frozen once the phase is evaluating.
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    # The scale a whole-component panel figure is measured on (the weight when the rubric was set).
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    source = models.CharField(_("source of points"), max_length=20, choices=Source.choices)
    panel_size = models.PositiveSmallIntegerField(_("panel size"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ("phase", "order", "key")
        verbose_name = _("rubric component")
        verbose_name_plural = _("rubric components")
        constraints = [
            models.UniqueConstraint(
                fields=("phase", "key"),
                name="rubric_component_unique_key",
                violation_error_message=_("This phase already has a component with this key."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0) & Q(weight__lte=100),
                name="rubric_component_weight_range",
                violation_error_message=_("A component weight must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(max_points__gt=0),
                name="rubric_component_max_points_positive",
                violation_error_message=_("A component's maximum points must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase.code} · {self.name} ({self.weight})"


class RubricCriterion(SourcedMixin):
    component = models.ForeignKey(
        RubricComponent, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("component")
    )
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    benchmark_group = models.CharField(
        _("benchmark group"), max_length=20, choices=BenchmarkGroup.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ("component", "order", "key")
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        constraints = [
            models.UniqueConstraint(
                fields=("component", "key"),
                name="rubric_criterion_unique_key",
                violation_error_message=_("This component already has a criterion with this key."),
            ),
            models.CheckConstraint(
                condition=Q(max_points__gt=0),
                name="rubric_criterion_max_points_positive",
                violation_error_message=_("A criterion's maximum points must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component.key}/{self.key}"


class RubricGate(SourcedMixin):
    """A pass/fail requirement (e.g. originality): failing it disqualifies whatever the points."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="gates", verbose_name=_("phase"))
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ("phase", "key")
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        constraints = [
            models.UniqueConstraint(
                fields=("phase", "key"),
                name="rubric_gate_unique_key",
                violation_error_message=_("This phase already has a gate with this key."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase.code} · {self.name}"


class GateResult(SourcedMixin):
    gate = models.ForeignKey(
        RubricGate, on_delete=models.CASCADE, related_name="results", verbose_name=_("gate")
    )
    consortium = models.ForeignKey(
        "consortia.Consortium",
        on_delete=models.PROTECT,
        related_name="gate_results",
        verbose_name=_("consortium"),
    )
    passed = models.BooleanField(_("passed"))
    evidence = models.TextField(_("evidence"), blank=True)
    reason = models.TextField(_("written reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="consortium", members=False)

    class Meta:
        ordering = ("gate", "consortium__code")
        verbose_name = _("gate result")
        verbose_name_plural = _("gate results")
        constraints = [
            models.UniqueConstraint(
                fields=("gate", "consortium"),
                name="gate_result_unique_pair",
                violation_error_message=_("This gate has already been decided for this consortium."),
            ),
            models.CheckConstraint(
                condition=Q(passed=True) | ~Q(reason=""),
                name="gate_result_failure_has_reason",
                violation_error_message=_("A failed gate needs a written reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gate.key} · {self.consortium}: {'pass' if self.passed else 'fail'}"


class PanelResult(SourcedMixin):
    """Aggregated points entered by staff: a published figure, or a panel's (e.g. 49 users') result.

    With a criterion it is that criterion's points; without, the whole component's, on its max_points.
    """

    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="panel_results", verbose_name=_("phase")
    )
    consortium = models.ForeignKey(
        "consortia.Consortium",
        on_delete=models.PROTECT,
        related_name="panel_results",
        verbose_name=_("consortium"),
    )
    component = models.ForeignKey(
        RubricComponent, on_delete=models.CASCADE, related_name="panel_results", verbose_name=_("component")
    )
    criterion = models.ForeignKey(
        RubricCriterion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="panel_results",
        verbose_name=_("criterion"),
    )
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    panel_size = models.PositiveSmallIntegerField(_("panel size"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="consortium", members=False)

    class Meta:
        ordering = ("phase", "consortium__code", "component__order", "criterion__order")
        verbose_name = _("panel result")
        verbose_name_plural = _("panel results")
        constraints = [
            models.UniqueConstraint(
                fields=("consortium", "component"),
                condition=Q(criterion__isnull=True),
                name="panel_result_unique_component",
                violation_error_message=_("This component already has a panel result for this consortium."),
            ),
            models.UniqueConstraint(
                fields=("consortium", "criterion"),
                condition=Q(criterion__isnull=False),
                name="panel_result_unique_criterion",
                violation_error_message=_("This criterion already has a panel result for this consortium."),
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0),
                name="panel_result_points_not_negative",
                violation_error_message=_("Points cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        where = self.component.key + (f"/{self.criterion.key}" if self.criterion_id else "")
        return f"{self.consortium} · {where}: {self.points}"
