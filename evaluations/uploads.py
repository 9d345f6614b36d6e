"""Validating a consortium's results file (CSV or JSON) before anything is stored.

``common.uploads.read_table`` checks the file itself (size, type, strict UTF-8/CP949 decoding, header,
shape); this module adds the domain checks: every benchmark known and in the team's set for the phase,
scores finite numbers within 0..the benchmark's scale, no benchmark twice. All problems are reported
together as (row, column, reason).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.uploads import Column, ParsedTable, RowError, UploadRejected, decimal_cell, read_table

MAX_ROWS = 10_000
MAX_MODEL_VERSION = 100
MAX_NOTES = 2000

RESULT_COLUMNS = [
    Column("benchmark", aliases=("benchmark_code", "code", "벤치마크", "벤치마크 코드")),
    Column("score", aliases=("점수",)),
    Column("model_version", required=False, aliases=("model version", "version", "모델 버전", "모델버전")),
    Column("notes", required=False, aliases=("note", "비고", "메모")),
]


class ResultFileRejected(ValidationError):
    """A rejected results file; ``errors`` keeps every (row, column, reason) for the API and the UI."""

    def __init__(self, rejected: UploadRejected):
        self.errors = rejected.errors
        self.filename = rejected.filename
        super().__init__(rejected.messages())


@dataclass(frozen=True, slots=True)
class ResultLine:
    row: int
    benchmark_id: int
    benchmark_code: str
    score: Decimal
    model_version: str
    notes: str


@dataclass(frozen=True, slots=True)
class ParsedResults:
    table: ParsedTable
    lines: tuple[ResultLine, ...]


@dataclass(frozen=True, slots=True)
class BenchmarkRef:
    id: int
    code: str
    scale: Decimal


def result_file_parse(
    *, file, allowed: Mapping[str, BenchmarkRef], known_codes: set[str], team_label: str = ""
) -> ParsedResults:
    """Parse and check a results file; raises ResultFileRejected listing every problem.

    ``allowed``: the team's benchmark set for the phase, by code; ``known_codes``: every benchmark code
    in the portal (to tell "unknown" from "not in this phase's set"). Codes match case-insensitively.
    """
    try:
        table = read_table(
            file=file, columns=RESULT_COLUMNS, max_bytes=settings.KAI_UPLOAD_MAX_BYTES, max_rows=MAX_ROWS
        )
    except UploadRejected as rejected:
        raise ResultFileRejected(rejected) from None
    by_folded = {code.casefold(): ref for code, ref in allowed.items()}
    known = {code.casefold() for code in known_codes}
    errors: list[RowError] = []
    seen: dict[int, int] = {}
    lines: list[ResultLine] = []
    for row, values in table.rows:
        code = values.get("benchmark", "")
        raw_score = values.get("score", "")
        ref = scale_ref = None
        if not code:
            errors.append(RowError(row, "benchmark", _("missing value")))
        elif code.casefold() not in known:
            errors.append(RowError(row, "benchmark", _("unknown benchmark %(code)r") % {"code": code[:60]}))
        elif code.casefold() not in by_folded:
            errors.append(
                RowError(
                    row,
                    "benchmark",
                    _("benchmark %(code)s is not in this phase's set for %(team)s")
                    % {"code": code[:60], "team": team_label or _("this team")},
                )
            )
        else:
            ref = scale_ref = by_folded[code.casefold()]
            if ref.id in seen:
                errors.append(
                    RowError(
                        row,
                        "benchmark",
                        _("duplicate benchmark %(code)s (already on row %(row)s)")
                        % {"code": ref.code, "row": seen[ref.id]},
                    )
                )
                ref = None
            else:
                seen[ref.id] = row
        score = None
        if not raw_score:
            errors.append(RowError(row, "score", _("missing value")))
        else:
            # An unknown benchmark has no scale; its score is still checked for being a number.
            maximum = scale_ref.scale if scale_ref is not None else Decimal(10**9)
            score, error = decimal_cell(
                raw_score, row=row, column="score", minimum=Decimal(0), maximum=maximum
            )
            if error is not None:
                errors.append(error)
        model_version = values.get("model_version", "")
        notes = values.get("notes", "")
        if len(model_version) > MAX_MODEL_VERSION:
            errors.append(
                RowError(row, "model_version", _("longer than %(n)s characters") % {"n": MAX_MODEL_VERSION})
            )
        if len(notes) > MAX_NOTES:
            errors.append(RowError(row, "notes", _("longer than %(n)s characters") % {"n": MAX_NOTES}))
        if ref is not None and score is not None:
            lines.append(ResultLine(row, ref.id, ref.code, score, model_version, notes))
    if errors:
        raise ResultFileRejected(UploadRejected(errors, table.filename))
    return ParsedResults(table=table, lines=tuple(lines))
