"""The answers that used to be free-form JSON follow their typed schema exactly: the dashboard summary,
finalize-preview, what-if, a standings snapshot's table rows and an audit event's envelope. Each answer is
checked against the served /api/schema/, every object with exactly its declared keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache

from common.audit import audit_record
from common.roles import Role
from evaluations.models import Phase
from evaluations.services import standings_recompute

pytestmark = pytest.mark.django_db

_TYPES = {
    "integer": int,
    "number": (int, float),
    "string": str,
    "boolean": bool,
    "array": list,
    "object": dict,
}


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


def _resolve(schema: dict, node: dict) -> dict:
    while True:
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}}
        else:
            return node


def _check(schema: dict, node: dict, value, path: str, problems: list[str]) -> None:
    nullable = node.get("nullable", False)
    node = _resolve(schema, node)
    if value is None:
        if not (nullable or node.get("nullable")):
            problems.append(f"{path}: null where not nullable")
        return
    if "enum" in node and value not in node["enum"]:
        problems.append(f"{path}: {value!r} not in {node['enum']}")
    kind = node.get("type")
    if kind is None:
        problems.append(f"{path}: untyped in the schema")
        return
    if not isinstance(value, _TYPES[kind]) or (kind in ("integer", "number") and isinstance(value, bool)):
        problems.append(f"{path}: {value!r} is not {kind}")
        return
    if node.get("format") == "date-time":
        if not value.endswith("+09:00"):
            problems.append(f"{path}: {value} breaks the time-zone rule")
        dt.datetime.fromisoformat(value)
    elif node.get("format") == "date":
        dt.date.fromisoformat(value)
    elif node.get("format") == "decimal":
        Decimal(value)
    if kind == "array":
        for index, item in enumerate(value):
            _check(schema, node["items"], item, f"{path}[{index}]", problems)
    elif kind == "object":
        properties = node.get("properties", {})
        if node.get("additionalProperties") is not True and set(value) != set(properties):
            problems.append(f"{path}: keys {sorted(value)} != declared {sorted(properties)}")
        for key, item in value.items():
            if key in properties:
                _check(schema, properties[key], item, f"{path}.{key}", problems)


def _response_schema(schema: dict, path: str, method: str) -> dict:
    return schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]


def _assert_follows(schema, path, method, value) -> None:
    problems: list[str] = []
    _check(schema, _response_schema(schema, path, method), value, "answer", problems)
    assert problems == []


def test_dashboard_summary_follows_its_schema(api_as, kai_program, schema):
    cache.clear()
    for code in ("P1", "P2"):
        standings_recompute(phase_id=Phase.objects.get(code=code).pk, trigger="test")
    body = api_as(Role.AUDITOR).get("/api/v1/dashboard/summary/").json()
    assert body["standings"]["rows"] and body["budget"]["frozen_allocations"]
    _assert_follows(schema, "/api/v1/dashboard/summary/", "get", body)
    cache.clear()


def test_finalize_preview_and_what_if_follow_their_schema(api_as, kai_program, schema):
    client = api_as(Role.AUDITOR)
    for code in ("P1", "P2"):
        pk = Phase.objects.get(code=code).pk
        preview = client.get(f"/api/v1/phases/{pk}/finalize-preview/").json()
        assert preview["table"]
        _assert_follows(schema, "/api/v1/phases/{id}/finalize-preview/", "get", preview)
    p1 = Phase.objects.get(code="P1").pk
    what_if = client.post(f"/api/v1/phases/{p1}/what-if/", {"cut_count": 2}, format="json").json()
    assert what_if["changes"] and what_if["table"]
    _assert_follows(schema, "/api/v1/phases/{id}/what-if/", "post", what_if)


def test_standings_snapshot_table_rows_are_typed(api_as, kai_program, schema):
    standings_recompute(phase_id=Phase.objects.get(code="P1").pk, trigger="test")
    page = api_as(Role.AUDITOR).get("/api/v1/standings-snapshots/").json()
    assert page["results"][0]["table"][0]["components"]
    _assert_follows(schema, "/api/v1/standings-snapshots/", "get", page)
    row = _resolve(schema, schema["components"]["schemas"]["StandingsRow"])
    assert {"components", "gates", "outcome"} <= set(row["required"])


def test_audit_event_envelope_is_typed(api_as, role_users, schema):
    audit_record(
        actor=role_users[Role.MINISTRY_STAFF],
        action="update",
        object_type="test.envelope",
        before={"amount": 1},
        after={"amount": 2},
        extra={"why": "test"},
    )
    page = api_as(Role.AUDITOR).get("/api/v1/audit-events/", {"object_type": "test.envelope"}).json()
    event = page["results"][0]
    assert (event["before"], event["after"], event["context"]["extra"]) == (
        {"amount": 1},
        {"amount": 2},
        {"why": "test"},
    )
    _assert_follows(schema, "/api/v1/audit-events/", "get", page)
    envelope = schema["components"]["schemas"]["AuditEvent"]["properties"]
    assert envelope["before"]["type"] == envelope["after"]["type"] == envelope["context"]["type"] == "object"
    assert "request_id" in envelope["context"]["properties"]
