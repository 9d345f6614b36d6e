"""The lifecycle through /api/v1/: readiness, transition previews, and the transitions' answers (200 when
done; 409 with the reasons when the phase is in the wrong state or the transition is blocked)."""

from __future__ import annotations

import pytest

from common.roles import Role
from evaluations import services
from evaluations.models import Phase
from tests.p2_data import LEADS, team

pytestmark = pytest.mark.django_db


def pk(code: str) -> int:
    return Phase.objects.get(code=code).pk


def test_readiness_lists_every_participant_with_each_required_input(api_as, p2_ready):
    response = api_as(Role.AUDITOR).get(f"/api/v1/phases/{p2_ready.pk}/readiness/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["phase"], body["complete"], body["missing_count"]) == ("P2", False, 16)
    assert [c["key"] for c in body["columns"]] == [
        "results",
        "sheets:expert",
        "panel:user",
        "gate:originality",
    ]
    assert [r["consortium"] for r in body["rows"]] == sorted(LEADS)
    lg = next(r for r in body["rows"] if r["consortium"] == "LG")
    assert lg["name"] == team("LG").name
    assert lg["cells"][0] == {
        "column": "results",
        "kind": "results",
        "complete": False,
        "text": "no upload",
        "url": "/evaluations/upload/?phase=P2&consortium=LG",
        "done": None,
        "required": 2,
        "gate": None,
    }
    assert lg["cells"][3]["gate"] == "undecided"
    assert lg["cells"][3]["url"] == f"/evaluations/phases/{p2_ready.pk}/gates/"


def test_open_preview_lists_the_blockers_and_the_post_is_refused_with_them(api_as, kai_program):
    staff = api_as(Role.MINISTRY_STAFF)
    p3 = pk("P3")
    preview = staff.get(f"/api/v1/phases/{p3}/transition-preview/", {"transition": "open"}).json()
    assert (preview["transition"], preview["from_status"], preview["to_status"], preview["allowed"]) == (
        "open",
        "draft",
        "open",
        False,
    )
    assert preview["blockers"] == [
        {"message": "The phase has no participants.", "code": "transition_blocked"},
        {"message": "The phase has no rubric components.", "code": "transition_blocked"},
    ]
    assert preview["warnings"] == ["The benchmark set is empty."]
    assert preview["outcomes"] is None
    assert preview["readiness"]["rows"] == []
    refused = staff.post(f"/api/v1/phases/{p3}/open/")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "transition_blocked"
    assert body["errors"] == {"non_field_errors": [b["message"] for b in preview["blockers"]]}
    assert body["detail"] == "The phase has no participants. The phase has no rubric components."
    assert Phase.objects.get(pk=p3).status == Phase.Status.DRAFT


def test_begin_evaluation_then_again_is_a_409_naming_the_state(api_as, p2_ready):
    staff = api_as(Role.MINISTRY_STAFF)
    preview = staff.get(
        f"/api/v1/phases/{p2_ready.pk}/transition-preview/?transition=begin-evaluation"
    ).json()
    assert preview["allowed"] is True and len(preview["warnings"]) == 4
    done = staff.post(f"/api/v1/phases/{p2_ready.pk}/begin-evaluation/")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "evaluating"
    again = staff.post(f"/api/v1/phases/{p2_ready.pk}/begin-evaluation/")
    assert again.status_code == 409
    assert again.json() == {
        "detail": "Only an open phase can begin its evaluation; 2차 단계평가 is Evaluating.",
        "code": "transition_state",
        "errors": {
            "non_field_errors": ["Only an open phase can begin its evaluation; 2차 단계평가 is Evaluating."]
        },
    }
    opened = staff.post(f"/api/v1/phases/{p2_ready.pk}/open/")
    assert (opened.status_code, opened.json()["code"]) == (409, "transition_state")


def test_finalize_blocked_by_unranked_teams_is_a_409_and_its_preview_says_why(api_as, p2_ready, staff):
    services.phase_begin_evaluation(phase=p2_ready, actor=staff)
    client = api_as(Role.MINISTRY_STAFF)
    preview = client.get(f"/api/v1/phases/{p2_ready.pk}/transition-preview/?transition=finalize").json()
    assert preview["allowed"] is False
    assert preview["outcomes"]["advancing"] == [] and preview["outcomes"]["next_phase"] == "P3"
    refused = client.post(f"/api/v1/phases/{p2_ready.pk}/finalize/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "transition_blocked"
    assert refused.json()["errors"]["non_field_errors"] == [b["message"] for b in preview["blockers"]]


def test_finalize_of_a_finalized_phase_is_a_409(api_as, kai_program):
    response = api_as(Role.MINISTRY_STAFF).post(f"/api/v1/phases/{pk('P1')}/finalize/")
    assert response.status_code == 409
    assert response.json()["detail"] == "1차 단계평가 is finalized and read-only: finalizing is not possible."


@pytest.mark.parametrize("query", [{}, {"transition": "close"}])
def test_transition_preview_needs_a_known_transition(api_as, kai_program, query):
    response = api_as(Role.MINISTRY_STAFF).get(f"/api/v1/phases/{pk('P2')}/transition-preview/", query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["transition"]


def test_the_whole_lifecycle_through_the_api(api_as, p2_complete):
    client = api_as(Role.MINISTRY_STAFF)
    p2 = p2_complete["phase"]
    preview = client.get(f"/api/v1/phases/{p2.pk}/transition-preview/?transition=finalize").json()
    assert preview["allowed"] is True and preview["readiness"]["complete"] is True
    assert preview["outcomes"]["eliminated_on_points"] == ["MOTIF"]
    assert client.post(f"/api/v1/phases/{p2.pk}/finalize/").status_code == 200
    assert Phase.objects.get(pk=p2.pk).status == Phase.Status.FINALIZED
    p3 = pk("P3")  # the three advancing teams are now its participants; it still lacks a rubric
    assert client.post(f"/api/v1/phases/{p3}/open/").json()["detail"] == "The phase has no rubric components."
