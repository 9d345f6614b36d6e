"""The transition preview pages (open, begin evaluation, finalize) through Django's test client: what they
show staff (changes, blockers, warnings, the readiness grid with its missing cells linked), that the POST
confirms or is refused with the reasons shown, that other roles get 403, and the phase page's one link to
the next transition."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from common.models import AuditEvent
from common.roles import Role
from evaluations import services
from evaluations.models import Phase
from tests.p2_data import LEADS, team

pytestmark = pytest.mark.django_db


def phase(code: str) -> Phase:
    return Phase.objects.get(code=code)


def url(code: str, transition: str) -> str:
    return f"/evaluations/phases/{phase(code).pk}/{transition}/"


def _text(response) -> str:
    return response.content.decode()


def _section(body: str, testid: str, end: str = "</section>") -> str:
    start = body.index(f'data-testid="{testid}"')
    return body[start : body.index(end, start)]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff_client(english, staff):
    english.force_login(staff)
    return english


def test_begin_evaluation_preview_shows_the_grid_with_missing_cells_linked_and_confirms(
    staff_client, p2_ready, make_user
):
    member = make_user(Role.CONSORTIUM_MEMBER, organization=LEADS["LG"], consortium="LG")
    body = b"benchmark,score\nMMLU-Pro,85\nGPQA-Diamond,82.4\n"
    services.result_upload_create(
        phase=p2_ready, consortium=team("LG"), file=SimpleUploadedFile("r.csv", body), actor=member
    )
    page = _text(staff_client.get(url("P2", "begin-evaluation")))
    changes = _section(page, "transition-changes")
    assert "Status: Open → Evaluating." in changes
    assert "Uploads close: members can no longer upload results for this phase." in changes
    assert "The rubric weights freeze" in changes
    warnings = html.unescape(_section(page, "transition-warnings"))
    assert f"{team('SKT').name} has uploaded no results; uploads close now." in warnings
    grid = _section(page, "readiness-grid", "</table>")
    pk = p2_ready.pk
    lg_results = _section(grid, "readiness-LG-results", "</td>")
    assert 'class="mark mark--yes">✓ 2/2' in lg_results and "<a " not in lg_results
    links = dict(
        re.findall(r'data-testid="readiness-SKT-([^"]+)"><a class="mark mark--no" href="([^"]+)"', grid)
    )
    assert links == {
        "results": "/evaluations/upload/?phase=P2&amp;consortium=SKT",
        "sheets:expert": f"/evaluations/phases/{pk}/assignments/",
        "panel:user": f"/evaluations/phases/{pk}/panel/",
        "gate:originality": f"/evaluations/phases/{pk}/gates/",
    }
    assert "15 inputs are missing" in page
    assert 'data-testid="confirm-begin-evaluation"' in page
    assert 'data-testid="begin-evaluation-blocked"' not in page

    done = staff_client.post(url("P2", "begin-evaluation"))
    assert (done.status_code, done["Location"]) == (302, f"/evaluations/phases/{pk}/")
    assert phase("P2").status == Phase.Status.EVALUATING
    assert AuditEvent.objects.filter(object_type="evaluations.phase", object_id=str(pk)).latest("id").context[
        "extra"
    ] == {"event": "phase_begin_evaluation"}
    assert "The evaluation of 2차 단계평가 has begun" in _text(staff_client.get(done["Location"]))


def test_a_blocked_transition_has_no_button_and_its_post_is_refused_with_the_reasons(
    staff_client, kai_program
):
    page = _text(staff_client.get(url("P3", "open")))
    blocked = _section(page, "open-blocked", "</div>")
    assert "This phase cannot be opened yet" in blocked
    assert "The phase has no participants." in blocked and "The phase has no rubric components." in blocked
    assert 'data-testid="confirm-open"' not in page
    assert "The benchmark set is empty." in _section(page, "transition-warnings")
    refused = staff_client.post(url("P3", "open"))
    assert refused.status_code == 200
    summary = _section(_text(refused), "error-summary", "</div>")
    assert "The phase was not opened" in summary
    assert "The phase has no participants." in summary and "The phase has no rubric components." in summary
    assert phase("P3").status == Phase.Status.DRAFT


def test_a_transition_from_the_wrong_state_shows_the_state_and_refuses_the_post(staff_client, kai_program):
    page = _text(staff_client.get(url("P2", "open")))
    assert "Only a draft phase can be opened; 2차 단계평가 is Open." in _section(
        page, "open-blocked", "</div>"
    )
    refused = _text(staff_client.post(url("P2", "open")))
    assert "Only a draft phase can be opened" in _section(refused, "error-summary", "</div>")
    assert phase("P2").status == Phase.Status.OPEN


def test_a_finalized_phase_sends_every_transition_back_to_its_page(staff_client, kai_program):
    for transition in ("open", "begin-evaluation", "finalize"):
        response = staff_client.post(url("P1", transition))
        assert (response.status_code, response["Location"]) == (302, f"/evaluations/phases/{phase('P1').pk}/")


def test_an_unknown_transition_is_a_404(staff_client, kai_program):
    assert staff_client.get(url("P2", "close")).status_code == 404


@pytest.mark.parametrize("transition", ["open", "begin-evaluation", "finalize"])
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.EVALUATOR, Role.CONSORTIUM_MEMBER])
def test_other_roles_get_403_on_every_transition_page(english, make_user, kai_program, role, transition):
    kwargs = {"organization": "LG AI Research", "consortium": "LG"} if role == Role.CONSORTIUM_MEMBER else {}
    english.force_login(make_user(role, **kwargs))
    assert english.get(url("P2", transition)).status_code == 403
    assert english.post(url("P2", transition)).status_code == 403
    assert phase("P2").status == Phase.Status.OPEN


def _next_transition(body: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="button" href="([^"]+)" data-testid="next-transition">([^<]+)</a>', body)


def test_the_phase_page_shows_staff_the_one_next_transition(staff_client, p2_ready, staff):
    assert _next_transition(_text(staff_client.get(f"/evaluations/phases/{phase('P3').pk}/"))) == [
        (url("P3", "open"), "Open phase…")
    ]
    assert _next_transition(_text(staff_client.get(f"/evaluations/phases/{p2_ready.pk}/"))) == [
        (url("P2", "begin-evaluation"), "Begin evaluation…")
    ]
    services.phase_begin_evaluation(phase=p2_ready, actor=staff)
    assert _next_transition(_text(staff_client.get(f"/evaluations/phases/{p2_ready.pk}/"))) == [
        (url("P2", "finalize"), "Finalize…")
    ]
    assert _next_transition(_text(staff_client.get(f"/evaluations/phases/{phase('P1').pk}/"))) == []


def test_the_phase_page_shows_no_transition_to_other_roles(english, make_user, kai_program):
    english.force_login(make_user(Role.AUDITOR, organization="Board of Audit and Inspection"))
    assert 'data-testid="next-transition"' not in _text(english.get(f"/evaluations/phases/{phase('P2').pk}/"))


def test_the_open_page_is_in_korean_by_default(client, staff, kai_program):
    client.force_login(staff)
    page = _text(client.get(url("P3", "open")))
    assert "최종 평가 (K-AI 정예팀 2곳) 시작" in page
    assert "이 단계는 아직 시작할 수 없습니다" in page
    assert "준비 현황" in page
