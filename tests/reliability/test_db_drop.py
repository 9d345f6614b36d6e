"""The PostgreSQL connection dropped in the middle of a results upload: the session is terminated from another
connection (pg_terminate_backend, what a failover or an admin kill does) at the moment the result rows are
being inserted. Nothing of the upload stays - no ResultUpload, no ResultRow, no audit event, no stored file,
the previous upload still current - the member gets a clear error, and sending the same file again works."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from rest_framework.test import APIClient

from common.models import AuditEvent
from common.roles import Role
from evaluations.models import Phase, ResultRow, ResultUpload
from tests.reliability.procs import wait_until
from tests.reliability.support import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]

FIRST = b"benchmark,score\nMMLU-Pro,80\nGPQA-Diamond,70\n"
SECOND = b"benchmark,score\nMMLU-Pro,81.5\nGPQA-Diamond,72.25\n"


def _state(phase: Phase) -> dict:
    files = settings.MEDIA_ROOT / "results" / str(phase.pk)
    return {
        "uploads": list(ResultUpload.objects.order_by("pk").values_list("pk", "is_current", "sha256")),
        "rows": ResultRow.objects.count(),
        "audit": AuditEvent.objects.count(),
        "generation": Phase.objects.values_list("standings_generation", flat=True).get(pk=phase.pk),
        "files": sorted(p.name for p in files.iterdir()) if files.exists() else [],
    }


def _upload(client, body: bytes):
    return client.post(
        "/api/v1/result-uploads/",
        {"phase": "P2", "consortium": "LG", "file": SimpleUploadedFile("results.csv", body)},
        format="multipart",
    )


def test_connection_killed_while_rows_are_inserted_leaves_nothing_and_a_retry_works(p2_ready, make_user):
    member = make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_authenticate(member)
    assert _upload(client, FIRST).status_code == 201
    before = _state(p2_ready)

    killer = connections.create_connection("default")
    killed: list[int] = []

    def terminate_at_row_insert(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "evaluations_resultrow"') and not killed:
            pid = context["connection"].connection.get_backend_pid()
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            killed.append(pid)
            wait_until(lambda: not _session_alive(killer, pid), timeout=10, what="the session to end")
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(terminate_at_row_insert):
            failed = _upload(client, SECOND)
    finally:
        killer.close()
    assert killed, "the upload never reached the row insert"
    # A clear, retryable error in the API's error shape, not an HTML 500 page.
    assert failed.status_code == 503, failed.content[:300]
    assert failed["Retry-After"]
    assert failed.json()["code"] == "database_unavailable"
    assert "try again" in failed.json()["detail"].lower()
    # Nothing of it stayed: the first upload is still the current one, and no file was left behind.
    assert _state(p2_ready) == before

    retried = _upload(client, SECOND)
    assert retried.status_code == 201, retried.content
    after = _state(p2_ready)
    assert len(after["uploads"]) == 2 and after["rows"] == before["rows"] + 2
    assert after["audit"] == before["audit"] + 1
    current = ResultUpload.objects.get(phase=p2_ready, consortium__code="LG", is_current=True)
    scores = {row.benchmark.code: row.score for row in current.rows.select_related("benchmark")}
    assert scores == {"MMLU-Pro": D("81.5"), "GPQA-Diamond": D("72.25")}


def _session_alive(conn, pid: int) -> bool:
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None
