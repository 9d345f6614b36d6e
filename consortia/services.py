"""Writes for consortia. Every path (UI, API, admin actions, evaluations finalize) comes through here."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.audit import audit_record, snapshot
from common.models import AuditEvent
from common.user_cache import user_cache_forget
from consortia.models import Affiliation, Consortium, Organization, Partnership
from consortia.permissions import can_manage_registry

ORGANIZATION_FIELDS = ("name_ko", "name_en", "kind", "country", "is_illustrative", "source_note")
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


def require_registry_manager(actor) -> None:
    if not can_manage_registry(actor):
        raise PermissionDenied(_("Only ministry staff may change the registry."))


def _organization_check(values: dict, *, instance: Organization | None) -> dict:
    """Trim and check an organisation's values; one ValidationError keyed by field with every problem."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    for field in ("name_ko", "name_en", "source_note"):
        if field in cleaned:
            cleaned[field] = (cleaned[field] or "").strip()
    if "name_ko" in cleaned and not cleaned["name_ko"]:
        errors.setdefault("name_ko", []).append(_("Enter the Korean name."))
    if "name_en" in cleaned and not cleaned["name_en"]:
        errors.setdefault("name_en", []).append(_("Enter the English name: it tells organizations apart."))
    if "country" in cleaned:
        cleaned["country"] = (cleaned["country"] or "").strip().upper()
        if not _COUNTRY_CODE.match(cleaned["country"]):
            errors.setdefault("country", []).append(
                _("Enter the country as a two-letter ISO code, e.g. KR or US.")
            )
    if "kind" in cleaned and cleaned["kind"] not in Organization.Kind.values:
        errors.setdefault("kind", []).append(_("Choose one of the listed kinds."))
    if cleaned.get("name_en"):
        # Case-insensitively: "Kaist" next to "KAIST" would split one organisation's conflicts in two.
        taken = Organization.objects.filter(name_en__iexact=cleaned["name_en"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        holder = taken.first()
        if holder is not None:
            errors.setdefault("name_en", []).append(
                _("An organization with the English name “%(name)s” already exists.")
                % {"name": holder.name_en}
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def organization_create(
    *,
    name_ko: str,
    name_en: str,
    kind: str,
    country: str = "KR",
    is_illustrative: bool = False,
    source_note: str = "",
    actor,
) -> Organization:
    """Record a new organisation. The English name is unique (case-insensitively).

    Side effects: writes Organization; appends an audit event. Raises PermissionDenied unless the actor is
    ministry staff, ValidationError keyed by field.
    """
    require_registry_manager(actor)
    values = _organization_check(
        {
            "name_ko": name_ko,
            "name_en": name_en,
            "kind": kind,
            "country": country,
            "is_illustrative": is_illustrative,
            "source_note": source_note,
        },
        instance=None,
    )
    organization = Organization(**values)
    organization.full_clean()
    organization.save()
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, target=organization, after=snapshot(organization)
    )
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, actor, **changes) -> Organization:
    """Change an organisation's names, kind, country or source note (only the fields given).

    Side effects: updates Organization; appends an audit event with before/after. Raises PermissionDenied
    unless the actor is ministry staff, ValidationError keyed by field.
    """
    require_registry_manager(actor)
    unknown = sorted(set(changes) - set(ORGANIZATION_FIELDS))
    if unknown:
        raise ValidationError(
            {field: _("This field cannot be changed here.") for field in unknown}, code="unknown_field"
        )
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    values = _organization_check(changes, instance=locked)
    before = snapshot(locked, fields=list(ORGANIZATION_FIELDS))
    for field, value in values.items():
        setattr(locked, field, value)
    locked.full_clean()
    locked.save(update_fields=list(values) or None)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        target=locked,
        before=before,
        after=snapshot(locked, fields=list(ORGANIZATION_FIELDS)),
    )
    return locked


