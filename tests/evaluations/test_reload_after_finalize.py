"""Reloading the program file after staff finalized P2 in the portal changes none of it (issue 12, section 6).

Before, a reload set P2 back to open (keeping finalized_at) and the eliminated team back to active while
its allocations stayed frozen, so that team could upload to the finalized phase and get 201.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium
from evaluations import services
from evaluations.models import Phase, PhaseParticipant
from tests.portal.state import workflow_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def finalized(p2_complete, staff):
    services.phase_finalize(phase=p2_complete["phase"], actor=staff)
    return Phase.objects.get(code="P2")


def test_reload_after_finalizing_keeps_the_phase_outcomes_and_the_elimination(finalized):
    assert Consortium.objects.get(code="MOTIF").status == "eliminated"
    before = workflow_state()
    last = AuditEvent.objects.order_by("id").last().pk
    out = StringIO()
    call_command("load_kai_program", stdout=out)
    assert workflow_state() == before
    p2 = Phase.objects.get(code="P2")
    assert (p2.status, p2.finalized_at) == ("finalized", finalized.finalized_at)
    outcomes = dict(PhaseParticipant.objects.filter(phase=p2).values_list("consortium__code", "outcome"))
    assert outcomes == {
        "LG": "advances",
        "SKT": "advances",
        "UPSTAGE": "advances",
        "MOTIF": "eliminated_on_points",
    }
    motif = Consortium.objects.get(code="MOTIF")
    assert (motif.status, motif.left_in_phase_id) == ("eliminated", p2.pk)
    assert set(motif.allocations.values_list("status", flat=True)) == {"frozen"}
    event = AuditEvent.objects.get(pk__gt=last)
    assert event.context["extra"] == {"event": "program_file_load"}
    lines = [line.strip() for line in out.getvalue().splitlines() if line.startswith("  ")]
    assert lines[:3] == [
        "phases[3].status: file 'open', database 'finalized'",
        "consortia[5].status: file 'active', database 'eliminated'",
        "consortia[5].left_on: file (empty), database 2026-08-14",
    ]
    # The benchmark set staff replaced (the P2 fixtures) is kept: the two entries they made are not marked
    # illustrative as the file's are, and the file's other entries are not put back into the phase.
    benchmark_set = [line for line in lines if line.startswith("phases[3].benchmark_set[")]
    assert benchmark_set[:2] == [
        "phases[3].benchmark_set[0].illustrative: file True, database False",
        "phases[3].benchmark_set[1].illustrative: file True, database False",
    ]
    assert benchmark_set[2:] == [
        f"phases[3].benchmark_set[{j}]: in the file, not in the database; not created "
        "(P2 is finalized in the database; its set-up is managed in the portal)"
        for j in range(2, 13)
    ]


def test_the_eliminated_team_still_cannot_upload_to_the_finalized_phase_after_a_reload(finalized, make_user):
    call_command("load_kai_program", stdout=StringIO())
    member = make_user(Role.CONSORTIUM_MEMBER, organization="Motif Technologies", consortium="MOTIF")
    body = b"benchmark,score\nMMLU-Pro,90\nGPQA-Diamond,90\n"
    with pytest.raises(ValidationError, match="finalized and read-only"):
        services.result_upload_create(
            phase=finalized,
            consortium=Consortium.objects.get(code="MOTIF"),
            file=SimpleUploadedFile("r.csv", body),
            actor=member,
        )
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(member)
    response = client.post(
        "/api/v1/result-uploads/",
        {"phase": "P2", "consortium": "MOTIF", "file": SimpleUploadedFile("r.csv", body)},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert "finalized and read-only" in response.content.decode()
