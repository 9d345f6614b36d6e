"""A phase's benchmark set, each team's declared target model, and the results files teams upload."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consortia.models import SourcedMixin
from consortia.scoping import TeamScope, TeamScopedQuerySet
from evaluations.models.phase import Benchmark, Phase
from evaluations.models.rubric import BenchmarkGroup


class PhaseBenchmark(SourcedMixin):
    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="benchmark_set", verbose_name=_("phase")
    )
    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.PROTECT, related_name="phase_entries", verbose_name=_("benchmark")
    )
    group = models.CharField(_("group"), max_length=20, choices=BenchmarkGroup.choices)
    # Team-specific benchmarks belong to one consortium; common and agency ones to everyone.
    consortium = models.ForeignKey(
        "consortia.Consortium",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_benchmarks",
        verbose_name=_("consortium"),
    )

    class Meta:
        ordering = ("phase", "group", "benchmark__code")
        verbose_name = _("phase benchmark")
        verbose_name_plural = _("phase benchmarks")
        constraints = [
            models.CheckConstraint(
                condition=(Q(group=BenchmarkGroup.TEAM_SPECIFIC) & Q(consortium__isnull=False))
                | (~Q(group=BenchmarkGroup.TEAM_SPECIFIC) & Q(consortium__isnull=True)),
                name="phase_benchmark_team_specific_has_consortium",
                violation_error_message=_("Team-specific benchmarks name their consortium; others must not."),
            ),
            models.UniqueConstraint(
                fields=("phase", "benchmark"),
                condition=Q(consortium__isnull=True),
                name="phase_benchmark_unique_shared",
                violation_error_message=_("This benchmark is already in the phase's set."),
            ),
            models.UniqueConstraint(
                fields=("phase", "benchmark", "consortium"),
                condition=Q(consortium__isnull=False),
                name="phase_benchmark_unique_team",
                violation_error_message=_("This benchmark is already in this consortium's set."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase.code} · {self.benchmark.code} ({self.group})"


class TargetModel(SourcedMixin):
    """The frontier model a consortium declared to be measured against; its scores are ReferenceScores."""

    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, related_name="target_models", verbose_name=_("phase")
    )
    consortium = models.ForeignKey(
        "consortia.Consortium",
        on_delete=models.PROTECT,
        related_name="target_models",
        verbose_name=_("consortium"),
    )
    reference_model = models.CharField(_("reference model"), max_length=100)

    class Meta:
        ordering = ("phase", "consortium__code")
        verbose_name = _("target model")
        verbose_name_plural = _("target models")
        constraints = [
            models.UniqueConstraint(
                fields=("phase", "consortium"),
                name="target_model_unique_pair",
                violation_error_message=_("This consortium already declared a target model for this phase."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consortium} → {self.reference_model}"


def _upload_to(instance: ResultUpload, filename: str) -> str:
    # The storage name never contains anything the uploader chose.
    return f"results/{instance.phase_id}/{uuid.uuid4().hex}.{instance.format}"


class ResultUpload(models.Model):
    """An accepted results file. Uploads are history: a newer one replaces only which one is current."""

    phase = models.ForeignKey(
        Phase, on_delete=models.PROTECT, related_name="uploads", verbose_name=_("phase")
    )
    consortium = models.ForeignKey(
        "consortia.Consortium",
        on_delete=models.PROTECT,
        related_name="result_uploads",
        verbose_name=_("consortium"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=200)
    display_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    format = models.CharField(_("format"), max_length=10)
    encoding = models.CharField(_("encoding"), max_length=20)
    row_count = models.PositiveIntegerField(_("rows"))
    is_current = models.BooleanField(_("current"), default=True)

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="consortium")

    class Meta:
        ordering = ("-uploaded_at", "-id")
        verbose_name = _("result upload")
        verbose_name_plural = _("result uploads")
        constraints = [
            models.UniqueConstraint(
                fields=("phase", "consortium"),
                condition=Q(is_current=True),
                name="result_upload_one_current",
                violation_error_message=_("Only one upload per team and phase can be current."),
            ),
        ]
        indexes = [
            models.Index(fields=("phase", "consortium", "is_current"), name="result_upload_current_idx")
        ]

    def __str__(self) -> str:
        return f"{self.consortium} · {self.phase.code} · {self.display_name}"


class ResultRow(models.Model):
    upload = models.ForeignKey(
        ResultUpload, on_delete=models.CASCADE, related_name="rows", verbose_name=_("upload")
    )
    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.PROTECT, related_name="+", verbose_name=_("benchmark")
    )
    score = models.DecimalField(_("score"), max_digits=10, decimal_places=4)
    model_version = models.CharField(_("model version"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    source_row = models.PositiveIntegerField(_("row in file"))

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="upload__consortium")

    class Meta:
        ordering = ("upload", "source_row")
        verbose_name = _("result row")
        verbose_name_plural = _("result rows")
        constraints = [
            models.UniqueConstraint(
                fields=("upload", "benchmark"),
                name="result_row_unique_benchmark",
                violation_error_message=_("A file can give only one score per benchmark."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.benchmark}: {self.score}"
