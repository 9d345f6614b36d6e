"""Load the K-AI program file (portal/fixtures/kai_program.yaml) into the database.

The file spans every app, so this module only reads it and calls each app's section loader in order
(consortia → evaluations phases → teams → benchmarks → phase details → budget). The whole file is read
in one transaction: any error names the key path and the reason, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from budget.loader import budget_section_load
from common.loading import LoadContext, LoadReport, ProgramFileError, integer, mapping_at, read
from consortia.loader import consortia_section_load, organizations_section_load, program_section_load
from evaluations.loader import benchmarks_section_load, phase_details_load, phases_section_load

DEFAULT_PROGRAM_FILE = Path(__file__).resolve().parent / "fixtures" / "kai_program.yaml"
SUPPORTED_FORMAT = 1


def program_file_read(path: Path) -> dict:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProgramFileError(str(path), "file not found") from None
    except UnicodeDecodeError as exc:
        raise ProgramFileError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProgramFileError(str(path), f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    return mapping_at(data, str(path))


@transaction.atomic
def program_load(*, data: dict) -> LoadReport:
    """Load every section; raises ProgramFileError (and rolls back) on the first problem.

    Side effects: creates/updates Program, Organization, Consortium, Partnership, FoundationModel,
    and through the evaluations and budget loaders their phases, rubrics, results and budget rows.
    """
    version = read(data, "format_version", "", integer)
    if version != SUPPORTED_FORMAT:
        raise ProgramFileError(
            "format_version", f"unsupported version {version}; this portal reads {SUPPORTED_FORMAT}"
        )
    report = LoadReport()
    context = LoadContext()
    program_section_load(data, context, report)
    organizations_section_load(data, context, report)
    phases_section_load(data, context, report)
    consortia_section_load(data, context, report)
    benchmarks_section_load(data, context, report)
    phase_details_load(data, context, report)
    budget_section_load(data, context, report)
    return report
