"""Hostile and broken input at every form endpoint (not uploads: see test_bad_input.py), through the API and
through the browser forms.

Endpoints: the evaluator's score sheet, panel results, gate decisions, allocations, budget-line amendments
and rejecting spending. Each case of an endpoint's catalogue is one subtest in a savepoint that is rolled
back afterwards, so the program is loaded once per test. A refused case must answer 400 (API, in the
project's error shape, keyed by the input at fault) or the form again (browser, no redirect), with words that
name the problem, and leave the database exactly as it was: the endpoint's tables, the audit table and every
phase's standings generation. Odd text that is valid (HTML, SQL-looking, a spreadsheet formula) must be
stored as given, escaped on every page that shows it and neutralised in the CSV exports that carry it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from budget.models import Allocation, BudgetLine, BudgetLineAmendment, Execution
from budget.services import execution_record
from common.exports import FORMULA_TRIGGERS
from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium
from evaluations import services
from evaluations.models import CriterionScore, GateResult, PanelResult, Phase, ScoreSheet
from tests.p2_data import p2_component, p2_criteria, p2_gate
from tests.reliability.hostile import FORMULA, SCRIPT, SQL, export_cells, pages_escape

pytestmark = pytest.mark.django_db

LG_LEAD = "LG AI Research"
NUL = "before\x00after"
OVER_LONG = "x" * 100_000
BEYOND_BIGINT = 10**30
ODD_TEXTS = {"html": SCRIPT, "sql": SQL, "formula": FORMULA}
TOO_LONG_WORDS = r"at most \d+ characters|no more than \d+ characters|too long"
NUL_WORDS = "Null characters are not allowed"


class Raw(str):
    """A JSON token sent as written (NaN, Infinity, 1e309, 1000.5), not as a JSON string: what a client
    that serializes floats naively sends."""


@dataclass(frozen=True)
class Case:
    id: str
    into: str  # the input that gets ``value`` (the other inputs are valid)
    value: object  # a Raw token, a JSON value, form text, or f(form_world) -> one of those
    problem: str | None  # a regex the refusal must match (case-insensitive); None = must be accepted
    keyed: bool = True  # the error must be keyed on / shown next to ``into``


def _cases(*groups) -> list[Case]:
    out = [case for group in groups for case in group]
    ids = [case.id for case in out]
    assert len(ids) == len(set(ids)), ids
    return out


# --- the catalogues: numbers, whole won, free text -------------------------------------------------------


def api_points(into: str, maximum: Decimal, *, range_words: str, range_keyed: bool) -> list[Case]:
    """A points input parsed by DRF's DecimalField(max_digits=6, decimal_places=2)."""
    number = "A valid number is required"
    return [
        # A JSON body with a bare NaN/Infinity is not JSON: the parser refuses it, naming the token.
        Case("nan-literal", into, Raw("NaN"), r"JSON parse error.*NaN", keyed=False),
        Case("infinity-literal", into, Raw("Infinity"), r"JSON parse error.*Infinity", keyed=False),
        Case("minus-infinity-literal", into, Raw("-Infinity"), r"JSON parse error.*-Infinity", keyed=False),
        Case("nan-text", into, "NaN", number),
        Case("infinity-text", into, "Infinity", number),
        Case("1e309", into, Raw("1e309"), number),  # valid JSON; Python reads it as float('inf')
        Case("beyond-bigint", into, BEYOND_BIGINT, "no more than 6 digits"),
        Case("negative", into, -1, range_words, keyed=range_keyed),
        Case("over-maximum", into, str(maximum + Decimal("0.01")), range_words, keyed=range_keyed),
        Case("too-many-decimals", into, "1.005", "no more than 2 decimal places"),
        Case("empty", into, "", number),
        Case("null", into, None, "may not be null"),
        Case("not-a-number", into, "eighty", number),
    ]


