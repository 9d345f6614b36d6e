"""The phase set-up pages through Django's test client: "new phase", "next phase from this one" and the
set-up page. Staff only (every other role gets 403); each form posts through the set-up services, so a
refusal shows on the form, naming the field, and saves nothing; an evaluating phase is shown read-only."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.conf import settings

from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium
from evaluations import services
from evaluations.models import (
    Benchmark,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    TargetModel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff_client(english, staff):
    english.force_login(staff)
    return english


def p2() -> Phase:
    return Phase.objects.get(code="P2")


def setup_url(phase: Phase) -> str:
    return f"/evaluations/phases/{phase.pk}/setup/"


def _text(response) -> str:
    return response.content.decode()


def _paths() -> list[str]:
    return ["/evaluations/phases/new/", setup_url(p2()), f"/evaluations/phases/{p2().pk}/next/"]


# --- access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.EVALUATOR, Role.CONSORTIUM_MEMBER])
def test_other_roles_get_403_on_every_set_up_page(english, make_user, kai_program, role):
    kwargs = {"organization": "LG AI Research", "consortium": "LG"} if role == Role.CONSORTIUM_MEMBER else {}
    english.force_login(make_user(role, **kwargs))
    for path in _paths():
        assert english.get(path).status_code == 403, path
        assert english.post(path, {"form": "details"}).status_code == 403, path
    listing = _text(english.get("/evaluations/"))
    detail = _text(english.get(f"/evaluations/phases/{p2().pk}/"))
    assert "/evaluations/phases/new/" not in listing
    assert setup_url(p2()) not in detail and "/next/" not in detail


def test_anonymous_is_sent_to_login(client, kai_program):
    for path in _paths():
        response = client.get(path)
        assert (response.status_code, response["Location"].startswith("/login/")) == (302, True)


def test_staff_see_the_links_and_open_every_page(staff_client):
    assert 'href="/evaluations/phases/new/"' in _text(staff_client.get("/evaluations/"))
    detail = _text(staff_client.get(f"/evaluations/phases/{p2().pk}/"))
    assert f'href="{setup_url(p2())}"' in detail
    assert f'href="/evaluations/phases/{p2().pk}/next/"' in detail
    for path in _paths():
        assert staff_client.get(path).status_code == 200, path
    body = _text(staff_client.get(setup_url(p2())))
    for section in (
        'id="details"',
        'id="rubric"',
        'id="gates"',
        'id="benchmarks"',
        'id="targets"',
        'id="participants"',
    ):
        assert section in body
    assert "The weights add up to 100" in body
    # Participants are removed only in a draft; P2 is open.
    assert 'value="participant_remove"' not in body


# --- new phase and next phase ------------------------------------------------------------------------


def test_new_phase_lands_on_its_set_up_page(staff_client, kai_program):
    response = staff_client.post(
        "/evaluations/phases/new/",
        {"program": kai_program.pk, "code": "P4", "name": "Extra", "teams_advancing": "1", "teams_in": "2"},
    )
    phase = Phase.objects.get(code="P4")
    assert response.status_code == 302
    assert response["Location"] == setup_url(phase)
    assert (phase.status, phase.frontier_threshold) == ("draft", kai_program.frontier_threshold)


def test_new_phase_refusal_is_on_the_form_and_saves_nothing(staff_client, kai_program):
    count, events = Phase.objects.count(), AuditEvent.objects.count()
    response = staff_client.post(
        "/evaluations/phases/new/",
        {
            "program": kai_program.pk,
            "code": "P2",
            "name": "x",
            "teams_advancing": "1",
            "evaluation_start": "2026-12-10",
            "result_on": "2026-12-01",
        },
    )
    body = _text(response)
    assert response.status_code == 200
    assert 'id="id_result_on-error"' in body and "cannot be before" in body
    assert (Phase.objects.count(), AuditEvent.objects.count()) == (count, events)
    duplicate = _text(
        staff_client.post(
            "/evaluations/phases/new/",
            {"program": kai_program.pk, "code": "P2", "name": "x", "teams_advancing": "1"},
        )
    )
    assert 'id="id_code-error"' in duplicate and "already exists" in duplicate


def test_next_phase_page_says_which_teams_come_along_and_copies_p2(staff_client, p2_ready):
    page = _text(staff_client.get(f"/evaluations/phases/{p2_ready.pk}/next/"))
    assert 'data-testid="next-provisional"' in page
    for name in ("LG AI연구원", "SK텔레콤", "업스테이지", "모티프테크놀로지스"):
        assert name in page.split('data-testid="next-teams"')[1].split("</dd>")[0]
    response = staff_client.post(
        f"/evaluations/phases/{p2_ready.pk}/next/",
        {
            "code": "FINAL",
            "name": "최종 평가",
            "teams_advancing": "2",
            "teams_in": "4",
            "frontier_threshold": "0.950",
        },
    )
    final = Phase.objects.get(code="FINAL")
    assert response["Location"] == setup_url(final)
    assert list(RubricComponent.objects.filter(phase=final).values_list("key", "weight")) == [
        ("benchmark", D(40)),
        ("expert", D(35)),
        ("user", D(25)),
    ]
    assert PhaseParticipant.objects.filter(phase=final).count() == 4
    assert PhaseBenchmark.objects.filter(phase=final).count() == 2
    landing = _text(staff_client.get(response["Location"]))
    assert "not finalized yet" in landing
    assert 'value="participant_remove"' in landing  # a draft: participants can be removed


# --- the set-up page's forms ----------------------------------------------------------------------------


def test_details_form_saves_and_refuses_naming_the_field(staff_client, kai_program):
    phase = p2()
    data = {
        "form": "details",
        "details-name": phase.name,
        "details-development_start": "2026-01-15",
        "details-evaluation_start": "2026-08-03",
        "details-result_on": "2026-08-14",
        "details-teams_in": "4",
        "details-teams_advancing": "2",
        "details-frontier_threshold": "0.900",
    }
    response = staff_client.post(setup_url(phase), data)
    assert response.status_code == 302
    assert response["Location"] == setup_url(phase) + "#details"
    assert (p2().teams_advancing, p2().frontier_threshold) == (2, D("0.900"))
    refused = staff_client.post(setup_url(phase), {**data, "details-teams_advancing": "4"})
    body = _text(refused)
    assert refused.status_code == 200
    assert 'id="id_details-teams_advancing-error"' in body
    assert "Fewer teams must advance than take part (4 take part)." in body
    assert p2().teams_advancing == 2


def test_weights_form_refuses_a_total_other_than_100_stating_it(staff_client, kai_program):
    phase = p2()
    response = staff_client.post(
        setup_url(phase),
        {
            "form": "weights",
            "weights-weight_benchmark": "40",
            "weights-weight_expert": "35",
            "weights-weight_user": "30",
        },
    )
    body = _text(response)
    assert response.status_code == 200
    assert "they add up to 105" in body
    assert RubricComponent.objects.get(phase=phase, key="user").weight == D(25)
    ok = staff_client.post(
        setup_url(phase),
        {
            "form": "weights",
            "weights-weight_benchmark": "45",
            "weights-weight_expert": "30",
            "weights-weight_user": "25",
        },
    )
    assert ok.status_code == 302
    assert RubricComponent.objects.get(phase=phase, key="benchmark").weight == D(45)


def test_rubric_component_criterion_and_gate_forms(staff_client, kai_program):
    phase = p2()
    url = setup_url(phase)
    assert (
        staff_client.post(
            url,
            {
                "form": "component_add",
                "component-add-key": "safety",
                "component-add-name": "Safety",
                "component-add-weight": "5",
                "component-add-source": "evaluators",
            },
        ).status_code
        == 302
    )
    component = RubricComponent.objects.get(phase=phase, key="safety")
    added = staff_client.post(
        url,
        {
            "form": "criterion_add",
            "row": component.pk,
            f"criterion-add-{component.pk}-key": "red_team",
            f"criterion-add-{component.pk}-name": "Red team",
            f"criterion-add-{component.pk}-max_points": "8",
        },
    )
    assert added.status_code == 302
    assert RubricComponent.objects.get(pk=component.pk).max_points == D(8)
    criterion = RubricCriterion.objects.get(component=component)
    edited = staff_client.post(
        url,
        {
            "form": "criterion_edit",
            "row": criterion.pk,
            f"criterion-{criterion.pk}-name": "Red teaming",
            f"criterion-{criterion.pk}-max_points": "6",
        },
    )
    assert edited.status_code == 302
    assert RubricComponent.objects.get(pk=component.pk).max_points == D(6)
    benchmark_criterion = RubricCriterion.objects.get(component__phase=phase, key="global_leaderboard")
    refused = _text(
        staff_client.post(
            url,
            {
                "form": "criterion_edit",
                "row": benchmark_criterion.pk,
                f"criterion-{benchmark_criterion.pk}-name": "x",
                f"criterion-{benchmark_criterion.pk}-max_points": "40",
                f"criterion-{benchmark_criterion.pk}-benchmark_group": "",
            },
        )
    )
    assert f'id="id_criterion-{benchmark_criterion.pk}-benchmark_group-error"' in refused
    assert staff_client.post(url, {"form": "criterion_delete", "row": criterion.pk}).status_code == 302
    assert staff_client.post(url, {"form": "component_delete", "row": component.pk}).status_code == 302
    assert not RubricComponent.objects.filter(phase=phase, key="safety").exists()

    gate = RubricGate.objects.get(phase=phase)
    assert (
        staff_client.post(
            url,
            {
                "form": "gate_edit",
                "row": gate.pk,
                f"gate-{gate.pk}-name": "독자성",
                f"gate-{gate.pk}-description": "Stricter.",
            },
        ).status_code
        == 302
    )
    assert RubricGate.objects.get(pk=gate.pk).description == "Stricter."
    assert (
        staff_client.post(
            url,
            {
                "form": "gate_add",
                "gate-add-key": "safety",
                "gate-add-name": "Safety",
                "gate-add-description": "KGC",
            },
        ).status_code
        == 302
    )
    assert sorted(RubricGate.objects.filter(phase=phase).values_list("key", flat=True)) == [
        "originality",
        "safety",
    ]


def test_benchmark_target_reference_and_participant_forms(staff_client, p2):
    url = setup_url(p2)
    assert (
        staff_client.post(
            url,
            {
                "form": "benchmark_add",
                "benchmark-add-benchmark": _bench("HLE"),
                "benchmark-add-group": "common",
            },
        ).status_code
        == 302
    )
    duplicate = _text(
        staff_client.post(
            url,
            {
                "form": "benchmark_add",
                "benchmark-add-benchmark": _bench("HLE"),
                "benchmark-add-group": "agency",
            },
        )
    )
    assert (
        'id="id_benchmark-add-benchmark-error"' in duplicate and "already in the benchmark set" in duplicate
    )
    entry = PhaseBenchmark.objects.get(phase=p2, benchmark__code="HLE")
    assert staff_client.post(url, {"form": "benchmark_remove", "row": entry.pk}).status_code == 302
    assert not PhaseBenchmark.objects.filter(phase=p2).exists()

    lg = PhaseParticipant.objects.get(phase=p2, consortium__code="LG").consortium
    assert (
        staff_client.post(
            url, {"form": "target_set", "target-consortium": lg.pk, "target-reference_model": "GPT-5.2"}
        ).status_code
        == 302
    )
    assert TargetModel.objects.get(phase=p2, consortium=lg).reference_model == "GPT-5.2"
    assert (
        staff_client.post(
            url,
            {
                "form": "reference_score",
                "reference-benchmark": _bench("MMLU-Pro"),
                "reference-reference_model": "GPT-5.2",
                "reference-score": "87.5",
            },
        ).status_code
        == 302
    )
    assert ReferenceScore.objects.get(benchmark__code="MMLU-Pro", reference_model="GPT-5.2").score == D(
        "87.5"
    )
    staff_client.post(
        url,
        {
            "form": "benchmark_add",
            "benchmark-add-benchmark": _bench("MMLU-Pro"),
            "benchmark-add-group": "common",
        },
    )
    targets = _text(staff_client.get(url)).split('data-testid="targets"')[1].split("</table>")[0]
    assert "GPT-5.2" in targets and "87.500" in targets

    # Only active teams are offered; an eliminated one posted anyway is refused on the field.
    page = _text(staff_client.get(url))
    offered = page.split('name="participant-consortium"')[1].split("</select>")[0]
    assert "NC AI" not in offered and "NCAI" not in offered
    ncai = _team_pk("NCAI")
    refused = _text(staff_client.post(url, {"form": "participant_add", "participant-consortium": ncai}))
    assert 'id="id_participant-consortium-error"' in refused
    assert not PhaseParticipant.objects.filter(phase=p2, consortium_id=ncai).exists()


def test_refused_remove_says_why_at_the_top(staff_client, p2_ready, staff):
    services.gate_result_record(
        gate=RubricGate.objects.get(phase=p2_ready),
        consortium=_team("LG"),
        passed=True,
        reason="",
        actor=staff,
    )
    gate = RubricGate.objects.get(phase=p2_ready)
    response = staff_client.post(setup_url(p2_ready), {"form": "gate_delete", "row": gate.pk})
    assert response.status_code == 200
    assert "was already decided for a team; it cannot be removed" in _text(response)
    assert RubricGate.objects.filter(pk=gate.pk).exists()


def test_evaluating_phase_is_read_only_and_says_why(staff_client, p2_complete):
    phase = p2_complete["phase"]
    body = _text(staff_client.get(setup_url(phase)))
    assert 'data-testid="setup-frozen"' in body
    assert "frozen once the evaluation begins" in body
    assert 'name="form"' not in body
    events = AuditEvent.objects.count()
    response = staff_client.post(
        setup_url(phase), {"form": "gate_delete", "row": RubricGate.objects.get(phase=phase).pk}, follow=True
    )
    assert "is frozen" in _text(response)
    assert RubricGate.objects.filter(phase=phase).exists()
    assert AuditEvent.objects.count() == events


def _bench(code: str) -> int:
    return Benchmark.objects.get(code=code).pk


def _team(code: str):
    return Consortium.objects.get(code=code)


def _team_pk(code: str) -> int:
    return _team(code).pk


def test_set_up_page_is_korean_first_with_no_inline_script_or_style(client, staff, p2_ready):
    client.force_login(staff)
    body = _text(client.get(setup_url(p2_ready)))
    for text in ("단계 설정", "배점 합계는 100입니다", "목표 모델", "참여 팀 추가", "DeepSeek-V3.2"):
        assert text in body, text
    assert " style=" not in body and "<style" not in body and "<script>" not in body


def test_set_up_page_queries_do_not_grow_with_the_set_up(
    staff_client, p2_ready, staff, django_assert_max_num_queries
):
    url = setup_url(p2_ready)
    with django_assert_max_num_queries(40) as small:
        assert staff_client.get(url).status_code == 200
    for i in range(3):
        component = services.rubric_component_create(
            phase=p2_ready, actor=staff, key=f"extra{i}", name=f"Extra {i}", weight=D(1), source="evaluators"
        )
        services.rubric_criterion_create(component=component, actor=staff, key="c", name="C", max_points=D(1))
        services.rubric_gate_create(phase=p2_ready, actor=staff, key=f"gate{i}", name=f"Gate {i}")
    for code in ("HLE", "AIME-2025", "IFEval"):
        services.phase_benchmark_add(
            phase=p2_ready, benchmark=Benchmark.objects.get(code=code), group="common", actor=staff
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert staff_client.get(url).status_code == 200
