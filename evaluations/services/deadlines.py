"""Writes for a phase's deadlines and the teams' extensions, and the checks the upload and score-sheet
services make against them. Deadlines are stored in UTC and named in KST in every message
(evaluations.deadlines); the boundary is exact: from the deadline itself on, a write is late."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record, snapshot
from common.models import AuditEvent
from evaluations.deadlines import KST, has_passed, kst_text, phase_opens_at
from evaluations.models import DeadlineExtension, Phase, PhaseParticipant
from evaluations.selectors import team_submission_deadline
from evaluations.services._common import NOT_FINAL, phase_lock, require_staff

DEADLINE_FIELDS = ["submission_deadline", "scoring_deadline"]
# An extension only lets a team upload, and uploads happen while a phase is open (or about to open).
EXTENSIONS_OPEN = (Phase.Status.DRAFT, Phase.Status.OPEN)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """The moment in UTC, as it is stored (so the audit trail's before/after compare alike). A date-time
    without a zone is read as KST, the zone every deadline is set and shown in."""
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, KST)
    return moment.astimezone(dt.UTC)


@transaction.atomic
def phase_deadlines_set(
    *, phase: Phase, submission_deadline: dt.datetime | None, scoring_deadline: dt.datetime | None, actor
) -> Phase:
    """Set (or clear, with None) the phase's results-submission and scoring deadlines.

    Checks: staff only; the phase is not finalized; neither deadline is before the phase opens (00:00 KST
    on its development start); the scoring deadline is not before the submission deadline. Each refusal
    is keyed by its field. Extensions already granted stay; one that is no longer later than the phase's
    deadline simply stops counting (evaluations.deadlines.team_deadline).
    Lock: the phase row (phase_lock). Side effects: Phase.submission_deadline / scoring_deadline; an audit
    event with before/after (none when nothing changes).
    """
    require_staff(actor)
    locked = phase_lock(phase, allowed=NOT_FINAL, action=_("setting the deadlines"))
    submission, scoring = _utc(submission_deadline), _utc(scoring_deadline)
    errors: dict[str, ValidationError] = {}
    opens = phase_opens_at(locked.development_start)
    if opens is not None and submission is not None and submission < opens:
        errors["submission_deadline"] = ValidationError(
            _("The results submission deadline (%(deadline)s) cannot be before the phase opens (%(opens)s).")
            % {"deadline": kst_text(submission), "opens": kst_text(opens)},
            code="before_phase_opens",
        )
    if opens is not None and scoring is not None and scoring < opens:
        errors["scoring_deadline"] = ValidationError(
            _("The scoring deadline (%(deadline)s) cannot be before the phase opens (%(opens)s).")
            % {"deadline": kst_text(scoring), "opens": kst_text(opens)},
            code="before_phase_opens",
        )
    elif submission is not None and scoring is not None and scoring < submission:
        errors["scoring_deadline"] = ValidationError(
            _(
                "The scoring deadline (%(deadline)s) cannot be before the results submission deadline "
                "(%(submission)s)."
            )
            % {"deadline": kst_text(scoring), "submission": kst_text(submission)},
            code="scoring_before_submission",
        )
    if errors:
        raise ValidationError(errors)
    before = snapshot(locked, DEADLINE_FIELDS)
    locked.submission_deadline, locked.scoring_deadline = submission, scoring
    after = snapshot(locked, DEADLINE_FIELDS)
    if after == before:
        return locked
    locked.full_clean()
    locked.save(update_fields=DEADLINE_FIELDS)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        extra={"event": "phase_deadlines_set"},
        target=locked,
        before=before,
        after=after,
    )
    return locked


@transaction.atomic
def deadline_extension_grant(
    *, phase: Phase, consortium, deadline: dt.datetime, reason: str, actor
) -> DeadlineExtension:
    """Give one team of the phase a later results-submission deadline, with a written reason; granting
    again moves it (one extension per team and phase).

    Checks: staff only; the phase is a draft or open (uploads happen then); the team takes part; the phase
    has a submission deadline and the new deadline is after it; the reason is not blank. Each refusal is
    keyed by its field (consortium, deadline, reason).
    Lock: the phase row, then the team's extension row. Side effects: DeadlineExtension upsert (granted_by,
    granted_at = now); an audit event (create, or update with before/after when it moves).
    """
    require_staff(actor)
    locked = phase_lock(phase, allowed=EXTENSIONS_OPEN, action=_("granting a deadline extension"))
    moment, reason = _utc(deadline), reason.strip()
    errors: dict[str, ValidationError] = {}
    if not PhaseParticipant.objects.filter(phase=locked, consortium=consortium).exists():
        errors["consortium"] = ValidationError(
            _("%(team)s does not take part in %(phase)s.") % {"team": consortium, "phase": locked},
            code="not_participant",
        )
    if locked.submission_deadline is None:
        errors["deadline"] = ValidationError(
            _("%(phase)s has no results submission deadline to extend; set the phase's deadline first.")
            % {"phase": locked},
            code="no_deadline",
        )
    elif moment is None or moment <= locked.submission_deadline:
        errors["deadline"] = ValidationError(
            _("The extended deadline must be after the phase's results submission deadline (%(deadline)s).")
            % {"deadline": kst_text(locked.submission_deadline)},
            code="not_later",
        )
    if not reason:
        errors["reason"] = ValidationError(_("An extension needs a written reason."), code="reason_required")
    if errors:
        raise ValidationError(errors)
    extension = (
        DeadlineExtension.objects.select_for_update()
        .order_by()
        .filter(phase=locked, consortium=consortium)
        .first()
    )
    before = snapshot(extension) if extension else None
    if extension is None:
        extension = DeadlineExtension(phase=locked, consortium=consortium)
    extension.deadline, extension.reason = moment, reason
    extension.granted_by, extension.granted_at = actor, timezone.now()
    extension.full_clean()
    extension.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE if before else AuditEvent.Action.CREATE,
        target=extension,
        before=before,
        after=snapshot(extension),
    )
    return extension


@transaction.atomic
def deadline_extension_revoke(*, extension: DeadlineExtension, actor) -> DeadlineExtension:
    """Withdraw a team's extension: its uploads face the phase's deadline again. Returns the withdrawn
    row (no longer in the database).

    Checks: staff only; the phase is not finalized. Lock: the phase row. Side effects: deletes the
    DeadlineExtension; an audit event with the row as it was.
    """
    require_staff(actor)
    phase_lock(extension.phase, allowed=NOT_FINAL, action=_("revoking a deadline extension"))
    before = snapshot(extension)
    pk, text = extension.pk, str(extension)
    extension.delete()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        object_type="evaluations.deadlineextension",
        object_id=pk,
        object_repr=text,
        before=before,
    )
    return extension


def submission_deadline_check(*, phase: Phase, consortium, now: dt.datetime) -> None:
    """Refuse an upload made at ``now`` once the team's deadline has passed (``now >= deadline``: at
    deadline - 1 s it is accepted, at the deadline refused). The refusal is keyed by ``phase``, the field the
    upload form and the API name the phase in, and names the deadline in KST."""
    deadline = team_submission_deadline(phase=phase, consortium_id=consortium.pk)
    if deadline is None or not has_passed(deadline.at, now=now):
        return
    if deadline.extended:
        message = _("The results submission deadline extended for %(team)s (%(deadline)s) has passed.") % {
            "team": consortium,
            "deadline": kst_text(deadline.at),
        }
    else:
        message = _("The results submission deadline (%(deadline)s) has passed.") % {
            "deadline": kst_text(deadline.at)
        }
    raise ValidationError({"phase": ValidationError(message, code="submission_deadline_passed")})


def scoring_deadline_check(*, phase: Phase, now: dt.datetime) -> None:
    """Refuse a score-sheet save or submission at ``now`` once the phase's scoring deadline has passed
    (the same boundary: from the deadline itself on). Extensions are for uploads only."""
    deadline = phase.scoring_deadline
    if deadline is not None and has_passed(deadline, now=now):
        raise ValidationError(
            _("The scoring deadline (%(deadline)s) has passed.") % {"deadline": kst_text(deadline)},
            code="scoring_deadline_passed",
        )
