"""Browser pages of evaluations through Django's test client: who may open what, what the pages show, that
bad input shows errors and stores nothing, that a stale score-sheet save shows both versions, and query
budgets that do not grow with the number of rows.

``complete_p2`` (tests/p2_data.py: a phase whose every input is in, moved to evaluating) is also used by the
browser tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from budget.models import Allocation, GpuUsageReport
from common.roles import Role
from consortia.models import Consortium
from evaluations import services
from evaluations.models import (
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    ResultUpload,
    RubricComponent,
    RubricGate,
    ScoreSheet,
)
from tests.p2_data import EVALUATOR_ORG, LEADS, complete_p2, expert_criteria, results_csv, team

pytestmark = pytest.mark.django_db


def p2() -> Phase:
    return Phase.objects.get(code="P2")


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def as_role(english, make_user, kai_program):
    """as_role(Role.X, organization=..., consortium=...) -> the logged-in user (client in English)."""

    def login(role, **kwargs):
        if role == Role.EVALUATOR:
            kwargs.setdefault("organization", EVALUATOR_ORG)
        user = make_user(role, **kwargs)
        english.force_login(user)
        return user

    return login


@pytest.fixture
def members(make_user, kai_program):
    return {
        code: make_user(Role.CONSORTIUM_MEMBER, organization=org, consortium=code)
        for code, org in LEADS.items()
    }


@pytest.fixture
def evaluators(make_user, kai_program):
    return {code: make_user(Role.EVALUATOR, organization=EVALUATOR_ORG) for code in LEADS}


@pytest.fixture
def sheet(staff, evaluators, kai_program) -> ScoreSheet:
    """LG's sheet in P2, assigned to evaluators["LG"], empty draft."""
    assignment = services.evaluator_assign(
        phase=p2(), consortium=team("LG"), evaluator=evaluators["LG"], actor=staff
    )
    return ScoreSheet.objects.get(assignment=assignment)


def _text(response) -> str:
    return response.content.decode()


def _sheet_post(sheet: ScoreSheet, points: list[str], *, version=None, submit=False, comment="fine") -> dict:
    data = {"version": str(sheet.version if version is None else version)}
    for criterion, value in zip(expert_criteria(p2()), points, strict=True):
        data[f"points_{criterion.pk}"] = value
        data[f"comment_{criterion.pk}"] = comment
    data["submit" if submit else "save"] = "1"
    return data