@transaction.atomic
def partnership_add(
    *,
    consortium: Consortium,
    organization: Organization,
    role: str = Partnership.Role.PARTNER,
    contribution: str = "",
    joined_on: dt.date,
    actor,
) -> Partnership:
    """Record an organisation joining a consortium on ``joined_on``, as a partner (or as its lead, for the
    lead organisation whose place is not recorded yet).

    Checks: the team is still in the program; the organisation has no place in the team yet (one row per
    pair: a former partner's row keeps its history, so it cannot be recorded a second time); only the
    team's lead organisation takes the lead role. The team row is locked first, so a withdrawal and a
    joining never interleave.
    Side effects: writes Partnership; appends an audit event. Raises PermissionDenied unless the actor is
    ministry staff, ValidationError keyed by field.
    """
    require_registry_manager(actor)
    team = Consortium.objects.select_for_update(of=("self",)).select_related("lead").get(pk=consortium.pk)
    if not team.is_active:
        raise ValidationError(_("%(team)s is no longer active; partners cannot be added.") % {"team": team})
    if role not in Partnership.Role.values:
        raise ValidationError({"role": _("Choose one of the listed roles.")})
    if role == Partnership.Role.LEAD and organization.pk != team.lead_id:
        raise ValidationError(
            {
                "role": _("%(team)s is led by %(lead)s; another organization joins as a partner.")
                % {"team": team, "lead": team.lead}
            }
        )
    existing = Partnership.objects.filter(consortium=team, organization=organization).first()
    if existing is not None:
        if existing.left_on is None:
            message = _("%(organization)s is already in this consortium (since %(date)s).") % {
                "organization": organization,
                "date": existing.joined_on.isoformat(),
            }
        else:
            message = _(
                "%(organization)s was in this consortium until %(date)s; a partnership is recorded once "
                "per organization and team."
            ) % {"organization": organization, "date": existing.left_on.isoformat()}
        raise ValidationError({"organization": message}, code="duplicate")
    partnership = Partnership(
        consortium=team, organization=organization, role=role, contribution=contribution, joined_on=joined_on
    )
    partnership.full_clean()
    partnership.save()
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, target=partnership, after=snapshot(partnership)
    )
    return partnership


@transaction.atomic
def partnership_end(*, partnership: Partnership, left_on: dt.date, actor) -> Partnership:
    """Record that a partner left its consortium on ``left_on`` (not before it joined).

    The lead organisation does not leave its own team: a team without its lead has withdrawn (record that
    instead). The row stays, with its dates, so conflicts of interest still see the former partner.
    Side effects: updates Partnership.left_on; appends an audit event. Raises PermissionDenied unless the
    actor is ministry staff, ValidationError keyed by field.
    """
    require_registry_manager(actor)
    locked = (
        Partnership.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=partnership.pk)
    )
    if locked.role == Partnership.Role.LEAD:
        raise ValidationError(
            {
                "partnership": _(
                    "%(organization)s leads this consortium and cannot leave it; record the team's "
                    "withdrawal instead."
                )
                % {"organization": locked.organization}
            }
        )
    if locked.left_on is not None:
        raise ValidationError(
            {
                "partnership": _("%(organization)s already left this consortium on %(date)s.")
                % {"organization": locked.organization, "date": locked.left_on.isoformat()}
            }
        )
    if not isinstance(left_on, dt.date):
        raise ValidationError({"left_on": _("Enter the date the partner left.")})
    if left_on < locked.joined_on:
        raise ValidationError(
            {
                "left_on": _("A partner cannot leave before it joined (%(date)s).")
                % {"date": locked.joined_on.isoformat()}
            }
        )
    before = snapshot(locked, fields=["left_on"])
    locked.left_on = left_on
    locked.full_clean()
    locked.save(update_fields=["left_on"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        target=locked,
        before=before,
        after=snapshot(locked, fields=["left_on"]),
    )
    return locked


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