def form_points(into: str, maximum: Decimal, *, range_words: str, range_keyed: bool, empty: str | None):
    """A points input parsed by Django's forms.DecimalField(max_digits=6, decimal_places=2)."""
    number = "Enter a number"
    too_big = "no more than 6 digits|less than or equal"
    return [
        Case("nan", into, "NaN", number),
        Case("infinity", into, "Infinity", number),
        Case("minus-infinity", into, "-Infinity", number),
        Case("1e309", into, "1e309", too_big),
        Case("beyond-bigint", into, str(BEYOND_BIGINT), too_big),
        Case("negative", into, "-1", range_words, keyed=range_keyed),
        Case("over-maximum", into, str(maximum + Decimal("0.01")), range_words, keyed=range_keyed),
        Case("too-many-decimals", into, "1.005", "no more than 2 decimal places"),
        Case("empty", into, "", empty),
        Case("not-a-number", into, "eighty", number),
    ]


def api_krw(into: str) -> list[Case]:
    """Whole won: DRF passes the value through (budget.api.serializers.KrwField) for the service to judge."""
    whole = "whole number of won"
    return [
        Case("nan-literal", into, Raw("NaN"), r"JSON parse error.*NaN", keyed=False),
        Case("infinity-literal", into, Raw("Infinity"), r"JSON parse error.*Infinity", keyed=False),
        Case("nan-text", into, "NaN", whole),
        Case("infinity-text", into, "Infinity", whole),
        Case("1e309", into, Raw("1e309"), whole),
        Case("beyond-bigint", into, BEYOND_BIGINT, "too large"),
        Case("beyond-bigint-text", into, str(BEYOND_BIGINT), "too large"),
        Case("negative", into, -5, "must be positive"),
        Case("zero", into, 0, "must be positive"),
        Case("fraction", into, Raw("1000.5"), whole),
        Case("fraction-text", into, "1000.5", whole),
        Case("boolean", into, True, "true/false"),
        Case("empty", into, "", whole),
        Case("null", into, None, "may not be null"),
        Case("not-a-number", into, "ten billion", whole),
    ]


def form_krw(into: str) -> list[Case]:
    """Whole won typed into budget.forms.KrwField."""
    whole = "Enter a whole number of won"
    return [
        Case("nan", into, "NaN", whole),
        Case("infinity", into, "Infinity", whole),
        Case("1e309", into, "1e309", whole),
        Case("beyond-bigint", into, str(BEYOND_BIGINT), "too large"),
        Case("beyond-bigint-with-separators", into, f"{BEYOND_BIGINT:,}", "too large"),
        Case("negative", into, "-5", "must be positive"),
        Case("zero", into, "0", "must be positive"),
        Case("fraction", into, "1000.5", whole),
        Case("empty", into, "", "This field is required"),
        Case("not-a-number", into, "ten billion", whole),
    ]


def text_cases(into: str, *, empty: str | None = None) -> list[Case]:
    """Free text: odd but valid text is accepted as given; NUL and over-long text are refused."""
    cases = [Case(f"{into}-{key}", into, text, None) for key, text in ODD_TEXTS.items()]
    cases += [
        Case(f"{into}-nul-character", into, NUL, NUL_WORDS),
        Case(f"{into}-over-long", into, OVER_LONG, TOO_LONG_WORDS),
    ]
    if empty is not None:
        cases += [Case(f"{into}-empty", into, "", empty), Case(f"{into}-blank", into, "   \n ", empty)]
    return cases


def _cases(*groups) -> list[Case]:
    out = [case for group in groups for case in group]
    ids = [case.id for case in out]
    assert len(ids) == len(set(ids)), ids
    return out


# --- state before and after ---------------------------------------------------------------------------------


