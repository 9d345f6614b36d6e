"""The admin is not a back door: every domain model (consortia, evaluations, budget) is read-only there,
even for a superuser, so every change goes through a service and its audit event. The pages still serve
reading: each changelist and change page renders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from budget.models import Allocation
from budget.services import execution_record, gpu_usage_upload
from common.models import AuditEvent
from common.roles import Role
from evaluations.models import DeadlineExtension, Phase, ReferenceScore
from evaluations.services import standings_recompute

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("consortia", "evaluations", "budget")
DOMAIN_MODELS = sorted(
    model._meta.label_lower for model in admin.site._registry if model._meta.app_label in DOMAIN_APPS
)


def test_every_domain_model_of_the_three_apps_is_registered():
    # A model added to an app without an admin would silently escape the parametrised checks below.
    assert {"consortia.consortium", "evaluations.phase", "evaluations.referencescore"} <= set(DOMAIN_MODELS)
    assert "evaluations.deadlineextension" in DOMAIN_MODELS


@pytest.fixture
def every_row(p2_complete, staff, make_user):
    """At least one row of every registered domain model: P2 with every input in and its standings, a
    team's spending and GPU usage, plus a deadline extension (no service grants one on this branch yet, so
    it is written directly)."""
    phase = p2_complete["phase"]
    standings_recompute(phase_id=phase.pk, trigger="test")
    member = make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    allocation = Allocation.objects.filter(consortium__code="LG", status="active").order_by("pk").first()
    execution_record(
        allocation=allocation,
        spent_on=allocation.period_start,
        amount_krw=1000,
        description="cloud credits",
        actor=member,
    )
    gpu_usage_upload(
        consortium=allocation.consortium,
        file=SimpleUploadedFile("usage.csv", b"month,gpu_model,gpu_hours\n2026-01,H100,100\n"),
        actor=member,
    )
    DeadlineExtension.objects.create(
        phase=phase,
        consortium=phase.participants.first().consortium,
        deadline=timezone.now() + dt.timedelta(days=3),
        reason="Power outage at the data centre",
        granted_by=staff,
        granted_at=timezone.now(),
    )
    return phase


def _url(label: str, view: str, *args) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def _refusals(label: str, admin_client) -> list[str]:
    """What the admin let a superuser do to ``label`` that it should not have (empty: read-only)."""
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    obj = model.objects.order_by("pk").first()
    events = AuditEvent.objects.count()
    wrong = []

    def expect(method: str, url: str, status: int, data=None) -> None:
        got = admin_client.get(url) if method == "get" else admin_client.post(url, data or {})
        if got.status_code != status:
            wrong.append(f"{label}: {method.upper()} {url} -> {got.status_code}, expected {status}")

    expect("get", _url(label, "changelist"), 200)
    expect("get", _url(label, "add"), 403)
    expect("post", _url(label, "add"), 403)
    if obj is not None:
        expect("get", _url(label, "change", obj.pk), 200)
        expect("post", _url(label, "change", obj.pk), 403)
        expect("post", _url(label, "delete", obj.pk), 403, {"post": "yes"})
        # The changelist offers no bulk delete either.
        admin_client.post(
            _url(label, "changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        if not model.objects.filter(pk=obj.pk).exists():
            wrong.append(f"{label}: bulk delete removed a row")
    if AuditEvent.objects.count() != events:
        wrong.append(f"{label}: the admin wrote audit events")
    return wrong


def test_superuser_reads_but_cannot_write_any_domain_model(admin_client, every_row):
    # One world for every model (building P2's inputs is the slow part), every model checked, every
    # failure named.
    assert [problem for label in DOMAIN_MODELS for problem in _refusals(label, admin_client)] == []


def test_every_domain_model_has_a_row_to_check(every_row):
    empty = [
        label
        for label in DOMAIN_MODELS
        if not next(m for m in admin.site._registry if m._meta.label_lower == label).objects.exists()
    ]
    assert empty == []


def test_a_phase_teams_advancing_and_a_reference_score_cannot_be_changed_in_the_admin(
    admin_client, kai_program
):
    phase = Phase.objects.get(code="P2")
    score = ReferenceScore.objects.order_by("pk").first()
    before = (phase.teams_advancing, score.score)
    response = admin_client.post(
        _url("evaluations.phase", "change", phase.pk),
        {"teams_advancing": phase.teams_advancing + 1, "code": phase.code},
    )
    assert response.status_code == 403
    response = admin_client.post(
        _url("evaluations.referencescore", "change", score.pk),
        {
            "benchmark": score.benchmark_id,
            "reference_model": score.reference_model,
            "score": score.score + Decimal(1),
        },
    )
    assert response.status_code == 403
    phase.refresh_from_db()
    score.refresh_from_db()
    assert (phase.teams_advancing, score.score) == before
