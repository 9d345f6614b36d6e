"""The program, the organisations in it, the consortia they form, and the models those consortia build."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SourcedMixin(models.Model):
    """Program data comes from press sources; values made up for the demo stay marked as such."""

    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Made up for demonstration; not a published fact."),
    )
    source_note = models.CharField(_("source / note"), max_length=500, blank=True)

    class Meta:
        abstract = True


class Program(SourcedMixin):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("Korean name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    ministry = models.CharField(_("ministry"), max_length=200)
    performance_target = models.CharField(_("performance target"), max_length=300, blank=True)
    originality_rule = models.TextField(_("originality rule"), blank=True)
    # The share of each team's declared frontier target model a team must reach (0.95 = 95%).
    frontier_threshold = models.DecimalField(
        _("frontier threshold"), max_digits=4, decimal_places=3, default=Decimal("0.950")
    )
    start_date = models.DateField(_("start date"))
    planned_end = models.DateField(_("planned end"), null=True, blank=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.CheckConstraint(
                condition=Q(frontier_threshold__gt=0) & Q(frontier_threshold__lte=Decimal("1.5")),
                name="program_frontier_threshold_range",
                violation_error_message=_("The frontier threshold must be above 0 and at most 1.5."),
            ),
        ]

    def __str__(self) -> str:
        return self.name_ko


class Organization(SourcedMixin):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        STARTUP = "startup", _("Startup")
        UNIVERSITY = "university", _("University")
        RESEARCH_INSTITUTE = "research_institute", _("Research institute")
        PUBLIC_BODY = "public_body", _("Public body")

    name_ko = models.CharField(_("Korean name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    country = models.CharField(_("country"), max_length=2, default="KR")

    class Meta:
        ordering = ("name_en",)
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name_ko if self.name_ko == self.name_en else f"{self.name_ko} ({self.name_en})"


class Consortium(SourcedMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ELIMINATED = "eliminated", _("Eliminated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="consortia", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    lead = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="led_consortia",
        verbose_name=_("lead organization"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    joined_on = models.DateField(_("joined on"))
    # Set together with status when a team leaves: the day it left and, if it was cut, the phase that cut it.
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_in_phase = models.ForeignKey(
        "evaluations.Phase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departed_consortia",
        verbose_name=_("left in phase"),
    )
    exit_reason = models.TextField(_("reason for leaving"), blank=True)
    is_wildcard = models.BooleanField(_("wildcard team"), default=False)
    strategy = models.TextField(_("strategy"), blank=True)

    class Meta:
        ordering = ("code",)
        verbose_name = _("consortium")
        verbose_name_plural = _("consortia")
        constraints = [
            models.UniqueConstraint(
                fields=("program", "code"),
                name="consortium_unique_code_per_program",
                violation_error_message=_("A consortium with this code already exists in the program."),
            ),
            models.CheckConstraint(
                condition=Q(status="active", left_on__isnull=True)
                | (~Q(status="active") & Q(left_on__isnull=False)),
                name="consortium_left_on_matches_status",
                violation_error_message=_(
                    "An active consortium has no leaving date; one that left must have one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="consortium_left_after_joined",
                violation_error_message=_("A consortium cannot leave before it joined."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Partnership(SourcedMixin):
    """An organisation's place in a consortium. The lead is recorded here too, with role ``lead``."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PARTNER = "partner", _("Partner")

    consortium = models.ForeignKey(
        Consortium, on_delete=models.CASCADE, related_name="partnerships", verbose_name=_("consortium")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="partnerships", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PARTNER)
    contribution = models.CharField(_("contribution"), max_length=300, blank=True)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ("consortium", "role", "organization__name_en")
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(
                fields=("consortium", "organization"),
                name="partnership_unique_pair",
                violation_error_message=_("This organization is already in this consortium."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="partnership_left_after_joined",
                violation_error_message=_("A partner cannot leave before it joined."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consortium} · {self.organization}"


class FoundationModel(SourcedMixin):
    class Modality(models.TextChoices):
        TEXT = "text", _("Text")
        IMAGE = "image", _("Image")
        AUDIO = "audio", _("Audio")
        VIDEO = "video", _("Video")
        ACTION = "action", _("Action")

    consortium = models.ForeignKey(
        Consortium, on_delete=models.CASCADE, related_name="models", verbose_name=_("consortium")
    )
    name = models.CharField(_("name"), max_length=100)
    version = models.CharField(_("version"), max_length=50, blank=True)
    architecture = models.CharField(_("architecture"), max_length=200, blank=True)
    # Parameter counts are whole numbers of parameters (236B = 236_000_000_000), not floats in billions.
    total_parameters = models.BigIntegerField(_("total parameters"), null=True, blank=True)
    active_parameters = models.BigIntegerField(_("active parameters"), null=True, blank=True)
    context_length = models.PositiveIntegerField(_("context length (tokens)"), null=True, blank=True)
    modalities = models.JSONField(_("modalities"), default=list, blank=True)
    from_scratch_declared = models.BooleanField(_("declared trained from scratch"), default=True)
    open_weights = models.BooleanField(_("open weights"), default=False)
    license = models.CharField(_("licence"), max_length=100, blank=True)
    released_on = models.DateField(_("release date"), null=True, blank=True)
    is_planned = models.BooleanField(_("planned, not yet released"), default=False)

    class Meta:
        ordering = ("consortium", "name")
        verbose_name = _("foundation model")
        verbose_name_plural = _("foundation models")
        constraints = [
            models.UniqueConstraint(
                fields=("consortium", "name", "version"),
                name="foundation_model_unique_name_version",
                violation_error_message=_("This consortium already has a model with this name and version."),
            ),
            models.CheckConstraint(
                condition=Q(total_parameters__isnull=True) | Q(total_parameters__gt=0),
                name="foundation_model_total_parameters_positive",
                violation_error_message=_("The total parameter count must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(active_parameters__isnull=True)
                | Q(total_parameters__isnull=True)
                | (Q(active_parameters__gt=0) & Q(active_parameters__lte=F("total_parameters"))),
                name="foundation_model_active_within_total",
                violation_error_message=_("Active parameters must be positive and at most the total."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


class Affiliation(models.Model):
    """Where a person works. The organisation drives conflict-of-interest checks for evaluators;
    the consortium is what a consortium member may see and upload for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affiliation", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="affiliations", verbose_name=_("organization")
    )
    consortium = models.ForeignKey(
        Consortium,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("consortium"),
        help_text=_("Set for consortium members: the one team whose data they work on."),
    )
    title = models.CharField(_("title"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"
