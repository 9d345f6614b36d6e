"""Ministry staff run the final phase from the browser alone (Korean UI), with no YAML and no shell.

From P2 (completed and finalized in a fixture: LG, SKT and UPSTAGE advanced, MOTIF was cut) staff use
"next phase from this one" to make the final phase, then on its set-up page fix the rubric weights (a sum
of 105 is refused with the sum stated, then 100 is saved), declare UPSTAGE's target model (gpt-oss-120b,
which has no published score on five of P2's benchmarks: the set-up page marks them), drop those five
from the benchmark set and add KGC-Safety; set the results-submission and scoring deadlines; open the
phase through its preview (the readiness grid shows what is missing). Each team's member uploads results
on the upload page (and sees the D-day); staff invite an evaluator, who sets a password through the mailed
link; staff assign them to the three teams; the evaluator scores the three sheets; staff decide the gate
and enter the user panel for each team, begin the evaluation and finalize: LG and SKT advance.

Every database read and write happens outside the browser's lifetime (tests/e2e/conftest.py says why):
``final_phase_plan`` prepares P2 and computes what the browser types, before Chromium starts;
``reloaded_and_audited`` is set up before ``page`` and so torn down after the browser has closed: it then
runs ``load_kai_program`` again and checks that the phase, outcomes, deadline, weights, uploads and sheets
are exactly as the browser left them, and that the audit trail has every step under the right actor.
A failed check there fails the run as an error at teardown of this test.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from common.roles import Role
from tests.consortia.accounts_support import mailed_link
from tests.e2e.browser import PASSWORD, PortalUser, log_in, user_get
from tests.p2_data import P2_PLAN

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_CODE = "P3-FINAL"
NEW_NAME = "최종 평가 (포털에서 구성)"
TEAMS = ("LG", "SKT", "UPSTAGE")
# UPSTAGE's declared target has no published score on these, so the final set drops them ...
DROPPED = ("HLE", "AA-LCR", "KMMLU-Pro", "KoBALT", "CLIcK")
# ... and adds a safety benchmark that every declared target has a score on.
ADDED = "KGC-Safety"
TARGETS = {"LG": "DeepSeek-V3.2", "SKT": "DeepSeek-V3.2", "UPSTAGE": "gpt-oss-120b"}
WEIGHTS_REFUSED = {"benchmark": "45", "expert": "35", "user": "25"}
WEIGHTS = {"benchmark": Decimal(45), "expert": Decimal(30), "user": Decimal(25)}
EVALUATOR = {"username": "oh.nia", "email": "oh.serin@nia.example.kr", "last": "오", "first": "세린"}
EVALUATOR_PASSWORD = "final-phase-evaluator-passphrase"


def _results_csv(code: str, benchmarks: list[str]) -> bytes:
    """``code``'s results on ``benchmarks``: its P2 share of its declared target's reference scores."""
    from evaluations.models import ReferenceScore

    share = P2_PLAN[code][0]
    lines = ["benchmark,score,model_version,notes"]
    for benchmark in benchmarks:
        reference = ReferenceScore.objects.get(benchmark__code=benchmark, reference_model=TARGETS[code]).score
        lines.append(f"{benchmark},{(reference * share).quantize(Decimal('0.01'))},final-v1,")
    return ("\n".join(lines) + "\n").encode()


def _kst_deadline(days: int) -> tuple[str, dt.datetime]:
    """18:00 KST ``days`` KST calendar days from today: as a datetime-local input takes it, and aware."""
    from evaluations.deadlines import KST

    day = dt.datetime.now(KST).date() + dt.timedelta(days=days)
    moment = dt.datetime.combine(day, dt.time(18, 0), tzinfo=KST)
    return moment.strftime("%Y-%m-%dT%H:%M"), moment


@pytest.fixture
def final_phase_plan(e2e_users, complete_phase) -> dict:
    """P2 finalized (LG, SKT, UPSTAGE advance), and everything the browser needs to type or expect: the
    teams' ids and names, the members, each team's results file for the final set, the deadlines."""
    from django.utils import timezone

    from consortia.models import Consortium
    from evaluations import services
    from evaluations.models import Benchmark, Phase, PhaseBenchmark
    from evaluations.templatetags.deadlines import d_day_label

    staff = e2e_users[Role.MINISTRY_STAFF]
    p2 = Phase.objects.get(code="P2")
    services.phase_finalize(phase=p2, actor=user_get(staff.username))
    final_set = sorted(
        {*PhaseBenchmark.objects.filter(phase=p2).values_list("benchmark__code", flat=True), ADDED}
        - set(DROPPED)
    )
    submission_text, submission = _kst_deadline(10)
    scoring_text, scoring = _kst_deadline(17)
    now = timezone.now()
    teams = {code: Consortium.objects.get(code=code) for code in (*TEAMS, "MOTIF")}
    return {
        "staff": staff,
        "p2_pk": p2.pk,
        "team_pk": {code: team.pk for code, team in teams.items()},
        "team_name": {code: team.name for code, team in teams.items()},
        "members": {
            code: PortalUser(f"e2e_member_{code.lower()}", PASSWORD, Role.CONSORTIUM_MEMBER) for code in TEAMS
        },
        "results": {code: _results_csv(code, final_set) for code in TEAMS},
        "final_set": final_set,
        "added_pk": Benchmark.objects.get(code=ADDED).pk,
        "submission": submission,
        "submission_text": submission_text,
        "submission_dday": d_day_label(submission, now=now),
        "scoring": scoring,
        "scoring_text": scoring_text,
        "scoring_dday": d_day_label(scoring, now=now),
        "expert": {code: P2_PLAN[code][1] for code in TEAMS},
        "user_points": {code: P2_PLAN[code][2] for code in TEAMS},
        "browser_done": False,
    }


@pytest.fixture
def reloaded_and_audited(final_phase_plan):
    """Torn down after the browser (it is set up before ``page``): reload the program file and check what
    the browser built, once the test body got through (a failed body has already said what went wrong)."""
    yield final_phase_plan
    if final_phase_plan["browser_done"]:
        _check_after_reload(final_phase_plan)


# --- the browser -------------------------------------------------------------------------------------


def _log_out(page) -> None:
    page.click(".logout-form button[type=submit]")
    page.wait_for_load_state()


def _submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").click()


def _phase_page(page, pk: int) -> None:
    page.goto(f"{page.base_url}/evaluations/phases/{pk}/")


def _pick(page, selector: str, text: str) -> None:
    value = page.eval_on_selector(
        selector, "(s, t) => [...s.options].find(o => o.text.includes(t)).value", text
    )
    page.select_option(selector, value)


def _create_from_p2(page, plan) -> int:
    _phase_page(page, plan["p2_pk"])
    expect(page.get_by_test_id("phase-status")).to_have_class(re.compile("badge--finalized"))
    page.click(f"[data-testid=setup-actions] a[href='/evaluations/phases/{plan['p2_pk']}/next/']")
    expect(page.locator("h1")).to_contain_text("이 단계로 다음 단계 만들기")
    for code in TEAMS:
        expect(page.get_by_test_id("next-teams")).to_contain_text(plan["team_name"][code])
    expect(page.get_by_test_id("next-teams")).not_to_contain_text(plan["team_name"]["MOTIF"])
    page.fill("#id_code", NEW_CODE)
    page.fill("#id_name", NEW_NAME)
    page.fill("#id_teams_advancing", "2")
    with page.expect_navigation():
        page.click("form.stacked-form button[type=submit]")
    found = re.search(r"/evaluations/phases/(\d+)/setup/", page.url)
    assert found, page.url
    expect(page.locator("h1")).to_contain_text(NEW_NAME)
    expect(page.get_by_test_id("phase-status")).to_have_class(re.compile("badge--draft"))
    return int(found.group(1))


def _set_up_rubric_targets_and_benchmarks(page, plan) -> None:
    weights = "[data-testid=form-weights]"
    for key, value in WEIGHTS_REFUSED.items():
        page.fill(f"#id_weights-weight_{key}", value)
    _submit(page, weights)
    expect(page.locator(f"{weights} [data-testid=error-summary]")).to_contain_text("현재 합: 105")
    page.fill("#id_weights-weight_expert", str(WEIGHTS["expert"]))
    _submit(page, weights)
    expect(page.locator("ul.messages")).to_contain_text("배점을 저장했습니다.")
    expect(page.get_by_test_id("weights-total")).to_contain_text("100")

    page.select_option("#id_target-consortium", str(plan["team_pk"]["UPSTAGE"]))
    page.fill("#id_target-reference_model", TARGETS["UPSTAGE"])
    _submit(page, "[data-testid=form-target_set]")
    upstage = page.locator("[data-testid=targets] tbody tr").filter(has_text=plan["team_name"]["UPSTAGE"])
    expect(upstage).to_contain_text(TARGETS["UPSTAGE"])
    # The benchmarks its target has no published score on are marked there ...
    expect(upstage.locator(".mark--no")).to_have_count(len(DROPPED))

    # ... and dropped from the set, one remove button at a time.
    for code in DROPPED:
        entry = page.locator("[data-testid=benchmark-group] li").filter(
            has=page.locator(f"span.code:text-is('{code}')")
        )
        with page.expect_navigation():
            entry.locator("button[type=submit]").click()
        expect(entry).to_have_count(0)
    expect(upstage.locator(".mark--no")).to_have_count(0)

    page.select_option("#id_benchmark-add-benchmark", str(plan["added_pk"]))
    page.select_option("#id_benchmark-add-group", "common")
    _submit(page, "[data-testid=form-benchmark_add]")
    codes = page.locator("[data-testid=benchmark-group] span.code")
    expect(codes).to_have_count(len(plan["final_set"]))
    expect(page.locator(f"[data-testid=benchmark-group] span.code:text-is('{ADDED}')")).to_have_count(1)
    expect(page.locator("[data-testid=targets] .mark--no")).to_have_count(0)


def _set_deadlines(page, plan, pk: int) -> None:
    _phase_page(page, pk)
    page.click(f"[data-testid=phase-actions] a[href='/evaluations/phases/{pk}/deadlines/']")
    page.fill("#id_deadlines-submission_deadline", plan["submission_text"])
    page.fill("#id_deadlines-scoring_deadline", plan["scoring_text"])
    _submit(page, "[data-testid=deadlines-form]")
    current = page.get_by_test_id("current-deadlines")
    expect(current.get_by_test_id("deadline-submission")).to_contain_text(plan["submission_dday"])
    expect(current.get_by_test_id("deadline-scoring")).to_contain_text(plan["scoring_dday"])


def _transition(page, pk: int, step: str, *, grid_complete: bool) -> None:
    """From the phase page, through the preview (with its readiness grid), to the confirmation."""
    _phase_page(page, pk)
    page.click("[data-testid=next-transition]")
    page.wait_for_url(f"{page.base_url}/evaluations/phases/{pk}/{step}/")
    grid = page.get_by_test_id("readiness-grid")
    expect(grid.locator("tbody tr")).to_have_count(len(TEAMS))
    missing = grid.locator("a.mark--no")
    if grid_complete:
        expect(missing).to_have_count(0)
    else:
        # Before opening nothing is in: each missing cell links to where it is entered.
        expect(missing.first).to_be_visible()
        expect(grid.locator("[data-missing=results]")).to_have_count(len(TEAMS))
    expect(page.get_by_test_id(f"{step}-blocked")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_test_id(f"confirm-{step}").click()
    page.wait_for_url(f"{page.base_url}/evaluations/phases/{pk}/")


def _upload(page, plan, code: str, pk: int) -> None:
    log_in(page, plan["members"][code])
    page.click("nav.main-nav a[href='/evaluations/upload/']")
    expect(page.get_by_test_id("upload-deadlines")).to_contain_text(NEW_NAME)
    expect(page.get_by_test_id("upload-deadlines").get_by_test_id("deadline-submission")).to_contain_text(
        plan["submission_dday"]
    )
    page.select_option("#id_results-phase", str(pk))
    name = f"{code.lower()}-final.csv"
    page.set_input_files(
        "#id_results-file", files=[{"name": name, "mimeType": "text/csv", "buffer": plan["results"][code]}]
    )
    _submit(page, "[data-testid=results-form]")
    expect(page.get_by_test_id("upload-errors")).to_have_count(0)
    first = page.locator("[data-testid=results-history] tbody tr").first
    expect(first).to_contain_text(name)
    expect(first.locator(".badge--current")).to_be_visible()
    expect(first.locator("td.num")).to_have_text(str(len(plan["final_set"])))
    _log_out(page)


def _mailed_link(to: str, deadline_seconds: float = 15) -> str:
    """The live server sends the invitation after its commit, on its own thread."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        sent = [m for m in mail.outbox if m.to == [to]]
        if sent:
            return mailed_link(sent[-1].body)
        assert time.monotonic() < deadline, "no invitation mail"
        time.sleep(0.1)


