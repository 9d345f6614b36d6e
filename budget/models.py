"""Government support: budget lines in KRW (integers, never floats)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consortia.models import Program, SourcedMixin


class Category(models.TextChoices):
    GPU = "gpu", _("GPU")
    DATA_PURCHASE = "data_purchase", _("Data purchase")
    DATA_PROCESSING = "data_processing", _("Data processing")
    TALENT_MATCHING = "talent_matching", _("Talent matching")
    BROADCAST_DATA = "broadcast_data", _("Broadcast data")
    OPERATIONS = "operations", _("Operations")


class BudgetLine(SourcedMixin):
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="budget_lines", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    # Whole won: KRW has no minor unit, and integers keep sums exact.
    amount_krw = models.BigIntegerField(_("amount (KRW)"))

    class Meta:
        ordering = ("program", "fiscal_year", "code")
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(
                fields=("program", "code"),
                name="budget_line_unique_code_per_program",
                violation_error_message=_("A budget line with this code already exists in the program."),
            ),
            models.CheckConstraint(
                condition=Q(amount_krw__gt=0),
                name="budget_line_amount_positive",
                violation_error_message=_("A budget line amount must be a positive number of won."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.fiscal_year})"
