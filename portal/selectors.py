"""Reads that compose several apps, for the pages of portal.views."""

from __future__ import annotations

from dataclasses import dataclass

from budget.models import Allocation
from consortia.models import Consortium
from evaluations.models import Phase


@dataclass(frozen=True)
class WithdrawalPreview:
    """What recording a team's withdrawal will change (portal.services.consortium_withdraw)."""

    consortium: Consortium
    active_allocations: int
    running_phases: list[Phase]


def consortium_withdrawal_preview(*, consortium: Consortium) -> WithdrawalPreview:
    return WithdrawalPreview(
        consortium=consortium,
        active_allocations=Allocation.objects.filter(
            consortium=consortium, status=Allocation.Status.ACTIVE
        ).count(),
        running_phases=list(
            Phase.objects.filter(participants__consortium=consortium)
            .exclude(status=Phase.Status.FINALIZED)
            .order_by("order")
        ),
    )
