"""Exports for auditors: CSV (UTF-8 with BOM, streamed row by row), XLSX and JSON, one row source each.

Every value keeps its type in every format, so pandas, openpyxl and Excel need no cleaning:

- JSON: numbers are numbers, yes/no are booleans, nested audit data is nested JSON, empty is null.
- XLSX: numbers are numeric cells (won as ``#,##0``, points as ``0.00``), dates and date-times are Excel
  dates; a frozen header row, an autofilter, column widths, and a second sheet (``ABOUT_SHEET``) with the
  filters, the export time, who exported it, the row count and the sha256 of the data.
- CSV: numbers as digits, yes/no as ``true``/``false``, empty as an empty cell.

One time-zone rule (``TIME_RULE``): every date-time is ISO 8601 with the KST offset (``+09:00``); XLSX
cells, which hold no offset, are KST wall-clock time, and the About sheet says so.

Every text cell that a spreadsheet would run as a formula (first character = + - @ TAB CR) is prefixed
with a single quote, in all three formats. Every export appends an audit event (who, what, filters, row
count) before the first byte is sent.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common.audit import audit_record
from common.pg_copy import copy_supported, pg_copy_csv_stream

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CSV_BATCH_ROWS = 2000
# ?labels=ko: column headers in Korean for people (CSV and XLSX); JSON keys stay the snake_case contract.
LABEL_LANGUAGES = ("ko",)
# The parameters every export takes besides its filters.
COMMON_PARAMS = ("labels",)
TIME_RULE = "ISO 8601 with the KST offset (+09:00); XLSX cells hold KST wall-clock time"
ABOUT_SHEET = "정보 (About)"  # a sheet name may not contain "/"
SHA256_OF = "the JSON export of the same rows (UTF-8, as /api/v1/exports/<name>.json sends it)"

# Each kind decides how a value is written in each format, and its XLSX number format and width.
KINDS = ("text", "int", "number", "points", "money", "bool", "datetime", "date", "json")
_NUMBER_FORMATS = {
    "int": "0",
    "points": "0.00",
    "money": "#,##0",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
}
_WIDTHS = {
    "int": 10,
    "number": 12,
    "points": 10,
    "money": 16,
    "bool": 8,
    "datetime": 18,
    "date": 12,
    "json": 48,
}
_TEXT_WIDTH = 16
_MAX_WIDTH = 60


def neutralise(value):
    """Make a text cell inert in Excel/LibreOffice/Sheets; leave every other value as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportColumn:
    header: str  # snake_case: the machine-readable contract (CSV/XLSX header, JSON key)
    source: Any  # a field path for values_list(), or a query expression (e.g. a Value for a constant)
    kind: str = "text"  # one of KINDS
    label: str | Promise | None = None  # the header for people (?labels=ko); the header when not given

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown export column kind {self.kind!r}")


@dataclass(frozen=True)
class ExportParam:
    """A query parameter of an export that is not a FilterSet filter (e.g. the standings' phase)."""

    name: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class ExportAppendix:
    """Rows of a second model that a queryset export lists after its own rows, in the same columns (e.g.
    staff-entered panel figures after the evaluators' criterion scores): its rows as ``user`` may see them,
    a FilterSet that takes the export's filter names, and one value source per column (a field path or a
    query expression)."""

    queryset: Callable
    filterset_class: type
    sources: tuple


@dataclass(frozen=True)
class ExportSpec:
    name: str
    title: str | Promise
    columns: tuple[ExportColumn, ...]
    # (user) -> QuerySet already scoped to what the user may see; rows come from values_list(sources).
    queryset: Callable | None = None
    filterset_class: type | None = None
    read_roles: frozenset = frozenset()
    # For rows that are not one queryset (e.g. a standings table kept as JSON):
    # (user, query_params) -> ExportRows. Raises ValidationError on bad params.
    row_source: Callable[..., ExportRows] | None = None
    # The parameters a row_source reads (a queryset export's are its FilterSet's filters).
    params: tuple[ExportParam, ...] = ()
    # A queryset export's rows of a second model, listed after its own.
    appendix: ExportAppendix | None = None

    def __post_init__(self):
        if self.appendix is not None and len(self.appendix.sources) != len(self.columns):
            raise ValueError(f"the {self.name} export's appendix needs one source per column")

    def param_names(self) -> set[str]:
        """Every query parameter this export understands; any other is refused (400)."""
        names = {p.name for p in self.params} | set(COMMON_PARAMS)
        if self.filterset_class is not None:
            names |= set(self.filterset_class.base_filters)
        return names


