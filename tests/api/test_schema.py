"""The OpenAPI schema validates and documents authentication, filters and the error shape."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    # --validate checks against the OpenAPI 3 meta-schema; --fail-on-warn makes any generator warning fatal.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_schema_documents_token_and_session_auth(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert "cookieAuth" in schemes
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/consortia/"]["get"]["security"]


def test_schema_documents_the_filters(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/allocations/"]["get"]["parameters"]}
    assert {"consortium", "line", "category", "status", "fiscal_year", "active_on", "ordering"} <= names
    audit = {p["name"] for p in schema["paths"]["/api/v1/audit-events/"]["get"]["parameters"]}
    assert {"action", "actor", "occurred_after", "occurred_before", "cursor"} <= audit


def test_schema_documents_the_error_shape_on_every_operation(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "code"]
    row_error = error["properties"]["errors"]["oneOf"][1]["items"]["properties"]
    assert set(row_error) == {"row", "column", "reason"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert "401" in operation["responses"], (method, path)
    upload = schema["paths"]["/api/v1/result-uploads/"]["post"]["responses"]
    assert upload["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "409" in schema["paths"]["/api/v1/score-sheets/{id}/"]["put"]["responses"]


@pytest.mark.parametrize("action", ["open", "begin-evaluation", "finalize"])
def test_schema_documents_the_transitions_409(schema, action):
    responses = schema["paths"][f"/api/v1/phases/{{id}}/{action}/"]["post"]["responses"]
    assert responses["409"]["description"].startswith("The transition was refused")
    assert responses["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_schema_documents_readiness_and_the_transition_preview(schema):
    preview = schema["paths"]["/api/v1/phases/{id}/transition-preview/"]["get"]
    transition = next(p for p in preview["parameters"] if p["name"] == "transition")
    assert (transition["required"], transition["schema"]["enum"]) == (
        True,
        ["open", "begin-evaluation", "finalize"],
    )
    assert "200" in schema["paths"]["/api/v1/phases/{id}/readiness/"]["get"]["responses"]


def test_schema_declares_each_exports_filters_media_type_and_error_bodies(schema):
    results = schema["paths"]["/api/v1/exports/results.csv"]["get"]
    assert results["operationId"] == "exports_results_csv"
    assert {"phase", "consortium", "benchmark", "current", "labels"} <= {
        p["name"] for p in results["parameters"]
    }
    standings = schema["paths"]["/api/v1/exports/standings.xlsx"]["get"]
    phase = next(p for p in standings["parameters"] if p["name"] == "phase")
    assert phase["required"] is True
    assert list(standings["responses"]["200"]["content"]) == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ]
    rows = schema["paths"]["/api/v1/exports/budget-execution.json"]["get"]["responses"]["200"]["content"]
    row = rows["application/json"]["schema"]["items"]["properties"]
    assert row["amount_krw"]["type"] == "integer" and row["spent_on"]["format"] == "date"
    for code in ("403", "404"):
        assert standings["responses"][code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    assert "/api/v1/exports/{name}.{fmt}" not in schema["paths"]


def test_every_path_ends_with_a_slash_or_a_file_format(schema):
    assert [p for p in schema["paths"] if not p.endswith(("/", ".csv", ".xlsx", ".json", ".zip"))] == []


def test_schema_declares_the_audit_package(schema):
    package = schema["paths"]["/api/v1/exports/audit-package.zip"]["get"]
    assert package["operationId"] == "exports_audit_package_zip"
    assert [(p["name"], p["in"], p["required"]) for p in package["parameters"]] == [("phase", "query", True)]
    assert package["responses"]["200"]["content"] == {
        "application/zip": {"schema": {"type": "string", "format": "binary"}}
    }
    for code in ("400", "403", "404"):
        assert package["responses"][code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_served_schema_is_the_same_in_every_language(client):
    korean = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="ko").content
    english = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en").content
    assert korean == english
    # Names a generator turns into types, modules and functions are English (Korean appears only as data,
    # such as an example in a description).
    served = json.loads(english)
    names = list(served["components"]["schemas"])
    names += [op["operationId"] for ops in served["paths"].values() for op in ops.values()]
    names += re.findall(r'"title": "([^"]*)"', english.decode("utf-8"))
    assert [name for name in names if re.search("[\uac00-\ud7a3]", name)] == []
