"""Writes for the inputs teams and evaluators provide: results uploads, evaluator assignments and
score sheets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record, snapshot
from common.models import AuditEvent
from common.roles import Role, user_has_role
from consortia.permissions import can_act_for_consortium
from consortia.selectors import organization_conflicts, user_affiliation
from evaluations import standings as pure
from evaluations.models import (
    Benchmark,
    CriterionScore,
    EvaluatorAssignment,
    PhaseParticipant,
    ResultRow,
    ResultUpload,
    RubricCriterion,
    ScoreSheet,
)
from evaluations.permissions import is_assigned_evaluator
from evaluations.selectors import phase_benchmarks_for_team
from evaluations.services._common import (
    NOT_FINAL,
    SCORING_OPEN,
    UPLOADS_OPEN,
    phase_lock,
    require_staff,
    standings_inputs_changed,
)
from evaluations.services.deadlines import scoring_deadline_check, submission_deadline_check
from evaluations.uploads import BenchmarkRef, result_file_parse


@transaction.atomic
def result_upload_create(*, phase, consortium, file, actor) -> ResultUpload:
    """Validate a team's results file whole and, if clean, make it the team's current results.

    Refused unless ``actor`` is a member of ``consortium`` and the phase is open, and from the team's
    results-submission deadline on (the phase's, or its extension when later; at deadline - 1 s an upload
    is accepted, at the deadline refused, keyed by ``phase``). The earlier current upload stays as
    history (``is_current=False``).
    Side effects: stores the file (UUID name); ResultUpload + ResultRow rows; standings stale; audit.
    Raises ResultFileRejected (a ValidationError) listing every (row, column, reason).
    """
    if not can_act_for_consortium(actor, consortium.pk):
        raise PermissionDenied(_("Only members of %(team)s can upload its results.") % {"team": consortium})
    locked = phase_lock(phase, allowed=UPLOADS_OPEN, action=_("uploading results"))
    if not PhaseParticipant.objects.filter(phase=locked, consortium=consortium).exists():
        raise ValidationError(
            _("%(team)s does not take part in %(phase)s.") % {"team": consortium, "phase": locked}
        )
    # Before the file is read: a late file is refused for being late, not listed row by row.
    submission_deadline_check(phase=locked, consortium=consortium, now=timezone.now())
    allowed = {
        b.code: BenchmarkRef(b.pk, b.code, b.scale)
        for b in phase_benchmarks_for_team(phase=locked, consortium=consortium)
    }
    parsed = result_file_parse(
        file=file,
        allowed=allowed,
        known_codes=set(Benchmark.objects.values_list("code", flat=True)),
        team_label=consortium.code,
    )
    previous = (
        ResultUpload.objects.select_for_update()
        .order_by()
        .filter(phase=locked, consortium=consortium, is_current=True)
        .first()
    )
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    upload = ResultUpload(
        phase=locked,
        consortium=consortium,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
        display_name=parsed.table.filename,
        sha256=parsed.table.sha256,
        size=parsed.table.size,
        format=parsed.table.format,
        encoding=parsed.table.encoding,
        row_count=len(parsed.lines),
    )
    file.seek(0)
    upload.file.save(parsed.table.filename, file, save=False)
    try:
        upload.save()
        ResultRow.objects.bulk_create(
            ResultRow(
                upload=upload,
                benchmark_id=line.benchmark_id,
                score=line.score,
                model_version=line.model_version,
                notes=line.notes,
                source_row=line.row,
            )
            for line in parsed.lines
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPLOAD,
            target=upload,
            before={"replaced_upload": previous.pk} if previous else None,
            after={
                "sha256": upload.sha256,
                "rows": upload.row_count,
                "file": upload.display_name,
                "scores": {line.benchmark_code: str(line.score) for line in parsed.lines},
            },
        )
        standings_inputs_changed(phase_id=locked.pk, trigger=f"results uploaded by {consortium.code}")
    except Exception:
        upload.file.delete(save=False)
        raise
    return upload


def _evaluator_check(evaluator, consortium) -> None:
    if not user_has_role(evaluator, Role.EVALUATOR):
        raise ValidationError(
            _("%(user)s does not have the evaluator role.") % {"user": evaluator}, code="not_evaluator"
        )
    affiliation = user_affiliation(user=evaluator)
    if affiliation is None:
        raise ValidationError(
            _("%(user)s has no recorded organization, so a conflict of interest cannot be ruled out.")
            % {"user": evaluator},
            code="no_affiliation",
        )
    conflict = organization_conflicts(
        organization_id=affiliation.organization_id, consortium_id=consortium.pk
    )
    if conflict is not None:
        raise ValidationError(
            _(
                "Conflict of interest: %(user)s works for %(org)s, which is a %(role)s in %(team)s; "
                "an evaluator cannot score a consortium their organization belongs to."
            )
            % {
                "user": evaluator,
                "org": conflict.organization,
                "role": conflict.get_role_display().lower(),
                "team": consortium,
            },
            code="conflict_of_interest",
        )


@transaction.atomic
def evaluator_assign(*, phase, consortium, evaluator, actor) -> EvaluatorAssignment:
    """Assign an evaluator to a team for a phase, refusing conflicts of interest.

    Side effects: EvaluatorAssignment + empty draft ScoreSheet; standings stale (the team now waits for
    this sheet); audit event.
    """
    require_staff(actor)
    locked = phase_lock(phase, allowed=NOT_FINAL, action=_("assigning an evaluator"))
    if not PhaseParticipant.objects.filter(phase=locked, consortium=consortium).exists():
        raise ValidationError(
            _("%(team)s does not take part in %(phase)s.") % {"team": consortium, "phase": locked}
        )
    _evaluator_check(evaluator, consortium)
    assignment = EvaluatorAssignment(
        phase=locked,
        consortium=consortium,
        evaluator=evaluator,
        assigned_by=actor,
        assigned_at=timezone.now(),
    )
    assignment.full_clean()
    assignment.save()
    ScoreSheet.objects.create(assignment=assignment, updated_at=assignment.assigned_at)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=assignment, after=snapshot(assignment))
    standings_inputs_changed(phase_id=locked.pk, trigger=f"evaluator assigned to {consortium.code}")
    return assignment


@transaction.atomic
def evaluator_unassign(*, assignment: EvaluatorAssignment, actor) -> None:
    """Remove an assignment and its score sheet. Side effects: deletes rows; standings stale; audit."""
    require_staff(actor)
    locked = phase_lock(assignment.phase, allowed=NOT_FINAL, action=_("removing an evaluator"))
    before = snapshot(assignment)
    pk = assignment.pk
    assignment.delete()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        object_type="evaluations.evaluatorassignment",
        object_id=pk,
        object_repr=str(before),
        before=before,
    )
    standings_inputs_changed(phase_id=locked.pk, trigger="evaluator unassigned")


@dataclass(frozen=True, slots=True)
class ScoreInput:
    criterion_id: int
    points: Decimal
    comment: str = ""


@transaction.atomic
def score_sheet_save(
    *, sheet: ScoreSheet, actor, expected_version: int, scores: Iterable[ScoreInput], submit: bool = False
) -> ScoreSheet:
    """Save (and optionally submit) an evaluator's own score sheet.

    ``expected_version`` is the version the evaluator's form was loaded at; if someone saved since, the
    write is refused (nothing silently overwritten). A submitted sheet stays submitted; submitting needs
    every criterion scored. From the phase's scoring deadline on (at deadline - 1 s accepted, at the
    deadline refused) neither saving nor submitting is possible.
    Side effects: CriterionScore upserts; ScoreSheet.version + 1; if submitted, standings stale; audit.
    """
    assignment = sheet.assignment
    if not is_assigned_evaluator(actor, assignment=assignment):
        raise PermissionDenied(_("Only the assigned evaluator can edit this score sheet."))
    locked_phase = phase_lock(assignment.phase, allowed=SCORING_OPEN, action=_("editing a score sheet"))
    now = timezone.now()
    scoring_deadline_check(phase=locked_phase, now=now)
    # Compare-and-set on the version: the row is bumped only if nobody saved since the form was loaded.
    bumped = ScoreSheet.objects.filter(pk=sheet.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now
    )
    if not bumped:
        current = ScoreSheet.objects.values_list("version", flat=True).get(pk=sheet.pk)
        raise ValidationError(
            _(
                "This score sheet was changed by someone else (version %(current)s; "
                "you edited version %(expected)s). Reload it and apply your changes again."
            )
            % {"current": current, "expected": expected_version},
            code="stale",
        )
    criteria = {
        c.pk: c
        for c in RubricCriterion.objects.filter(
            component__phase=locked_phase, component__source=pure.Source.EVALUATORS
        ).select_related("component")
    }
    existing = {s.criterion_id: s for s in CriterionScore.objects.filter(sheet=sheet)}
    before = {str(cid): [str(s.points), s.comment] for cid, s in existing.items()}
    errors = []
    seen: set[int] = set()
    for item in scores:
        # A criterion given twice would be saved twice, the last silently winning: refuse it instead.
        if item.criterion_id in seen:
            errors.append(
                _("Criterion %(id)s is given more than once; give each criterion's points once.")
                % {"id": item.criterion_id}
            )
            continue
        seen.add(item.criterion_id)
        criterion = criteria.get(item.criterion_id)
        if criterion is None:
            errors.append(
                _("Criterion %(id)s is not scored by evaluators in this phase.") % {"id": item.criterion_id}
            )
            continue
        points = Decimal(item.points)
        if not points.is_finite() or points < 0 or points > criterion.max_points:
            errors.append(
                _("%(criterion)s: points must be between 0 and %(max)s.")
                % {"criterion": criterion.name, "max": criterion.max_points}
            )
            continue
        score = existing.get(criterion.pk) or CriterionScore(sheet=sheet, criterion=criterion)
        score.points, score.comment = points, item.comment.strip()
        score.full_clean(exclude=["sheet", "criterion"])
        score.save()
        existing[criterion.pk] = score
    if errors:
        raise ValidationError(errors, code="invalid_scores")
    sheet.refresh_from_db()
    if submit and sheet.status != ScoreSheet.Status.SUBMITTED:
        unscored = [c.name for cid, c in criteria.items() if cid not in existing]
        if unscored:
            raise ValidationError(
                _("Score every criterion before submitting; missing: %(names)s.")
                % {"names": ", ".join(unscored)},
                code="incomplete",
            )
        sheet.status, sheet.submitted_at = ScoreSheet.Status.SUBMITTED, now
        sheet.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        target=sheet,
        before={"version": expected_version, "scores": before},
        after={
            "version": sheet.version,
            "status": sheet.status,
            "scores": {str(cid): [str(s.points), s.comment] for cid, s in existing.items()},
        },
    )
    if sheet.status == ScoreSheet.Status.SUBMITTED:
        standings_inputs_changed(phase_id=locked_phase.pk, trigger=f"score sheet {sheet.pk} saved")
    return sheet