def _snapshot() -> dict:
    return {
        "scores": list(CriterionScore.objects.order_by("pk").values_list("pk", "points", "comment")),
        "sheets": list(ScoreSheet.objects.order_by("pk").values_list("pk", "version", "status")),
        "gates": list(GateResult.objects.order_by("pk").values_list("pk", "passed", "reason", "evidence")),
        "panel": list(PanelResult.objects.order_by("pk").values_list("pk", "points", "panel_size", "note")),
        "lines": list(BudgetLine.objects.order_by("pk").values_list("pk", "amount_krw")),
        "amendments": BudgetLineAmendment.objects.count(),
        "allocations": list(Allocation.objects.order_by("pk").values_list("pk", "amount_krw", "status")),
        "executions": list(Execution.objects.order_by("pk").values_list("pk", "status", "decision_note")),
        "audit": AuditEvent.objects.count(),
        "generations": list(Phase.objects.order_by("pk").values_list("standings_generation", flat=True)),
    }


@pytest.fixture
def form_world(p2_ready, make_user, make_evaluator, staff):
    member = make_user(Role.CONSORTIUM_MEMBER, organization=LG_LEAD, consortium="LG")
    evaluator = make_evaluator()
    lg = Consortium.objects.get(code="LG")
    assignment = services.evaluator_assign(phase=p2_ready, consortium=lg, evaluator=evaluator, actor=staff)
    allocation = Allocation.objects.filter(consortium=lg).order_by("pk").first()
    spending = execution_record(
        allocation=allocation,
        spent_on=allocation.period_start,
        amount_krw=1000,
        description="GPU node rental",
        actor=member,
    )

    def api(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user)
        return client

    def browser(user):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return {
        "phase": p2_ready,
        "lg": lg,
        "staff_api": api(staff),
        "staff_browser": browser(staff),
        "evaluator_api": api(evaluator),
        "evaluator_browser": browser(evaluator),
        "browser": browser(member),  # _pages_escape looks through this client and staff_browser
        "sheet": ScoreSheet.objects.get(assignment=assignment),
        "criterion": p2_criteria()[0],
        "spending": spending,
        "line": BudgetLine.objects.get(code="FY25-TALENT"),
    }


# --- sending: each sender puts the case's value into its input, every other input valid ---------------------


def _value(form_world, case: Case):
    return case.value(form_world) if callable(case.value) else case.value


def _json(data) -> str:
    """``data`` as a JSON body, each Raw value written as the bare token it is."""
    tokens: list[str] = []

    def mark(value):
        if isinstance(value, Raw):
            tokens.append(str(value))
            return f"@@raw-{len(tokens) - 1}@@"
        if isinstance(value, dict):
            return {key: mark(item) for key, item in value.items()}
        if isinstance(value, list):
            return [mark(item) for item in value]
        return value

    body = json.dumps(mark(data))
    for index, token in enumerate(tokens):
        body = body.replace(json.dumps(f"@@raw-{index}@@"), token)
    return body


def _post_json(client, url: str, data: dict, method: str = "post"):
    return getattr(client, method)(url, _json(data), content_type="application/json")


def send_sheet_api(form_world, case: Case):
    sheet, criterion = form_world["sheet"], form_world["criterion"]
    if case.into == "scores":
        scores = _value(form_world, case)
    else:
        scores = [
            {"criterion": criterion.pk, "points": "5", "comment": "ok", case.into: _value(form_world, case)}
        ]
    return _post_json(
        form_world["evaluator_api"],
        f"/api/v1/score-sheets/{sheet.pk}/",
        {"version": sheet.version, "scores": scores},
        method="put",
    )


def send_sheet_browser(form_world, case: Case):
    sheet, criterion = form_world["sheet"], form_world["criterion"]
    data = {"version": sheet.version, f"points_{criterion.pk}": "5", f"comment_{criterion.pk}": "ok"}
    data[case.into] = _value(form_world, case)
    return form_world["evaluator_browser"].post(f"/evaluations/sheets/{sheet.pk}/", data)


