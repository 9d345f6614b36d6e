from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from common.audit import audit_record
from common.exports import neutralise
from common.models import AuditEvent
from common.roles import Role

pytestmark = pytest.mark.django_db

INJECTIONS = [
    "=cmd|'/c calc'!A1",
    "+82-10-1234",
    "-1+1",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    '=HYPERLINK("http://x")',
]


@pytest.fixture
def hostile_events(role_users):
    staff = role_users[Role.MINISTRY_STAFF]
    for text in INJECTIONS:
        audit_record(actor=staff, action="update", object_type="test.thing", object_repr=text)
    audit_record(actor=staff, action="create", object_type="test.korean", object_repr="독자성 평가 결과")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("value", INJECTIONS)
def test_neutralise_prefixes_formula_triggers(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "독자성", "", None, 12, -1200])
def test_neutralise_leaves_other_values(value):
    assert neutralise(value) == value


def test_csv_export_has_bom_korean_text_and_inert_formulas(api_as, hostile_events):
    response = api_as(Role.AUDITOR).get("/api/v1/exports/audit-events.csv", {"object_type": "test.thing"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="kai-audit-events-')
    raw = _body(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "occurred_at", "actor", "action"]
    objects = sorted(r[6] for r in rows[1:])
    assert objects == sorted("'" + v for v in INJECTIONS)
    assert response["X-Export-Row-Count"] == str(len(INJECTIONS))


def test_csv_export_of_korean_text_opens_as_utf8(api_as, hostile_events):
    raw = _body(api_as(Role.AUDITOR).get("/api/v1/exports/audit-events.csv", {"object_type": "test.korean"}))
    assert "독자성 평가 결과" in raw.decode("utf-8-sig")


def test_xlsx_export_writes_strings_never_formulas(api_as, hostile_events):
    response = api_as(Role.MINISTRY_STAFF).get(
        "/api/v1/exports/audit-events.xlsx", {"object_type": "test.thing"}
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(_body(response)))
    sheet = workbook.active
    values = [row for row in sheet.iter_rows(min_row=2, values_only=False)]
    assert len(values) == len(INJECTIONS)
    for row in values:
        cell = row[6]
        assert cell.data_type == "s"
        assert cell.value.startswith("'")


def test_json_export_is_a_list_of_objects(api_as, hostile_events):
    body = json.loads(
        _body(api_as(Role.AUDITOR).get("/api/v1/exports/audit-events.json", {"action": "create"}))
    )
    assert [item["object"] for item in body if item["object_type"] == "test.korean"] == ["독자성 평가 결과"]


def test_every_export_is_audited_with_filters_and_row_count(api_as, hostile_events, role_users):
    api_as(Role.AUDITOR).get("/api/v1/exports/audit-events.csv", {"object_type": "test.thing"})
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.actor_id == role_users[Role.AUDITOR].pk
    assert event.object_type == "export.audit-events"
    assert event.context["extra"] == {
        "format": "csv",
        "filters": {"object_type": "test.thing"},
        "row_count": 7,
    }


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.CONSORTIUM_MEMBER])
def test_audit_export_denied_to_evaluators_and_members(api_as, role):
    assert api_as(role).get("/api/v1/exports/audit-events.csv").status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_unknown_export_or_format_is_404(api_as):
    assert api_as(Role.AUDITOR).get("/api/v1/exports/nope.csv").status_code == 404
    assert api_as(Role.AUDITOR).get("/api/v1/exports/audit-events.pdf").status_code == 404


def test_bad_filter_is_a_clear_400(api_as):
    response = api_as(Role.AUDITOR).get("/api/v1/exports/audit-events.csv", {"occurred_after": "yesterday"})
    assert response.status_code == 400
    assert "occurred_after" in response.json()["errors"]


def _upload_results(role_users, rows: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consortia.models import Consortium
    from evaluations.models import Benchmark, Phase, PhaseBenchmark
    from evaluations.services.rubric import phase_benchmark_add
    from evaluations.services.scoring import result_upload_create

    phase = Phase.objects.get(code="P2")
    PhaseBenchmark.objects.filter(phase=phase).delete()  # the test states its own set
    for code in ("MMLU-Pro", "HLE"):
        if not PhaseBenchmark.objects.filter(phase=phase, benchmark__code=code).exists():
            phase_benchmark_add(
                phase=phase,
                benchmark=Benchmark.objects.get(code=code),
                group="common",
                actor=role_users[Role.MINISTRY_STAFF],
            )
    member = role_users[Role.CONSORTIUM_MEMBER]
    return result_upload_create(
        phase=phase,
        consortium=Consortium.objects.get(code="LG"),
        file=SimpleUploadedFile("results.csv", rows.encode("utf-8"), content_type="text/csv"),
        actor=member,
    )


def test_results_export_writes_rows_the_same_way_on_every_database(api_as, role_users):
    upload = _upload_results(
        role_users,
        "benchmark,score,model_version,notes\nMMLU-Pro,81.5,v2,=SUM(A1)\nHLE,12.25,v2,한국어 메모\n",
    )
    raw = _body(api_as(Role.AUDITOR).get("/api/v1/exports/results.csv", {"consortium": "LG"}))
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "phase",
        "consortium",
        "benchmark",
        "score",
        "model_version",
        "notes",
        "source_row",
        "upload_id",
        "file",
        "sha256",
        "uploaded_at",
        "uploaded_by",
        "current",
    ]
    by_benchmark = {r[2]: r for r in rows[1:]}
    assert by_benchmark["MMLU-Pro"][:8] == [
        "P2",
        "LG",
        "MMLU-Pro",
        "81.5000",
        "v2",
        "'=SUM(A1)",
        "2",
        str(upload.pk),
    ]
    assert by_benchmark["HLE"][5] == "한국어 메모"
    assert by_benchmark["HLE"][12] == "true"
    from django.utils import timezone

    assert by_benchmark["HLE"][10] == timezone.localtime(upload.uploaded_at).isoformat(
        timespec="microseconds"
    )


