"""Budget pages through Django's test client: who may see and do what, what the pages show, that bad input
shows its error and saves nothing, and query budgets that do not grow with the number of rows.

Pages are read in English (language cookie) so the assertions hold whatever the Korean catalog says."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from budget import services, views
from budget.filters import AllocationFilterSet, BudgetLineFilterSet, ExecutionFilterSet, GpuUsageFilterSet
from budget.models import Allocation, BudgetLine, BudgetLineAmendment, Execution, GpuUsageEntry
from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium

pytestmark = pytest.mark.django_db

D = dt.date
PDF = b"%PDF-1.4\n% evidence\n"

READ_PAGES = ["/budget/", "/budget/allocations/", "/budget/executions/", "/budget/gpu-usage/"]
STAFF_ONLY_GET = ["/budget/allocations/new/", "/budget/allocations/room/"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def budget_users(make_user, kai_program):
    return {
        "staff": make_user(Role.MINISTRY_STAFF),
        "staff2": make_user(Role.MINISTRY_STAFF),
        "auditor": make_user(Role.AUDITOR, organization="Board of Audit and Inspection"),
        "evaluator": make_user(Role.EVALUATOR, organization="Telecommunications Technology Association"),
        "lg": make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG"),
        "upstage": make_user(Role.CONSORTIUM_MEMBER, organization="Upstage", consortium="UPSTAGE"),
        "nobody": make_user(None),
    }


def _line(code: str) -> BudgetLine:
    return BudgetLine.objects.get(code=code)


def _team(code: str) -> Consortium:
    return Consortium.objects.get(code=code)


def _allocate(budget_users, team="LG", amount=5_000_000_000, line="FY25-DATA") -> Allocation:
    return services.allocation_create(
        line=_line(line),
        consortium=_team(team),
        amount_krw=amount,
        period_start=D(2025, 9, 1),
        period_end=D(2025, 12, 31),
        actor=budget_users["staff"],
    )


def _record(allocation, actor, amount=1_000_000_000, spent_on=None, description="news corpus"):
    return services.execution_record(
        allocation=allocation,
        spent_on=spent_on or D(2025, 10, 1),
        amount_krw=amount,
        description=description,
        actor=actor,
    )


# --- Access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", READ_PAGES + STAFF_ONLY_GET + ["/budget/executions/new/"])
def test_anonymous_visitor_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(f"/login/?next={path}")


@pytest.mark.parametrize("who", ["evaluator", "nobody"])
def test_evaluators_and_users_without_role_see_no_budget(budget_users, who):
    client = _client(budget_users[who])
    allocation = _allocate(budget_users)
    paths = (
        READ_PAGES
        + STAFF_ONLY_GET
        + [
            "/budget/executions/new/",
            f"/budget/lines/{_line('FY25-DATA').pk}/",
            f"/budget/allocations/{allocation.pk}/",
        ]
    )
    for path in paths:
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("who", ["staff", "auditor", "lg"])
def test_budget_readers_read_every_list(budget_users, who):
    client = _client(budget_users[who])
    for path in READ_PAGES + [f"/budget/lines/{_line('FY25-GPU-LEASE').pk}/"]:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ["auditor", "lg"])
def test_only_staff_allocate_amend_and_decide(budget_users, who):
    client = _client(budget_users[who])
    allocation = _allocate(budget_users)
    execution = _record(allocation, budget_users["lg"])
    for path in STAFF_ONLY_GET:
        assert client.get(path).status_code == 403, path
    line = _line("FY25-DATA")
    posts = {
        f"/budget/lines/{line.pk}/amend/": {"new_amount_krw": "40000000000", "reason": "more"},
        "/budget/allocations/new/": {"line": line.pk, "consortium": _team("LG").pk, "amount_krw": "1"},
        f"/budget/executions/{execution.pk}/approve/": {},
        f"/budget/executions/{execution.pk}/reject/": {"reason": "no"},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path
    assert BudgetLineAmendment.objects.count() == 0 and Allocation.objects.filter(load_key="").count() == 1
    assert Execution.objects.get().status == Execution.Status.PENDING


def test_auditor_cannot_record_spending(budget_users):
    assert _client(budget_users["auditor"]).get("/budget/executions/new/").status_code == 403


def test_budget_nav_entry_and_subnav(budget_users):
    body = _text(_client(budget_users["lg"]).get("/budget/allocations/"))
    assert '<a href="/budget/" aria-current="page">Budget</a>' in body
    assert '<a href="/budget/allocations/" aria-current="page">Allocations</a>' in body


# --- Budget lines ------------------------------------------------------------------------------------


def _line_rows(body: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/budget/lines/\d+/">([^<]+)</a>', body)


def test_lines_show_allocated_executed_and_remaining(budget_users):
    allocation = _allocate(budget_users)
    services.execution_approve(execution=_record(allocation, budget_users["lg"]), actor=budget_users["staff"])
    body = _text(_client(budget_users["staff"]).get("/budget/"))
    assert _line_rows(body) == ["FY25-BROADCAST-DATA", "FY25-DATA", "FY25-GPU-LEASE", "FY25-TALENT"]
    data_row = re.search(r"FY25-DATA</a>.*?</tr>", body, re.S).group(0)
    # amount, allocated, executed, pending, remaining: short form then exact won.
    assert re.findall(r'<span class="krw-exact">([^<]+)</span>', data_row) == [
        "₩30,000,000,000",
        "₩5,000,000,000",
        "₩1,000,000,000",
        "₩0",
        "₩25,000,000,000",
    ]
    assert '<span class="krw-short">₩30bn</span>' in data_row
    gpu_row = re.search(r"FY25-GPU-LEASE</a>.*?</tr>", body, re.S).group(0)
    assert "₩156,844,800,000" in gpu_row and "₩755,200,000" in gpu_row
    assert "4 budget lines" in body
    assert re.search(r"<tfoot>.*₩212,600,000,000", body, re.S)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?category=gpu", ["FY25-GPU-LEASE"]),
        ("?category=gpu&category=talent_matching", ["FY25-GPU-LEASE", "FY25-TALENT"]),
        ("?fiscal_year=2025&q=data", ["FY25-BROADCAST-DATA", "FY25-DATA"]),
        ("?fiscal_year=2030", []),
        ("?program=999", ["FY25-BROADCAST-DATA", "FY25-DATA", "FY25-GPU-LEASE", "FY25-TALENT"]),
    ],
)
def test_lines_filter_with_the_api_filterset(budget_users, query, expected):
    body = _text(_client(budget_users["auditor"]).get(f"/budget/{query}"))
    assert _line_rows(body) == expected
    if not expected:
        assert "No budget line matches these filters." in body


def test_lines_unknown_category_shows_an_error_summary(budget_users):
    body = _text(_client(budget_users["staff"]).get("/budget/?category=bogus"))
    assert 'class="error-summary" role="alert"' in body and "bogus" in body
    assert len(_line_rows(body)) == 4


def test_line_detail_shows_history_and_only_staff_get_the_amend_form(budget_users):
    line = _line("FY25-TALENT")
    services.budget_line_amend(
        line=line, new_amount_krw=6_000_000_000, reason="2nd supplementary", actor=budget_users["staff"]
    )
    staff_body = _text(_client(budget_users["staff"]).get(f"/budget/lines/{line.pk}/"))
    history = re.search(r'data-testid="amendment-table".*?</table>', staff_body, re.S).group(0)
    assert "₩5,000,000,000" in history and "₩6,000,000,000" in history and "2nd supplementary" in history
    assert budget_users["staff"].username in history
    assert f'action="/budget/lines/{line.pk}/amend/"' in staff_body
    member_body = _text(_client(budget_users["lg"]).get(f"/budget/lines/{line.pk}/"))
    assert "2nd supplementary" in member_body and "/amend/" not in member_body


def test_amend_saves_the_amendment_and_redirects(budget_users):
    line = _line("FY25-DATA")
    client = _client(budget_users["staff"])
    response = client.post(
        f"/budget/lines/{line.pk}/amend/",
        {"new_amount_krw": "35,000,000,000", "reason": "second supplementary"},
    )
    assert response.status_code == 302 and response["Location"] == f"/budget/lines/{line.pk}/"
    amendment = BudgetLineAmendment.objects.get()
    assert (amendment.old_amount_krw, amendment.new_amount_krw, amendment.reason) == (
        30_000_000_000,
        35_000_000_000,
        "second supplementary",
    )
    line.refresh_from_db()
    assert line.amount_krw == 35_000_000_000
    body = _text(client.get(response["Location"]))
    assert "Line FY25-DATA amended: ₩30,000,000,000 → ₩35,000,000,000." in body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"new_amount_krw": "40000000000", "reason": ""}, "reason", "This field is required."),
        ({"new_amount_krw": "12.5", "reason": "x"}, "new_amount_krw", "Enter a whole number of won"),
        ({"new_amount_krw": "30000000000", "reason": "x"}, "new_amount_krw", "an amendment must change it"),
        ({"new_amount_krw": "0", "reason": "x"}, "new_amount_krw", "must be positive"),
    ],
)
def test_amend_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(budget_users, data, field, message):
    line = _line("FY25-DATA")
    events = AuditEvent.objects.count()
    response = _client(budget_users["staff"]).post(f"/budget/lines/{line.pk}/amend/", data)
    body = _text(response)
    assert response.status_code == 200
    assert 'class="error-summary"' in body and f'<a href="#id_{field}">' in body
    error = re.search(rf'<p class="field-error" id="id_{field}-error">([^<]+)</p>', body).group(1)
    assert message in error
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', body) or re.search(
        rf'aria-invalid="true"[^>]*name="{field}"', body
    )
    assert f'aria-describedby="id_{field}-error' in body
    assert BudgetLineAmendment.objects.count() == 0 and AuditEvent.objects.count() == events
    line.refresh_from_db()
    assert line.amount_krw == 30_000_000_000


def test_amend_below_what_is_allocated_shows_the_service_error(budget_users):
    line = _line("FY25-GPU-LEASE")
    body = _text(
        _client(budget_users["staff"]).post(
            f"/budget/lines/{line.pk}/amend/", {"new_amount_krw": "1000", "reason": "cut"}
        )
    )
    error = re.search(r'id="id_new_amount_krw-error">([^<]+)<', body).group(1)
    assert "₩156,844,800,000 of line FY25-GPU-LEASE is already allocated" in error
    assert BudgetLineAmendment.objects.count() == 0


def test_unknown_line_is_404(budget_users):
    assert _client(budget_users["staff"]).get("/budget/lines/999999/").status_code == 404


# --- Allocations -------------------------------------------------------------------------------------


def _allocation_ids(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<th scope="row"><a href="/budget/allocations/(\d+)/">', body)]


def test_allocation_list_shows_every_team_to_staff_and_only_their_own_to_members(budget_users):
    mine, theirs = _allocate(budget_users, "LG"), _allocate(budget_users, "UPSTAGE", amount=1_000_000_000)
    staff_ids = _allocation_ids(_text(_client(budget_users["staff"]).get("/budget/allocations/")))
    assert mine.pk in staff_ids and theirs.pk in staff_ids
    assert len(staff_ids) == Allocation.objects.count() == 10
    member_body = _text(_client(budget_users["lg"]).get("/budget/allocations/"))
    member_ids = _allocation_ids(member_body)
    assert mine.pk in member_ids and theirs.pk not in member_ids
    assert set(member_ids) == set(
        Allocation.objects.filter(consortium__code="LG").values_list("pk", flat=True)
    )
    assert 'id="filter-consortium"' not in member_body  # nothing to choose between


@pytest.mark.parametrize(
    ("query", "teams"),
    [
        ("?consortium=LG&category=data_purchase", {"LG"}),
        ("?category=gpu&status=frozen", {"NCAI"}),
        ("?line=FY25-DATA", {"LG", "UPSTAGE"}),
        ("?active_on=2026-03-01&category=gpu", {"LG", "UPSTAGE", "MOTIF"}),
    ],
)
def test_allocation_list_filters_with_the_api_filterset(budget_users, query, teams):
    _allocate(budget_users, "LG")
    _allocate(budget_users, "UPSTAGE", amount=1_000_000_000)
    ids = _allocation_ids(_text(_client(budget_users["auditor"]).get(f"/budget/allocations/{query}")))
    assert ids and {a.consortium.code for a in Allocation.objects.filter(pk__in=ids)} == teams


def test_member_editing_the_url_to_another_teams_allocation_gets_404(budget_users):
    theirs = _allocate(budget_users, "UPSTAGE")
    mine = _allocate(budget_users, "LG")
    client = _client(budget_users["lg"])
    assert client.get(f"/budget/allocations/{theirs.pk}/").status_code == 404
    assert client.get(f"/budget/allocations/{mine.pk}/").status_code == 200
    execution = _record(theirs, budget_users["upstage"])
    assert client.get(f"/budget/executions/{execution.pk}/").status_code == 404


def test_allocation_detail_shows_what_is_left_and_the_record_link(budget_users):
    allocation = _allocate(budget_users)
    _record(allocation, budget_users["lg"], amount=1_500_000_000)
    body = _text(_client(budget_users["lg"]).get(f"/budget/allocations/{allocation.pk}/"))
    assert re.search(r'data-testid="allocation-left">₩3,500,000,000<', body)
    assert f'href="/budget/executions/new/?allocation={allocation.pk}"' in body
    auditor_body = _text(_client(budget_users["auditor"]).get(f"/budget/allocations/{allocation.pk}/"))
    assert "/budget/executions/new/" not in auditor_body


def test_allocation_form_shows_the_room_under_the_line_and_the_team_cap(budget_users):
    _allocate(budget_users, "LG", amount=4_000_000_000)
    line, team = _line("FY25-DATA"), _team("LG")
    body = _text(
        _client(budget_users["staff"]).get(f"/budget/allocations/new/?line={line.pk}&consortium={team.pk}")
    )
    assert re.search(r'data-testid="room-line">₩26,000,000,000 ', body)
    assert re.search(r'data-testid="room-team">₩6,000,000,000 ', body)
    assert re.search(r'data-testid="room-max">₩6,000,000,000<', body)
    assert f'<option value="{line.pk}" selected>' in body
    # htmx asks for the panel again whenever the line or the team changes.
    assert 'hx-get="/budget/allocations/room/"' in body
    assert 'hx-trigger="change from:#id_line, change from:#id_consortium"' in body


def test_room_partial_for_htmx(budget_users):
    line, team = _line("FY25-GPU-LEASE"), _team("MOTIF")
    client = _client(budget_users["staff"])
    body = _text(
        client.get(f"/budget/allocations/room/?line={line.pk}&consortium={team.pk}", HTTP_HX_REQUEST="true")
    )
    assert "<html" not in body
    assert re.search(r'data-testid="room-max">₩755,200,000<', body)
    assert "none for this category" in body and "This is a GPU line" in body
    empty = _text(client.get("/budget/allocations/room/?line=&consortium=abc"))
    assert "Choose a budget line and a consortium" in empty


def test_eliminated_team_is_not_offered_and_its_room_says_so(budget_users):
    body = _text(_client(budget_users["staff"]).get("/budget/allocations/new/"))
    options = re.search(r'<select name="consortium".*?</select>', body, re.S).group(0)
    assert "(LG)" in options and "(NCAI)" not in options and "(NAVER)" not in options
    room = _text(
        _client(budget_users["staff"]).get(
            f"/budget/allocations/room/?line={_line('FY25-DATA').pk}&consortium={_team('NCAI').pk}"
        )
    )
    assert "This team is no longer active" in room


def _allocation_post(line="FY25-DATA", team="LG", **overrides):
    data = {
        "line": _line(line).pk,
        "consortium": _team(team).pk,
        "amount_krw": "3,000,000,000",
        "period_start": "2025-09-01",
        "period_end": "2025-12-31",
        "gpu_model": "",
        "gpu_count": "",
        "source_note": "",
    }
    data.update(overrides)
    return data


def test_staff_allocates_and_lands_on_the_new_allocation(budget_users):
    client = _client(budget_users["staff"])
    response = client.post("/budget/allocations/new/", _allocation_post())
    allocation = Allocation.objects.get(load_key="", consortium__code="LG")
    assert response.status_code == 302 and response["Location"] == f"/budget/allocations/{allocation.pk}/"
    assert (allocation.amount_krw, allocation.created_by) == (3_000_000_000, budget_users["staff"])
    assert AuditEvent.objects.filter(object_type="budget.allocation", object_id=str(allocation.pk)).exists()
    assert "Allocated ₩3,000,000,000 of FY25-DATA to LG AI연구원 컨소시엄." in _text(
        client.get(response["Location"])
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount_krw": "11000000000"}, "amount_krw", "exceeds the per-team cap for Data purchase in 2025"),
        ({"amount_krw": "abc"}, "amount_krw", "Enter a whole number of won"),
        ({"amount_krw": "-5"}, "amount_krw", "must be positive"),
        ({"period_end": "2025-08-01"}, "period_end", "before it starts"),
        ({"period_start": "not a date"}, "period_start", "Enter a valid date."),
        ({"consortium": "999999"}, "consortium", "Select a valid choice."),
        ({"line": "FY25-GPU-LEASE"}, "gpu_model", "A GPU line needs the GPU model"),
    ],
)
def test_bad_allocation_shows_the_error_next_to_the_field_and_saves_nothing(
    budget_users, overrides, field, message
):
    if overrides.get("line"):
        overrides = {**overrides, "amount_krw": "1000"}
    before = (Allocation.objects.count(), AuditEvent.objects.count())
    response = _client(budget_users["staff"]).post("/budget/allocations/new/", _allocation_post(**overrides))
    body = _text(response)
    assert response.status_code == 200
    assert f'<a href="#id_{field}">' in body
    assert message in re.search(rf'id="id_{field}-error">([^<]+)<', body).group(1)
    assert (Allocation.objects.count(), AuditEvent.objects.count()) == before
    # The room panel is shown again for what was chosen.
    assert 'data-testid="allocation-room"' in body


def test_error_without_a_field_goes_to_the_summary(budget_users):
    body = _text(
        _client(budget_users["staff"]).post(
            "/budget/allocations/new/", _allocation_post(gpu_model="B200", gpu_count="8")
        )
    )
    summary = re.search(r'<div class="error-summary".*?</div>', body, re.S).group(0)
    assert "Line FY25-DATA is not a GPU line" in summary
    assert Allocation.objects.filter(load_key="").count() == 0


# --- Executions --------------------------------------------------------------------------------------


def _execution_post(allocation, **overrides):
    data = {
        "allocation": allocation.pk,
        "spent_on": "2025-10-15",
        "amount_krw": "1200000000",
        "description": "news corpus purchase",
    }
    data.update(overrides)
    return data


def test_member_records_spending_with_evidence(budget_users):
    allocation = _allocate(budget_users)
    client = _client(budget_users["lg"])
    evidence = SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf")
    response = client.post("/budget/executions/new/", {**_execution_post(allocation), "evidence": evidence})
    execution = Execution.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/budget/executions/{execution.pk}/"
    assert (execution.status, execution.recorded_by, execution.evidence_name) == (
        Execution.Status.PENDING,
        budget_users["lg"],
        "invoice.pdf",
    )
    body = _text(client.get(response["Location"]))
    assert "it now waits for approval by ministry staff" in body
    assert execution.evidence_sha256 in body
    download = client.get(f"/budget/executions/{execution.pk}/evidence/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert 'filename="invoice.pdf"' in download["Content-Disposition"]
    assert (
        _client(budget_users["upstage"]).get(f"/budget/executions/{execution.pk}/evidence/").status_code
        == 404
    )


def test_members_choose_only_their_own_allocations(budget_users):
    mine, theirs = _allocate(budget_users, "LG"), _allocate(budget_users, "UPSTAGE")
    client = _client(budget_users["lg"])
    body = _text(client.get("/budget/executions/new/"))
    options = re.search(r'<select name="allocation".*?</select>', body, re.S).group(0)
    assert f'value="{mine.pk}"' in options and f'value="{theirs.pk}"' not in options
    response = client.post("/budget/executions/new/", _execution_post(theirs))
    assert "Select a valid choice." in _text(response)
    assert not Execution.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount_krw": "6000000000"}, "amount_krw", "exceeds what is left of the allocation"),
        ({"evidence": ("notes.txt", b"hello")}, "evidence", "Evidence must be one of"),
        ({"evidence": ("fake.pdf", b"not a pdf")}, "evidence", "is not really a .pdf file"),
        ({"description": ""}, "description", "This field is required."),
        ({"spent_on": ""}, "spent_on", "This field is required."),
    ],
)
def test_bad_spending_shows_the_error_and_saves_nothing(budget_users, overrides, field, message):
    allocation = _allocate(budget_users)
    data = _execution_post(allocation, **{k: v for k, v in overrides.items() if k != "evidence"})
    if "evidence" in overrides:
        name, content = overrides["evidence"]
        data["evidence"] = SimpleUploadedFile(name, content)
    events = AuditEvent.objects.count()
    body = _text(_client(budget_users["lg"]).post("/budget/executions/new/", data))
    assert message in re.search(rf'id="id_{field}-error">([^<]+)<', body).group(1)
    assert f'<a href="#id_{field}">' in body
    assert not Execution.objects.exists() and AuditEvent.objects.count() == events


def test_staff_approve_from_the_list_but_not_what_they_recorded(budget_users):
    allocation = _allocate(budget_users)
    by_member = _record(allocation, budget_users["lg"], description="by member")
    by_staff = _record(allocation, budget_users["staff"], amount=500_000_000, description="by staff")
    client = _client(budget_users["staff"])
    body = _text(client.get("/budget/executions/"))
    assert f'action="/budget/executions/{by_member.pk}/approve/"' in body
    assert f'action="/budget/executions/{by_staff.pk}/approve/"' not in body
    assert "Recorded by you: another staff member approves." in body
    response = client.post(
        f"/budget/executions/{by_member.pk}/approve/", {"next": "/budget/executions/?status=pending"}
    )
    assert response.status_code == 302 and response["Location"] == "/budget/executions/?status=pending"
    by_member.refresh_from_db()
    assert (by_member.status, by_member.decided_by) == (Execution.Status.APPROVED, budget_users["staff"])
    # The recorder forcing it anyway gets the service's four-eyes error, and nothing changes.
    body = _text(client.post(f"/budget/executions/{by_staff.pk}/approve/", {"note": ""}))
    summary = re.search(r'<div class="error-summary".*?</div>', body, re.S).group(0)
    assert "approved by someone other than the person who recorded it" in summary
    by_staff.refresh_from_db()
    assert by_staff.status == Execution.Status.PENDING
    # Another staff member may.
    _client(budget_users["staff2"]).post(f"/budget/executions/{by_staff.pk}/approve/", {})
    by_staff.refresh_from_db()
    assert by_staff.status == Execution.Status.APPROVED


def test_approve_refuses_an_open_redirect(budget_users):
    execution = _record(_allocate(budget_users), budget_users["lg"])
    response = _client(budget_users["staff"]).post(
        f"/budget/executions/{execution.pk}/approve/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/budget/executions/{execution.pk}/"


def test_reject_needs_a_reason(budget_users):
    execution = _record(_allocate(budget_users), budget_users["lg"])
    client = _client(budget_users["staff"])
    body = _text(client.post(f"/budget/executions/{execution.pk}/reject/", {"reason": "  "}))
    assert "This field is required." in re.search(r'id="id_reason-error">([^<]+)<', body).group(1)
    execution.refresh_from_db()
    assert execution.status == Execution.Status.PENDING
    client.post(f"/budget/executions/{execution.pk}/reject/", {"reason": "duplicate invoice"})
    execution.refresh_from_db()
    assert (execution.status, execution.decision_note) == (Execution.Status.REJECTED, "duplicate invoice")
    # Deciding twice is the service's "already decided" error.
    body = _text(client.post(f"/budget/executions/{execution.pk}/approve/", {}))
    assert "This spending was already rejected." in body


def test_execution_list_filters_and_export_links_carry_them(budget_users):
    allocation = _allocate(budget_users)
    approved = _record(allocation, budget_users["lg"], description="approved one")
    services.execution_approve(execution=approved, actor=budget_users["staff"])
    pending = _record(allocation, budget_users["lg"], amount=300_000_000, description="pending one")
    body = _text(
        _client(budget_users["auditor"]).get("/budget/executions/?status=pending&consortium=LG&page=1")
    )
    ids = re.findall(r'<th scope="row"><a href="/budget/executions/(\d+)/">', body)
    assert ids == [str(pending.pk)]
    links = re.search(r'data-testid="export-links".*?</p>', body, re.S).group(0)
    for fmt in ("csv", "xlsx", "json"):
        assert f'href="/api/v1/exports/budget-execution.{fmt}?consortium=LG&amp;status=pending"' in links
    assert "/approve/" not in body  # auditors read only
    member_body = _text(_client(budget_users["lg"]).get("/budget/executions/"))
    assert 'data-testid="export-links"' not in member_body  # exports are for staff and auditors


def test_execution_list_only_shows_a_members_own_team(budget_users):
    _record(_allocate(budget_users, "UPSTAGE"), budget_users["upstage"], description="theirs")
    _record(_allocate(budget_users, "LG"), budget_users["lg"], description="ours")
    body = _text(_client(budget_users["lg"]).get("/budget/executions/"))
    assert "ours" in body and "theirs" not in body


# --- GPU usage ---------------------------------------------------------------------------------------


def _usage(budget_users, team: str, who: str, body: str):
    return services.gpu_usage_upload(
        consortium=_team(team), file=SimpleUploadedFile("usage.csv", body.encode()), actor=budget_users[who]
    )


def test_gpu_usage_per_team_per_month(budget_users):
    _usage(
        budget_users,
        "LG",
        "lg",
        "month,gpu_model,gpu_hours\n2026-01,B200,1000.5\n2026-01,H100,200\n2026-02,B200,50\n",
    )
    _usage(budget_users, "UPSTAGE", "upstage", "month,gpu_model,gpu_hours\n2026-01,B200,700\n")
    body = _text(_client(budget_users["staff"]).get("/budget/gpu-usage/"))
    table = re.search(r'data-testid="gpu-usage-table".*?</table>', body, re.S).group(0)
    assert re.findall(r'<th scope="col" class="num">([^<]+)</th>', table) == [
        "LG AI연구원 컨소시엄",
        "업스테이지 컨소시엄",
        "Total",
    ]
    january = re.search(r"2026-01</th>(.*?)</tr>", table, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]+)</td>', january) == ["1,200.50", "700.00", "1,900.50"]
    assert 'href="/api/v1/exports/gpu-usage.csv"' in body
    member_body = _text(_client(budget_users["lg"]).get("/budget/gpu-usage/"))
    assert "업스테이지 컨소시엄" not in member_body and "1,200.50" in member_body
    filtered = _text(
        _client(budget_users["auditor"]).get("/budget/gpu-usage/?consortium=UPSTAGE&month_after=2026-01-01")
    )
    assert "LG AI연구원 컨소시엄</th>" not in filtered
    assert 'href="/api/v1/exports/gpu-usage.json?consortium=UPSTAGE&amp;month_after=2026-01-01"' in filtered
    assert GpuUsageEntry.objects.count() == 4


def test_gpu_usage_links_to_the_upload_page_only_if_it_exists(budget_users):
    from django.urls import Resolver404, resolve

    body = _text(_client(budget_users["lg"]).get("/budget/gpu-usage/"))
    try:
        resolve("/evaluations/upload/")
    except Resolver404:
        assert "/evaluations/upload/" not in body
    else:
        assert 'href="/evaluations/upload/"' in body
    assert "/evaluations/upload/" not in _text(_client(budget_users["staff"]).get("/budget/gpu-usage/"))


# --- Filter forms ------------------------------------------------------------------------------------

# Each list page, its FilterSet, the parameters it offers, and a value its FilterSet refuses.
FILTER_PAGES = [
    ("/budget/", BudgetLineFilterSet, views.LINE_FILTERS, "category=bogus"),
    ("/budget/allocations/", AllocationFilterSet, views.ALLOCATION_FILTERS, "status=bogus"),
    ("/budget/executions/", ExecutionFilterSet, views.EXECUTION_FILTERS, "spent_after=2026-13-01"),
    ("/budget/gpu-usage/", GpuUsageFilterSet, views.GPU_FILTERS, "month_after=someday"),
]


def _filter_form(body: str) -> str:
    return re.search(r'<form method="get"[^>]*class="filters" role="search".*?</form>', body, re.S).group(0)


def test_each_list_page_renders_its_filtersets_form(budget_users):
    """Every parameter a page offers is in its form, named as its FilterSet (and so the API) names it, with
    a label for each input; members are not offered the team; a refused value shows the FilterSet's own
    message, in the summary and next to the field."""
    auditor, member = _client(budget_users["auditor"]), _client(budget_users["lg"])
    for path, filterset_class, offered, bad in FILTER_PAGES:
        form = _filter_form(_text(auditor.get(path)))
        names = set(re.findall(r'name="([^"]+)"', form))
        assert names == set(offered) <= set(filterset_class.base_filters), path
        for name in offered:
            assert f'id="filter-{name}"' in form, (path, name)
        for target in re.findall(r'<label[^>]* for="([^"]+)"', form):
            assert f'id="{target}"' in form, (path, target)
        member_names = set(re.findall(r'name="([^"]+)"', _filter_form(_text(member.get(path)))))
        assert member_names == set(offered) - {"consortium"}, path

        name = bad.partition("=")[0]
        with translation.override("en"):
            message = str(filterset_class(QueryDict(bad)).errors[name][0])
        body = _text(auditor.get(f"{path}?{bad}"))
        summary = re.search(r'<div class="error-summary" role="alert".*?</div>', body, re.S).group(0)
        assert f'<a href="#filter-{name}">' in summary and escape(message) in summary, path
        assert f'id="filter-{name}-error">{escape(message)}</p>' in _filter_form(body), path


def test_filter_labels_are_the_pages_words_not_the_apis(budget_users):
    form = _filter_form(_text(_client(budget_users["staff"]).get("/budget/allocations/?line=FY25-DATA")))
    assert '<label for="filter-consortium">Consortium</label>' in form
    assert '<option value="" selected>All teams</option>' in form
    assert '<label for="filter-line">Budget line</label>' in form
    assert '<option value="FY25-DATA" selected>FY25-DATA</option>' in form
    assert "(code)" not in form
    korean = Client()
    korean.force_login(budget_users["staff"])
    form = _filter_form(_text(korean.get("/budget/allocations/")))
    assert '<label for="filter-consortium">컨소시엄</label>' in form and "전체 팀" in form


# --- Query budgets -----------------------------------------------------------------------------------


def _grow(budget_users, rounds: int) -> None:
    """More allocations, spending and usage, to show the pages' query counts do not depend on them."""
    for i in range(rounds):
        for team in ("LG", "UPSTAGE"):
            allocation = _allocate(budget_users, team, amount=100_000_000 + i)
            execution = _record(allocation, budget_users["staff"], amount=1_000_000, description=f"row {i}")
            if i % 2:
                services.execution_approve(execution=execution, actor=budget_users["staff2"])


@pytest.mark.parametrize(
    "path",
    ["/budget/", "/budget/allocations/", "/budget/executions/", "/budget/gpu-usage/", "LINE", "ALLOCATION"],
)
def test_budget_pages_query_count_does_not_grow_with_rows(budget_users, django_assert_max_num_queries, path):
    client = _client(budget_users["staff"])

    def url():
        if path == "LINE":
            return f"/budget/lines/{_line('FY25-DATA').pk}/"
        if path == "ALLOCATION":
            return f"/budget/allocations/{Allocation.objects.filter(load_key='').order_by('pk').first().pk}/"
        return path

    _grow(budget_users, 1)
    target = url()
    client.get(target)  # warm the session and role caches
    with django_assert_max_num_queries(10) as small:
        assert client.get(target).status_code == 200
    _grow(budget_users, 8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(target).status_code == 200
