"""Ministry staff's phase set-up in the browser: "new phase", "next phase from this one", and one set-up
page per phase with its details, rubric (components, criteria, weights), gates, benchmark set, target
models with their reference scores, and participants.

Every form on the set-up page posts back to the page with a hidden ``form`` naming it (and ``row`` naming
the component, criterion, gate, entry or participant it acts on); ``common.web.form_submit`` calls the
set-up service, whose refusal is shown on that form. Once the evaluation begins the page is read-only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.roles import STAFF
from common.web import form_submit, roles_required
from consortia.models import Program
from evaluations import services
from evaluations.forms_setup import (
    BenchmarkAddForm,
    ComponentAddForm,
    ComponentEditForm,
    CriterionAddForm,
    CriterionEditForm,
    GateAddForm,
    GateEditForm,
    ParticipantAddForm,
    PhaseCreateForm,
    PhaseDetailsForm,
    ReferenceScoreForm,
    RowForm,
    TargetModelForm,
    WeightsForm,
)
from evaluations.models import (
    Benchmark,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    RubricComponent,
    RubricCriterion,
    RubricGate,
)
from evaluations.selectors import phase_next_teams
from evaluations.ui_selectors import participant_teams, phase_setup_targets, teams_addable
from evaluations.views.phases import _detail_or_404


def _setup_url(phase: Phase, anchor: str = "") -> str:
    return reverse("evaluations:setup", kwargs={"pk": phase.pk}) + (f"#{anchor}" if anchor else "")


@dataclass
class _Handler:
    """One form of the set-up page: how to build it, which service it calls, and where the page scrolls."""

    build: Callable[..., forms.Form]
    service: Callable[[Any, dict], Any]
    message: Callable[[Any, dict], str]
    anchor: str
    rows: Any = None  # the queryset the posted ``row`` is looked up in (row forms only)


class SetupPage:
    """The forms of one phase's set-up page, unbound, except the one just posted (which keeps its input and
    the service's refusal)."""

    def __init__(self, request, detail):
        self.request, self.detail, self.phase = request, detail, detail.phase
        self.bound: dict[tuple[str, int | None], forms.Form] = {}
        phase, actor = self.phase, request.user
        components = RubricComponent.objects.filter(phase=phase)
        criteria = RubricCriterion.objects.filter(component__phase=phase)
        gates = RubricGate.objects.filter(phase=phase)
        entries = PhaseBenchmark.objects.filter(phase=phase)
        participants = PhaseParticipant.objects.filter(phase=phase)
        teams = participant_teams(phase=phase)
        self.handlers: dict[str, _Handler] = {
            "details": _Handler(
                lambda data=None, **kw: PhaseDetailsForm(
                    data, initial=services.phase_setup_values(phase), prefix="details"
                ),
                lambda _row, d: services.phase_update(phase=phase, actor=actor, **d),
                lambda _r, _d: _("The phase's details are saved."),
                "details",
            ),
            "weights": _Handler(
                lambda data=None, **kw: WeightsForm(data, components=detail.components, prefix="weights"),
                lambda _row, d: services.rubric_weights_set(phase=phase, weights=d["weights"], actor=actor),
                lambda _r, _d: _("The weights are saved."),
                "rubric",
            ),
            "component_add": _Handler(
                lambda data=None, **kw: ComponentAddForm(data, prefix="component-add"),
                lambda _row, d: services.rubric_component_create(phase=phase, actor=actor, **d),
                lambda c, _d: _("Component %(name)s added.") % {"name": c.name},
                "rubric",
            ),
            "component_edit": _Handler(
                lambda data=None, row=None: ComponentEditForm(
                    data,
                    prefix=f"component-{row.pk}",
                    initial={f: getattr(row, f) for f in ("name", "weight", "source", "panel_size", "note")},
                ),
                lambda row, d: services.rubric_component_update(component=row, actor=actor, **d),
                lambda c, _d: _("Component %(name)s saved.") % {"name": c.name},
                "rubric",
                components,
            ),
            "component_delete": _Handler(
                lambda data=None, **kw: RowForm(data, rows=components),
                lambda _row, d: services.rubric_component_delete(component=d["row"], actor=actor),
                lambda _r, d: _("Component %(name)s removed.") % {"name": d["row"].name},
                "rubric",
            ),
            "criterion_add": _Handler(
                lambda data=None, row=None: CriterionAddForm(data, prefix=f"criterion-add-{row.pk}"),
                lambda row, d: services.rubric_criterion_create(component=row, actor=actor, **d),
                lambda c, _d: _("Criterion %(name)s added.") % {"name": c.name},
                "rubric",
                components,
            ),
            "criterion_edit": _Handler(
                lambda data=None, row=None: CriterionEditForm(
                    data,
                    prefix=f"criterion-{row.pk}",
                    initial={f: getattr(row, f) for f in ("name", "max_points", "benchmark_group", "note")},
                ),
                lambda row, d: services.rubric_criterion_update(criterion=row, actor=actor, **d),
                lambda c, _d: _("Criterion %(name)s saved.") % {"name": c.name},
                "rubric",
                criteria,
            ),
            "criterion_delete": _Handler(
                lambda data=None, **kw: RowForm(data, rows=criteria),
                lambda _row, d: services.rubric_criterion_delete(criterion=d["row"], actor=actor),
                lambda _r, d: _("Criterion %(name)s removed.") % {"name": d["row"].name},
                "rubric",
            ),
            "gate_add": _Handler(
                lambda data=None, **kw: GateAddForm(data, prefix="gate-add"),
                lambda _row, d: services.rubric_gate_create(phase=phase, actor=actor, **d),
                lambda g, _d: _("Gate %(name)s added.") % {"name": g.name},
                "gates",
            ),
            "gate_edit": _Handler(
                lambda data=None, row=None: GateEditForm(
                    data, prefix=f"gate-{row.pk}", initial={"name": row.name, "description": row.description}
                ),
                lambda row, d: services.rubric_gate_update(gate=row, actor=actor, **d),
                lambda g, _d: _("Gate %(name)s saved.") % {"name": g.name},
                "gates",
                gates,
            ),
            "gate_delete": _Handler(
                lambda data=None, **kw: RowForm(data, rows=gates),
                lambda _row, d: services.rubric_gate_delete(gate=d["row"], actor=actor),
                lambda _r, d: _("Gate %(name)s removed.") % {"name": d["row"].name},
                "gates",
            ),
            "benchmark_add": _Handler(
                lambda data=None, **kw: BenchmarkAddForm(
                    data, benchmarks=Benchmark.objects.order_by("code"), teams=teams, prefix="benchmark-add"
                ),
                lambda _row, d: services.phase_benchmark_add(phase=phase, actor=actor, **d),
                lambda e, _d: (
                    _("%(benchmark)s added to the benchmark set.") % {"benchmark": e.benchmark.code}
                ),
                "benchmarks",
            ),
            "benchmark_remove": _Handler(
                lambda data=None, **kw: RowForm(data, rows=entries),
                lambda _row, d: services.phase_benchmark_remove(entry=d["row"], actor=actor),
                lambda _r, d: (
                    _("%(benchmark)s removed from the benchmark set.")
                    % {"benchmark": d["row"].benchmark.code}
                ),
                "benchmarks",
            ),
            "target_set": _Handler(
                lambda data=None, **kw: TargetModelForm(data, teams=teams, prefix="target"),
                lambda _row, d: services.target_model_set(phase=phase, actor=actor, **d),
                lambda t, _d: (
                    _("%(team)s's target model is %(model)s.")
                    % {"team": t.consortium, "model": t.reference_model}
                ),
                "targets",
            ),
            "reference_score": _Handler(
                lambda data=None, **kw: ReferenceScoreForm(
                    data, benchmarks=Benchmark.objects.order_by("code"), prefix="reference"
                ),
                lambda _row, d: services.reference_score_set(actor=actor, **d),
                lambda r, _d: (
                    _("%(model)s scores %(score)s on %(benchmark)s.")
                    % {"model": r.reference_model, "score": r.score, "benchmark": r.benchmark.code}
                ),
                "targets",
            ),
            "participant_add": _Handler(
                lambda data=None, **kw: ParticipantAddForm(
                    data, teams=teams_addable(phase=phase), prefix="participant"
                ),
                lambda _row, d: services.phase_participant_add(phase=phase, actor=actor, **d),
                lambda p, _d: _("%(team)s takes part in the phase.") % {"team": p.consortium},
                "participants",
            ),
            "participant_remove": _Handler(
                lambda data=None, **kw: RowForm(data, rows=participants),
                lambda _row, d: services.phase_participant_remove(participant=d["row"], actor=actor),
                lambda _r, d: (
                    _("%(team)s no longer takes part in the phase.") % {"team": d["row"].consortium}
                ),
                "participants",
            ),
        }

    def submit(self, name: str) -> str | None:
        """Handle the posted form ``name``; returns the URL to go to on success, None to re-render."""
        handler = self.handlers.get(name)
        if handler is None:
            raise Http404
        row = None
        if handler.rows is not None:
            row = handler.rows.filter(pk=self.request.POST.get("row") or None).first()
            if row is None:
                raise Http404
        form = handler.build(self.request.POST, row=row)
        self.bound[(name, row.pk if row is not None else None)] = form
        form_submit(self.request, form, lambda data: handler.service(row, dict(data)), handler.message)
        # The deletes return nothing: success is a form without errors (a refusal is put on the form).
        return None if form.errors else _setup_url(self.phase, handler.anchor)

    def form(self, name: str, row=None) -> forms.Form:
        key = (name, row.pk if row is not None else None)
        if key not in self.bound:
            self.bound[key] = self.handlers[name].build(None, row=row)
        return self.bound[key]

    def context(self) -> dict:
        detail, phase = self.detail, self.phase
        editable = services.phase_setup_editable(phase)
        context: dict[str, Any] = {
            "detail": detail,
            "phase": phase,
            "editable": editable,
            "can_remove_participants": phase.status == Phase.Status.DRAFT,
            "weights_total": sum((c.weight for c in detail.components), 0),
            "targets": phase_setup_targets(phase=phase, participants=detail.participants),
            # A refused remove button has no form of its own on the page: its reason goes at the top.
            "refused_forms": [f for f in self.bound.values() if isinstance(f, RowForm) and f.errors],
        }
        if not editable:
            return context
        context.update(
            {
                "details_form": self.form("details"),
                "weights_form": self.form("weights"),
                "component_add_form": self.form("component_add"),
                "components": [
                    (
                        c,
                        self.form("component_edit", c),
                        [(k, self.form("criterion_edit", k)) for k in c.criteria.all()],
                        self.form("criterion_add", c),
                    )
                    for c in detail.components
                ],
                "gate_add_form": self.form("gate_add"),
                "gates": [(g, self.form("gate_edit", g)) for g in detail.gates],
                "benchmark_add_form": self.form("benchmark_add"),
                "target_form": self.form("target_set"),
                "reference_form": self.form("reference_score"),
                "participant_form": self.form("participant_add"),
            }
        )
        return context


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def phase_setup_view(request, pk: int):
    detail = _detail_or_404(pk)
    phase = detail.phase
    page = SetupPage(request, detail)
    if request.method == "POST":
        if not services.phase_setup_editable(phase):
            messages.error(
                request,
                _("The set-up of %(phase)s is frozen: the phase is %(status)s.")
                % {"phase": phase, "status": phase.get_status_display()},
            )
            return redirect(_setup_url(phase))
        target = page.submit(request.POST.get("form", ""))
        if target is not None:
            return redirect(target)
    return render(request, "evaluations/setup/setup.html", page.context())


