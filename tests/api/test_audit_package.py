"""GET /api/v1/exports/audit-package.zip?phase=P1: one streamed archive with a phase's standings, evaluation
detail, results, gate decisions and audit events, and a manifest whose sha256s match the files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest

from common.models import AuditEvent
from common.roles import Role
from evaluations.models import GateResult, Phase, ResultRow
from evaluations.selectors import phase_audit_events
from evaluations.services import standings_recompute

pytestmark = pytest.mark.django_db

URL = "/api/v1/exports/audit-package.zip"
PARTS = ("standings", "evaluation-detail", "results", "gate-decisions", "audit-events")


@pytest.fixture
def p1_snapshot(kai_program):
    return standings_recompute(phase_id=Phase.objects.get(code="P1").pk, trigger="test").snapshot


def _archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content
    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _json(archive, name):
    return json.loads(archive.read(name))


def _single(client, name: str, fmt: str) -> bytes:
    response = client.get(f"/api/v1/exports/{name}.{fmt}", {"phase": "P1"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_package_holds_every_part_in_csv_and_json_and_the_manifest_hashes_match(
    api_as, role_users, p1_snapshot
):
    response = api_as(Role.AUDITOR).get(URL, {"phase": "P1"})
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="kai-audit-package-P1-')
    archive = _archive(response)
    expected = [f"{part}.{fmt}" for part in PARTS for fmt in ("csv", "json")]
    assert archive.namelist() == [*expected, "manifest.json"]
    manifest = _json(archive, "manifest.json")
    assert [f["name"] for f in manifest["files"]] == expected
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
        if entry["format"] == "json":
            assert len(json.loads(data)) == entry["row_count"]
        else:
            assert len(_csv(data)) - 1 == entry["row_count"]
    assert manifest["phase"] == "P1"
    assert manifest["exported_by"] == role_users[Role.AUDITOR].username
    assert manifest["snapshot"]["id"] == p1_snapshot.pk
    assert manifest["snapshot"]["inputs_hash"] == p1_snapshot.inputs_hash
    assert manifest["exported_at"].endswith("+09:00")


def test_package_files_are_the_phases_rows_as_the_single_exports_write_them(api_as, p1_snapshot):
    client = api_as(Role.AUDITOR)
    archive = _archive(client.get(URL, {"phase": "P1"}))
    standings = _json(archive, "standings.json")
    assert standings == json.loads(_single(client, "standings", "json"))
    assert {row["snapshot_id"] for row in standings} == {p1_snapshot.pk}
    assert {row["inputs_hash"] for row in standings} == {p1_snapshot.inputs_hash}
    for name in ("evaluation-detail", "results", "gate-decisions"):
        assert _json(archive, f"{name}.json") == json.loads(_single(client, name, "json")), name
        # The same cells (on PostgreSQL the single CSV comes from COPY, whose line ends are bare LF).
        assert _csv(archive.read(f"{name}.csv")) == _csv(_single(client, name, "csv")), name
    gates = _json(archive, "gate-decisions.json")
    assert len(gates) == GateResult.objects.filter(gate__phase__code="P1").count() > 0
    failed = [g for g in gates if g["passed"] is False]
    assert all(g["reason"] for g in failed)
    assert len(_json(archive, "results.json")) == ResultRow.objects.filter(upload__phase__code="P1").count()
    assert {row["phase"] for row in _json(archive, "evaluation-detail.json")} <= {"P1"}


def test_package_download_is_an_audit_event_and_lists_the_phases_events(api_as, role_users, p1_snapshot):
    p1 = Phase.objects.get(code="P1")
    archive = _archive(api_as(Role.MINISTRY_STAFF).get(URL, {"phase": "P1"}))
    event = AuditEvent.objects.filter(object_type="export.audit-package").get()
    assert (event.action, event.object_id, event.actor_username) == (
        "export",
        str(p1.pk),
        role_users[Role.MINISTRY_STAFF].username,
    )
    assert event.context["extra"]["snapshot"]["inputs_hash"] == p1_snapshot.inputs_hash
    events = _json(archive, "audit-events.json")
    assert [e["id"] for e in events] == list(phase_audit_events(phase=p1).values_list("id", flat=True))
    assert event.pk in {e["id"] for e in events}
    types = {e["object_type"] for e in events}
    assert "evaluations.phase" in types or "evaluations.gateresult" in types
    # Another phase's objects are not in P1's package.
    p2_gates = {
        str(pk) for pk in GateResult.objects.filter(gate__phase__code="P2").values_list("pk", flat=True)
    }
    assert not {e["object_id"] for e in events if e["object_type"] == "evaluations.gateresult"} & p2_gates


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "phase"), ({"phase": ""}, "phase"), ({"phase": "P9"}, "phase"), ({"phase": "P1", "x": "1"}, "x")],
)
def test_package_refuses_a_missing_or_unknown_phase_with_the_error_shape(api_as, kai_program, params, field):
    response = api_as(Role.AUDITOR).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"detail", "code", "errors"} and field in body["errors"]
    assert not AuditEvent.objects.filter(object_type="export.audit-package").exists()


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.CONSORTIUM_MEMBER])
def test_package_is_for_staff_and_auditors_only(api_as, kai_program, role):
    response = api_as(role).get(URL, {"phase": "P1"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert api_as(None).get(URL, {"phase": "P1"}).status_code in (401, 403)


def test_package_of_a_phase_without_standings_has_empty_standings_files(api_as, kai_program):
    phase = Phase.objects.exclude(snapshots__isnull=False).order_by("order").first()
    assert phase is not None
    archive = _archive(api_as(Role.AUDITOR).get(URL, {"phase": phase.code}))
    manifest = _json(archive, "manifest.json")
    assert manifest["snapshot"] is None
    assert _json(archive, "standings.json") == []
    assert archive.read("standings.csv").decode("utf-8-sig").startswith("phase,rank,consortium,name")
