"""Reading uploaded tables (CSV or JSON) strictly, before any domain check.

The whole file is checked and every problem is reported as (row, column, reason); nothing is stored
unless the file is clean. Text is decoded deterministically: UTF-8 (with or without BOM), then CP949 as
Excel in Korea writes it; anything else is refused, never guessed. Row numbers are the line numbers a
person sees in a spreadsheet: the CSV header is row 1, the first data row is row 2; for JSON the first
object in the list is row 1.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


class UploadRejected(Exception):
    """The file cannot be accepted; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError], filename: str = ""):
        self.errors = errors
        self.filename = filename
        super().__init__("; ".join(self.messages()))

    def messages(self) -> list[str]:
        out = []
        for e in self.errors:
            where = ", ".join(
                part
                for part in (
                    _("row %(row)s") % {"row": e.row} if e.row is not None else "",
                    _("column %(column)s") % {"column": e.column} if e.column else "",
                )
                if part
            )
            out.append(f"{self.filename}: {where}: {e.reason}" if where else f"{self.filename}: {e.reason}")
        return out


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    # Other header spellings accepted for this column, e.g. Korean headers from a ministry template.
    aliases: tuple[str, ...] = ()


@dataclass
class ParsedTable:
    filename: str
    sha256: str
    size: int
    format: str
    encoding: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def safe_display_name(filename: str) -> str:
    """The file's own name without any directory part (path traversal never reaches storage names)."""
    name = PurePath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "upload"


def read_table(*, file, columns: list[Column], max_bytes: int, max_rows: int) -> ParsedTable:
    """Read a CSV or JSON table of the given columns; raises UploadRejected listing every problem."""
    filename = safe_display_name(getattr(file, "name", "") or "upload")
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        # Refused by the size the upload declares, before a byte of it is read.
        raise UploadRejected(
            [
                RowError(
                    None,
                    None,
                    _("file too large: %(size)s bytes; the limit is %(limit)s bytes")
                    % {"size": size, "limit": max_bytes},
                )
            ],
            filename,
        )
    raw = _read_capped(file, max_bytes, filename)
    if not raw.strip():
        raise UploadRejected([RowError(None, None, _("the file is empty"))], filename)
    suffix = PurePath(filename).suffix.lower()
    if suffix not in (".csv", ".json"):
        raise UploadRejected(
            [
                RowError(
                    None,
                    None,
                    _("wrong file type %(suffix)s: upload a .csv or .json file")
                    % {"suffix": suffix or _("(none)")},
                )
            ],
            filename,
        )
    if raw.startswith(ZIP_MAGIC):
        raise UploadRejected(
            [
                RowError(
                    None,
                    None,
                    _(
                        "this is a ZIP archive (e.g. an Excel workbook), not %(kind)s text; "
                        "save it as CSV UTF-8"
                    )
                    % {"kind": suffix[1:].upper()},
                )
            ],
            filename,
        )
    text, encoding = decode_strict(raw, filename)
    sha256 = hashlib.sha256(raw).hexdigest()
    table = ParsedTable(filename=filename, sha256=sha256, size=len(raw), format=suffix[1:], encoding=encoding)
    if suffix == ".csv":
        table.rows = _csv_rows(text, columns, max_rows, filename)
    else:
        table.rows = _json_rows(text, columns, max_rows, filename)
    return table