def _phase_values(data: dict) -> dict:
    values = dict(data)
    values.pop("program", None)
    return values


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def phase_create_view(request):
    programs = Program.objects.order_by("code")
    form = PhaseCreateForm(request.POST or None, programs=programs, initial={"program": programs.first()})
    if request.method == "POST":
        phase = form_submit(
            request,
            form,
            lambda data: services.phase_create(
                program=data["program"], actor=request.user, **_phase_values(data)
            ),
            lambda p, _d: _("%(phase)s is created as a draft; set it up below.") % {"phase": p},
        )
        if phase is not None:
            return redirect(_setup_url(phase))
    return render(request, "evaluations/setup/phase_new.html", {"form": form})


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def phase_next_view(request, pk: int):
    detail = _detail_or_404(pk)
    source = detail.phase
    teams, finalized = phase_next_teams(source=source)
    form = PhaseCreateForm(
        request.POST or None,
        programs=None,
        initial={
            "teams_in": len(teams) or None,
            "frontier_threshold": source.frontier_threshold,
        },
    )
    if request.method == "POST":
        result = form_submit(
            request,
            form,
            lambda data: services.phase_create_next(source=source, actor=request.user, **_phase_values(data)),
            lambda r, _d: (
                _("%(phase)s is created from %(source)s; check its set-up below.")
                % {"phase": r.phase, "source": source}
            ),
        )
        if result is not None:
            if not result.source_finalized:
                messages.warning(
                    request,
                    _(
                        "%(source)s is not finalized yet: its active teams were taken as participants. "
                        "Remove the ones that do not advance once it is."
                    )
                    % {"source": source},
                )
            return redirect(_setup_url(result.phase))
    return render(
        request,
        "evaluations/setup/phase_next.html",
        {
            "detail": detail,
            "phase": source,
            "form": form,
            "teams": teams,
            "source_finalized": finalized,
            "benchmark_count": sum(len(entries) for _label, entries in detail.benchmark_groups),
        },
    )