@pytest.mark.parametrize(
    "name", ["results", "evaluation-detail", "budget-execution", "gpu-usage", "audit-events"]
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_every_export_in_every_format(api_as, name, fmt):
    response = api_as(Role.AUDITOR).get(f"/api/v1/exports/{name}.{fmt}")
    assert response.status_code == 200, response.content[:300]
    body = _body(response)
    if fmt == "csv":
        assert body.startswith(b"\xef\xbb\xbf")
    elif fmt == "json":
        assert isinstance(json.loads(body), list)
    else:
        assert body[:4] == b"PK\x03\x04"


def test_budget_execution_export_lists_the_fixture_allocations_spending(api_as, role_users):
    from budget.models import Allocation
    from budget.services import execution_record

    allocation = (
        Allocation.objects.filter(consortium__code="LG", line__code="FY25-GPU-LEASE").order_by("id").last()
    )
    execution_record(
        allocation=allocation,
        spent_on=allocation.period_start,
        amount_krw=1_000_000,
        description="=cmd|' /C calc'!A0",
        actor=role_users[Role.CONSORTIUM_MEMBER],
    )
    rows = list(
        csv.reader(
            io.StringIO(
                _body(
                    api_as(Role.AUDITOR).get("/api/v1/exports/budget-execution.csv", {"consortium": "LG"})
                ).decode("utf-8-sig")
            )
        )
    )
    assert rows[1][1:4] == ["LG", "FY25-GPU-LEASE", "gpu"]
    assert rows[1][8] == "1000000" and rows[1][9] == "'=cmd|' /C calc'!A0" and rows[1][12] == "pending"


def test_standings_export_needs_a_phase_and_gives_the_table(api_as):
    from evaluations.models import Phase
    from evaluations.services import standings_recompute

    assert api_as(Role.AUDITOR).get("/api/v1/exports/standings.csv").status_code == 400
    standings_recompute(phase_id=Phase.objects.get(code="P1").pk, trigger="test")
    rows = list(
        csv.reader(
            io.StringIO(
                _body(api_as(Role.AUDITOR).get("/api/v1/exports/standings.csv", {"phase": "P1"})).decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert [(r[1], r[2], r[7], r[10]) for r in rows[1:]] == [
        ("1", "LG", "90.20", "advances"),
        ("2", "NAVER", "80.40", "disqualified_by_gate"),
        ("3", "SKT", "79.20", "advances"),
        ("4", "UPSTAGE", "78.60", "advances"),
        ("5", "NCAI", "70.20", "eliminated_on_points"),
    ]
    # One column per rubric component and per gate, the phase's rubric's; no packed columns to split.
    assert rows[0][4:8] == ["benchmark", "expert", "user", "total"] and rows[0][-1] == "gate:originality"
    assert "components" not in rows[0] and "gates" not in rows[0]
    assert [r[-1] for r in rows[1:]] == ["pass", "fail", "pass", "pass", "pass"]


def test_standings_export_columns_never_share_a_header():
    from evaluations.export_specs import _standings_columns

    columns = _standings_columns(
        [("total", "Total"), ("quality", "Quality")], [("originality", "Originality")]
    )
    headers = [c.header for c in columns]
    assert headers[4:6] == ["component:total", "quality"] and headers[-1] == "gate:originality"
    assert len(headers) == len(set(headers))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("gate-decisions", {"passed": "yes"}),
        ("gpu-usage", {"is_current": "2"}),
        ("results", {"current": "maybe"}),
    ],
)
def test_export_refuses_a_yes_no_filter_value_it_does_not_understand(api_as, kai_program, name, params):
    """As the list endpoints do: django-filter would read it as "no filter" and export every row."""
    response = api_as(Role.AUDITOR).get(f"/api/v1/exports/{name}.json", params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)
    assert (
        api_as(Role.AUDITOR).get(f"/api/v1/exports/{name}.json", dict.fromkeys(params, "true")).status_code
        == 200
    )