def _invite_evaluator(page) -> None:
    page.click("nav.main-nav a[href='/accounts/users/']")
    page.click("[data-testid=user-create-link]")
    page.fill("#id_username", EVALUATOR["username"])
    page.fill("#id_last_name", EVALUATOR["last"])
    page.fill("#id_first_name", EVALUATOR["first"])
    page.fill("#id_email", EVALUATOR["email"])
    page.select_option("#id_role", "evaluator")
    _pick(page, "#id_organization", "National Information Society Agency")
    _submit(page, "[data-testid=user-form]")
    expect(page.locator(".messages")).to_contain_text(EVALUATOR["email"])


def _assign_evaluator(page, plan, pk: int) -> None:
    _phase_page(page, pk)
    page.click(f"[data-testid=phase-actions] a[href='/evaluations/phases/{pk}/assignments/']")
    for code in TEAMS:
        _pick(page, "#id_evaluator", EVALUATOR["last"] + EVALUATOR["first"])
        page.select_option("#id_consortium", str(plan["team_pk"][code]))
        with page.expect_navigation():
            page.click("form.stacked-form button[type=submit]")
    expect(page.locator("[data-testid=assignments] tbody tr")).to_have_count(len(TEAMS))


def _evaluator_sets_password_and_scores(page, plan, link: str) -> None:
    page.goto(link)
    expect(page.locator("h1")).to_have_text("비밀번호 정하기")
    page.fill("#id_new_password1", EVALUATOR_PASSWORD)
    page.fill("#id_new_password2", EVALUATOR_PASSWORD)
    _submit(page, "[data-testid=password-set-form]")
    expect(page.locator("h1")).to_have_text("비밀번호 설정 완료")
    log_in(page, PortalUser(EVALUATOR["username"], EVALUATOR_PASSWORD, Role.EVALUATOR))
    for code in TEAMS:
        page.goto(f"{page.base_url}/evaluations/assignments/")
        page.click(f"[data-testid=my-assignments] a:text-is('{plan['team_name'][code]}')")
        page.wait_for_url(re.compile(r"/evaluations/sheets/\d+/$"))
        expect(page.get_by_test_id("deadline-scoring")).to_contain_text(plan["scoring_dday"])
        points = page.locator("[data-testid=score-sheet-form] input[id^=id_points_]")
        expect(points).to_have_count(len(plan["expert"][code]))
        for index, value in enumerate(plan["expert"][code]):
            points.nth(index).fill(value)
        with page.expect_navigation():
            page.get_by_test_id("submit-sheet").click()
        expect(page.get_by_test_id("sheet-status")).to_have_class(re.compile("badge--sheet-submitted"))
    _log_out(page)