@dataclass(frozen=True)
class ExportRows:
    """What a ``row_source`` gives: the columns of this export (they may depend on the request, such as a
    phase's rubric), the number of rows, and the rows as tuples in column order (typed Python values:
    Decimal, int, bool, date, datetime, dict/list for json, str, None)."""

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


def _normalise(value, kind: str):
    """One value as every writer receives it: empty text is None, text is inert, the rest keeps its type."""
    if value is None or value == "":
        return None
    if kind == "text":
        return neutralise(value if isinstance(value, str) else str(value))
    if kind == "datetime" and isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def normalise_rows(rows: Iterable[tuple], columns: Iterable[ExportColumn]) -> Iterator[tuple]:
    kinds = [c.kind for c in columns]
    for row in rows:
        yield tuple(_normalise(v, k) for v, k in zip(row, kinds, strict=True))


def export_rows(
    qs: QuerySet, columns: Iterable[ExportColumn], sources: tuple | None = None
) -> Iterator[tuple]:
    """Rows as tuples, fetched in chunks through a server-side cursor (constant memory). The values are
    the columns' sources, or ``sources`` (an appendix's) when given."""
    columns = tuple(columns)
    sources = sources if sources is not None else tuple(c.source for c in columns)
    values = qs.values_list(*sources).iterator(chunk_size=5000)
    return normalise_rows(values, columns)


def export_spec_rows(spec: ExportSpec, qs: QuerySet, appended_qs: QuerySet | None = None) -> Iterator[tuple]:
    """A queryset export's rows: ``qs``'s, then its appendix's (``appended_qs``) when it has one."""
    rows = export_rows(qs, spec.columns)
    if appended_qs is None or spec.appendix is None:
        return rows
    return itertools.chain(rows, export_rows(appended_qs, spec.columns, spec.appendix.sources))


def export_filtered_queryset(*, spec: ExportSpec, user, params, request=None) -> QuerySet:
    """The rows a queryset export sends for these query parameters: what ``user`` may see, narrowed by the
    export's FilterSet. Raises ValidationError naming the filters at fault."""
    if spec.queryset is None:
        raise TypeError(f"the {spec.name} export has no queryset")
    qs = spec.queryset(user)
    if spec.filterset_class is not None:
        filterset = spec.filterset_class(params, queryset=qs, request=request)
        if not filterset.is_valid():
            raise ValidationError(dict(filterset.errors))
        qs = filterset.qs
    return qs


def export_appended_queryset(*, spec: ExportSpec, user, params, request=None) -> QuerySet | None:
    """The appendix rows a queryset export sends for these query parameters (None without an appendix).
    Raises ValidationError naming the filters at fault."""
    if spec.appendix is None:
        return None
    filterset = spec.appendix.filterset_class(params, queryset=spec.appendix.queryset(user), request=request)
    if not filterset.is_valid():
        raise ValidationError(dict(filterset.errors))
    return filterset.qs


def _iso(value) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    return value.isoformat()


def _json_value(value, kind: str):
    if value is None:
        return None
    if kind in ("datetime", "date"):
        return _iso(value)
    if isinstance(value, Decimal):
        if kind in ("int", "money") and value == value.to_integral_value():
            return int(value)
        # Up to 15 significant digits survive a float round trip exactly; keep longer ones as text.
        return float(value) if len(value.as_tuple().digits) <= 15 else str(value)
    return value


def _csv_value(value, kind: str):
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("datetime", "date"):
        return _iso(value)
    if kind == "json":
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return value


