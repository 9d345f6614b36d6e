"""The audit package: one zip archive with everything an auditor needs to check a phase's result.

Its members are the auditor exports of that phase, written by the same code with the same columns and
types as the single downloads (``/api/v1/exports/<name>.<csv|json>?phase=<code>``), each in CSV and JSON,
and ``manifest.json`` (``common.zip_stream``) with each member's sha256, size and row count, the
standings snapshot the table comes from (with its inputs hash) and who exported it when. The archive is
streamed as it is written. The download is an audit event, recorded before the first byte, and so
appears in the archive's own audit-events member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.exports import (
    TIME_RULE,
    ExportColumn,
    export_appended_queryset,
    export_chunks,
    export_filtered_queryset,
    export_rows,
    export_spec_rows,
    export_specs,
    normalise_rows,
)
from common.models import AuditEvent
from common.zip_stream import ZipMember, zip_stream
from evaluations.export_specs import standings_export_rows
from evaluations.models import Phase, StandingsSnapshot
from evaluations.selectors import AUDIT_PACKAGE, phase_audit_events, standings_snapshots_visible_to

# Each member is written in both formats: CSV for spreadsheets, JSON with its types for scripts.
MEMBER_FORMATS = ("csv", "json")
# The exports the package holds, filtered by ?phase=<code>; the standings are the package snapshot's table.
PHASE_EXPORTS = ("evaluation-detail", "results", "gate-decisions")


def _package_snapshot(*, user, phase: Phase) -> StandingsSnapshot | None:
    """The table the package holds: the phase's official snapshot, else its latest (as verify_snapshot)."""
    return (
        standings_snapshots_visible_to(user=user)
        .filter(phase=phase)
        .select_related("phase")
        .order_by("-is_official", "-generation", "-id")
        .first()
    )


@dataclass(frozen=True)
class _Part:
    name: str
    columns: tuple[ExportColumn, ...]
    row_count: int
    # Called once per format: each format reads the rows afresh (the rows are not held in memory).
    rows: Callable[[], Iterator[tuple]]


def _parts(*, user, phase: Phase, snapshot: StandingsSnapshot | None) -> list[_Part]:
    specs = export_specs()
    parts = []
    if snapshot is not None:
        parts.append(_Part("standings", *_standings(snapshot)))
    else:
        parts.append(_Part("standings", specs["standings"].columns, 0, lambda: iter(())))
    for name in PHASE_EXPORTS:
        spec = specs[name]
        params = {"phase": phase.code}
        qs = export_filtered_queryset(spec=spec, user=user, params=params)
        appended = export_appended_queryset(spec=spec, user=user, params=params)
        count = qs.count() + (appended.count() if appended is not None else 0)
        parts.append(
            _Part(name, spec.columns, count, lambda s=spec, q=qs, a=appended: export_spec_rows(s, q, a))
        )
    audit = specs["audit-events"]
    events = phase_audit_events(phase=phase)
    parts.append(
        _Part("audit-events", audit.columns, events.count(), lambda: export_rows(events, audit.columns))
    )
    return parts


def _standings(
    snapshot: StandingsSnapshot,
) -> tuple[tuple[ExportColumn, ...], int, Callable[[], Iterator[tuple]]]:
    table = standings_export_rows(snapshot)

    def rows(columns=table.columns) -> Iterator[tuple]:
        # The table is small (one row per team) and read again per format.
        return normalise_rows(standings_export_rows(snapshot).rows, columns)

    return table.columns, table.row_count, rows


def audit_package_stream(*, user, code: str | None) -> tuple[str, Iterator[bytes]]:
    """(file name, the archive's bytes) for phase ``code`` as ``user`` may see it.

    Raises ValidationError (field ``phase``) when the code is missing or names no phase. Side effect: one
    audit event (action export, object type ``export.audit-package``, object id the phase's id) recorded
    before any byte is produced, with the snapshot and the row counts.
    """
    if not code:
        raise ValidationError({"phase": [_("Give the phase code, e.g. ?phase=P1.")]})
    phase = Phase.objects.filter(code=code).first()
    if phase is None:
        raise ValidationError({"phase": [_("No phase with the code %(code)s.") % {"code": code}]})
    snapshot = _package_snapshot(user=user, phase=phase)
    now = timezone.now()
    snapshot_about = (
        {
            "id": snapshot.pk,
            "generation": snapshot.generation,
            "is_official": snapshot.is_official,
            "computed_at": timezone.localtime(snapshot.computed_at).isoformat(),
            "inputs_hash": snapshot.inputs_hash,
        }
        if snapshot is not None
        else None
    )
    # Recorded before the rows are counted, so the package's own download is among its audit events.
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        object_type=f"export.{AUDIT_PACKAGE}",
        object_id=phase.pk,
        object_repr=f"{AUDIT_PACKAGE}.zip?phase={phase.code}",
        extra={"format": "zip", "filters": {"phase": phase.code}, "snapshot": snapshot_about},
    )
    parts = _parts(user=user, phase=phase, snapshot=snapshot)
    members = [
        ZipMember(
            name=f"{part.name}.{fmt}",
            chunks=lambda part=part, fmt=fmt: export_chunks(fmt, part.columns, part.rows()),
            about={"export": part.name, "format": fmt, "row_count": part.row_count},
        )
        for part in parts
        for fmt in MEMBER_FORMATS
    ]
    manifest = {
        "package": AUDIT_PACKAGE,
        "phase": phase.code,
        "phase_status": phase.status,
        "snapshot": snapshot_about,
        "exported_at": timezone.localtime(now).isoformat(),
        "exported_by": user.get_username(),
        "time_zone": TIME_RULE,
        "sha256_of": "each member's bytes as stored in the archive (uncompressed)",
    }
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    return f"kai-{AUDIT_PACKAGE}-{phase.code}-{stamp}.zip", zip_stream(members, manifest)
