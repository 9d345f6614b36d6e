"""Who may do and see what: the predicates and the visibility selectors the UI and API share."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.roles import Role
from consortia.permissions import can_act_for_consortium
from evaluations import services
from evaluations.models import Phase, ResultUpload, ScoreSheet
from evaluations.permissions import (
    can_edit_score_sheet,
    can_manage_phase,
    can_run_what_if,
    can_view_standings,
)
from evaluations.selectors import (
    assignment_list_visible_to,
    missing_item_text,
    result_upload_list_visible_to,
    score_sheet_list_visible_to,
)
from evaluations.standings import Missing, MissingItem
from tests.p2_data import team

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, make_evaluator, staff):
    return {
        "staff": staff,
        "auditor": make_user(Role.AUDITOR, organization="Board of Audit and Inspection"),
        "lg": make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG"),
        "skt": make_user(Role.CONSORTIUM_MEMBER, organization="SK Telecom", consortium="SKT"),
        "ev1": make_evaluator(),
        "ev2": make_evaluator(organization="Telecommunications Technology Association"),
    }


@pytest.fixture
def p2_with_work(p2_ready, people):
    body = b"benchmark,score\nMMLU-Pro,80\n"
    for who, code in (("lg", "LG"), ("skt", "SKT")):
        services.result_upload_create(
            phase=p2_ready, consortium=team(code), file=SimpleUploadedFile("r.csv", body), actor=people[who]
        )
    for who, code in (("ev1", "LG"), ("ev2", "SKT")):
        services.evaluator_assign(
            phase=p2_ready, consortium=team(code), evaluator=people[who], actor=people["staff"]
        )
    return p2_ready


def test_upload_visibility(p2_with_work, people):
    def codes(user):
        return sorted(result_upload_list_visible_to(user=user).values_list("consortium__code", flat=True))

    assert codes(people["staff"]) == codes(people["auditor"]) == ["LG", "SKT"]
    assert codes(people["lg"]) == ["LG"]
    assert codes(people["skt"]) == ["SKT"]
    assert codes(people["ev1"]) == []
    lg_upload = result_upload_list_visible_to(user=people["lg"]).get()
    # One object: the same rule through the same queryset (a detail page's 404).
    assert ResultUpload.objects.visible_to(people["lg"]).filter(pk=lg_upload.pk).exists()
    assert not ResultUpload.objects.visible_to(people["skt"]).filter(pk=lg_upload.pk).exists()


def test_score_sheet_visibility_and_editing(p2_with_work, people):
    def teams(user):
        return sorted(
            score_sheet_list_visible_to(user=user).values_list("assignment__consortium__code", flat=True)
        )

    assert teams(people["staff"]) == teams(people["auditor"]) == ["LG", "SKT"]
    assert teams(people["ev1"]) == ["LG"]
    assert teams(people["lg"]) == []
    assert [a.consortium.code for a in assignment_list_visible_to(user=people["ev2"])] == ["SKT"]
    lg_sheet = ScoreSheet.objects.get(assignment__consortium__code="LG")
    assert can_edit_score_sheet(people["ev1"], sheet=lg_sheet)
    assert not can_edit_score_sheet(people["ev2"], sheet=lg_sheet)
    assert not can_edit_score_sheet(people["staff"], sheet=lg_sheet)
    assert ScoreSheet.objects.visible_to(people["auditor"]).filter(pk=lg_sheet.pk).exists()
    assert not ScoreSheet.objects.visible_to(people["ev2"]).filter(pk=lg_sheet.pk).exists()


def test_phase_level_predicates(p2, people):
    assert can_manage_phase(people["staff"]) and not can_manage_phase(people["auditor"])
    # Results are uploaded by the team's own members, and only while the phase is open.
    assert can_act_for_consortium(people["lg"], team("LG").pk)
    assert not can_act_for_consortium(people["lg"], team("SKT").pk)
    assert not can_act_for_consortium(people["staff"], team("LG").pk)
    p1 = Phase.objects.get(code="P1")
    with pytest.raises(ValidationError) as refused:
        services.result_upload_create(
            phase=p1,
            consortium=team("LG"),
            file=SimpleUploadedFile("r.csv", b"benchmark,score\nMMLU-Pro,80\n"),
            actor=people["lg"],
        )
    assert refused.value.code == "phase_finalized"
    assert can_view_standings(people["lg"], phase=p1) and not can_view_standings(people["lg"], phase=p2)
    assert can_view_standings(people["ev1"], phase=p2) and can_run_what_if(people["auditor"])
    assert not can_run_what_if(people["ev1"])


def test_missing_items_read_as_sentences():
    assert missing_item_text(MissingItem(Missing.BENCHMARK_RESULT, "HLE")) == "no result for benchmark HLE"
    assert missing_item_text(MissingItem(Missing.NO_TARGET_MODEL)) == "no target model declared"
    sheets = MissingItem(Missing.SHEETS_NOT_SUBMITTED, "1/2")
    assert missing_item_text(sheets) == "score sheets submitted: 1/2"


def test_score_sheet_edit_window_follows_the_phase(p2_with_work, people):
    sheet = ScoreSheet.objects.get(assignment__consortium__code="LG")
    services.phase_begin_evaluation(phase=p2_with_work, actor=people["staff"])
    assert can_edit_score_sheet(people["ev1"], sheet=ScoreSheet.objects.get(pk=sheet.pk))
    criterion = sheet.assignment.phase.components.get(key="expert").criteria.first()
    saved = services.score_sheet_save(
        sheet=sheet, actor=people["ev1"], expected_version=1, scores=[services.ScoreInput(criterion.pk, D(5))]
    )
    assert saved.version == 2
