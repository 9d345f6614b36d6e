"""Writes for consortia. Every path (UI, API, admin actions, evaluations finalize) comes through here."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.audit import audit_record, snapshot
from common.user_cache import user_cache_forget
from consortia.models import Affiliation, Consortium, Organization, Partnership


@transaction.atomic
def partnership_add(
    *,
    consortium: Consortium,
    organization: Organization,
    contribution: str = "",
    joined_on: dt.date,
    actor=None,
) -> Partnership:
    """Add an organization to a consortium. Side effects: writes Partnership; appends an audit event."""
    if not consortium.is_active:
        raise ValidationError(
            _("%(team)s is no longer active; partners cannot be added.") % {"team": consortium}
        )
    partnership = Partnership(
        consortium=consortium, organization=organization, contribution=contribution, joined_on=joined_on
    )
    partnership.full_clean()
    partnership.save()
    audit_record(actor=actor, action="create", target=partnership, after=snapshot(partnership))
    return partnership


@transaction.atomic
def consortium_mark_departed(
    *, consortium: Consortium, status: str, left_on: dt.date, phase=None, reason: str = "", actor=None
) -> Consortium:
    """Record that a team left the program (eliminated by a phase, or withdrawn).

    Called by the evaluations finalize step for eliminations; budget freezes are that step's business.
    """
    if status not in (Consortium.Status.ELIMINATED, Consortium.Status.WITHDRAWN):
        raise ValidationError(_("A departure must be an elimination or a withdrawal."))
    locked = Consortium.objects.select_for_update().get(pk=consortium.pk)
    if not locked.is_active:
        raise ValidationError(_("%(team)s has already left the program.") % {"team": locked})
    before = snapshot(locked, fields=["status", "left_on", "left_in_phase", "exit_reason"])
    locked.status = status
    locked.left_on = left_on
    locked.left_in_phase = phase
    locked.exit_reason = reason
    locked.full_clean()
    locked.save(update_fields=["status", "left_on", "left_in_phase", "exit_reason"])
    audit_record(
        actor=actor,
        action="update",
        target=locked,
        before=before,
        after=snapshot(locked, fields=["status", "left_on", "left_in_phase", "exit_reason"]),
    )
    return locked


@transaction.atomic
def affiliation_set(
    *, user, organization: Organization, consortium: Consortium | None = None, title: str = ""
) -> Affiliation:
    affiliation, _created = Affiliation.objects.update_or_create(
        user=user, defaults={"organization": organization, "consortium": consortium, "title": title}
    )
    user_cache_forget(user.pk)
    return affiliation
