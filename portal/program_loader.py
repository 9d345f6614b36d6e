"""Load the K-AI program file (portal/fixtures/kai_program.yaml) into the database.

The file spans every app, so this module only reads it and calls each app's section loader in order
(consortia → evaluations phases → teams → benchmarks → phase details → budget). The whole file is read
in one transaction: any error names the key path and the reason, and nothing is written.

The file is a seed, never a rewind: it creates what is missing and may update descriptive fields, but it
never changes workflow state (phase status, finalization, outcomes, consortium status and departures) or
what users entered (uploads, score sheets, gate and panel decisions, allocations, executions, amendments).
Where the file disagrees with such state the database is kept and the report lists the difference (each
section loader's docstring gives its rules). Every load is recorded as one audit event by the system
actor with the file's SHA-256 and the report, after the events of the rows it created or updated.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml
from django.db import transaction

from budget.loader import budget_section_load
from common.audit import audit_context, audit_record
from common.loading import LoadContext, LoadReport, ProgramFileError, integer, mapping_at, read
from common.models import AuditEvent
from common.services import system_actor_get
from consortia.loader import consortia_section_load, organizations_section_load, program_section_load
from evaluations.loader import benchmarks_section_load, phase_details_load, phases_section_load

DEFAULT_PROGRAM_FILE = Path(__file__).resolve().parent / "fixtures" / "kai_program.yaml"
SUPPORTED_FORMAT = 1
# The load event lists at most this many differences (the report itself has them all).
AUDITED_DIFFERENCES = 200


def _program_file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ProgramFileError(str(path), "file not found") from None


def _program_file_parse(raw: bytes, path: Path) -> dict:
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProgramFileError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProgramFileError(str(path), f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    return mapping_at(data, str(path))


def program_file_read(path: Path) -> dict:
    return _program_file_parse(_program_file_bytes(path), path)


def program_file_load(path: Path) -> LoadReport:
    """Read and load the program file at ``path``; the load event carries the SHA-256 of its bytes."""
    raw = _program_file_bytes(path)
    return program_load(
        data=_program_file_parse(raw, path), sha256=hashlib.sha256(raw).hexdigest(), source=path.name
    )


@transaction.atomic
def program_load(*, data: dict, sha256: str | None = None, source: str = "") -> LoadReport:
    """Load every section; raises ProgramFileError (and rolls back) on the first problem.

    ``sha256`` is the file's (``program_file_load``); for data given in memory it is that of the data's
    canonical JSON. Side effects: creates Program, Organization, Consortium, Partnership, FoundationModel
    and, through the evaluations and budget loaders, phases, rubrics, results and budget rows that are
    missing; updates descriptive fields; appends the audit events of all of it (as the system actor, with
    the file's name and sha256 in their context) and, last, one event for the load itself.
    """
    version = read(data, "format_version", "", integer)
    if version != SUPPORTED_FORMAT:
        raise ProgramFileError(
            "format_version", f"unsupported version {version}; this portal reads {SUPPORTED_FORMAT}"
        )
    if sha256 is None:
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        sha256 = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    report = LoadReport(sha256=sha256)
    context = LoadContext(actor=system_actor_get())
    with audit_context(source="program file load", program_file=source, sha256=sha256):
        program_section_load(data, context, report)
        organizations_section_load(data, context, report)
        phases_section_load(data, context, report)
        consortia_section_load(data, context, report)
        benchmarks_section_load(data, context, report)
        phase_details_load(data, context, report)
        budget_section_load(data, context, report)
        context.audit_flush()
        report.audit_event_id = audit_record(
            actor=context.actor,
            action=AuditEvent.Action.UPDATE,
            target=context.program,
            extra={"event": "program_file_load"},
            after={
                "program_file": source,
                "sha256": sha256,
                **report.counts(),
                "differences_kept": len(report.differences),
                "differences": [d.as_dict() for d in report.differences[:AUDITED_DIFFERENCES]],
            },
        ).pk
    return report
