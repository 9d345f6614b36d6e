"""Every endpoint × role × method: the denials are asserted, not only the allows.

Expected outcomes: a role outside the endpoint's readers gets 403 on GET; a role outside its writers
gets 403 on every write method (never 2xx, never a validation error that would reveal the write path).
Writers get something other than 401/403 (2xx, a 4xx validation error, or 405 where the method is absent).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from common.roles import Role

pytestmark = pytest.mark.django_db

ALL = frozenset(Role)
STAFF = frozenset({Role.MINISTRY_STAFF})
READERS = frozenset({Role.MINISTRY_STAFF, Role.AUDITOR})
MEMBER = frozenset({Role.CONSORTIUM_MEMBER})
EVALUATOR = frozenset({Role.EVALUATOR})
TEAM_READERS = READERS | MEMBER
PANEL_READERS = READERS | EVALUATOR
NONE: frozenset = frozenset()


@dataclass(frozen=True)
class Endpoint:
    list_url: str
    readers: frozenset
    writers: frozenset
    write_body: dict | None = None  # body for POST on the list URL
    post_writers: frozenset | None = None  # who may POST, where it differs from the other write methods
    has_detail: bool = True


ENDPOINTS = [
    Endpoint("/api/v1/organizations/", ALL, STAFF),
    Endpoint("/api/v1/partnerships/", ALL, STAFF),
    Endpoint("/api/v1/consortia/", ALL, STAFF),
    Endpoint("/api/v1/audit-events/", READERS, NONE),
    Endpoint("/api/v1/tokens/", STAFF, STAFF, {"name": "x"}),
    Endpoint("/api/v1/users/", STAFF, STAFF),
    Endpoint("/api/v1/phases/", ALL, STAFF),
    Endpoint("/api/v1/benchmarks/", ALL, NONE),
    Endpoint("/api/v1/result-uploads/", TEAM_READERS, MEMBER),
    Endpoint("/api/v1/assignments/", PANEL_READERS, STAFF),
    Endpoint("/api/v1/score-sheets/", PANEL_READERS, EVALUATOR),
    Endpoint("/api/v1/gate-results/", READERS, STAFF),
    Endpoint("/api/v1/panel-results/", READERS, STAFF),
    Endpoint("/api/v1/rubric-components/", ALL, STAFF),
    Endpoint("/api/v1/rubric-criteria/", ALL, STAFF),
    Endpoint("/api/v1/gates/", ALL, STAFF),
    Endpoint("/api/v1/phase-benchmarks/", ALL, STAFF),
    Endpoint("/api/v1/target-models/", ALL, STAFF),
    Endpoint("/api/v1/reference-scores/", ALL, STAFF),
    Endpoint("/api/v1/phase-participants/", ALL, STAFF),
    Endpoint("/api/v1/standings/", ALL, NONE),
    Endpoint("/api/v1/standings-snapshots/", ALL, NONE),
    Endpoint("/api/v1/deadline-extensions/", TEAM_READERS, STAFF),
    Endpoint("/api/v1/budget-lines/", TEAM_READERS, STAFF),
    Endpoint("/api/v1/allocations/", TEAM_READERS, STAFF),
    Endpoint("/api/v1/executions/", TEAM_READERS, STAFF, post_writers=STAFF | MEMBER),
    Endpoint("/api/v1/gpu-usage/", TEAM_READERS, MEMBER),
    Endpoint("/api/v1/dashboard/summary/", READERS, NONE, has_detail=False),
]
WRITE_METHODS = ("post", "put", "patch", "delete")

# Actions on one object: (URL template, who may POST). {phase}, {line}, {consortium} are filled per test.
ACTIONS = [
    ("/api/v1/phases/{phase}/open/", STAFF),
    ("/api/v1/phases/{phase}/begin-evaluation/", STAFF),
    ("/api/v1/phases/{phase}/weights/", STAFF),
    ("/api/v1/phases/{phase}/next/", STAFF),
    ("/api/v1/phases/{phase}/finalize/", STAFF),
    ("/api/v1/phases/{phase}/what-if/", READERS),
    ("/api/v1/budget-lines/{line}/amend/", STAFF),
    ("/api/v1/consortia/{consortium}/partners/", STAFF),
    ("/api/v1/consortia/{consortium}/withdraw/", STAFF),
    ("/api/v1/partnerships/{partnership}/end/", STAFF),
    ("/api/v1/executions/1/approve/", STAFF),
    ("/api/v1/executions/1/reject/", STAFF),
    ("/api/v1/tokens/1/revoke/", STAFF),
    ("/api/v1/users/{user}/deactivate/", STAFF),
    ("/api/v1/users/{user}/reactivate/", STAFF),
    ("/api/v1/users/{user}/password-link/", STAFF),
]


def _ids(endpoint):
    return endpoint.list_url


ROLES = [None, *Role]


def _expected_ok(role, allowed) -> bool:
    return role is not None and role in allowed


def _check(failures: list, role, method, url, response, allowed) -> None:
    """Denied: anonymous gets 401/403 and every other outsider exactly 403; allowed: anything but 401/403."""
    code = response.status_code
    name = role.value if role else "anonymous"
    if role is None:
        ok = code in (401, 403)
    elif role in allowed:
        ok = code not in (401, 403)
    else:
        ok = code == 403
    if not ok:
        failures.append(f"{name} {method.upper()} {url} -> {code}")


# One test per endpoint (the program is loaded once per test); inside, every role x method is checked
# and every mismatch is reported together.
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
def test_endpoint_role_method_matrix(endpoint, api_as):
    failures: list[str] = []
    for role in ROLES:
        client = api_as(role)
        response = client.get(endpoint.list_url)
        if _expected_ok(role, endpoint.readers):
            if response.status_code != 200:
                failures.append(f"{role.value} GET {endpoint.list_url} -> {response.status_code}")
        else:
            _check(failures, role, "get", endpoint.list_url, response, endpoint.readers)
        for method in WRITE_METHODS:
            detail = (
                endpoint.list_url
                if (method == "post" or not endpoint.has_detail)
                else endpoint.list_url + "1/"
            )
            allowed = (
                endpoint.post_writers
                if method == "post" and endpoint.post_writers is not None
                else endpoint.writers
            )
            response = getattr(client, method)(detail, endpoint.write_body or {}, format="json")
            _check(failures, role, method, detail, response, allowed)
    assert failures == []


def test_auditor_can_never_write_anything(api_as):
    client = api_as(Role.AUDITOR)
    for endpoint in ENDPOINTS:
        assert client.post(endpoint.list_url, {}, format="json").status_code == 403


@pytest.mark.parametrize(("template", "allowed"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_action_role_matrix(template, allowed, api_as, role_users):
    from budget.models import BudgetLine
    from consortia.models import Consortium, Partnership
    from evaluations.models import Phase

    url = template.format(
        partnership=Partnership.objects.filter(consortium__code="LG", role="partner").first().pk,
        phase=Phase.objects.get(code="P3").pk,
        line=BudgetLine.objects.get(code="FY25-TALENT").pk,
        consortium=Consortium.objects.get(code="LG").pk,
        user=role_users[Role.EVALUATOR].pk,
    )
    failures: list[str] = []
    for role in ROLES:
        _check(failures, role, "post", url, api_as(role).post(url, {}, format="json"), allowed)
    assert failures == []


# Actions answering PUT only (POST is 405 for those allowed): (URL template, who may PUT).
PUT_ACTIONS = [
    ("/api/v1/phases/{phase}/deadlines/", STAFF),
]


@pytest.mark.parametrize(("template", "allowed"), PUT_ACTIONS, ids=[a[0] for a in PUT_ACTIONS])
def test_put_action_role_matrix(template, allowed, api_as):
    from evaluations.models import Phase

    url = template.format(phase=Phase.objects.get(code="P3").pk)
    failures: list[str] = []
    for role in ROLES:
        client = api_as(role)
        _check(failures, role, "put", url, client.put(url, {}, format="json"), allowed)
        _check(failures, role, "post", url, client.post(url, {}, format="json"), allowed)
        if role in allowed:
            # Allowed to write, but the action is PUT only; an empty body is bad input, not a write.
            assert client.post(url, {}, format="json").status_code == 405
            assert client.put(url, {}, format="json").status_code == 400
    assert failures == []


# Read-only actions on one object: (URL template, who may GET). The others get 403 (anonymous 401/403).
GET_ACTIONS = [
    ("/api/v1/phases/{phase}/finalize-preview/", READERS),
    ("/api/v1/phases/{phase}/readiness/", READERS),
    ("/api/v1/phases/{phase}/transition-preview/?transition=open", READERS),
    ("/api/v1/phases/{phase}/transition-preview/?transition=begin-evaluation", READERS),
    ("/api/v1/phases/{phase}/transition-preview/?transition=finalize", READERS),
]


@pytest.mark.parametrize(("template", "allowed"), GET_ACTIONS, ids=[a[0] for a in GET_ACTIONS])
def test_get_action_role_matrix(template, allowed, api_as):
    from evaluations.models import Phase

    url = template.format(phase=Phase.objects.get(code="P2").pk)
    failures: list[str] = []
    for role in ROLES:
        client = api_as(role)
        response = client.get(url)
        if _expected_ok(role, allowed):
            if response.status_code != 200:
                failures.append(f"{role.value} GET {url} -> {response.status_code}")
        else:
            _check(failures, role, "get", url, response, allowed)
        # Nobody writes through a preview: staff (the phase's writers) get 405, the others are refused first.
        posted = client.post(url, {}, format="json").status_code
        if posted != (405 if role == Role.MINISTRY_STAFF else 403) and not (role is None and posted == 401):
            failures.append(f"{role.value if role else 'anonymous'} POST {url} -> {posted}")
    assert failures == []


def test_get_only_actions_are_scoped(api_as):
    from evaluations.models import Phase

    p1 = Phase.objects.get(code="P1").pk
    assert api_as(Role.MINISTRY_STAFF).get(f"/api/v1/phases/{p1}/finalize-preview/").status_code == 200
    for role in (Role.EVALUATOR, Role.CONSORTIUM_MEMBER):
        assert api_as(role).get(f"/api/v1/phases/{p1}/finalize-preview/").status_code == 403
    assert (
        api_as(Role.MINISTRY_STAFF)
        .get("/api/v1/allocations/room/", {"line": "FY25-DATA", "consortium": "LG"})
        .status_code
        == 200
    )
    for role in (Role.AUDITOR, Role.EVALUATOR, Role.CONSORTIUM_MEMBER):
        assert (
            api_as(role)
            .get("/api/v1/allocations/room/", {"line": "FY25-DATA", "consortium": "LG"})
            .status_code
            == 403
        )


# --- issue 12's endpoints, on rows that exist ------------------------------------------------------------
# The matrix above writes to ``/1/``, which may not exist (then the writers' answer is a 404 and no
# object-level check runs). Here each set-up, registry and account endpoint is read and written on a real
# row, every role in turn: readers get 200 on the detail, the others 403; writers get past the permission
# check (2xx or a refusal of the empty body), and every denied write leaves the row exactly as it was.


def _issue12_rows(role_users) -> dict[str, object]:
    import datetime as dt

    from consortia.models import Consortium, Organization, Partnership
    from evaluations import services
    from evaluations.deadlines import KST
    from evaluations.models import (
        Phase,
        PhaseBenchmark,
        PhaseParticipant,
        ReferenceScore,
        RubricComponent,
        RubricCriterion,
        RubricGate,
        TargetModel,
    )

    staff = role_users[Role.MINISTRY_STAFF]
    p2 = Phase.objects.get(code="P2")
    due = dt.datetime(2026, 12, 31, 18, 0, tzinfo=KST)
    services.phase_deadlines_set(phase=p2, submission_deadline=due, scoring_deadline=None, actor=staff)
    lg = Consortium.objects.get(code="LG")
    return {
        "/api/v1/phases/": Phase.objects.get(code="P3"),
        "/api/v1/rubric-components/": RubricComponent.objects.get(phase=p2, key="user"),
        "/api/v1/rubric-criteria/": RubricCriterion.objects.filter(component__phase=p2).first(),
        "/api/v1/gates/": RubricGate.objects.get(phase=p2, key="originality"),
        "/api/v1/phase-benchmarks/": PhaseBenchmark.objects.filter(phase=p2).first(),
        "/api/v1/target-models/": TargetModel.objects.get(phase=p2, consortium=lg),
        "/api/v1/reference-scores/": ReferenceScore.objects.order_by("pk").first(),
        "/api/v1/phase-participants/": PhaseParticipant.objects.get(phase=p2, consortium=lg),
        "/api/v1/deadline-extensions/": services.deadline_extension_grant(
            phase=p2, consortium=lg, deadline=due + dt.timedelta(days=2), reason="GPU outage", actor=staff
        ),
        "/api/v1/organizations/": Organization.objects.get(name_en="LG AI Research"),
        "/api/v1/partnerships/": Partnership.objects.filter(consortium=lg, role="partner").first(),
        "/api/v1/consortia/": lg,
        "/api/v1/users/": role_users[Role.EVALUATOR],
    }


ISSUE12_DETAIL = [
    "/api/v1/phases/",
    "/api/v1/rubric-components/",
    "/api/v1/rubric-criteria/",
    "/api/v1/gates/",
    "/api/v1/phase-benchmarks/",
    "/api/v1/target-models/",
    "/api/v1/reference-scores/",
    "/api/v1/phase-participants/",
    "/api/v1/deadline-extensions/",
    "/api/v1/organizations/",
    "/api/v1/partnerships/",
    "/api/v1/consortia/",
    "/api/v1/users/",
]


def _row_state(row) -> dict:
    return type(row).objects.filter(pk=row.pk).values().first()


@pytest.mark.parametrize("list_url", ISSUE12_DETAIL)
def test_issue12_detail_role_method_matrix_on_a_real_row(list_url, api_as, role_users):
    endpoint = next(e for e in ENDPOINTS if e.list_url == list_url)
    row = _issue12_rows(role_users)[list_url]
    url = f"{list_url}{row.pk}/"
    before = _row_state(row)
    failures: list[str] = []
    # The writers last: a writer's DELETE may remove the row the others are checked against.
    for role in sorted(ROLES, key=lambda r: r is not None and r in endpoint.writers):
        client = api_as(role)
        response = client.get(url)
        if _expected_ok(role, endpoint.readers):
            if response.status_code != 200:
                failures.append(f"{role.value} GET {url} -> {response.status_code}")
        else:
            _check(failures, role, "get", url, response, endpoint.readers)
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(url, {}, format="json")
            _check(failures, role, method, url, response, endpoint.writers)
        if not _expected_ok(role, endpoint.writers) and _row_state(row) != before:
            failures.append(f"{role.value if role else 'anonymous'} changed {url}")


# Downloads (GET only, nobody writes through them): (URL, who may GET). Each is asked with a phase that
# has data, so an allowed role gets the file.
DOWNLOADS = [
    ("/api/v1/exports/audit-package.zip?phase=P1", READERS),
    ("/api/v1/exports/gate-decisions.csv?phase=P1", READERS),
]


@pytest.mark.parametrize(("url", "allowed"), DOWNLOADS, ids=[d[0] for d in DOWNLOADS])
def test_download_role_matrix(url, allowed, api_as):
    failures: list[str] = []
    for role in ROLES:
        client = api_as(role)
        response = client.get(url)
        if _expected_ok(role, allowed):
            if response.status_code != 200:
                failures.append(f"{role.value} GET {url} -> {response.status_code}")
        else:
            _check(failures, role, "get", url, response, allowed)
        for method in WRITE_METHODS:
            _check(failures, role, method, url, getattr(client, method)(url, {}, format="json"), NONE)
    assert failures == []