def _gates_and_panel(page, plan, pk: int) -> None:
    _phase_page(page, pk)
    page.click(f"[data-testid=phase-actions] a[href='/evaluations/phases/{pk}/gates/']")
    for code in TEAMS:
        page.select_option("#id_consortium", str(plan["team_pk"][code]))
        page.check("input[name=decision][value=pass]")
        page.fill("#id_evidence", "아키텍처·데이터 계보·가중치 초기화 증빙 확인")
        with page.expect_navigation():
            page.click("form.stacked-form button[type=submit]")
    expect(page.locator("[data-testid=gate-results] tbody tr .mark--yes")).to_have_count(len(TEAMS))

    _phase_page(page, pk)
    page.click(f"[data-testid=phase-actions] a[href='/evaluations/phases/{pk}/panel/']")
    for code in TEAMS:
        page.select_option("#id_consortium", str(plan["team_pk"][code]))
        page.fill("#id_points", plan["user_points"][code])
        page.fill("#id_panel_size", "49")
        with page.expect_navigation():
            page.click("form.stacked-form button[type=submit]")
    expect(page.locator("[data-testid=panel-results] tbody tr")).to_have_count(len(TEAMS))


def test_staff_build_open_and_finalize_the_final_phase_in_the_browser(reloaded_and_audited, page):
    plan = reloaded_and_audited
    staff: PortalUser = plan["staff"]

    log_in(page, staff)
    pk = _create_from_p2(page, plan)
    plan["pk"] = pk
    _set_up_rubric_targets_and_benchmarks(page, plan)
    _set_deadlines(page, plan, pk)
    _transition(page, pk, "open", grid_complete=False)
    expect(page.get_by_test_id("phase-status")).to_have_class(re.compile("badge--open"))
    _log_out(page)

    for code in TEAMS:
        _upload(page, plan, code, pk)

    log_in(page, staff)
    _invite_evaluator(page)
    _assign_evaluator(page, plan, pk)
    _log_out(page)
    _evaluator_sets_password_and_scores(page, plan, _mailed_link(EVALUATOR["email"]))

    log_in(page, staff)
    _gates_and_panel(page, plan, pk)
    _transition(page, pk, "begin-evaluation", grid_complete=True)
    expect(page.get_by_test_id("phase-status")).to_have_class(re.compile("badge--evaluating"))

    _phase_page(page, pk)
    page.click("[data-testid=next-transition]")
    page.wait_for_url(f"{page.base_url}/evaluations/phases/{pk}/finalize/")
    expect(page.get_by_test_id("readiness-grid").locator("a.mark--no")).to_have_count(0)
    for code in ("LG", "SKT"):
        expect(page.get_by_test_id("advancing")).to_contain_text(plan["team_name"][code])
    expect(page.get_by_test_id("eliminated")).to_have_text(plan["team_name"]["UPSTAGE"])
    expect(page.get_by_test_id("finalize-blocked")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_test_id("confirm-finalize").click()
    expect(page.get_by_test_id("phase-status")).to_have_class(re.compile("badge--finalized"))
    expect(page.get_by_test_id("read-only")).to_be_visible()
    plan["browser_done"] = True


# --- after the browser: the program file reloaded, the audit trail read ------------------------------


def _phase_state(pk: int) -> dict:
    """What the browser decided for the phase, in comparable form."""
    from evaluations.models import (
        CriterionScore,
        GateResult,
        PanelResult,
        Phase,
        PhaseBenchmark,
        PhaseParticipant,
        ResultUpload,
        RubricComponent,
        ScoreSheet,
        TargetModel,
    )

    phase = Phase.objects.get(pk=pk)

    def rows(queryset, *fields) -> list:
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "phase": (
            phase.code,
            phase.status,
            phase.finalized_at,
            phase.follows.code if phase.follows else None,
            phase.submission_deadline,
            phase.scoring_deadline,
            phase.teams_advancing,
        ),
        "outcomes": rows(
            PhaseParticipant.objects.filter(phase=phase), "consortium__code", "outcome", "final_rank"
        ),
        "weights": dict(RubricComponent.objects.filter(phase=phase).values_list("key", "weight")),
        "benchmarks": rows(PhaseBenchmark.objects.filter(phase=phase), "benchmark__code", "group"),
        "targets": rows(TargetModel.objects.filter(phase=phase), "consortium__code", "reference_model"),
        "uploads": rows(
            ResultUpload.objects.filter(phase=phase),
            "consortium__code",
            "uploaded_by__username",
            "sha256",
            "is_current",
            "row_count",
        ),
        "sheets": rows(
            ScoreSheet.objects.filter(assignment__phase=phase),
            "assignment__consortium__code",
            "assignment__evaluator__username",
            "status",
            "version",
        ),
        "scores": rows(
            CriterionScore.objects.filter(sheet__assignment__phase=phase),
            "sheet__assignment__consortium__code",
            "criterion__key",
            "points",
        ),
        "gates": rows(
            GateResult.objects.filter(gate__phase=phase), "consortium__code", "gate__key", "passed"
        ),
        "panel": rows(
            PanelResult.objects.filter(phase=phase), "consortium__code", "component__key", "points"
        ),
    }


