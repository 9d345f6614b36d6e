"""Exports for auditors: CSV (UTF-8 with BOM, streamed row by row), XLSX and JSON, one row source each.

Every text cell that a spreadsheet would run as a formula (first character = + - @ TAB CR) is prefixed
with a single quote, in all three formats; numbers stay numbers. Every export appends an audit event
(who, what, filters, row count) before the first byte is sent.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from common.audit import audit_record
from common.pg_copy import copy_supported, pg_copy_csv_stream

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
    source: str  # a field path for values_list()
    # text | number | bool | datetime | date | json: decides neutralising and how a value is written.
    kind: str = "text"


@dataclass(frozen=True)
class ExportSpec:
    name: str
    title: str
    columns: tuple[ExportColumn, ...]
    # (user) -> QuerySet already scoped to what the user may see; rows come from values_list(sources).
    queryset: Callable | None = None
    filterset_class: type | None = None
    read_roles: frozenset = frozenset()
    # For rows that are not one queryset (e.g. a standings table kept as JSON):
    # (user, query_params) -> ExportRows. Raises ValidationError on bad params.
    row_source: Callable[..., ExportRows] | None = None


@dataclass(frozen=True)
class ExportRows:
    """What a ``row_source`` gives: the columns of this export (they may depend on the request, such as a
    phase's rubric), the number of rows, and the rows as tuples in column order."""

    columns: tuple[ExportColumn, ...]
    row_count: int
    rows: Iterator[tuple]


_REGISTRY: dict[str, ExportSpec] = {}


def export_register(spec: ExportSpec) -> ExportSpec:
    _REGISTRY[spec.name] = spec
    return spec


def export_specs() -> dict[str, ExportSpec]:
    """Every registered export. Each app declares its exports in ``<app>/export_specs.py``, which
    CommonConfig.ready() imports for every installed app (as the admin finds ``admin.py`` modules)."""
    return dict(_REGISTRY)


def _cell(value, kind: str):
    if value is None:
        return None
    if kind == "text":
        return neutralise(value if isinstance(value, str) else str(value))
    if kind == "bool":
        return "true" if value else "false"
    if kind == "datetime":
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.isoformat(timespec="microseconds")
    if kind == "date":
        return value.isoformat()
    if kind == "json":
        return neutralise(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))
    return value


def export_rows(qs: QuerySet, columns: Iterable[ExportColumn]) -> Iterator[tuple]:
    """Rows as tuples, fetched in chunks through a server-side cursor (constant memory)."""
    kinds = [c.kind for c in columns]
    for row in qs.values_list(*(c.source for c in columns)).iterator(chunk_size=5000):
        yield tuple(_cell(v, k) for v, k in zip(row, kinds, strict=True))


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
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append(
            [
                ILLEGAL_CHARACTERS_RE.sub("", v)
                if isinstance(v, str)
                else (float(v) if isinstance(v, Decimal) else v)
                for v in row
            ]
        )
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return spool


def export_response(
    *,
    spec: ExportSpec,
    fmt: str,
    user,
    params: dict,
    filtered_qs: QuerySet | None = None,
    source: ExportRows | None = None,
):
    """Record the export in the audit trail, then send the rows (``filtered_qs``'s, else ``source``'s) in
    the asked format."""
    columns = spec.columns
    rows: Iterator[tuple] | None = None
    if filtered_qs is not None:
        row_count = filtered_qs.count()
        rows = export_rows(filtered_qs, spec.columns)
    elif source is not None:
        columns, row_count, rows = source.columns, source.row_count, source.rows
    else:
        raise TypeError("export_response needs filtered_qs or source")
    audit_record(
        actor=user,
        action="export",
        object_type=f"export.{spec.name}",
        object_repr=f"{spec.name}.{fmt}",
        extra={"format": fmt, "filters": params, "row_count": row_count},
    )
    headers = [c.header for c in columns]
    if fmt == "csv" and filtered_qs is not None and copy_supported(filtered_qs, spec.columns):
        rows = None
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    filename = f"kai-{spec.name}-{stamp}.{fmt}"
    if fmt == "csv" and rows is None:
        response = StreamingHttpResponse(
            pg_copy_csv_stream(filtered_qs, spec.columns, headers), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "csv":
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
