"""GPU usage files: the columns a team uploads and the domain checks on each row.

The file itself is read by ``common.uploads.read_table`` (same strictness as result uploads: encoding,
delimiter, header, size and row limits). The checks here need no database: they get the team's GPU
allocations as plain ``GpuWindow`` values, and report every problem at once as (row, column, reason).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from budget.arithmetic import gpu_hours_in_month
from common.uploads import Column, ParsedTable, RowError, UploadRejected, decimal_cell

GPU_USAGE_COLUMNS = [
    Column("month", aliases=("월", "사용월", "연월", "기준월")),
    Column("gpu_model", aliases=("GPU 모델", "GPU모델", "모델", "gpu model")),
    Column("gpu_hours", aliases=("GPU 시간", "GPU시간", "사용 시간", "사용시간", "gpu hours")),
    Column("notes", required=False, aliases=("비고", "메모")),
]
GPU_USAGE_MAX_ROWS = 2000
MAX_NOTES = 500
# No month can exceed 10^7 GPU-hours in this program (that would be ~13,000 GPUs for a whole month).
_MAX_HOURS = Decimal("9999999999.99")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class GpuWindow:
    """One GPU allocation of the team, as far as capacity goes."""

    gpu_model: str
    gpu_count: int
    period_start: dt.date
    period_end: dt.date


@dataclass(frozen=True, slots=True)
class UsageRow:
    row: int
    month: dt.date
    gpu_model: str
    gpu_hours: Decimal
    notes: str


def _month(value: str, row: int) -> tuple[dt.date | None, RowError | None]:
    match = _MONTH.match(value)
    if not match:
        return None, RowError(
            row,
            "month",
            _("expected a month as YYYY-MM (e.g. 2026-03), got %(value)r") % {"value": value[:40]},
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1), None


def gpu_usage_rows_check(*, table: ParsedTable, windows: Iterable[GpuWindow]) -> list[UsageRow]:
    """The rows of a parsed usage table, or UploadRejected listing every problem.

    Each row needs a YYYY-MM month, a GPU model the team has an allocation of (matched without regard to
    case, stored in the allocation's spelling), and GPU-hours that are a non-negative number no larger than
    the team's allocations of that model could deliver in that month (GPUs × 24 h × days covered). A (month,
    model) pair may appear only once.
    """
    windows = list(windows)
    models = {window.gpu_model.casefold(): window.gpu_model for window in windows}
    errors: list[RowError] = []
    rows: list[UsageRow] = []
    seen: dict[tuple[dt.date, str], int] = {}
    for number, values in table.rows:
        row_errors: list[RowError] = []
        month, error = _month(values.get("month", ""), number)
        if error:
            row_errors.append(error)
        raw_model = values.get("gpu_model", "")
        model = models.get(raw_model.casefold())
        if not raw_model:
            row_errors.append(RowError(number, "gpu_model", _("missing value")))
        elif model is None:
            known = ", ".join(sorted(set(models.values()))) or _("none")
            row_errors.append(
                RowError(
                    number,
                    "gpu_model",
                    _("%(model)r is not a GPU model of the team's allocations (%(known)s)")
                    % {"model": raw_model[:40], "known": known},
                )
            )
        raw_hours = values.get("gpu_hours", "")
        hours, error = (
            decimal_cell(
                raw_hours,
                row=number,
                column="gpu_hours",
                minimum=Decimal(0),
                maximum=_MAX_HOURS,
                max_places=2,
            )
            if raw_hours
            else (None, RowError(number, "gpu_hours", _("missing value")))
        )
        if error:
            row_errors.append(error)
        notes = values.get("notes", "")
        if len(notes) > MAX_NOTES:
            row_errors.append(
                RowError(number, "notes", _("too long (at most %(limit)s characters)") % {"limit": MAX_NOTES})
            )
        if month is not None and model is not None:
            first = seen.setdefault((month, model), number)
            if first != number:
                row_errors.append(
                    RowError(
                        number,
                        "month",
                        _("duplicate of row %(row)s (same month and GPU model)") % {"row": first},
                    )
                )
            elif hours is not None:
                capacity = sum(
                    gpu_hours_in_month(w.gpu_count, w.period_start, w.period_end, month)
                    for w in windows
                    if w.gpu_model == model
                )
                if hours > capacity:
                    row_errors.append(
                        RowError(
                            number,
                            "gpu_hours",
                            _(
                                "%(hours)s GPU-hours exceed the %(capacity)s GPU-hours "
                                "the team's %(model)s allocations could deliver in %(month)s"
                            )
                            % {
                                "hours": hours,
                                "capacity": f"{capacity:,}",
                                "model": model,
                                "month": f"{month:%Y-%m}",
                            },
                        )
                    )
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(UsageRow(row=number, month=month, gpu_model=model, gpu_hours=hours, notes=notes))
    if errors:
        raise UploadRejected(errors, table.filename)
    return rows