def _xlsx_value(value, kind: str):
    if value is None:
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if kind == "datetime" and isinstance(value, dt.datetime):
        # Excel has no time zones: KST wall-clock time (TIME_RULE), to the second.
        return value.replace(tzinfo=None, microsecond=0)
    if kind == "json":
        return ILLEGAL_CHARACTERS_RE.sub(
            "", json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        )
    if isinstance(value, Decimal):
        return int(value) if kind in ("int", "money") and value == value.to_integral_value() else float(value)
    return value


def _json_item(keys: list[str], kinds: list[str], row: tuple) -> bytes:
    item = {k: _json_value(v, kind) for k, kind, v in zip(keys, kinds, row, strict=True)}
    return json.dumps(item, ensure_ascii=False, default=str).encode("utf-8")


def _csv_stream(headers: list[str], kinds: list[str], rows: Iterator[tuple]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # The BOM makes Excel in Korea read the file as UTF-8 instead of CP949.
    buffer.write("\ufeff")
    writer.writerow(headers)
    pending = 0
    for row in rows:
        writer.writerow([_csv_value(v, k) for v, k in zip(row, kinds, strict=True)])
        pending += 1
        if pending >= CSV_BATCH_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def _json_stream(keys: list[str], kinds: list[str], rows: Iterator[tuple]) -> Iterator[bytes]:
    yield b"["
    first = True
    for row in rows:
        item = _json_item(keys, kinds, row)
        yield item if first else b"," + item
        first = False
    yield b"]"


def export_chunks(fmt: str, columns: tuple[ExportColumn, ...], rows: Iterator[tuple]) -> Iterator[bytes]:
    """An export's body as CSV or JSON, as the download sends it, from rows already normalised
    (``export_rows``/``normalise_rows``): for archives that bundle several exports (the audit package)."""
    keys = [c.header for c in columns]
    kinds = [c.kind for c in columns]
    if fmt == "csv":
        return _csv_stream(keys, kinds, rows)
    if fmt == "json":
        return _json_stream(keys, kinds, rows)
    raise ValueError(f"export_chunks writes csv or json, not {fmt!r}")


@dataclass(frozen=True)
class ExportInfo:
    """What the XLSX About sheet tells: which export, with which filters, when, by whom."""

    name: str
    title: str
    filters: dict
    exported_at: dt.datetime
    exported_by: str
    row_count: int


def _width(column: ExportColumn, header: str) -> int:
    base = _WIDTHS.get(column.kind, _TEXT_WIDTH)
    return min(max(base, len(header) + 2), _MAX_WIDTH)


def _spool_chunks(spool, size: int = 64 * 1024) -> Iterator[bytes]:
    """The workbook's bytes, closing its temporary file once sent. A FileResponse closes it only when the
    server closes the response, which clients driving the WSGI app directly (test clients, schemathesis)
    never do: the spool then leaked until the garbage collector warned about it."""
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()


def _xlsx_file(
    columns: tuple[ExportColumn, ...], headers: list[str], rows: Iterator[tuple], info: ExportInfo
):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=info.name[:31])
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{info.row_count + 1}"
    for index, (column, header) in enumerate(zip(columns, headers, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(column, header)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    keys = [c.header for c in columns]
    kinds = [c.kind for c in columns]
    formats = [_NUMBER_FORMATS.get(k) for k in kinds]
    # The sha256 is the JSON export's, so an auditor can check the workbook against the JSON download.
    digest = hashlib.sha256(b"[")
    first = True
    for row in rows:
        item = _json_item(keys, kinds, row)
        digest.update(item if first else b"," + item)
        first = False
        out = []
        for value, kind, number_format in zip(row, kinds, formats, strict=True):
            value = _xlsx_value(value, kind)
            if number_format is not None and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
    digest.update(b"]")
    _about_sheet(workbook, info, digest.hexdigest())
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return spool


def _about_sheet(workbook: Workbook, info: ExportInfo, sha256: str) -> None:
    about = workbook.create_sheet(title=ABOUT_SHEET)
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 80
    when = WriteOnlyCell(
        about, value=timezone.localtime(info.exported_at).replace(tzinfo=None, microsecond=0)
    )
    when.number_format = "yyyy-mm-dd hh:mm:ss"
    filters = json.dumps(info.filters, ensure_ascii=False, sort_keys=True) if info.filters else None
    rows = [
        ("내보내기 / export", info.name),
        ("제목 / title", info.title),
        (
            "필터 / filters",
            ILLEGAL_CHARACTERS_RE.sub("", neutralise(filters)) if filters else "(없음 / none)",
        ),
        ("내보낸 시각 / exported at (KST)", when),
        ("내보낸 사람 / exported by", neutralise(info.exported_by)),
        ("행 수 / row count", info.row_count),
        ("데이터 SHA-256 / data sha256", sha256),
        ("SHA-256 대상 / sha256 of", SHA256_OF),
        ("시간대 / time zone", TIME_RULE),
    ]
    if info.row_count == 0:
        rows.append(("참고 / note", "조건에 맞는 행이 없습니다 / no rows match these filters"))
    for row in rows:
        about.append(list(row))


def _headers(columns: tuple[ExportColumn, ...], labels: str | None) -> list[str]:
    if labels is None:
        return [c.header for c in columns]
    with translation.override(labels):
        return [str(c.label) if c.label is not None else c.header for c in columns]


def export_response(
    *,
    spec: ExportSpec,
    fmt: str,
    user,
    params: dict,
    filtered_qs: QuerySet | None = None,
    appended_qs: QuerySet | None = None,
    source: ExportRows | None = None,
    labels: str | None = None,
):
    """Record the export in the audit trail, then send the rows (``filtered_qs``'s and its appendix's
    ``appended_qs``, else ``source``'s) in the asked format, with headers in ``labels``' language when
    given (CSV and XLSX)."""
    columns = spec.columns
    rows: Iterator[tuple] | None = None
    if filtered_qs is not None:
        row_count = filtered_qs.count() + (appended_qs.count() if appended_qs is not None else 0)
        rows = export_spec_rows(spec, filtered_qs, appended_qs)
    elif source is not None:
        columns, row_count = source.columns, source.row_count
        rows = normalise_rows(source.rows, columns)
    else:
        raise TypeError("export_response needs filtered_qs or source")
    audit_record(
        actor=user,
        action="export",
        object_type=f"export.{spec.name}",
        object_repr=f"{spec.name}.{fmt}",
        extra={"format": fmt, "filters": params, "row_count": row_count},
    )
    keys = [c.header for c in columns]
    kinds = [c.kind for c in columns]
    headers = _headers(columns, labels)
    now = timezone.now()
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    filename = f"kai-{spec.name}-{stamp}.{fmt}"
    if (
        fmt == "csv"
        and filtered_qs is not None
        and appended_qs is None
        and copy_supported(filtered_qs, spec.columns)
    ):
        response = StreamingHttpResponse(
            pg_copy_csv_stream(filtered_qs, spec.columns, headers), content_type=MEDIA_TYPES["csv"]
        )
    elif fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(headers, kinds, rows), content_type=MEDIA_TYPES["csv"])
    elif fmt == "json":
        response = StreamingHttpResponse(_json_stream(keys, kinds, rows), content_type=MEDIA_TYPES["json"])
    else:
        info = ExportInfo(
            name=spec.name,
            title=str(spec.title),
            filters={k: v for k, v in params.items() if k not in COMMON_PARAMS},
            exported_at=now,
            exported_by=getattr(user, "username", ""),
            row_count=row_count,
        )
        spool = _xlsx_file(columns, headers, rows, info)
        size = spool.seek(0, 2)
        spool.seek(0)
        response = StreamingHttpResponse(_spool_chunks(spool), content_type=MEDIA_TYPES["xlsx"])
        response["Content-Length"] = str(size)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Export-Row-Count"] = str(row_count)
    return response