def _program_state(pk: int) -> dict:
    from consortia.models import Consortium
    from evaluations.models import Phase, PhaseParticipant

    return {
        "final": _phase_state(pk),
        "p2": (
            Phase.objects.get(code="P2").status,
            sorted(
                PhaseParticipant.objects.filter(phase__code="P2").values_list("consortium__code", "outcome")
            ),
        ),
        "consortia": sorted(Consortium.objects.values_list("code", "status")),
    }


def _check_expected(plan: dict, state: dict) -> None:
    code, status, finalized_at, follows, submission, scoring, advancing = state["phase"]
    assert (code, status, follows, advancing) == (NEW_CODE, "finalized", "P2", 2)
    assert finalized_at is not None
    assert (submission, scoring) == (plan["submission"], plan["scoring"])
    assert [(code, outcome) for code, outcome, _rank in state["outcomes"]] == [
        ("LG", "advances"),
        ("SKT", "advances"),
        ("UPSTAGE", "eliminated_on_points"),
    ]
    assert state["weights"] == WEIGHTS
    assert sorted(code for code, _group in state["benchmarks"]) == plan["final_set"]
    assert dict(state["targets"]) == TARGETS
    assert [(c, u, cur, n) for c, u, _sha, cur, n in state["uploads"]] == [
        (code, plan["members"][code].username, True, len(plan["final_set"])) for code in TEAMS
    ]
    assert [(c, u, s) for c, u, s, _v in state["sheets"]] == [
        (code, EVALUATOR["username"], "submitted") for code in TEAMS
    ]
    assert state["gates"] == [(code, "originality", True) for code in TEAMS]
    assert [(c, k, p) for c, k, p in state["panel"]] == [
        (code, "user", Decimal(plan["user_points"][code])) for code in TEAMS
    ]


