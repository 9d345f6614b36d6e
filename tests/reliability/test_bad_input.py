"""Hostile and broken input at every upload endpoint, through the API and through the browser forms.

Each case of the catalogue is sent to each endpoint that takes it (one subtest per case, each in a savepoint
that is rolled back afterwards, so the program is loaded once per endpoint). A refused case must answer with a
clear error that names the problem and leave the database exactly as it was: the endpoint's tables, the audit
table and the stored files. A case that is valid though odd (CP949 with Korean headers, a byte order mark,
formula-like or HTML text, a path in the file name) must be accepted, stored as the text it is, neutralised in
exports and escaped on every page that shows it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from budget.models import Allocation, Execution, GpuUsageEntry, GpuUsageReport
from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium
from evaluations.models import Phase, ResultRow, ResultUpload
from tests.reliability.hostile import FORMULA, SCRIPT, SQL, export_cells, mounted, pages_escape

pytestmark = pytest.mark.django_db

LG_LEAD = "LG AI Research"
# In a file name (no slash: a slash would make everything before it a directory, dropped from the name).
IMG = "<img src=x onerror=alert('kai')>"
TRAVERSAL = "../../../../etc/cron.d/evil"
UPLOAD_LIMIT = 64 * 1024


def _zip_bomb() -> bytes:
    """A real ZIP: 20 MB of zeros in a few kilobytes. Only its first bytes are ever looked at."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("sheet.csv", b"0" * (20 * 1024 * 1024))
    return buffer.getvalue()


ZIP_BOMB = _zip_bomb()
DEEP_JSON = ("[" * 10_000 + "]" * 10_000).encode()


def quoted(text: str) -> str:
    """A CSV field as Excel writes one (RFC 4180: quotes doubled)."""
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class Case:
    id: str
    name: str  # the uploaded file's name
    body: bytes
    problem: str | None  # words the refusal must contain; None = must be accepted
    stored_text: tuple[str, ...] = field(default_factory=tuple)  # values that must come back verbatim


def table_cases(
    header: str,
    korean_header: str,
    good_row: str,
    bad_values: dict[str, tuple[str, str]],
    text_row,
    unknown_row: str,
    unknown_words: str,
    sql_code_row: str,
    duplicate_rows: str,
    duplicate_words: str,
):
    """The catalogue for a CSV/JSON table upload (results, GPU usage); rows are given per endpoint."""
    csv = lambda *lines: ("\n".join((header, *lines)) + "\n").encode()  # noqa: E731
    return [
        Case("empty", "data.csv", b"", "empty"),
        Case("header-only", "data.csv", csv(), "no data rows"),
        Case(
            "wrong-delimiter",
            "data.csv",
            csv().replace(b",", b";") + good_row.replace(",", ";").encode(),
            "delimiter",
        ),
        Case("utf-16", "data.csv", csv(good_row).decode().encode("utf-16"), "UTF-16"),
        Case("cp949-korean-headers", "data.csv", f"{korean_header}\n{good_row}\n".encode("cp949"), None),
        Case("invalid-bytes", "data.csv", csv(good_row) + b"\x80\x80\xc3(\n", "neither UTF-8 nor CP949"),
        Case("utf-8-bom", "data.csv", b"\xef\xbb\xbf" + csv(good_row), None),
        Case("zip-bomb-named-csv", "data.csv", ZIP_BOMB, "ZIP archive"),
        Case("json-nested-10000-deep", "data.json", DEEP_JSON, "nesting is too deep"),
        Case("json-nan-literal", "data.json", b'[{"' + header.split(",")[0].encode() + b'": NaN}]', "NaN"),
        *(Case(f"value-{key}", "data.csv", csv(row), words) for key, (row, words) in bad_values.items()),
        Case("unknown-code", "data.csv", csv(unknown_row), unknown_words),
        Case("duplicated-rows", "data.csv", csv(*duplicate_rows.split("\n")), duplicate_words),
        Case("sql-looking-code", "data.csv", csv(sql_code_row), unknown_words),
        Case("formula-text", "data.csv", csv(text_row(FORMULA)), None, (FORMULA,)),
        Case("html-text", f"{IMG}.csv", csv(text_row(SCRIPT)), None, (SCRIPT,)),
        Case("sql-text", "data.csv", csv(text_row(SQL)), None, (SQL,)),
        # One byte over the limit (lowered to 64 KiB for these tests), through the whole HTTP stack.
        Case("over-the-size-limit", "data.csv", csv(good_row) + b"#" * UPLOAD_LIMIT, "too large"),
        Case("path-traversal-name", f"{TRAVERSAL}.csv", csv(good_row), None),
        Case("windows-path-traversal-name", "..\\..\\windows\\evil.csv", csv(good_row), None),
    ]


