"""Writes that compose several apps: here, a team's withdrawal (the team, its budget support and the
standings of the phases it is in). The browser pages and the API both call these."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from budget.services import allocations_freeze_for_elimination
from consortia.models import Consortium
from consortia.services import consortium_mark_departed, require_registry_manager
from evaluations.models import Phase
from evaluations.services import standings_inputs_changed


@transaction.atomic
def consortium_withdraw(*, consortium: Consortium, left_on: dt.date, reason: str, actor) -> Consortium:
    """Record that a team withdrew from the program on ``left_on``, for the written ``reason``.

    As an elimination does, a withdrawal ends the team's support: its active allocations are frozen as of
    ``left_on`` (budget.services.allocations_freeze_for_elimination; later pending spending is rejected).
    The standings of every phase it takes part in that is not finalized are marked stale and recomputed.
    Checks: the actor is ministry staff; the team is still active; a reason is written; ``left_on`` is
    not before the team joined.
    Lock order: the team's running phases (by id, as every phase input change takes them), then the team,
    then its allocations, so a withdrawal and a finalize of the same phase never interleave.
    Side effects: updates Consortium (status, left_on, exit_reason), Allocation and late Execution rows,
    Phase.standings_generation; appends an audit event per change. Raises PermissionDenied or
    ValidationError keyed by field.
    """
    require_registry_manager(actor)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(_("Write why the team withdraws."))
    if not isinstance(left_on, dt.date):
        errors.setdefault("left_on", []).append(_("Enter the date the team withdrew."))
    elif left_on < consortium.joined_on:
        errors.setdefault("left_on", []).append(
            _("A team cannot withdraw before it joined the program (%(date)s).")
            % {"date": consortium.joined_on.isoformat()}
        )
    if errors:
        raise ValidationError(errors)
    running = list(
        Phase.objects.select_for_update(of=("self",))
        .filter(participants__consortium_id=consortium.pk)
        .exclude(status=Phase.Status.FINALIZED)
        .order_by("pk")
    )
    team = consortium_mark_departed(
        consortium=consortium,
        status=Consortium.Status.WITHDRAWN,
        left_on=left_on,
        reason=reason,
        actor=actor,
    )
    allocations_freeze_for_elimination(consortium=team, phase=None, effective_on=left_on, actor=actor)
    for phase in running:
        standings_inputs_changed(phase_id=phase.pk, trigger=f"{team.code} withdrew")
    return team