# --- access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/evaluations/", "/evaluations/upload/", "/evaluations/assignments/", "/evaluations/sheets/1/"]
)
def test_anonymous_visitor_is_sent_to_login(client, kai_program, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_phase_list_and_page(as_role, english, role):
    kwargs = {"organization": "LG AI Research", "consortium": "LG"} if role == Role.CONSORTIUM_MEMBER else {}
    as_role(role, **kwargs)
    listing = english.get("/evaluations/")
    assert listing.status_code == 200
    assert "2차 단계평가" in _text(listing)
    body = _text(english.get(f"/evaluations/phases/{p2().pk}/"))
    # Rubric with weights and criteria maxima, the gate and the 13-benchmark common set.
    for text in ("전문가 평가", "기술력", "max 15", "독자성 (from-scratch originality)", "MMLU-Pro", "CLIcK"):
        assert text in body
    assert "(13)" in body
    # Working standings of an open phase are internal: members are told so, not shown a table.
    if role == Role.CONSORTIUM_MEMBER:
        assert "internal until the phase is finalized" in body
    else:
        assert "internal until the phase is finalized" not in body


def test_phase_list_filters_with_the_api_filterset(as_role, english):
    as_role(Role.AUDITOR)
    body = _text(english.get("/evaluations/?status=finalized"))
    assert "1차 단계평가" in body or "finalized" in body
    assert "2차 단계평가" not in body
    assert 'value="finalized" id="filter-status_3" checked' in body
    assert '<a href="/evaluations/">Clear filters</a>' in body
    refused = _text(english.get("/evaluations/?status=bogus"))
    assert '<a href="#filter-status">Status: Select a valid choice. bogus is not one' in refused


@pytest.mark.parametrize(
    "suffix", ["assignments/", "gates/", "panel/", "open/", "begin-evaluation/", "finalize/"]
)
@pytest.mark.parametrize("role", [Role.CONSORTIUM_MEMBER, Role.EVALUATOR, Role.AUDITOR])
def test_staff_forms_refuse_other_roles(as_role, english, role, suffix):
    kwargs = {"organization": "LG AI Research", "consortium": "LG"} if role == Role.CONSORTIUM_MEMBER else {}
    as_role(role, **kwargs)
    url = f"/evaluations/phases/{p2().pk}/{suffix}"
    assert english.get(url).status_code == 403
    assert english.post(url, {}).status_code == 403
    assert p2().status == Phase.Status.OPEN


def test_what_if_is_for_staff_and_auditors_only(as_role, english):
    as_role(Role.EVALUATOR)
    assert english.get(f"/evaluations/phases/{p2().pk}/what-if/").status_code == 403


# --- assignments, gates, panel -----------------------------------------------------------------------


def test_assignment_page_shows_conflicts_and_the_service_refuses_them(as_role, english, make_user):
    as_role(Role.MINISTRY_STAFF)
    conflicted = make_user(Role.EVALUATOR, organization="LG AI Research")
    clean = make_user(Role.EVALUATOR, organization=EVALUATOR_ORG)
    url = f"/evaluations/phases/{p2().pk}/assignments/"
    body = _text(english.get(url))
    row = body[body.index(f">{conflicted.username}<") :]
    row = row[: row.index("</tr>")]
    assert 'data-team="LG"><span class="mark mark--no">✗ Conflict (Lead)' in row
    assert 'data-team="SKT"><span class="mark mark--yes">✓<span class="visually-hidden"> No conflict' in row

    refused = english.post(url, {"evaluator": conflicted.pk, "consortium": team("LG").pk})
    assert refused.status_code == 200
    assert "Conflict of interest" in _text(refused)
    assert not EvaluatorAssignment.objects.filter(evaluator=conflicted).exists()

    done = english.post(url, {"evaluator": clean.pk, "consortium": team("LG").pk})
    assert done.status_code == 302
    assert EvaluatorAssignment.objects.filter(evaluator=clean, consortium__code="LG", phase=p2()).exists()


def test_assignment_form_rejects_a_non_participant(as_role, english, make_user):
    as_role(Role.MINISTRY_STAFF)
    evaluator = make_user(Role.EVALUATOR, organization=EVALUATOR_ORG)
    response = english.post(
        f"/evaluations/phases/{p2().pk}/assignments/",
        {"evaluator": evaluator.pk, "consortium": team("NAVER").pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in _text(response)
    assert not EvaluatorAssignment.objects.exists()


def test_failed_gate_needs_a_reason(as_role, english):
    as_role(Role.MINISTRY_STAFF)
    gate = RubricGate.objects.get(phase=p2(), key="originality")
    url = f"/evaluations/phases/{p2().pk}/gates/"
    data = {"gate": gate.pk, "consortium": team("SKT").pk, "decision": "fail", "evidence": "", "reason": " "}
    response = english.post(url, data)
    assert response.status_code == 200
    assert "A failed gate needs a written reason." in _text(response)
    assert not GateResult.objects.filter(gate__phase=p2()).exists()

    data["reason"] = "Weights initialised from an existing model."
    assert english.post(url, data).status_code == 302
    result = GateResult.objects.get(gate__phase=p2())
    assert (result.passed, result.reason) == (False, "Weights initialised from an existing model.")
    assert "Weights initialised from an existing model." in _text(english.get(url))


def test_panel_points_out_of_range_are_refused(as_role, english):
    as_role(Role.MINISTRY_STAFF)
    user = RubricComponent.objects.get(phase=p2(), key="user")
    url = f"/evaluations/phases/{p2().pk}/panel/"
    response = english.post(url, {"consortium": team("LG").pk, "component": user.pk, "points": "999"})
    assert response.status_code == 200
    assert f"Points must be between 0 and {user.max_points}" in _text(response)
    assert not PanelResult.objects.filter(phase=p2()).exists()
    ok = english.post(
        url, {"consortium": team("LG").pk, "component": user.pk, "points": "21.5", "panel_size": "49"}
    )
    assert ok.status_code == 302
    assert PanelResult.objects.get(phase=p2()).points == Decimal("21.5")


# --- score sheets ------------------------------------------------------------------------------------


def test_evaluator_sees_own_assignments_and_sheet(english, evaluators, sheet):
    english.force_login(evaluators["LG"])
    body = _text(english.get("/evaluations/assignments/"))
    assert f"/evaluations/sheets/{sheet.pk}/" in body
    page = _text(english.get(f"/evaluations/sheets/{sheet.pk}/"))
    for criterion in expert_criteria(p2()):
        assert f'name="points_{criterion.pk}"' in page
        assert f'max="{criterion.max_points}"' in page
    assert f'name="version" value="{sheet.version}"' in page
    assert "Save draft" in page and ">Submit<" in page


def test_other_evaluators_and_members_cannot_open_a_sheet(english, evaluators, sheet, make_user):
    english.force_login(evaluators["SKT"])
    assert english.get(f"/evaluations/sheets/{sheet.pk}/").status_code == 404
    assert (
        english.post(f"/evaluations/sheets/{sheet.pk}/", _sheet_post(sheet, ["1", "1", "1"])).status_code
        == 404
    )
    assert f"/evaluations/sheets/{sheet.pk}/" not in _text(english.get("/evaluations/assignments/"))
    english.force_login(make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG"))
    assert english.get(f"/evaluations/sheets/{sheet.pk}/").status_code == 403
    assert english.get("/evaluations/assignments/").status_code == 403
    sheet.refresh_from_db()
    assert sheet.version == 1


def test_auditor_reads_a_sheet_but_cannot_save(english, sheet, make_user):
    english.force_login(make_user(Role.AUDITOR, organization="Board of Audit and Inspection"))
    page = english.get(f"/evaluations/sheets/{sheet.pk}/")
    assert page.status_code == 200
    assert 'data-testid="sheet-readonly"' in _text(page)
    assert 'name="version"' not in _text(page)
    assert (
        english.post(f"/evaluations/sheets/{sheet.pk}/", _sheet_post(sheet, ["1", "1", "1"])).status_code
        == 403
    )


def test_save_draft_then_submit(english, evaluators, sheet):
    english.force_login(evaluators["LG"])
    url = f"/evaluations/sheets/{sheet.pk}/"
    draft = english.post(url, _sheet_post(sheet, ["12", "", ""]))
    assert draft.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.version, sheet.status) == (2, ScoreSheet.Status.DRAFT)
    assert "Draft saved." in _text(english.get(url))

    incomplete = english.post(url, _sheet_post(sheet, ["12", "", ""], submit=True))
    assert "Score every criterion before submitting" in _text(incomplete)
    sheet.refresh_from_db()
    assert (sheet.version, sheet.status) == (2, ScoreSheet.Status.DRAFT)

    done = english.post(url, _sheet_post(sheet, ["12", "8", "9"], submit=True))
    assert done.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.version, sheet.status) == (3, ScoreSheet.Status.SUBMITTED)
    assert [s.points for s in sheet.scores.order_by("criterion__order")] == [12, 8, 9]


def test_points_above_the_maximum_show_an_error_and_save_nothing(english, evaluators, sheet):
    english.force_login(evaluators["LG"])
    response = english.post(f"/evaluations/sheets/{sheet.pk}/", _sheet_post(sheet, ["16", "5", "x"]))
    assert response.status_code == 200
    body = _text(response)
    assert "Ensure this value is less than or equal to 15" in body
    assert "Enter a number." in body
    assert 'aria-invalid="true"' in body
    sheet.refresh_from_db()
    assert sheet.version == 1 and not sheet.scores.exists()


def test_stale_save_shows_the_saved_and_the_unsaved_values(english, evaluators, sheet):
    english.force_login(evaluators["LG"])
    url = f"/evaluations/sheets/{sheet.pk}/"
    # The same evaluator in another tab saves first.
    criteria = expert_criteria(p2())
    services.score_sheet_save(
        sheet=sheet,
        actor=evaluators["LG"],
        expected_version=1,
        scores=[services.ScoreInput(criteria[0].pk, Decimal("7"), "from the other tab")],
    )
    response = english.post(url, _sheet_post(sheet, ["13", "6", "5"], version=1, comment="mine"))
    assert response.status_code == 200
    body = _text(response)
    assert 'data-testid="stale"' in body
    assert "changed by someone else (version 2; you edited version 1)" in body
    compare = body[body.index('data-testid="stale-compare"') :]
    assert '<td class="num" data-testid="saved-points">7.00</td>' in compare
    assert '<td class="num" data-testid="your-points">13</td>' in compare
    assert "from the other tab" in compare and "mine" in compare
    # The user's values stay in the inputs, with the version moved on so saving again applies them.
    assert f'name="points_{criteria[0].pk}" value="13"' in body
    assert 'name="version" value="2"' in body
    sheet.refresh_from_db()
    assert sheet.version == 2
    assert sheet.scores.get(criterion=criteria[0]).points == 7

    again = english.post(url, _sheet_post(sheet, ["13", "6", "5"], version=2, comment="mine"))
    assert again.status_code == 302
    assert sheet.scores.get(criterion=criteria[0]).points == 13


# --- uploads -----------------------------------------------------------------------------------------


def test_member_upload_page_and_templates(as_role, english):
    as_role(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    body = _text(english.get("/evaluations/upload/"))
    assert 'data-testid="results-form"' in body and 'data-testid="gpu-form"' in body
    template = english.get(f"/evaluations/upload/templates/results-{p2().pk}.csv")
    assert template.status_code == 200
    assert template["Content-Disposition"] == 'attachment; filename="results-P2-LG.csv"'
    raw = template.content
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "benchmark,score,model_version,notes"
    assert len(lines) == 14 and "MMLU-Pro,,," in lines and "CLIcK,,," in lines
    gpu = english.get("/evaluations/upload/templates/gpu-usage.csv")
    assert gpu.content == b"\xef\xbb\xbfmonth,gpu_model,gpu_hours,notes\r\n"
    # A phase the team is not open for (P3 is a draft) has no template.
    p3 = Phase.objects.get(code="P3")
    assert english.get(f"/evaluations/upload/templates/results-{p3.pk}.csv").status_code == 404


def test_bad_results_file_shows_every_row_error_and_stores_nothing(as_role, english):
    as_role(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    bad = b"benchmark,score\nMMLU-Pro,abc\nNOPE,50\nGPQA-Diamond,150\n"
    response = english.post(
        "/evaluations/upload/",
        {"kind": "results", "results-phase": p2().pk, "results-file": SimpleUploadedFile("bad.csv", bad)},
    )
    assert response.status_code == 200
    body = _text(response)
    table = body[body.index('data-testid="upload-errors"') :]
    assert "bad.csv was not accepted" in table
    assert "Nothing was stored" in table
    assert table.count('<tr><td class="num">') >= 3
    for row in ("2", "3", "4"):
        assert f'<tr><td class="num">{row}</td><td>' in table
    assert ResultUpload.objects.count() == 0


def test_good_results_file_becomes_current_and_replaces_the_last(as_role, english):
    user = as_role(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    for name in ("first.csv", "second.csv"):
        response = english.post(
            "/evaluations/upload/",
            {
                "kind": "results",
                "results-phase": p2().pk,
                "results-file": SimpleUploadedFile(name, results_csv("LG", p2())),
            },
        )
        assert response.status_code == 302
    first, second = ResultUpload.objects.order_by("pk")
    assert (first.is_current, second.is_current) == (False, True)
    body = _text(english.get("/evaluations/upload/"))
    history = body[body.index('data-testid="results-history"') :]
    row2 = history[history.index("second.csv") :]
    assert "Current" in row2[: row2.index("</tr>")]
    row1 = history[history.index("first.csv") :]
    assert "Replaced" in row1[: row1.index("</tr>")]
    assert second.sha256[:12] in history and user.username in history
    assert timezone.localtime(second.uploaded_at).strftime("%Y-%m-%d %H:%M:%S") in history
    # The stored file is downloadable by the team, byte for byte.
    download = english.get(f"/evaluations/upload/results/{second.pk}/file")
    try:
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == results_csv("LG", p2())
    finally:
        download.close()


def test_gpu_usage_upload_errors_and_success(as_role, english):
    as_role(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    bad = b"month,gpu_model,gpu_hours\n2026-13,B200,10\n"
    response = english.post(
        "/evaluations/upload/", {"kind": "gpu", "gpu-file": SimpleUploadedFile("g.csv", bad)}
    )
    assert response.status_code == 200
    assert "g.csv was not accepted" in _text(response)
    assert GpuUsageReport.objects.count() == 0
    good = b"month,gpu_model,gpu_hours,notes\n2026-03,B200,1000,\n"
    ok = english.post("/evaluations/upload/", {"kind": "gpu", "gpu-file": SimpleUploadedFile("g.csv", good)})
    assert ok.status_code == 302, _text(ok)
    body = _text(english.get("/evaluations/upload/"))
    gpu_history = body[body.index('data-testid="gpu-history"') :]
    assert "g.csv" in gpu_history and "Current" in gpu_history


def test_a_member_cannot_reach_another_teams_uploads(english, members, kai_program):
    upload = services.result_upload_create(
        phase=p2(),
        consortium=team("SKT"),
        file=SimpleUploadedFile("skt.csv", results_csv("SKT", p2())),
        actor=members["SKT"],
    )
    english.force_login(members["LG"])
    assert english.get(f"/evaluations/upload/results/{upload.pk}/file").status_code == 404
    assert "skt.csv" not in _text(english.get("/evaluations/upload/"))
    # The phase field only offers the member's own open phases; the team is never taken from the request.
    response = english.post(
        "/evaluations/upload/",
        {
            "kind": "results",
            "results-phase": Phase.objects.get(code="P3").pk,
            "consortium": team("SKT").pk,
            "results-file": SimpleUploadedFile("x.csv", results_csv("SKT", p2())),
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in _text(response)
    assert ResultUpload.objects.count() == 1


def test_staff_and_auditors_see_the_history_but_cannot_upload(english, members, make_user, kai_program):
    services.result_upload_create(
        phase=p2(),
        consortium=team("SKT"),
        file=SimpleUploadedFile("skt.csv", results_csv("SKT", p2())),
        actor=members["SKT"],
    )
    for role in (Role.MINISTRY_STAFF, Role.AUDITOR):
        english.force_login(make_user(role))
        body = _text(english.get("/evaluations/upload/"))
        assert "skt.csv" in body and 'data-testid="results-form"' not in body
        response = english.post(
            "/evaluations/upload/",
            {"kind": "results", "results-phase": p2().pk, "results-file": SimpleUploadedFile("s.csv", b"x")},
        )
        assert response.status_code == 403
    english.force_login(make_user(Role.EVALUATOR, organization=EVALUATOR_ORG))
    assert english.get("/evaluations/upload/").status_code == 403
    assert ResultUpload.objects.count() == 1


# --- finalize and what-if ----------------------------------------------------------------------------


def test_finalize_is_refused_while_teams_are_not_ranked(as_role, english, staff):
    as_role(Role.MINISTRY_STAFF)
    services.phase_begin_evaluation(phase=p2(), actor=staff)
    url = f"/evaluations/phases/{p2().pk}/finalize/"
    body = _text(english.get(url))
    assert 'data-testid="finalize-blocked"' in body
    assert "is not ranked" in body
    assert 'data-testid="confirm-finalize"' not in body
    response = english.post(url)
    assert response.status_code == 200
    assert "The phase was not finalized" in _text(response)
    assert p2().status == Phase.Status.EVALUATING


@pytest.fixture
def complete(staff, members, evaluators):
    return complete_p2(staff=staff, members=members, evaluators=evaluators)


def test_finalize_confirmation_lists_the_changes_and_frozen_allocations(english, staff, complete):
    english.force_login(staff)
    url = f"/evaluations/phases/{p2().pk}/finalize/"
    body = _text(english.get(url))
    changes = body[body.index('data-testid="finalize-changes"') :]
    motif = team("MOTIF").name
    assert f"<strong>{motif}</strong>" in changes[changes.index('data-testid="eliminated"') :]
    advancing = changes[changes.index('data-testid="advancing"') :]
    advancing = advancing[: advancing.index("</dd>")]
    assert all(team(code).name in advancing for code in ("LG", "SKT", "UPSTAGE"))
    frozen = body[body.index('data-testid="frozen-allocations"') :]
    frozen = frozen[: frozen.index("</table>")]
    motif_allocations = Allocation.objects.filter(consortium__code="MOTIF", status=Allocation.Status.ACTIVE)
    assert motif_allocations.exists()
    assert frozen.count("<tr>") == motif_allocations.count() + 1
    assert "B200 × 768" in frozen
    assert 'data-testid="confirm-finalize"' in body

    done = english.post(url)
    assert done.status_code == 302
    phase = p2()
    assert phase.status == Phase.Status.FINALIZED
    assert team("MOTIF").status == Consortium.Status.ELIMINATED
    page = _text(english.get(f"/evaluations/phases/{phase.pk}/"))
    assert 'data-testid="read-only"' in page
    assert 'data-testid="phase-actions"' not in page or "Finalize this phase" not in page
    assert "Official standings" in page
    assert english.get(f"/evaluations/phases/{phase.pk}/assignments/").status_code == 302


def test_what_if_recomputes_and_saves_nothing(english, make_user, complete):
    english.force_login(make_user(Role.AUDITOR, organization="Board of Audit and Inspection"))
    generation = p2().standings_generation
    url = f"/evaluations/phases/{p2().pk}/what-if/"
    body = _text(
        english.get(
            url, {"weight_benchmark": "40", "weight_expert": "35", "weight_user": "25", "cut_count": "2"}
        )
    )
    assert 'data-testid="what-if-result"' in body
    changes = body[body.index('data-testid="what-if-changes"') :]
    assert team("UPSTAGE").name in changes[: changes.index("</ul>")]
    assert "Stable" in body or "Not stable" in body
    bad = _text(english.get(url, {"weight_benchmark": "50", "weight_expert": "35", "weight_user": "25"}))
    assert "add up to 100" in bad
    assert p2().standings_generation == generation
    assert p2().status == Phase.Status.EVALUATING


# --- query budgets -----------------------------------------------------------------------------------


def _more_uploads(member, count: int) -> None:
    for i in range(count):
        services.result_upload_create(
            phase=p2(),
            consortium=team("LG"),
            file=SimpleUploadedFile(f"r{i}.csv", results_csv("LG", p2())),
            actor=member,
        )


def test_upload_page_queries_do_not_grow_with_history(english, members, django_assert_max_num_queries):
    english.force_login(members["LG"])
    _more_uploads(members["LG"], 2)
    with django_assert_max_num_queries(14) as small:
        assert english.get("/evaluations/upload/").status_code == 200
    _more_uploads(members["LG"], 8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert english.get("/evaluations/upload/").status_code == 200


def test_assignments_and_sheet_queries_do_not_grow(english, staff, make_user, django_assert_max_num_queries):
    auditor = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    english.force_login(auditor)

    def assign(n):
        for _ in range(n):
            for code in LEADS:
                services.evaluator_assign(
                    phase=p2(),
                    consortium=team(code),
                    evaluator=make_user(Role.EVALUATOR, organization=EVALUATOR_ORG),
                    actor=staff,
                )

    assign(1)
    with django_assert_max_num_queries(12) as small:
        assert english.get("/evaluations/assignments/").status_code == 200
    sheet_id = ScoreSheet.objects.values_list("pk", flat=True).first()
    with django_assert_max_num_queries(12) as sheet_small:
        assert english.get(f"/evaluations/sheets/{sheet_id}/").status_code == 200
    assign(3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert english.get("/evaluations/assignments/").status_code == 200
    with django_assert_max_num_queries(len(sheet_small.captured_queries)):
        assert english.get(f"/evaluations/sheets/{sheet_id}/").status_code == 200


def test_phase_pages_queries_do_not_grow(english, staff, members, evaluators, django_assert_max_num_queries):
    english.force_login(staff)
    for path in ("/evaluations/", f"/evaluations/phases/{p2().pk}/", f"/evaluations/phases/{p2().pk}/gates/"):
        with django_assert_max_num_queries(16) as small:
            assert english.get(path).status_code == 200
        complete_p2_partial(staff=staff, members=members)
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert english.get(path).status_code == 200


def complete_p2_partial(*, staff, members) -> None:
    """More rows on the phase pages: another upload per team and a gate decision for each."""
    gate = RubricGate.objects.get(phase=p2(), key="originality")
    for code, member in members.items():
        if p2().status == Phase.Status.OPEN:
            services.result_upload_create(
                phase=p2(),
                consortium=team(code),
                file=SimpleUploadedFile("m.csv", results_csv(code, p2())),
                actor=member,
            )
        services.gate_result_record(gate=gate, consortium=team(code), passed=True, reason="", actor=staff)


def test_staff_assignment_page_queries_do_not_grow(english, staff, make_user, django_assert_max_num_queries):
    """The conflicts grid (every evaluator x every team) is read in one query, whatever its size."""
    english.force_login(staff)
    url = f"/evaluations/phases/{p2().pk}/assignments/"
    for org in ("KAIST", "Telecommunications Technology Association"):
        make_user(Role.EVALUATOR, organization=org)
    with django_assert_max_num_queries(30) as small:
        assert english.get(url).status_code == 200
    for org in (
        "Seoul National University",
        "Yonsei University",
        "Korea University",
        "POSTECH",
        "Sogang University",
        "National Information Society Agency",
        "Hanyang University",
        "ETRI",
    ):
        make_user(Role.EVALUATOR, organization=org)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = _text(english.get(url))
    assert "Yonsei University" in body or "연세대학교" in body
