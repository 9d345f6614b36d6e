"""Exports for auditors: CSV (UTF-8 with BOM, streamed row by row), XLSX and JSON, one row source each.

Every text cell that a spreadsheet would run as a formula (first character = + - @ TAB CR) is prefixed
with a single quote, in all three formats; numbers stay numbers. Every export appends an audit event
(who, what, filters, row count) before the first byte is sent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from common.audit import audit_record

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx", "json")
CSV_BATCH_ROWS = 2000


def neutralise(value):
    """Make a text cell inert in Excel/LibreOffice/Sheets; leave every other value as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportColumn:
    header: str
    # A field path for values_list(), or a callable over the row dict for computed columns.
    source: str
    is_text: bool = True


@dataclass(frozen=True)
class ExportSpec:
    name: str
    title: str
    columns: tuple[ExportColumn, ...]
    queryset: Callable  # (user) -> QuerySet, already scoped to what the user may see
    filterset_class: type | None = None
    read_roles: frozenset = frozenset()


_REGISTRY: dict[str, ExportSpec] = {}


def export_register(spec: ExportSpec) -> ExportSpec:
    _REGISTRY[spec.name] = spec
    return spec


def export_specs() -> dict[str, ExportSpec]:
    # Each app declares its exports in <app>/export_specs.py; importing registers them.
    from importlib import import_module

    from django.apps import apps

    for app_label in ("common", "evaluations", "budget"):
        module = f"{apps.get_app_config(app_label).name}.export_specs"
        try:
            import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return dict(_REGISTRY)


def _cell(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def export_rows(qs: QuerySet, columns: Iterable[ExportColumn]) -> Iterator[tuple]:
    """Rows as tuples, fetched in chunks through a server-side cursor (constant memory)."""
    columns = tuple(columns)
    text_positions = [i for i, c in enumerate(columns) if c.is_text]
    for row in qs.values_list(*(c.source for c in columns)).iterator(chunk_size=5000):
        row = [_cell(v) for v in row]
        for i in text_positions:
            value = row[i]
            if value is not None and not isinstance(value, str):
                value = str(value)
            row[i] = neutralise(value)
        yield tuple(row)


def _csv_stream(headers: list[str], rows: Iterator[tuple]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # The BOM makes Excel in Korea read the file as UTF-8 instead of CP949.
    buffer.write("\ufeff")
    writer.writerow(headers)
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending >= CSV_BATCH_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def _json_stream(headers: list[str], rows: Iterator[tuple]) -> Iterator[bytes]:
    yield b"["
    first = True
    for row in rows:
        item = json.dumps(dict(zip(headers, row, strict=True)), ensure_ascii=False, default=_json_default)
        yield (item if first else "," + item).encode("utf-8")
        first = False
    yield b"]"


def _json_default(value):
    if isinstance(value, Decimal):
        # Up to 15 significant digits survive a float round trip exactly; keep longer ones as text.
        return float(value) if len(value.as_tuple().digits) <= 15 else str(value)
    return str(value)


def _xlsx_file(headers: list[str], rows: Iterator[tuple], sheet_title: str):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append([
            ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else (float(v) if isinstance(v, Decimal) else v)
            for v in row
        ])
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return spool


def export_response(*, spec: ExportSpec, fmt: str, user, params: dict, filtered_qs: QuerySet):
    """Record the export in the audit trail, then send the rows in the asked format."""
    row_count = filtered_qs.count()
    audit_record(
        actor=user,
        action="export",
        object_type=f"export.{spec.name}",
        object_repr=f"{spec.name}.{fmt}",
        extra={"format": fmt, "filters": params, "row_count": row_count},
    )
    headers = [c.header for c in spec.columns]
    rows = export_rows(filtered_qs, spec.columns)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    filename = f"kai-{spec.name}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(headers, rows), content_type="text/csv; charset=utf-8")
    elif fmt == "json":
        response = StreamingHttpResponse(_json_stream(headers, rows), content_type="application/json")
    else:
        response = FileResponse(
            _xlsx_file(headers, rows, spec.name),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Export-Row-Count"] = str(row_count)
    return response