def send_panel_api(form_world, case: Case):
    data = {
        "phase": "P2",
        "consortium": "LG",
        "component": "user",
        "points": "20",
        "panel_size": 49,
        "note": "",
    }
    data[case.into] = _value(form_world, case)
    return _post_json(form_world["staff_api"], "/api/v1/panel-results/", data)


def send_panel_browser(form_world, case: Case):
    data = {
        "consortium": form_world["lg"].pk,
        "component": p2_component("user").pk,
        "points": "20",
        "panel_size": "49",
        "note": "",
    }
    data[case.into] = _value(form_world, case)
    return form_world["staff_browser"].post(f"/evaluations/phases/{form_world['phase'].pk}/panel/", data)


def send_gate_api(form_world, case: Case):
    data = {
        "phase": "P2",
        "gate": "originality",
        "consortium": "LG",
        "passed": False,
        "reason": "copied weights",
        "evidence": "",
    }
    data[case.into] = _value(form_world, case)
    return _post_json(form_world["staff_api"], "/api/v1/gate-results/", data)


def send_gate_browser(form_world, case: Case):
    data = {
        "gate": p2_gate().pk,
        "consortium": form_world["lg"].pk,
        "decision": "fail",
        "reason": "copied weights",
        "evidence": "",
    }
    data[case.into] = _value(form_world, case)
    return form_world["staff_browser"].post(f"/evaluations/phases/{form_world['phase'].pk}/gates/", data)


def send_allocation_api(form_world, case: Case):
    data = {
        "line": "FY25-DATA",
        "consortium": "LG",
        "amount_krw": 1_000_000,
        "period_start": "2025-09-01",
        "period_end": "2025-12-31",
    }
    data[case.into] = _value(form_world, case)
    return _post_json(form_world["staff_api"], "/api/v1/allocations/", data)


def send_allocation_browser(form_world, case: Case):
    data = {
        "line": BudgetLine.objects.get(code="FY25-DATA").pk,
        "consortium": form_world["lg"].pk,
        "amount_krw": "1,000,000",
        "period_start": "2025-09-01",
        "period_end": "2025-12-31",
        "gpu_model": "",
        "gpu_count": "",
        "source_note": "",
    }
    data[case.into] = _value(form_world, case)
    return form_world["staff_browser"].post("/budget/allocations/new/", data)


def send_amend_api(form_world, case: Case):
    data = {"new_amount_krw": form_world["line"].amount_krw + 1_000_000, "reason": "supplementary budget"}
    data[case.into] = _value(form_world, case)
    return _post_json(form_world["staff_api"], f"/api/v1/budget-lines/{form_world['line'].pk}/amend/", data)


def send_amend_browser(form_world, case: Case):
    data = {
        "new_amount_krw": str(form_world["line"].amount_krw + 1_000_000),
        "reason": "supplementary budget",
    }
    data[case.into] = _value(form_world, case)
    return form_world["staff_browser"].post(f"/budget/lines/{form_world['line'].pk}/amend/", data)


def send_reject_api(form_world, case: Case):
    url = f"/api/v1/executions/{form_world['spending'].pk}/reject/"
    return _post_json(form_world["staff_api"], url, {case.into: _value(form_world, case)})


def send_reject_browser(form_world, case: Case):
    url = f"/budget/executions/{form_world['spending'].pk}/reject/"
    return form_world["staff_browser"].post(url, {case.into: _value(form_world, case)})


# --- checking -----------------------------------------------------------------------------------------------


def _error_keys(errors) -> set[str]:
    """Every key of a DRF error structure, nested ones included (scores[i].points)."""
    if isinstance(errors, dict):
        return set(errors) | {key for value in errors.values() for key in _error_keys(value)}
    if isinstance(errors, list):
        return {key for value in errors for key in _error_keys(value)}
    return set()


