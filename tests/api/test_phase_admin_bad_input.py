"""Issue 12's "Bad input" list, each case through the API and through the browser form: refused with a
message that names the field, and nothing saved (every row of the tables these writes touch, and the audit
trail, compared before and after).

The cases: rubric weights not adding up to 100, a deadline before the phase opens, a participant that is
eliminated or already in the phase, a duplicate benchmark, a transition from the wrong state, a username or
an email address already taken.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from common.models import AuditEvent
from common.roles import Role
from consortia.models import Affiliation, Consortium, Organization
from evaluations.models import Benchmark, Phase, PhaseBenchmark, PhaseParticipant, RubricComponent

pytestmark = pytest.mark.django_db

User = get_user_model()
TAKEN_EMAIL = "auditor@bai.example.kr"
# The participant picker offers only the teams that may be added, so a forged choice gets Django's own
# refusal at the field (test_participant_picker_offers_only_the_teams_that_may_be_added).
NOT_OFFERED = r"Select a valid choice\. That choice is not one of the available choices\."


def pk(code: str) -> int:
    return Phase.objects.get(code=code).pk


def team(code: str) -> int:
    return Consortium.objects.get(code=code).pk


def nia() -> int:
    return Organization.objects.get(name_en="National Information Society Agency").pk


@dataclass(frozen=True)
class Case:
    id: str
    field: str  # the API's error key (non_field_errors for a transition, which concerns no one field)
    words: str  # what the message must say (a regular expression)
    api: Callable[[], tuple[str, str, dict]]  # -> (method, URL, JSON body)
    form: Callable[[], tuple[str, dict]]  # -> (page URL, POST data)
    form_field: str | None  # the id of the form field the message is shown at (None: the error summary)
    status: int = 400
    form_words: str | None = None  # where the page says it otherwise


def _new_user(**overrides) -> dict:
    return {
        "username": "han.eval",
        "email": "han@nia.example.kr",
        "first_name": "지민",
        "last_name": "한",
        "role": "evaluator",
        "organization": nia(),
        **overrides,
    }


def _form_user(**overrides) -> dict:
    return {**_new_user(**overrides), "consortium": "", "title": "", "password": ""}


def _setup(code: str) -> str:
    return f"/evaluations/phases/{pk(code)}/setup/"


CASES = [
    Case(
        "weights-not-100",
        "weights",
        r"add up to 100 \(they add up to 105(\.00)?\)",
        lambda: (
            "post",
            f"/api/v1/phases/{pk('P2')}/weights/",
            {"weights": {"benchmark": 40, "expert": 35, "user": 30}},
        ),
        lambda: (
            _setup("P2"),
            {
                "form": "weights",
                "weights-weight_benchmark": "40",
                "weights-weight_expert": "35",
                "weights-weight_user": "30",
            },
        ),
        None,  # one message about all the weights, above their fields
    ),
    Case(
        "deadline-before-the-phase-opens",
        "submission_deadline",
        r"The results submission deadline \(2026-01-14 23:00 KST\) cannot be before the phase opens",
        lambda: (
            "put",
            f"/api/v1/phases/{pk('P2')}/deadlines/",
            {"submission_deadline": "2026-01-14T23:00:00+09:00", "scoring_deadline": None},
        ),
        lambda: (
            f"/evaluations/phases/{pk('P2')}/deadlines/",
            {
                "kind": "deadlines",
                "deadlines-submission_deadline": "2026-01-14T23:00",
                "deadlines-scoring_deadline": "",
            },
        ),
        "id_deadlines-submission_deadline",
    ),
    Case(
        "participant-eliminated",
        "consortium",
        r"no longer active",
        lambda: ("post", "/api/v1/phase-participants/", {"phase": "P3", "consortium": "NCAI"}),
        lambda: (_setup("P3"), {"form": "participant_add", "participant-consortium": team("NCAI")}),
        "id_participant-consortium",
        form_words=NOT_OFFERED,
    ),
    Case(
        "participant-already-in-the-phase",
        "consortium",
        r"already takes part",
        lambda: ("post", "/api/v1/phase-participants/", {"phase": "P2", "consortium": "LG"}),
        lambda: (_setup("P2"), {"form": "participant_add", "participant-consortium": team("LG")}),
        "id_participant-consortium",
        form_words=NOT_OFFERED,
    ),
    Case(
        "duplicate-benchmark",
        "benchmark",
        r"already in the benchmark set",
        lambda: (
            "post",
            "/api/v1/phase-benchmarks/",
            {"phase": "P2", "benchmark": "MMLU-Pro", "group": "agency"},
        ),
        lambda: (
            _setup("P2"),
            {
                "form": "benchmark_add",
                "benchmark-add-benchmark": Benchmark.objects.get(code="MMLU-Pro").pk,
                "benchmark-add-group": "agency",
            },
        ),
        "id_benchmark-add-benchmark",
    ),
    Case(
        "transition-from-the-wrong-state",
        "non_field_errors",
        r"Only a draft phase can be opened; 2차 단계평가 is Open\.",
        lambda: ("post", f"/api/v1/phases/{pk('P2')}/open/", {}),
        lambda: (f"/evaluations/phases/{pk('P2')}/open/", {}),
        None,
        status=409,
    ),
    Case(
        "username-taken",
        "username",
        r"The username “Taken\.Auditor” is already taken\.",
        lambda: ("post", "/api/v1/users/", _new_user(username="Taken.Auditor")),
        lambda: ("/accounts/users/new/", _form_user(username="Taken.Auditor")),
        "id_username",
    ),
    Case(
        "email-taken",
        "email",
        r"The email address AUDITOR@bai\.example\.kr is already used by the account “taken\.auditor”\.",
        lambda: ("post", "/api/v1/users/", _new_user(email=TAKEN_EMAIL.upper())),
        lambda: ("/accounts/users/new/", _form_user(email=TAKEN_EMAIL.upper())),
        "id_email",
    ),
]


def everything_these_writes_touch() -> dict:
    return {
        "phases": list(Phase.objects.order_by("pk").values()),
        "participants": list(PhaseParticipant.objects.order_by("pk").values()),
        "benchmark_set": list(PhaseBenchmark.objects.order_by("pk").values()),
        "rubric": list(RubricComponent.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "username", "email", "is_active", "password")),
        "affiliations": list(Affiliation.objects.order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", "hash")),
    }


@pytest.fixture
def world(p2_ready, role_users):
    """P2 open with MMLU-Pro and GPQA-Diamond in its set; P3 a draft; NCAI eliminated in P1; the auditor's
    account holds the username and email address that are taken."""
    auditor = role_users[Role.AUDITOR]
    auditor.username, auditor.email = "taken.auditor", TAKEN_EMAIL
    auditor.save(update_fields=["username", "email"])
    return role_users


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_api_refuses_naming_the_field_and_saves_nothing(case, world, api_as):
    method, url, body = case.api()
    before = everything_these_writes_touch()
    response = getattr(api_as(Role.MINISTRY_STAFF), method)(url, body, format="json")
    assert response.status_code == case.status, response.content
    errors = response.json()["errors"]
    assert list(errors) == [case.field]
    assert re.search(case.words, " ".join(errors[case.field])), errors
    assert everything_these_writes_touch() == before


def _field_error(page: str, field_id: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def _error_summary(page: str) -> str:
    start = page.find("error-summary")
    return html.unescape(page[start : page.find("</div>", start)]) if start >= 0 else ""


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_browser_form_refuses_naming_the_field_and_saves_nothing(case, world, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world[Role.MINISTRY_STAFF])
    url, data = case.form()
    before = everything_these_writes_touch()
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, not a redirect to a saved page
    page = response.content.decode()
    if case.form_field is None:
        message = _error_summary(page)
    else:
        message = _field_error(page, case.form_field)
        assert message is not None, _error_summary(page)[:800]
        assert f'href="#{case.form_field}"' in page  # the error summary links to the field
    assert re.search(case.form_words or case.words, message), message
    assert everything_these_writes_touch() == before


def test_participant_picker_offers_only_the_teams_that_may_be_added(world, client):
    client.force_login(world[Role.MINISTRY_STAFF])
    draft = client.get(_setup("P3")).content.decode()
    picker = draft.split('name="participant-consortium"')[1].split("</select>")[0]
    assert f'value="{team("LG")}"' in picker and f'value="{team("NCAI")}"' not in picker
    running = client.get(_setup("P2")).content.decode()  # every active team already takes part
    picker = running.split('name="participant-consortium"')[1].split("</select>")[0]
    assert f'value="{team("LG")}"' not in picker and f'value="{team("MOTIF")}"' not in picker
