"""What the schemathesis run (test_api_fuzz.py) found, pinned as plain tests so each fix stays fixed even if
the fuzzer's examples change. Each test names the bug it guards against."""

from __future__ import annotations

import pytest
import yaml
from django.db import connection
from rest_framework.test import APIClient

from common.roles import Role
from evaluations.services import standings_recompute

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(kai_program, make_user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(make_user(Role.MINISTRY_STAFF))
    return client


@pytest.fixture
def served_schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200, response.content[:300]
    return yaml.safe_load(response.content)


def test_date_time_filter_with_a_far_utc_offset_is_not_a_server_error(staff_api):
    # PostgreSQL refuses offsets beyond ±15:59 that Python accepts: this was a DataError (500).
    response = staff_api.get("/api/v1/standings/", {"computed_after": "0946-03-23T08:16:48+21:46"})
    assert response.status_code == 200
    for path, name in (
        ("/api/v1/audit-events/", "occurred_after"),
        ("/api/v1/result-uploads/", "uploaded_before"),
    ):
        assert staff_api.get(path, {name: "2026-01-15T09:00:00-23:59"}).status_code == 200


def test_date_time_before_the_year_one_in_utc_is_a_400_naming_the_filter(staff_api):
    response = staff_api.get("/api/v1/audit-events/", {"occurred_after": "0001-01-01T00:00:00+01:00"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"occurred_after"}


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/api/v1/gate-results/", {"offset": "false"}, "offset"),
        ("/api/v1/gate-results/", {"limit": "0"}, "limit"),
        ("/api/v1/gate-results/", {"offset": "-1"}, "offset"),
        ("/api/v1/gate-results/", {"offset": str(10**20)}, "offset"),
        ("/api/v1/audit-events/", {"page_size": "abc"}, "page_size"),
    ],
)
def test_bad_paging_parameters_are_refused_not_silently_replaced_by_page_one(staff_api, path, params, name):
    response = staff_api.get(path, params)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {name}


def test_good_and_empty_paging_parameters_still_work(staff_api):
    assert len(staff_api.get("/api/v1/gate-results/", {"limit": "2", "offset": "1"}).json()["results"]) == 2
    assert staff_api.get("/api/v1/gate-results/", {"limit": "", "offset": ""}).status_code == 200
    # Above the maximum the page is cut to the maximum, as DRF documents.
    assert staff_api.get("/api/v1/gate-results/", {"limit": "100000"}).status_code == 200


def test_nul_character_in_a_query_parameter_is_a_400_not_a_500(staff_api, client, make_user):
    # psycopg2 cannot send NUL in a string: get_object_or_404(BudgetLine, code="\x00") was a ValueError (500).
    response = staff_api.get("/api/v1/allocations/room/", {"line": "FY25\x00", "consortium": "LG"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "line" in response.json()["errors"]
    client.force_login(make_user(Role.MINISTRY_STAFF))
    page = client.get("/consortia/", {"q": "a\x00b"})
    assert page.status_code == 400


def test_unknown_yes_no_filter_value_is_a_400_not_every_row(staff_api):
    # ?active=yes used to be read as "no filter" and listed revoked tokens too.
    response = staff_api.get("/api/v1/tokens/", {"active": "yes"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"active"}
    assert staff_api.get("/api/v1/tokens/", {"active": "true"}).status_code == 200
    assert staff_api.get("/api/v1/benchmarks/", {"higher_is_better": ""}).status_code == 200


def test_room_treats_an_empty_fiscal_year_as_not_given(staff_api):
    response = staff_api.get(
        "/api/v1/allocations/room/", {"line": "FY25-GPU-LEASE", "consortium": "LG", "fiscal_year": ""}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/phases//open/", "/api/v1/phases/a%2Fb/", "/api/v1/no-such-thing/"])
def test_api_path_matching_no_route_answers_json_in_the_error_shape(staff_api, path):
    response = staff_api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_page_matching_no_route_is_still_the_html_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_schema_marks_nullable_relations_nullable(served_schema):
    components = served_schema["components"]["schemas"]
    for component, field in (
        ("Allocation", "frozen_in_phase"),
        ("Execution", "decided_by"),
        ("Consortium", "left_in_phase"),
        ("GateResult", "decided_by"),
        ("PanelResult", "criterion"),
        ("PhaseBenchmark", "consortium"),
    ):
        assert components[component]["properties"][field].get("nullable") is True, (component, field)


def test_standings_history_page_schema_has_no_count_but_the_latest_list_has(served_schema, staff_api):
    def page_schema(path):
        ref = served_schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["$ref"]
        return served_schema["components"]["schemas"][ref.rsplit("/", 1)[1]]

    assert "count" not in page_schema("/api/v1/standings-snapshots/")["properties"]
    assert "count" in page_schema("/api/v1/standings/")["properties"]
    assert "count" not in staff_api.get("/api/v1/standings-snapshots/").json()


def test_schema_declares_the_error_answers_with_their_shape(served_schema):
    upload = served_schema["paths"]["/api/v1/result-uploads/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "415", "429"} <= set(upload)
    assert upload["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "409" in served_schema["paths"]["/api/v1/score-sheets/{id}/"]["put"]["responses"]
    ping = served_schema["paths"]["/api/v1/ping/"]["get"]["responses"]
    assert "403" not in ping and "401" in ping  # anonymous allowed; a bad token is still refused
    assert served_schema["components"]["schemas"]["Error"]["required"] == ["detail", "code"]


def test_upload_rejection_body_matches_the_declared_error_schema(kai_program, make_user, served_schema):
    import jsonschema
    from django.core.files.uploadedfile import SimpleUploadedFile

    member = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    member.force_authenticate(
        make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    )
    body = member.post(
        "/api/v1/result-uploads/",
        {
            "phase": "P2",
            "consortium": "LG",
            "file": SimpleUploadedFile("r.csv", b"benchmark,score\nNOPE,1\n"),
        },
        format="multipart",
    ).json()
    jsonschema.validate(body, _openapi_to_jsonschema(served_schema["components"]["schemas"]["Error"]))
    assert body["errors"][0] == {"row": 2, "column": "benchmark", "reason": "unknown benchmark 'NOPE'"}


def _openapi_to_jsonschema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema types (enough for the Error component)."""
    if isinstance(node, dict):
        out = {k: _openapi_to_jsonschema(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable") and "type" in node:
            out["type"] = [node["type"], "null"]
        return out
    if isinstance(node, list):
        return [_openapi_to_jsonschema(v) for v in node]
    return node


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the far-offset DataError is PostgreSQL's")
def test_far_offset_still_filters_correctly_on_postgresql(staff_api, kai_program):
    from evaluations.models import Phase

    phase = Phase.objects.get(code="P2")
    standings_recompute(phase_id=phase.pk, trigger="test")
    # 23:59:59 at 23:58 east of UTC is 00:01:59 UTC that day: every snapshot was computed before it.
    before = staff_api.get("/api/v1/standings-snapshots/", {"computed_before": "2100-01-01T23:59:59+23:58"})
    assert before.status_code == 200 and before.json()["results"]