def _read_capped(file, max_bytes: int, filename: str) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    chunks, total = [], 0
    reader = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(64 * 1024), b"")
    for chunk in reader:
        total += len(chunk)
        if total > max_bytes:
            raise UploadRejected(
                [RowError(None, None, _("file too large: more than %(limit)s bytes") % {"limit": max_bytes})],
                filename,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def decode_strict(raw: bytes, filename: str) -> tuple[str, str]:
    if raw.startswith(UTF16_BOMS):
        raise UploadRejected(
            [RowError(None, None, _("UTF-16 text is not accepted; save the file as CSV UTF-8"))], filename
        )
    if b"\x00" in raw:
        raise UploadRejected(
            [RowError(None, None, _("the file contains NUL bytes: it is binary, not text"))], filename
        )
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text, encoding = raw.decode("cp949"), "cp949"
        except UnicodeDecodeError:
            raise UploadRejected(
                [
                    RowError(
                        None,
                        None,
                        _(
                            "the text is neither UTF-8 nor CP949 (invalid byte at offset %(offset)s); "
                            "save the file as CSV UTF-8"
                        )
                        % {"offset": utf8_error.start},
                    )
                ],
                filename,
            ) from None
    # macOS writes Hangul decomposed (NFD); compare everything in composed form.
    return unicodedata.normalize("NFC", text), encoding


def _header_map(header: Iterable[str], columns: list[Column], filename: str) -> dict[int, str]:
    lookup = {}
    for column in columns:
        for spelling in (column.name, *column.aliases):
            lookup[spelling.strip().lower()] = column.name
    errors, mapping, seen = [], {}, set()
    for index, raw_name in enumerate(header):
        name = raw_name.strip()
        canonical = lookup.get(name.lower())
        if canonical is None:
            errors.append(
                RowError(
                    1,
                    name or f"#{index + 1}",
                    _("unknown column; expected: %(cols)s") % {"cols": ", ".join(c.name for c in columns)},
                )
            )
        elif canonical in seen:
            errors.append(RowError(1, name, _("duplicate column")))
        else:
            seen.add(canonical)
            mapping[index] = canonical
    for column in columns:
        if column.required and column.name not in seen:
            errors.append(RowError(1, column.name, _("missing column")))
    if errors:
        raise UploadRejected(errors, filename)
    return mapping


def _csv_rows(
    text: str, columns: list[Column], max_rows: int, filename: str
) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise UploadRejected(
            [RowError(1, None, _("not valid CSV: %(error)s") % {"error": exc})], filename
        ) from None
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        raise UploadRejected(
            [RowError(1, None, _("wrong delimiter: columns must be separated by commas"))], filename
        )
    mapping = _header_map(header, columns, filename)
    rows, errors = [], []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= max_rows:
                raise UploadRejected(
                    [RowError(line, None, _("too many rows: the limit is %(limit)s") % {"limit": max_rows})],
                    filename,
                )
            if len(values) != len(header):
                errors.append(
                    RowError(
                        line,
                        None,
                        _("expected %(expected)s values, found %(found)s")
                        % {"expected": len(header), "found": len(values)},
                    )
                )
                continue
            rows.append((line, {mapping[i]: v.strip() for i, v in enumerate(values)}))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, None, _("not valid CSV: %(error)s") % {"error": exc}))
    if errors:
        raise UploadRejected(errors, filename)
    if not rows:
        raise UploadRejected([RowError(None, None, _("the file has a header but no data rows"))], filename)
    return rows


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _json_rows(
    text: str, columns: list[Column], max_rows: int, filename: str
) -> list[tuple[int, dict[str, str]]]:
    try:
        # Numbers stay as their text so the domain parses them as Decimal (no binary floats, no overflow).
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=_reject_constant)
    except RecursionError:
        raise UploadRejected([RowError(None, None, _("JSON nesting is too deep"))], filename) from None
    except ValueError as exc:
        raise UploadRejected(
            [RowError(None, None, _("not valid JSON: %(error)s") % {"error": exc})], filename
        ) from None
    if isinstance(data, dict) and set(data) == {"results"}:
        data = data["results"]
    if not isinstance(data, list):
        raise UploadRejected(
            [RowError(None, None, _('expected a list of objects (or {"results": [...]})'))], filename
        )
    if not data:
        raise UploadRejected([RowError(None, None, _("the file has no data rows"))], filename)
    if len(data) > max_rows:
        raise UploadRejected(
            [RowError(None, None, _("too many rows: the limit is %(limit)s") % {"limit": max_rows})], filename
        )
    names = {c.name for c in columns}
    required = [c.name for c in columns if c.required]
    rows, errors = [], []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(index, None, _("expected an object")))
            continue
        unknown = sorted(set(item) - names)
        for key in unknown:
            errors.append(RowError(index, str(key)[:50], _("unknown field")))
        for key in required:
            if key not in item or item[key] in (None, ""):
                errors.append(RowError(index, key, _("missing value")))
        values = {}
        for key, value in item.items():
            if key not in names:
                continue
            if isinstance(value, dict | list):
                errors.append(RowError(index, key, _("expected a single value, not a list or object")))
            elif isinstance(value, bool):
                errors.append(RowError(index, key, _("expected a number or text, not true/false")))
            elif value is not None:
                values[key] = str(value).strip()
        rows.append((index, values))
    if errors:
        raise UploadRejected(errors, filename)
    return rows


def decimal_cell(
    value: str, *, row: int, column: str, minimum: Decimal, maximum: Decimal, max_places: int = 4
) -> tuple[Decimal | None, RowError | None]:
    """Parse a numeric cell; returns (value, None) or (None, error) — never raises."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None, RowError(row, column, _("not a number: %(value)r") % {"value": value[:40]})
    if not number.is_finite():
        return None, RowError(row, column, _("not a finite number: %(value)r") % {"value": value[:40]})
    if number < minimum or number > maximum:
        return None, RowError(
            row,
            column,
            _("%(value)s is out of range %(min)s..%(max)s")
            % {"value": value[:40], "min": minimum, "max": maximum},
        )
    if -number.as_tuple().exponent > max_places:
        return None, RowError(
            row, column, _("too many decimal places (at most %(places)s)") % {"places": max_places}
        )
    return number, None
