"""Phases of the survival program and the benchmarks teams are measured on."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common.choices import text_choices
from consortia.models import Program, SourcedMixin
from consortia.scoping import TeamScope, TeamScopedQuerySet
from evaluations import standings as pure


class Phase(SourcedMixin):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        EVALUATING = "evaluating", _("Evaluating")
        FINALIZED = "finalized", _("Finalized")

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="phases", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)
    development_start = models.DateField(_("development start"), null=True, blank=True)
    showcase_on = models.DateField(_("showcase"), null=True, blank=True)
    evaluation_start = models.DateField(_("evaluation start"), null=True, blank=True)
    result_on = models.DateField(_("result date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The phase whose advancing teams enter this one, when staff made it "next from" that phase; finalizing
    # that phase sends its teams here, whatever other draft phases the program holds. Empty: by order.
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("follows phase"),
    )
    # Moments, stored in UTC and shown in KST. After the submission deadline uploads are refused unless
    # the team holds a DeadlineExtension; after the scoring deadline score sheets can no longer change.
    submission_deadline = models.DateTimeField(_("results submission deadline"), null=True, blank=True)
    scoring_deadline = models.DateTimeField(_("scoring deadline"), null=True, blank=True)
    teams_in = models.PositiveSmallIntegerField(_("teams entering"), null=True, blank=True)
    teams_advancing = models.PositiveSmallIntegerField(_("teams that advance"))
    # Share of a team's declared target model it must reach to meet the frontier goal.
    frontier_threshold = models.DecimalField(
        _("frontier threshold"), max_digits=4, decimal_places=3, default=Decimal("0.950")
    )
    # Bumped (F() + 1) in the same transaction as every change to this phase's standings inputs; a
    # snapshot computed from an older generation is stale. This is what survives a Redis outage.
    standings_generation = models.PositiveBigIntegerField(
        _("standings inputs generation"), default=0, editable=False
    )
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True, editable=False)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("finalized by"),
    )

    class Meta:
        ordering = ("program", "order")
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(
                fields=("program", "code"),
                name="phase_unique_code_per_program",
                violation_error_message=_("A phase with this code already exists in the program."),
            ),
            models.UniqueConstraint(
                fields=("program", "order"),
                name="phase_unique_order_per_program",
                violation_error_message=_("Another phase of the program already has this order."),
            ),
            models.CheckConstraint(
                condition=Q(result_on__isnull=True)
                | Q(evaluation_start__isnull=True)
                | Q(result_on__gte=F("evaluation_start")),
                name="phase_result_after_evaluation_start",
                violation_error_message=_("The result date cannot be before the evaluation starts."),
            ),
            models.CheckConstraint(
                condition=Q(scoring_deadline__isnull=True)
                | Q(submission_deadline__isnull=True)
                | Q(scoring_deadline__gte=F("submission_deadline")),
                name="phase_scoring_after_submission_deadline",
                violation_error_message=_(
                    "The scoring deadline cannot be before the results submission deadline."
                ),
            ),
            models.CheckConstraint(
                condition=Q(frontier_threshold__gt=0) & Q(frontier_threshold__lte=Decimal("1.5")),
                name="phase_frontier_threshold_range",
                violation_error_message=_("The frontier threshold must be above 0 and at most 1.5."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_finalized(self) -> bool:
        return self.status == self.Status.FINALIZED


OUTCOME_LABELS = {
    pure.Outcome.ADVANCES: _("Advances"),
    pure.Outcome.ELIMINATED_ON_POINTS: _("Eliminated on points"),
    pure.Outcome.DISQUALIFIED_BY_GATE: _("Disqualified by gate"),
    pure.Outcome.NOT_RANKED: _("Not ranked"),
}


class PhaseParticipant(models.Model):
    """A consortium taking part in a phase; its official outcome is set when the phase is finalized."""

    # The standings' outcomes (evaluations.standings.Outcome) with their labels; compare with those.
    Outcome = text_choices(pure.Outcome, OUTCOME_LABELS, module=__name__, qualname="PhaseParticipant.Outcome")

    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="participants", verbose_name=_("phase")
    )
    consortium = models.ForeignKey(
        "consortia.Consortium",
        on_delete=models.PROTECT,
        related_name="phase_entries",
        verbose_name=_("consortium"),
    )
    outcome = models.CharField(_("official outcome"), max_length=30, choices=Outcome.choices, blank=True)
    final_rank = models.PositiveSmallIntegerField(_("official rank"), null=True, blank=True)
    final_total = models.DecimalField(
        _("official total"), max_digits=7, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ("phase", "consortium__code")
        verbose_name = _("phase participant")
        verbose_name_plural = _("phase participants")
        constraints = [
            models.UniqueConstraint(
                fields=("phase", "consortium"),
                name="phase_participant_unique_pair",
                violation_error_message=_("This consortium already takes part in this phase."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase} · {self.consortium}"


class DeadlineExtension(models.Model):
    """A later results-submission deadline granted by staff to one team of a phase, with the reason.

    One per team and phase: granting again moves it (the audit trail keeps every grant).
    """

    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="deadline_extensions", verbose_name=_("phase")
    )
    consortium = models.ForeignKey(
        "consortia.Consortium",
        on_delete=models.PROTECT,
        related_name="deadline_extensions",
        verbose_name=_("consortium"),
    )
    deadline = models.DateTimeField(_("extended deadline"))
    reason = models.TextField(_("written reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"))

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="consortium")

    class Meta:
        ordering = ("phase", "consortium__code")
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            models.UniqueConstraint(
                fields=("phase", "consortium"),
                name="deadline_extension_unique_pair",
                violation_error_message=_("This team already has an extension in this phase."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="deadline_extension_has_reason",
                violation_error_message=_("An extension needs a written reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase} · {self.consortium}: {self.deadline:%Y-%m-%d %H:%M}"


class Benchmark(SourcedMixin):
    class Category(models.TextChoices):
        KNOWLEDGE = "knowledge", _("Knowledge")
        REASONING = "reasoning", _("Reasoning")
        MATH = "math", _("Math")
        CODING = "coding", _("Coding")
        AGENTIC_CODING = "agentic_coding", _("Agentic coding")
        AGENT = "agent", _("Agent")
        INSTRUCTION_FOLLOWING = "instruction_following", _("Instruction following")
        LONG_CONTEXT = "long_context", _("Long context")
        KOREAN = "korean", _("Korean")
        KOREAN_MATH = "korean_math", _("Korean math")
        SAFETY = "safety", _("Safety")
        MULTIMODAL = "multimodal", _("Multimodal")

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    # Scores are reported on 0..scale (100 for percentages).
    scale = models.DecimalField(_("scale"), max_digits=10, decimal_places=2, default=100)

    class Meta:
        ordering = ("code",)
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")
        constraints = [
            models.CheckConstraint(
                condition=Q(scale__gt=0),
                name="benchmark_scale_positive",
                violation_error_message=_("The benchmark scale must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ReferenceScore(SourcedMixin):
    """A frontier model's published score on a benchmark (the yardstick for the 95% target)."""

    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.CASCADE, related_name="reference_scores", verbose_name=_("benchmark")
    )
    reference_model = models.CharField(_("reference model"), max_length=100)
    score = models.DecimalField(_("score"), max_digits=10, decimal_places=3)

    class Meta:
        ordering = ("benchmark", "reference_model")
        verbose_name = _("reference score")
        verbose_name_plural = _("reference scores")
        constraints = [
            models.UniqueConstraint(
                fields=("benchmark", "reference_model"),
                name="reference_score_unique_pair",
                violation_error_message=_("This reference model already has a score on this benchmark."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference_model} · {self.benchmark}: {self.score}"
