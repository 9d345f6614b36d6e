"""schemathesis over the whole OpenAPI schema (/api/schema/, drf-spectacular), as each role with its own
hashed API token: no 5xx, no response outside the schema (status code, content type, body shape).

Deterministic and bounded: hypothesis derandomized (a fixed seed per operation), a few examples per
operation and generation mode (positive and negative data). The program is loaded once per role; each
operation runs in a savepoint that is rolled back, so one operation's writes (e.g. finalizing a phase)
never change what the next one sees.

schemathesis' own pytest loaders (``schema.parametrize`` / ``from_fixture``) would load the program for
every operation (~1 s each, 250 items) and its lazy loader does not run on pytest 9, so the operations
are driven here with schemathesis' public strategy API (``operation.as_strategy``) and
``case.call_and_validate``.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from common.roles import Role
from common.services import api_token_create
from tests.helpers import ROLE_USERS

MAX_EXAMPLES = 5
# Every other check of schemathesis runs (no 5xx; documented status codes and content types; bodies, error
# bodies included, match their schema; schema-violating input refused; credentials required). Not this one:
# "valid per the schema" cannot say which codes exist in the database or the business rules (weights adding
# up to 100), so e.g. a score sheet for an unknown phase code is rightly a 400; that 400's shape is checked.
EXCLUDED_CHECKS = [positive_data_acceptance]


@pytest.fixture
def wsgi_keeps_test_connection():
    """The real WSGI handler closes the database connection at the end of each request (it is outside any
    transaction in production); inside the test's transaction that would drop it. Django's own test
    client disconnects the same two receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_operation_as_each_role_stays_within_the_schema(
    role, kai_program, make_user, wsgi_keeps_test_connection, loose_throttle
):
    from kai_portal.wsgi import application

    organization, team = ROLE_USERS[role]
    _token, key = api_token_create(
        user=make_user(role, organization=organization, consortium=team), name="fuzz"
    )
    headers = {"Authorization": f"Token {key}", "Accept-Language": "en"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures: list[str] = []
    operations = 0
    for operation in _operations(schema):
        operations += 1
        # Nothing to make invalid in an operation without parameters or body (ping, dashboard summary).
        modes = [GenerationMode.POSITIVE]
        if operation.query or operation.path_parameters or operation.body:
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @hypothesis.settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)

            try:
                with transaction.atomic():
                    try:
                        run()
                    finally:
                        transaction.set_rollback(True)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 -- collected, then shown together
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert operations > 50
    assert not failures, f"{len(failures)} failing operation(s):\n\n" + "\n\n".join(failures)