def _check_refused_api(response, case: Case):
    assert response.status_code == 400, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) >= {"detail", "code"}, body
    text = json.dumps(body, ensure_ascii=False)
    assert re.search(case.problem, text, re.I | re.S), f"expected /{case.problem}/ in {text[:800]}"
    if case.keyed:
        assert case.into in _error_keys(body.get("errors")), f"errors not keyed by {case.into!r}: {body}"


def _check_refused_browser(response, case: Case):
    # The form again (no redirect to a success message), the error summary naming the problem.
    assert response.status_code in (200, 400), (response.status_code, response.get("Location"))
    page = html.unescape(response.content.decode())
    assert 'data-testid="error-summary"' in page, "no error summary"
    assert re.search(case.problem, page, re.I | re.S), f"expected /{case.problem}/ on the page"
    if case.keyed:
        # Next to the input it concerns (the input's aria-describedby points at this element).
        shown = re.search(rf'id="id_{case.into}-error">(.*?)</p>', page, re.S)
        assert shown, f"no error next to {case.into}"
        assert re.search(case.problem, shown.group(1), re.I | re.S), shown.group(1)


def _run(form_world, subtests, cases, send, *, api: bool, after_accept: Callable):
    for case in cases:
        with subtests.test(case=case.id), transaction.atomic():
            try:
                before = _snapshot()
                response = send(form_world, case)
                if case.problem is None:
                    expected = (200, 201) if api else (302,)
                    assert response.status_code in expected, (response.status_code, response.content[:800])
                    after_accept(form_world, case)
                else:
                    (_check_refused_api if api else _check_refused_browser)(response, case)
                    assert _snapshot() == before, "the refused input changed the database"
            finally:
                transaction.set_rollback(True)


def _shown_safely(form_world, case: Case, stored: str, *, pages=(), exports=()):
    """Stored as given; escaped on every page; neutralised in the exports that carry it and in the audit's."""
    text = _value(form_world, case)
    assert stored == text, f"stored {stored!r}, not {text!r}"
    shown = pages_escape(form_world, (text,), extra=tuple(pages))
    if text == SCRIPT:
        assert shown, "no page showed the text, so the escaping check proved nothing"
    if text == FORMULA:
        for name in exports:
            cells = [cell for row in export_cells(form_world, name) for cell in row]
            assert "'" + FORMULA in cells and FORMULA not in cells, (
                f"the {name} export does not neutralise it"
            )
        audit = [cell for row in export_cells(form_world, "audit-events") for cell in row]
        assert any(json.dumps(FORMULA)[1:-1] in cell for cell in audit), "the audit export lost the text"
        assert not any(cell.startswith(FORMULA_TRIGGERS) for cell in audit), "an audit cell starts a formula"


# --- score sheet (the assigned evaluator) ------------------------------------------------------------------


def _other_component_criterion(form_world) -> int:
    """A criterion of this phase that evaluators do not score (of a panel or benchmark component)."""
    from evaluations.models import RubricComponent, RubricCriterion

    other = (
        RubricCriterion.objects.filter(component__phase=form_world["phase"])
        .exclude(component__source=RubricComponent.Source.EVALUATORS)
        .first()
    )
    return (
        other.pk
        if other
        else RubricCriterion.objects.exclude(component__phase=form_world["phase"]).first().pk
    )


def _after_sheet_accept(form_world, case: Case):
    score = CriterionScore.objects.filter(
        sheet=form_world["sheet"], criterion=form_world["criterion"]
    ).first()
    if case.id == "empty":  # a draft may leave a criterion blank: nothing is stored for it
        assert score is None
        return
    assert case.into.startswith("comment"), "only odd comments may be accepted"
    page = f"/evaluations/sheets/{form_world['sheet'].pk}/"
    _shown_safely(form_world, case, score.comment, pages=(page,), exports=("evaluation-detail",))


