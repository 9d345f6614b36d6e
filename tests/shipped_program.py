"""The shipped program file (portal/fixtures/kai_program.yaml) as the tests use it.

This is the one module of the test suite that imports the program loader; tests of the loader and the
fixtures in tests/conftest.py take it from here. The file is parsed once per test session, and every caller
gets its own deep copy, so a test may change its copy freely.
"""

from __future__ import annotations

import copy
import functools

from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction

from portal.program_loader import DEFAULT_PROGRAM_FILE, program_file_read, program_load

__all__ = [
    "DEFAULT_PROGRAM_FILE",
    "SharedProgramTransaction",
    "program_data",
    "program_file_read",
    "program_load",
    "shipped_program",
    "shipped_program_load",
]


@functools.cache
def _parsed() -> dict:
    return program_file_read(DEFAULT_PROGRAM_FILE)


def program_data() -> dict:
    """A fresh copy of the shipped program file's data, safe to modify."""
    return copy.deepcopy(_parsed())


def program_code() -> str:
    return _parsed()["program"]["code"]


def shipped_program():
    """The shipped program's row, or None when it is not in the database."""
    from consortia.models import Program

    return Program.objects.filter(code=program_code()).first()


def shipped_program_load():
    """Load the shipped program file into the database; returns its Program row."""
    program_load(data=program_data())
    return shipped_program()


class SharedProgramTransaction:
    """One load of the shipped program for many tests, kept in an outer transaction that is never committed.

    ``open()`` begins a transaction on the default connection and loads the program file in it; every
    non-transactional test that asks for the program then runs inside it, in pytest-django's own atomic
    block (a savepoint here), and rolls back to the loaded state when it ends. ``close()`` rolls the whole
    transaction back, leaving the database as empty as migrations made it, for tests that must not see the
    program and for transactional tests (which commit, and are flushed after).

    While it is open, Django's ``close_old_connections`` is kept off the request signals, as Django's test
    client does around each request: a response closed in a test (``FileResponse.close()``) sends
    ``request_finished``, which would otherwise close the connection, and with it the loaded program, for
    every later test (on PostgreSQL; SQLite keeps an in-memory test database open). Should the connection
    still be closed under it, the next ``open()`` notices and loads the program again.
    """

    def __init__(self) -> None:
        self._atomic: transaction.Atomic | None = None

    @property
    def is_open(self) -> bool:
        return self._atomic is not None

    def open(self) -> None:
        if self._atomic is not None and connection.closed_in_transaction:
            self.close()
        if self._atomic is None and connection.in_atomic_block:
            raise RuntimeError("the shared program transaction must be the outermost one")
        # Every time: a test's own fixture may have connected the receivers again when it ended.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        if self._atomic is not None:
            return
        atomic = transaction.atomic()
        atomic.__enter__()
        self._atomic = atomic
        try:
            shipped_program_load()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        atomic, self._atomic = self._atomic, None
        if atomic is None:
            return
        try:
            if connection.in_atomic_block:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
