"""CSV exports on PostgreSQL through ``COPY (query) TO STDOUT``: the database formats the CSV.

Python then only moves bytes: a producer thread runs COPY on the request's own connection (so it sees
exactly what the request sees, inside tests too) and hands ~256 KB blocks to the response generator
through a bounded queue, which caps memory whatever the row count. Cells are written exactly as the
Python path writes them: formula triggers neutralised, empty text as an empty cell, booleans true/false,
times ISO 8601 with the portal's time zone's offset (+09:00).
"""

from __future__ import annotations

import csv
import io
import queue
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

BLOCK_BYTES = 256 * 1024
QUEUE_BLOCKS = 16
_DONE = object()


class _Cancelled(Exception):
    pass


def copy_supported(qs: QuerySet, columns) -> bool:
    return qs.db == "default" and connection.vendor == "postgresql" and all(c.kind != "json" for c in columns)


def _column_sql(alias: str, kind: str) -> str:
    if kind == "text":
        return (
            f"CASE WHEN left({alias}::text, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') "
            f"THEN '''' || {alias}::text ELSE NULLIF({alias}::text, '') END"
        )
    if kind == "bool":
        return f"CASE WHEN {alias} IS NULL THEN NULL WHEN {alias} THEN 'true' ELSE 'false' END"
    if kind == "datetime":
        return f"""to_char({alias}, 'YYYY-MM-DD"T"HH24:MI:SS.USTZH:TZM')"""
    if kind == "date":
        return f"to_char({alias}, 'YYYY-MM-DD')"
    return alias


def copy_sql(qs: QuerySet, columns) -> str:
    inner_sql, params = qs.values_list(*(c.source for c in columns)).query.sql_with_params()
    with connection.cursor() as cursor:
        inner = cursor.mogrify(inner_sql, params).decode()
    aliases = [f"c{i}" for i in range(len(columns))]
    select = ", ".join(_column_sql(a, c.kind) for a, c in zip(aliases, columns, strict=True))
    return f"COPY (SELECT {select} FROM ({inner}) AS t({', '.join(aliases)})) TO STDOUT WITH (FORMAT csv)"


class _BlockWriter:
    def __init__(self, blocks: queue.Queue, cancelled: threading.Event):
        self.blocks = blocks
        self.cancelled = cancelled
        self.buffer = bytearray()

    def write(self, data) -> None:
        self.buffer += data
        if len(self.buffer) >= BLOCK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self._put(bytes(self.buffer))
            self.buffer.clear()

    def _put(self, item) -> None:
        while True:
            if self.cancelled.is_set():
                raise _Cancelled
            try:
                self.blocks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue


def pg_copy_csv_stream(qs: QuerySet, columns, headers: list[str]) -> Iterator[bytes]:
    statement = copy_sql(qs, columns)
    head = io.StringIO()
    head.write("\ufeff")  # Excel in Korea reads the file as UTF-8 only with the BOM.
    csv.writer(head, lineterminator="\r\n").writerow(headers)
    yield head.getvalue().encode("utf-8")

    connection.ensure_connection()
    raw = connection.connection
    blocks: queue.Queue = queue.Queue(maxsize=QUEUE_BLOCKS)
    cancelled = threading.Event()
    writer = _BlockWriter(blocks, cancelled)
    outcome = {"cancelled": False}

    def produce() -> None:
        try:
            with raw.cursor() as cursor:
                cursor.execute("SET TIME ZONE %s", [settings.TIME_ZONE])
                try:
                    cursor.copy_expert(statement, writer)
                    writer.flush()
                finally:
                    cursor.execute("SET TIME ZONE 'UTC'")  # what Django expects on its connection
        except _Cancelled:
            outcome["cancelled"] = True
            return
        except BaseException as exc:  # hand every failure to the response generator
            if not cancelled.is_set():
                writer._put(exc)
            return
        writer._put(_DONE)

    thread = threading.Thread(target=produce, name="kai-export-copy", daemon=True)
    thread.start()
    try:
        while True:
            item = blocks.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        # The client went away or we are done: stop the producer and wait, so the connection is free again.
        cancelled.set()
        thread.join(timeout=30)
        if outcome["cancelled"] or thread.is_alive():
            # A COPY cut off half way leaves the connection mid-protocol; drop it rather than reuse it.
            connection.close()