def test_score_sheet_api(form_world, subtests):
    criterion = form_world["criterion"]
    duplicated = [
        {"criterion": criterion.pk, "points": "5", "comment": "a"},
        {"criterion": criterion.pk, "points": "6", "comment": "b"},
    ]
    cases = _cases(
        api_points(
            "points", criterion.max_points, range_words="points must be between 0 and", range_keyed=False
        ),
        [
            Case(
                "unknown-criterion",
                "criterion",
                999_999,
                "Criterion 999999 is not scored by evaluators",
                keyed=False,
            ),
            Case(
                "criterion-beyond-bigint", "criterion", BEYOND_BIGINT, "not scored by evaluators", keyed=False
            ),
            Case(
                "criterion-not-scored-by-evaluators",
                "criterion",
                _other_component_criterion,
                "not scored by evaluators",
                keyed=False,
            ),
            Case("criterion-sql-looking", "criterion", "1 OR 1=1", "valid integer"),
            Case(
                "duplicated-criterion",
                "scores",
                duplicated,
                f"Criterion {criterion.pk} is given more than once",
                keyed=False,
            ),
            Case("scores-not-a-list", "scores", "5", "list"),
        ],
        text_cases("comment"),
    )
    _run(form_world, subtests, cases, send_sheet_api, api=True, after_accept=_after_sheet_accept)


def test_score_sheet_browser_form(form_world, subtests):
    criterion = form_world["criterion"]
    cases = _cases(
        form_points(
            f"points_{criterion.pk}",
            criterion.max_points,
            range_words="less than or equal|greater than or equal",
            range_keyed=True,
            empty=None,
        ),
        text_cases(f"comment_{criterion.pk}"),
    )
    _run(form_world, subtests, cases, send_sheet_browser, api=False, after_accept=_after_sheet_accept)


# --- panel result (staff) -----------------------------------------------------------------------------------


def _after_panel_accept(form_world, case: Case):
    result = PanelResult.objects.get(
        consortium=form_world["lg"], component=p2_component("user"), criterion=None
    )
    _shown_safely(
        form_world, case, result.note, pages=(f"/evaluations/phases/{form_world['phase'].pk}/panel/",)
    )


def test_panel_result_api(form_world, subtests):
    maximum = p2_component("user").max_points
    cases = _cases(
        api_points(
            "points", maximum, range_words="greater than or equal to 0|between 0 and", range_keyed=False
        ),
        [
            Case("unknown-consortium", "consortium", "NOPE", "does not exist"),
            Case("sql-looking-consortium", "consortium", "LG' OR '1'='1", "does not exist"),
            Case("nul-in-consortium", "consortium", "L\x00G", "does not exist|invalid value|null characters"),
            Case("unknown-phase", "phase", "P9", "does not exist"),
            Case("unknown-component", "component", "nope", "P2 has no rubric component 'nope'"),
            Case("sql-looking-component", "component", "user' OR '1'='1", "has no rubric component"),
            Case("component-of-evaluators", "component", "expert", "not from a panel result", keyed=False),
            Case("unknown-criterion", "criterion", "nope", "user has no criterion 'nope'"),
            Case("panel-size-zero", "panel_size", 0, "greater than or equal to 1"),
            Case("panel-size-beyond-bigint", "panel_size", BEYOND_BIGINT, "less than or equal|too large"),
        ],
        text_cases("note"),
    )
    _run(form_world, subtests, cases, send_panel_api, api=True, after_accept=_after_panel_accept)


def test_panel_result_browser_form(form_world, subtests):
    maximum = p2_component("user").max_points
    cases = _cases(
        form_points(
            "points", maximum, range_words="between 0 and", range_keyed=False, empty="This field is required"
        ),
        [
            Case("unknown-consortium", "consortium", "999999", "Select a valid choice"),
            Case("consortium-code-not-id", "consortium", "LG", "Select a valid choice"),
            Case("unknown-component", "component", "999999", "Select a valid choice"),
            Case(
                "component-of-evaluators",
                "component",
                lambda w: p2_component("expert").pk,
                "Select a valid choice",
            ),
            Case("panel-size-zero", "panel_size", "0", "greater than or equal to 1"),
        ],
        text_cases("note"),
    )
    _run(form_world, subtests, cases, send_panel_browser, api=False, after_accept=_after_panel_accept)