RESULT_CASES = table_cases(
    header="benchmark,score,notes",
    korean_header="벤치마크,점수,비고",
    good_row="MMLU-Pro,80.5,",
    bad_values={
        "nan": ("MMLU-Pro,NaN,", "not a finite number"),
        "infinity": ("MMLU-Pro,Infinity,", "not a finite number"),
        "1e309": ("MMLU-Pro,1e309,", "out of range"),
        "beyond-bigint": ("MMLU-Pro,99999999999999999999999,", "out of range"),
        "negative": ("MMLU-Pro,-0.5,", "out of range"),
        "over-maximum": ("MMLU-Pro,100.01,", "out of range"),
        "not-a-number": ("MMLU-Pro,eighty,", "not a number"),
    },
    text_row=lambda text: f"MMLU-Pro,80.5,{quoted(text)}",
    unknown_row="NOPE-BENCH,80,",
    unknown_words="unknown benchmark",
    sql_code_row="MMLU-Pro' OR '1'='1,80,",
    duplicate_rows="MMLU-Pro,80,\nMMLU-Pro,81,",
    duplicate_words="duplicate benchmark",
)

GPU_CASES = table_cases(
    header="month,gpu_model,gpu_hours,notes",
    korean_header="월,GPU 모델,GPU 시간,비고",
    good_row="2025-09,B200,1000,",
    bad_values={
        "nan": ("2025-09,B200,NaN,", "not a finite number"),
        "infinity": ("2025-09,B200,Infinity,", "not a finite number"),
        "1e309": ("2025-09,B200,1e309,", "out of range"),
        "beyond-bigint": ("2025-09,B200,99999999999999999999999,", "out of range"),
        "negative": ("2025-09,B200,-1,", "out of range"),
        "over-maximum": ("2025-09,B200,999999999,", "exceed"),
        "not-a-month": ("2025-13,B200,1,", "YYYY-MM"),
    },
    text_row=lambda text: f"2025-09,B200,1000,{quoted(text)}",
    unknown_row="2025-09,Z900,10,",
    unknown_words="not a GPU model",
    sql_code_row="2025-09,B200' OR '1'='1,10,",
    duplicate_rows="2025-09,B200,10,\n2025-09,b200,20,",
    duplicate_words="duplicate of row",
)


# --- the database and the stored files, before and after -------------------------------------------------


def _files() -> set[str]:
    root = settings.MEDIA_ROOT
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _snapshot() -> dict:
    return {
        "result_uploads": list(ResultUpload.objects.order_by("pk").values_list("pk", "is_current")),
        "result_rows": ResultRow.objects.count(),
        "gpu_reports": GpuUsageReport.objects.count(),
        "gpu_entries": list(GpuUsageEntry.objects.order_by("pk").values_list("pk", "is_current")),
        "executions": Execution.objects.count(),
        "audit": AuditEvent.objects.count(),
        "generations": list(Phase.objects.order_by("pk").values_list("standings_generation", flat=True)),
        "files": _files(),
    }