def _check_audit_trail(plan: dict, pk: int) -> None:
    from django.contrib.auth import get_user_model

    from common.models import AuditEvent
    from evaluations.models import (
        EvaluatorAssignment,
        GateResult,
        PanelResult,
        PhaseBenchmark,
        ResultUpload,
        ScoreSheet,
        TargetModel,
    )

    staff, evaluator = plan["staff"].username, EVALUATOR["username"]
    members = sorted(plan["members"][code].username for code in TEAMS)
    start = AuditEvent.objects.get(
        object_type="evaluations.phase", object_id=str(pk), context__extra__event="phase_create_next"
    )
    events = AuditEvent.objects.filter(id__gte=start.id)
    on_phase = events.filter(object_type="evaluations.phase", object_id=str(pk))
    user_type = get_user_model()._meta.label_lower
    evaluator_id = str(get_user_model().objects.get(username=evaluator).pk)

    def ids(queryset) -> list[str]:
        return [str(i) for i in queryset.values_list("pk", flat=True)]

    steps = {
        "phase create": (on_phase.filter(context__extra__event="phase_create_next"), [staff], 1),
        "weights": (on_phase.filter(context__extra__event="rubric_weights_set"), [staff], 1),
        "benchmark added": (
            events.filter(
                object_type="evaluations.phasebenchmark",
                action="create",
                object_id__in=ids(PhaseBenchmark.objects.filter(phase_id=pk, benchmark__code=ADDED)),
            ),
            [staff],
            1,
        ),
        "benchmarks removed": (
            events.filter(object_type="evaluations.phasebenchmark", action="delete"),
            [staff],
            len(DROPPED),
        ),
        "target": (
            events.filter(
                object_type="evaluations.targetmodel",
                action="update",
                object_id__in=ids(TargetModel.objects.filter(phase_id=pk, consortium__code="UPSTAGE")),
            ),
            [staff],
            1,
        ),
        "deadline": (on_phase.filter(context__extra__event="phase_deadlines_set"), [staff], 1),
        "open": (on_phase.filter(context__extra__event="phase_open"), [staff], 1),
        "upload": (
            events.filter(
                object_type="evaluations.resultupload",
                action="upload",
                object_id__in=ids(ResultUpload.objects.filter(phase_id=pk)),
            ),
            members,
            len(TEAMS),
        ),
        "invite": (
            events.filter(
                object_type=user_type, object_id=evaluator_id, action="create", context__extra__invited=True
            ),
            [staff],
            1,
        ),
        "password set": (
            events.filter(
                object_type=user_type, object_id=evaluator_id, context__extra__event="password_set"
            ),
            [evaluator],
            1,
        ),
        "assignment": (
            events.filter(
                object_type="evaluations.evaluatorassignment",
                action="create",
                object_id__in=ids(EvaluatorAssignment.objects.filter(phase_id=pk)),
            ),
            [staff],
            len(TEAMS),
        ),
        "sheet submit": (
            events.filter(
                object_type="evaluations.scoresheet",
                object_id__in=ids(ScoreSheet.objects.filter(assignment__phase_id=pk)),
                after__status="submitted",
            ),
            [evaluator],
            len(TEAMS),
        ),
        "gate": (
            events.filter(
                object_type="evaluations.gateresult",
                action="create",
                object_id__in=ids(GateResult.objects.filter(gate__phase_id=pk)),
            ),
            [staff],
            len(TEAMS),
        ),
        "panel": (
            events.filter(
                object_type="evaluations.panelresult",
                action="create",
                object_id__in=ids(PanelResult.objects.filter(phase_id=pk)),
            ),
            [staff],
            len(TEAMS),
        ),
        "begin evaluation": (on_phase.filter(context__extra__event="phase_begin_evaluation"), [staff], 1),
        "finalize": (on_phase.filter(action="finalize"), [staff], 1),
    }
    found = {
        step: (sorted(set(queryset.values_list("actor_username", flat=True))), queryset.count())
        for step, (queryset, _actors, _count) in steps.items()
    }
    assert found == {step: (actors, count) for step, (_queryset, actors, count) in steps.items()}


def _check_after_reload(plan: dict) -> None:
    from django.core.management import call_command

    from common.models import AuditEvent

    pk = plan["pk"]
    before = _program_state(pk)
    _check_expected(plan, before["final"])
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    out = io.StringIO()
    call_command("load_kai_program", stdout=out)
    assert "Recorded as audit event" in out.getvalue(), out.getvalue()
    assert _program_state(pk) == before, out.getvalue()
    # The reload wrote its own events (the load, as the system actor), none on the phase the browser built.
    reload_events = AuditEvent.objects.filter(id__gt=last_event)
    assert reload_events.exists()
    assert not reload_events.filter(object_type="evaluations.phase", object_id=str(pk)).exists()
    _check_audit_trail(plan, pk)