# --- gate decision (staff) ----------------------------------------------------------------------------------


def _after_gate_accept(form_world, case: Case):
    result = GateResult.objects.get(gate=p2_gate(), consortium=form_world["lg"])
    assert result.passed is False
    stored = result.reason if case.into == "reason" else result.evidence
    _shown_safely(form_world, case, stored, pages=(f"/evaluations/phases/{form_world['phase'].pk}/gates/",))


def test_gate_result_api(form_world, subtests):
    cases = _cases(
        text_cases("reason", empty="written reason"),
        text_cases("evidence"),
        [
            Case("unknown-gate", "gate", "nope", "P2 has no gate 'nope'"),
            Case("sql-looking-gate", "gate", "originality' OR '1'='1", "has no gate"),
            Case("unknown-consortium", "consortium", "NOPE", "does not exist"),
            Case("passed-not-a-boolean", "passed", "perhaps", "valid boolean"),
        ],
    )
    _run(form_world, subtests, cases, send_gate_api, api=True, after_accept=_after_gate_accept)


def test_gate_decision_browser_form(form_world, subtests):
    cases = _cases(
        text_cases("reason", empty="written reason"),
        text_cases("evidence"),
        [
            Case("unknown-gate", "gate", "999999", "Select a valid choice"),
            Case("unknown-consortium", "consortium", "999999", "Select a valid choice"),
            Case("decision-not-a-choice", "decision", "maybe", "Select a valid choice"),
        ],
    )
    _run(form_world, subtests, cases, send_gate_browser, api=False, after_accept=_after_gate_accept)


# --- allocation (staff) -------------------------------------------------------------------------------------

DATE_CASES_API = [
    Case("end-before-start", "period_end", "2025-08-31", "before it starts"),
    Case("month-13", "period_start", "2025-13-01", "Date has wrong format"),
    Case("february-30", "period_end", "2025-02-30", "Date has wrong format"),
    Case("date-sql-looking", "period_start", "2025-09-01' OR '1'='1", "Date has wrong format"),
    Case("date-empty", "period_start", "", "Date has wrong format"),
]


def _no_accept(form_world, case: Case):
    raise AssertionError("every case of this catalogue must be refused")


def test_allocation_api(form_world, subtests):
    cases = _cases(
        api_krw("amount_krw"),
        DATE_CASES_API,
        [
            Case("unknown-line", "line", "NOPE", "does not exist"),
            Case("sql-looking-line", "line", "FY25-DATA' OR '1'='1", "does not exist"),
            Case("nul-in-line", "line", "FY25\x00DATA", "does not exist|invalid value|null characters"),
            Case("unknown-consortium", "consortium", "NOPE", "does not exist"),
            Case("sql-looking-consortium", "consortium", "LG' OR '1'='1", "does not exist"),
        ],
    )
    _run(form_world, subtests, cases, send_allocation_api, api=True, after_accept=_no_accept)


def test_allocation_browser_form(form_world, subtests):
    cases = _cases(
        form_krw("amount_krw"),
        [
            Case("end-before-start", "period_end", "2025-08-31", "before it starts"),
            Case("month-13", "period_start", "2025-13-01", "Enter a valid date"),
            Case("february-30", "period_end", "2025-02-30", "Enter a valid date"),
            Case("date-empty", "period_start", "", "This field is required"),
            Case("unknown-line", "line", "999999", "Select a valid choice"),
            Case("line-code-not-id", "line", "FY25-DATA", "Select a valid choice"),
            Case("unknown-consortium", "consortium", "999999", "Select a valid choice"),
            Case("sql-looking-consortium", "consortium", "1 OR 1=1", "Select a valid choice"),
        ],
    )
    _run(form_world, subtests, cases, send_allocation_browser, api=False, after_accept=_no_accept)