def _texts(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        return str(response.json())
    return response.content.decode(errors="replace")


@pytest.fixture
def upload_world(p2_ready, make_user, settings):
    settings.KAI_UPLOAD_MAX_BYTES = UPLOAD_LIMIT
    member = make_user(Role.CONSORTIUM_MEMBER, organization=LG_LEAD, consortium="LG")
    staff = make_user(Role.MINISTRY_STAFF)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(member)
    staff_api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    staff_api.force_authenticate(staff)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(member)
    staff_browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff_browser.force_login(staff)
    lg = Consortium.objects.get(code="LG")
    allocation = (
        Allocation.objects.filter(
            consortium=lg, period_start__lte=dt.date(2025, 9, 1), period_end__gte=dt.date(2025, 9, 1)
        )
        .order_by("pk")
        .first()
    )
    return {
        "member": member,
        "api": api,
        "staff_api": staff_api,
        "browser": browser,
        "staff_browser": staff_browser,
        "phase": p2_ready,
        "lg": lg,
        "allocation": allocation,
    }


def _url(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        pytest.skip(f"the browser page {name} is not mounted in this checkout")


# --- senders: one per endpoint; each returns (response, the new object's primary key or None) ---------------


def send_result_api(upload_world, case):
    response = upload_world["api"].post(
        "/api/v1/result-uploads/",
        {"phase": "P2", "consortium": "LG", "file": SimpleUploadedFile(case.name, case.body)},
        format="multipart",
    )
    return response, (response.json()["id"] if response.status_code == 201 else None)


def send_gpu_api(upload_world, case):
    response = upload_world["api"].post(
        "/api/v1/gpu-usage/",
        {"consortium": "LG", "file": SimpleUploadedFile(case.name, case.body)},
        format="multipart",
    )
    return response, (
        GpuUsageReport.objects.order_by("-pk").values_list("pk", flat=True).first()
        if response.status_code == 201
        else None
    )


def _browser_upload(upload_world, kind: str, model, case, extra: dict):
    before = set(model.objects.values_list("pk", flat=True))
    response = upload_world["browser"].post(
        _url("evaluations:upload"),
        {"kind": kind, f"{kind}-file": SimpleUploadedFile(case.name, case.body), **extra},
    )
    new = set(model.objects.values_list("pk", flat=True)) - before
    return response, (new.pop() if new else None)


def send_result_browser(upload_world, case):
    return _browser_upload(
        upload_world, "results", ResultUpload, case, {"results-phase": upload_world["phase"].pk}
    )


def send_gpu_browser(upload_world, case):
    return _browser_upload(upload_world, "gpu", GpuUsageReport, case, {})


def _check_refused(response, case, *, api: bool):
    text = _texts(response)
    if api:
        assert response.status_code == 400, (response.status_code, text[:500])
        body = response.json()
        assert body["code"] in ("upload_rejected", "invalid"), body
    else:
        # A browser form answers with the page again (no redirect to a success message), naming the problem.
        assert response.status_code in (200, 400), (response.status_code, text[:300])
    assert case.problem.lower() in text.lower(), f"{case.id}: expected {case.problem!r} in {text[:800]!r}"


def _check_accepted(response, new_pk, case, *, api: bool):
    assert response.status_code in ((201,) if api else (302,)), (
        case.id,
        response.status_code,
        _texts(response)[:800],
    )
    assert new_pk is not None


def _run_catalogue(upload_world, subtests, cases, send, *, api: bool, after_accept):
    for case in cases:
        with subtests.test(case=case.id), transaction.atomic():
            try:
                before = _snapshot()
                response, new_pk = send(upload_world, case)
                if case.problem is None:
                    _check_accepted(response, new_pk, case, api=api)
                    after_accept(upload_world, case, new_pk)
                else:
                    _check_refused(response, case, api=api)
                    assert _snapshot() == before, (
                        f"{case.id}: the refused upload changed the database or files"
                    )
            finally:
                transaction.set_rollback(True)


# --- what an accepted hostile value must look like afterwards -----------------------------------------------


def _after_result_accept(upload_world, case, upload_pk):
    upload = ResultUpload.objects.get(pk=upload_pk)
    rows = list(upload.rows.values_list("notes", "score"))
    assert [score for _notes, score in rows] == [D("80.5")]
    if case.id == "cp949-korean-headers":
        assert upload.encoding == "cp949"
    _after_accept_common(
        upload_world, case, upload.display_name, upload.file.name, [n for n, _s in rows], "results"
    )


def _after_gpu_accept(upload_world, case, report_pk):
    report = GpuUsageReport.objects.get(pk=report_pk)
    notes = list(report.entries.values_list("notes", flat=True))
    _after_accept_common(upload_world, case, report.filename, report.file.name, notes, "gpu-usage")


def _after_accept_common(upload_world, case, display_name, storage_name, notes, export):
    # File names: the display name is the file's own name; the storage name is generated, never the client's.
    assert ".." not in storage_name and "\\" not in storage_name and "/etc/" not in storage_name
    assert ".." not in display_name and "/" not in display_name and "\\" not in display_name
    assert re.fullmatch(r"[\w/-]+/[0-9a-f]{32}\.(csv|json)", storage_name), storage_name
    assert (settings.MEDIA_ROOT / storage_name).resolve().is_relative_to(settings.MEDIA_ROOT.resolve())
    if case.id.startswith("path-traversal"):
        assert display_name == "evil.csv"
    if case.id.startswith("windows-path"):
        assert display_name == "evil.csv"
    for text in case.stored_text:
        assert text in notes, f"{text!r} was not stored as given: {notes!r}"
    if FORMULA in case.stored_text:
        cells = [cell for row in export_cells(upload_world, export) for cell in row]
        assert "'" + FORMULA in cells and FORMULA not in cells
    if SCRIPT in case.stored_text:
        assert display_name == f"{IMG}.csv"
        shown = pages_escape(upload_world, (SCRIPT, IMG))
        assert shown, "no page showed the uploaded name or text, so the check proved nothing"
    if SQL in case.stored_text:
        assert ResultRow.objects.exists() or GpuUsageEntry.objects.exists()


# --- the tests ----------------------------------------------------------------------------------------------


def test_result_upload_api(upload_world, subtests):
    _run_catalogue(
        upload_world, subtests, RESULT_CASES, send_result_api, api=True, after_accept=_after_result_accept
    )


def test_gpu_usage_upload_api(upload_world, subtests):
    _run_catalogue(upload_world, subtests, GPU_CASES, send_gpu_api, api=True, after_accept=_after_gpu_accept)


def test_result_upload_browser_form(upload_world, subtests):
    _url("evaluations:upload")
    _run_catalogue(
        upload_world,
        subtests,
        RESULT_CASES,
        send_result_browser,
        api=False,
        after_accept=_after_result_accept,
    )


def test_gpu_usage_upload_browser_form(upload_world, subtests):
    _url("evaluations:upload")
    _run_catalogue(
        upload_world, subtests, GPU_CASES, send_gpu_browser, api=False, after_accept=_after_gpu_accept
    )


# --- spending with evidence (API and browser form) ----------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass(frozen=True)
class Spending:
    id: str
    problem: str | None
    evidence: tuple[str, bytes] | None = ("receipt.pdf", PDF)
    amount: str = "1000"
    description: str = "GPU node rental, September"
    field: str = "evidence"


SPENDING_CASES = [
    Spending("evidence-empty", "empty", evidence=("receipt.pdf", b"")),
    Spending("evidence-executable", "must be one of", evidence=("tool.exe", b"MZ\x90\x00" + b"\x00" * 64)),
    Spending("evidence-text-named-pdf", "not really a .pdf", evidence=("receipt.pdf", b"just text")),
    Spending("evidence-zip-bomb-named-pdf", "not really a .pdf", evidence=("receipt.pdf", ZIP_BOMB)),
    Spending("evidence-zip-bomb-named-csv", "not really a .csv", evidence=("receipt.csv", ZIP_BOMB)),
    Spending(
        "evidence-binary-named-csv", "not really a .csv", evidence=("receipt.csv", b"a,b\n\x00\x01\x02")
    ),
    Spending(
        "evidence-over-the-size-limit", "too large", evidence=("receipt.pdf", PDF + b"0" * UPLOAD_LIMIT)
    ),
    Spending("amount-beyond-bigint", "too large", amount=str(10**30), field="amount_krw"),
    Spending("amount-negative", "positive", amount="-5", field="amount_krw"),
    Spending("amount-fraction", "whole number", amount="1000.5", field="amount_krw"),
    Spending("amount-nan", "whole number", amount="NaN", field="amount_krw"),
    Spending("amount-infinity", "whole number", amount="Infinity", field="amount_krw"),
    Spending("evidence-html-name", None, evidence=(f"{IMG}.pdf", PDF), description=SCRIPT),
    Spending("evidence-path-traversal-name", None, evidence=(f"{TRAVERSAL}.pdf", PDF)),
    Spending("evidence-cp949-csv", None, evidence=("영수증.csv", "품목,금액\nGPU,1000\n".encode("cp949"))),
    Spending("description-formula", None, description=FORMULA),
    Spending("description-sql", None, description=SQL),
]


def _spending_data(upload_world, case):
    data = {
        "allocation": upload_world["allocation"].pk,
        "spent_on": "2025-09-01",
        "amount_krw": case.amount,
        "description": case.description,
    }
    if case.evidence is not None:
        data["evidence"] = SimpleUploadedFile(*case.evidence)
    return data


def send_spending_api(upload_world, case):
    response = upload_world["api"].post(
        "/api/v1/executions/", _spending_data(upload_world, case), format="multipart"
    )
    return response, (response.json()["id"] if response.status_code == 201 else None)


def send_spending_browser(upload_world, case):
    before = set(Execution.objects.values_list("pk", flat=True))
    response = upload_world["browser"].post(
        _url("budget:execution-create"), _spending_data(upload_world, case)
    )
    new = set(Execution.objects.values_list("pk", flat=True)) - before
    return response, (new.pop() if new else None)


def _run_spending(upload_world, subtests, send, *, api: bool):
    assert upload_world["allocation"] is not None, "LG has no allocation covering 2025-09 in the program file"
    for case in SPENDING_CASES:
        with subtests.test(case=case.id), transaction.atomic():
            try:
                before = _snapshot()
                response, new_pk = send(upload_world, case)
                if case.problem is None:
                    _check_accepted(response, new_pk, case, api=api)
                    _after_spending_accept(upload_world, case, Execution.objects.get(pk=new_pk))
                    continue
                _check_refused(response, case, api=api)
                if api:
                    assert case.field in response.json()["errors"], response.json()
                assert _snapshot() == before, f"{case.id}: the refused spending changed the database or files"
            finally:
                transaction.set_rollback(True)


def _after_spending_accept(upload_world, case, execution):
    assert execution.description == case.description
    name, body = case.evidence
    assert execution.evidence_sha256 == __import__("hashlib").sha256(body).hexdigest()
    storage = execution.evidence.name
    assert ".." not in storage and "\\" not in storage and "/etc/" not in storage
    assert (settings.MEDIA_ROOT / storage).resolve().is_relative_to(settings.MEDIA_ROOT.resolve())
    assert "/" not in execution.evidence_name and ".." not in execution.evidence_name
    if case.id == "evidence-path-traversal-name":
        assert execution.evidence_name == "evil.pdf"
    if case.description == FORMULA:
        cells = [cell for row in export_cells(upload_world, "budget-execution") for cell in row]
        assert "'" + FORMULA in cells and FORMULA not in cells
    if case.description == SCRIPT:
        assert execution.evidence_name == f"{IMG}.pdf"
        if mounted("budget:executions"):
            shown = pages_escape(upload_world, (SCRIPT, IMG), extra=(f"/budget/executions/{execution.pk}/",))
            assert shown, "the spending pages showed neither the description nor the file name"


def test_spending_with_evidence_api(upload_world, subtests):
    _run_spending(upload_world, subtests, send_spending_api, api=True)


def test_spending_with_evidence_browser_form(upload_world, subtests):
    _url("budget:execution-create")
    _run_spending(upload_world, subtests, send_spending_browser, api=False)


# --- a 200 MB file is refused by its declared size, before a byte of it is read -----------------------------


class DeclaredHugeFile:
    """Declares 200 MB and has nothing behind it; counts every attempt to read it."""

    def __init__(self, name: str):
        self.name = name
        self.size = 200 * 1024 * 1024
        self.reads = 0

    def read(self, *_args):
        self.reads += 1
        return b""

    def chunks(self, *_args):
        self.reads += 1
        return iter(())

    def seek(self, *_args):
        return 0

    def __iter__(self):
        self.reads += 1
        return iter(())


def test_a_200_mb_upload_is_refused_by_its_declared_size_without_being_read(upload_world, subtests):
    from budget.services import execution_record, gpu_usage_upload
    from common.uploads import Column, UploadRejected, read_table
    from evaluations.services import result_upload_create
    from evaluations.uploads import ResultFileRejected

    member, lg = upload_world["member"], upload_world["lg"]
    calls = {
        "read_table": (
            UploadRejected,
            lambda f: read_table(
                file=f, columns=[Column("a")], max_bytes=settings.KAI_UPLOAD_MAX_BYTES, max_rows=10
            ),
        ),
        "results": (
            ResultFileRejected,
            lambda f: result_upload_create(phase=upload_world["phase"], consortium=lg, file=f, actor=member),
        ),
        "gpu-usage": (UploadRejected, lambda f: gpu_usage_upload(consortium=lg, file=f, actor=member)),
        "evidence": (
            Exception,
            lambda f: execution_record(
                allocation=upload_world["allocation"],
                spent_on=dt.date(2025, 9, 1),
                amount_krw=1000,
                description="x",
                evidence=f,
                actor=member,
            ),
        ),
    }
    for name, (error, call) in calls.items():
        with subtests.test(service=name):
            huge = DeclaredHugeFile("huge.pdf" if name == "evidence" else "huge.csv")
            before = _snapshot()
            with pytest.raises(error) as raised:
                call(huge)
            assert huge.reads == 0, f"{name} read a file it could refuse by its declared size"
            assert "209715200" in str(raised.value) and "too large" in str(raised.value).lower()
            assert _snapshot() == before
