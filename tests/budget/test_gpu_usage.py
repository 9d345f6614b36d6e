"""GPU usage uploads: who may upload, every row check, replacement with history."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from budget.models import GpuUsageEntry, GpuUsageReport
from budget.services import allocation_create, gpu_usage_upload
from common.models import AuditEvent
from common.uploads import UploadRejected

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def alpha_gpus(world):
    """ALPHA: 512 B200 for 2026H1 and 16 H100 from 2026-01-20 to 2026-02-10."""
    staff, alpha, gpu = world["users"]["staff"], world["teams"]["ALPHA"], world["lines"]["gpu"]
    allocation_create(
        line=gpu,
        consortium=alpha,
        amount_krw=10**9,
        period_start=D(2026, 1, 1),
        period_end=D(2026, 6, 30),
        gpu_model="B200",
        gpu_count=512,
        actor=staff,
    )
    allocation_create(
        line=gpu,
        consortium=alpha,
        amount_krw=10**8,
        period_start=D(2026, 1, 20),
        period_end=D(2026, 2, 10),
        gpu_model="H100",
        gpu_count=16,
        actor=staff,
    )


def _csv(text: str, name: str = "usage.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _upload(world, file, who="alpha"):
    return gpu_usage_upload(consortium=world["teams"]["ALPHA"], file=file, actor=world["users"][who])


def test_member_uploads_usage_and_the_file_is_kept(world, alpha_gpus):
    body = "month,gpu_model,gpu_hours,notes\n2026-01,B200,300000.5,pretraining\n2026-01,h100,1000,\n"
    report = _upload(world, _csv(body))
    report.refresh_from_db()
    assert (report.filename, report.row_count, report.uploaded_by) == (
        "usage.csv",
        2,
        world["users"]["alpha"],
    )
    assert report.sha256 == hashlib.sha256(body.encode()).hexdigest()
    with report.file.open("rb") as stored:
        assert stored.read() == body.encode()
    rows = list(
        GpuUsageEntry.objects.order_by("gpu_model").values_list("month", "gpu_model", "gpu_hours", "notes")
    )
    # The model is stored in the allocation's spelling.
    assert rows == [
        (D(2026, 1, 1), "B200", Decimal("300000.50"), "pretraining"),
        (D(2026, 1, 1), "H100", Decimal(1000), ""),
    ]
    event = AuditEvent.objects.get(action="upload")
    assert event.context["extra"] == {"months": ["2026-01"], "rows": 2, "superseded_rows": 0}


def test_korean_headers_in_cp949_and_json_are_accepted(world, alpha_gpus):
    _upload(world, _csv("월,GPU 모델,GPU 시간,비고\n2026-02,B200,1000,2월 사용량\n", encoding="cp949"))
    assert GpuUsageEntry.objects.get().notes == "2월 사용량"
    payload = json.dumps([{"month": "2026-03", "gpu_model": "B200", "gpu_hours": 12.25}])
    _upload(world, SimpleUploadedFile("usage.json", payload.encode()))
    assert GpuUsageEntry.objects.get(month=D(2026, 3, 1)).gpu_hours == Decimal("12.25")


def test_only_the_teams_own_members_may_upload(world, alpha_gpus):
    for who in ("beta", "staff", "auditor", "evaluator"):
        with pytest.raises(PermissionDenied):
            _upload(world, _csv("month,gpu_model,gpu_hours\n2026-01,B200,1\n"), who=who)
    assert not GpuUsageReport.objects.exists()


def test_every_problem_is_reported_at_once_and_nothing_is_stored(world, alpha_gpus):
    # January: 12 days of 16 H100 = 4,608 GPU-hours at most. March: no H100 at all.
    body = (
        "month,gpu_model,gpu_hours\n"
        "2026-1,B200,10\n"  # row 2: month format
        "2026-01,A100,10\n"  # row 3: not one of the team's models
        "2026-01,B200,-1\n"  # row 4: negative
        "2026-01,H100,4608.01\n"  # row 5: over January's H100 capacity
        "2026-03,H100,1\n"  # row 6: no H100 allocation in March
        "2026-05,B200,abc\n"  # row 7: not a number
        "2026-02,B200,10\n"  # row 8: fine
        "2026-02,b200,11\n"  # row 9: duplicate of row 8
        "2026-04,B200,1.123\n"  # row 10: too many decimals
    )
    with pytest.raises(UploadRejected) as info:
        _upload(world, _csv(body))
    got = [(e.row, e.column) for e in info.value.errors]
    assert got == [
        (2, "month"),
        (3, "gpu_model"),
        (4, "gpu_hours"),
        (5, "gpu_hours"),
        (6, "gpu_hours"),
        (7, "gpu_hours"),
        (9, "month"),
        (10, "gpu_hours"),
    ]
    reasons = {e.row: e.reason for e in info.value.errors}
    assert reasons[2] == "expected a month as YYYY-MM (e.g. 2026-03), got '2026-1'"
    assert reasons[3] == "'A100' is not a GPU model of the team's allocations (B200, H100)"
    assert reasons[5] == (
        "4608.01 GPU-hours exceed the 4,608 GPU-hours the team's H100 allocations could deliver in 2026-01"
    )
    assert reasons[6].startswith("1 GPU-hours exceed the 0 GPU-hours")
    assert reasons[9] == "duplicate of row 8 (same month and GPU model)"
    assert not GpuUsageReport.objects.exists() and not GpuUsageEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="upload").exists()


def test_capacity_is_exactly_allowed(world, alpha_gpus):
    _upload(world, _csv("month,gpu_model,gpu_hours\n2026-01,H100,4608\n2026-01,B200,380928\n"))
    assert GpuUsageEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("usage.xlsx", b"PK\x03\x04...", "wrong file type .xlsx"),
        ("usage.csv", b"", "the file is empty"),
        ("usage.csv", b"month;gpu_model;gpu_hours\n2026-01;B200;1\n", "wrong delimiter"),
        ("usage.csv", b"month,gpu_hours\n2026-01,1\n", "missing column"),
    ],
)
def test_file_level_problems_use_the_shared_reader(world, alpha_gpus, name, content, reason):
    with pytest.raises(UploadRejected) as info:
        _upload(world, SimpleUploadedFile(name, content))
    assert any(reason in e.reason for e in info.value.errors)
    assert not GpuUsageReport.objects.exists()


def test_a_team_without_gpu_allocations_cannot_report_usage(world):
    with pytest.raises(UploadRejected, match=r"'B200' is not a GPU model of the team's allocations \(none\)"):
        _upload(world, _csv("month,gpu_model,gpu_hours\n2026-01,B200,0\n"))


def test_reupload_replaces_the_months_it_covers_and_keeps_history(world, alpha_gpus):
    first = _upload(
        world, _csv("month,gpu_model,gpu_hours\n2026-01,B200,100\n2026-01,H100,50\n2026-02,B200,200\n")
    )
    second = _upload(world, _csv("month,gpu_model,gpu_hours\n2026-01,B200,150\n", name="usage-fixed.csv"))
    current = list(
        GpuUsageEntry.objects.filter(is_current=True)
        .order_by("month", "gpu_model")
        .values_list("month", "gpu_model", "gpu_hours", "report")
    )
    # January is replaced as a whole (the H100 row too); February stays from the first upload.
    assert current == [
        (D(2026, 1, 1), "B200", Decimal(150), second.pk),
        (D(2026, 2, 1), "B200", Decimal(200), first.pk),
    ]
    history = GpuUsageEntry.objects.filter(is_current=False).order_by("gpu_model")
    assert [(e.gpu_model, e.gpu_hours, e.superseded_by_id) for e in history] == [
        ("B200", Decimal(100), second.pk),
        ("H100", Decimal(50), second.pk),
    ]
    assert AuditEvent.objects.filter(action="upload").latest("id").context["extra"]["superseded_rows"] == 2