# --- budget line amendment (staff) --------------------------------------------------------------------------


def _after_amend_accept(form_world, case: Case):
    amendment = BudgetLineAmendment.objects.get(line=form_world["line"])
    _shown_safely(form_world, case, amendment.reason, pages=(f"/budget/lines/{form_world['line'].pk}/",))


def test_budget_line_amend_api(form_world, subtests):
    cases = _cases(api_krw("new_amount_krw"), text_cases("reason", empty="may not be blank|is required"))
    _run(form_world, subtests, cases, send_amend_api, api=True, after_accept=_after_amend_accept)


def test_budget_line_amend_browser_form(form_world, subtests):
    cases = _cases(form_krw("new_amount_krw"), text_cases("reason", empty="This field is required"))
    _run(form_world, subtests, cases, send_amend_browser, api=False, after_accept=_after_amend_accept)


# --- rejecting spending (staff): the reason is required text -----------------------------------------------


def _after_reject_accept(form_world, case: Case):
    execution = Execution.objects.get(pk=form_world["spending"].pk)
    assert execution.status == Execution.Status.REJECTED
    page = f"/budget/executions/{execution.pk}/"
    _shown_safely(form_world, case, execution.decision_note, pages=(page,), exports=("budget-execution",))


def test_execution_reject_api(form_world, subtests):
    # The API names the reason ``note`` (as approving does).
    cases = _cases(text_cases("note", empty="may not be blank|is required"))
    _run(form_world, subtests, cases, send_reject_api, api=True, after_accept=_after_reject_accept)


def test_execution_reject_browser_form(form_world, subtests):
    cases = _cases(text_cases("reason", empty="This field is required"))
    _run(form_world, subtests, cases, send_reject_browser, api=False, after_accept=_after_reject_accept)


# --- one limit per text, whichever way it comes in ----------------------------------------------------------


def test_api_and_browser_forms_share_each_text_limit(form_world, subtests):
    """A text the API accepts can be saved again from the browser and the other way round: at the limit
    both take it, one character over both refuse it (the limits differed: 5,000 by API, 4,000/2,000 by
    form, so a long comment saved by API could not be re-saved on the page)."""
    from evaluations.limits import MAX_COMMENT, MAX_GATE_TEXT, MAX_PANEL_NOTE

    comment_field = f"comment_{form_world['criterion'].pk}"
    pairs = [
        ("score-comment", MAX_COMMENT, send_sheet_api, "comment", send_sheet_browser, comment_field),
        ("gate-reason", MAX_GATE_TEXT, send_gate_api, "reason", send_gate_browser, "reason"),
        ("gate-evidence", MAX_GATE_TEXT, send_gate_api, "evidence", send_gate_browser, "evidence"),
        ("panel-note", MAX_PANEL_NOTE, send_panel_api, "note", send_panel_browser, "note"),
    ]
    for name, limit, api_send, api_field, browser_send, browser_field in pairs:
        for length, accepted in ((limit, True), (limit + 1, False)):
            for way, send, field, ok in (
                ("api", api_send, api_field, (200, 201)),
                ("browser", browser_send, browser_field, (302,)),
            ):
                with subtests.test(text=name, length=length, way=way), transaction.atomic():
                    try:
                        response = send(form_world, Case(name, field, "y" * length, None))
                        if accepted:
                            assert response.status_code in ok, (response.status_code, response.content[:300])
                        else:
                            assert response.status_code in ((400,) if way == "api" else (200, 400))
                            text = html.unescape(response.content.decode())
                            assert re.search(TOO_LONG_WORDS, text, re.I), text[:500]
                    finally:
                        transaction.set_rollback(True)
