"""The consortia sections of the program file: the program itself, organizations, and consortia with
their partners and foundation models. portal.program_loader calls these in order, in one transaction.

Rows are matched by their natural keys (codes, names) and created when missing (``common.loading.seed_row``).
On an existing row only descriptive fields follow the file: names, texts, sources and illustrative marks,
and the facts about organizations and foundation models. A consortium's status, leaving date and phase,
exit reason, joining date and lead, a partnership's role and dates, and the program's frontier threshold
keep the database's value (departures are recorded in the portal, by finalizing a phase or a withdrawal);
where the file differs, the load reports it.

Creation: a partner of an active consortium is added through ``consortia.services.partnership_add``.
There is no service that creates a program, an organization, a consortium or a foundation model, and
``partnership_add`` cannot record a lead, a partner that already left or a partner of a team that already
left (it refuses those teams), which is history the file records; those rows are written here, each with
its own audit event.
"""

from __future__ import annotations

from functools import partial

from common.loading import (
    PROVENANCE,
    LoadContext,
    LoadReport,
    ProgramFileError,
    boolean,
    choice,
    date,
    decimal,
    list_at,
    mapping_at,
    positive_integer,
    read,
    seed_row,
    sourced,
    text,
)
from consortia.models import Consortium, FoundationModel, Organization, Partnership, Program
from consortia.services import partnership_add


def program_section_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    node = mapping_at(read(data, "program", "", lambda v, p: v), "program")
    path = "program"
    context.program = seed_row(
        Program,
        {"code": read(node, "code", path, text)},
        {
            "name_ko": read(node, "name_ko", path, text),
            "name_en": read(node, "name_en", path, text),
            "ministry": read(node, "ministry", path, text),
            "performance_target": read(node, "performance_target", path, text, default=""),
            "originality_rule": read(node, "originality_rule", path, text, default=""),
            "frontier_threshold": read(node, "frontier_threshold", path, decimal),
            "start_date": read(node, "start_date", path, date),
            "planned_end": read(node, "planned_end", path, date, default=None),
            **sourced(node, path),
        },
        context,
        report,
        path,
        descriptive=(
            "name_ko",
            "name_en",
            "ministry",
            "performance_target",
            "originality_rule",
            "start_date",
            "planned_end",
            *PROVENANCE,
        ),
    )


def organizations_section_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    kinds = choice(Organization.Kind.values)
    for i, raw in enumerate(list_at(data.get("organizations"), "organizations")):
        path = f"organizations[{i}]"
        node = mapping_at(raw, path)
        key = read(node, "key", path, text)
        if key in context.organizations:
            raise ProgramFileError(f"{path}.key", f"duplicate organization key {key!r}")
        context.organizations[key] = seed_row(
            Organization,
            {"name_en": read(node, "name_en", path, text)},
            {
                "name_ko": read(node, "name_ko", path, text),
                "kind": read(node, "kind", path, kinds),
                "country": read(node, "country", path, text, default="KR"),
                **sourced(node, path),
            },
            context,
            report,
            path,
            descriptive=("name_ko", "kind", "country", *PROVENANCE),
        )


def _organization_ref(context: LoadContext, key: str, path: str) -> Organization:
    try:
        return context.organizations[key]
    except KeyError:
        raise ProgramFileError(path, f"unknown organization key {key!r}") from None


def consortia_section_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    statuses = choice(Consortium.Status.values)
    for i, raw in enumerate(list_at(data.get("consortia"), "consortia")):
        path = f"consortia[{i}]"
        node = mapping_at(raw, path)
        code = read(node, "code", path, text)
        if code in context.consortia:
            raise ProgramFileError(f"{path}.code", f"duplicate consortium code {code!r}")
        lead = _organization_ref(context, read(node, "lead", path, text), f"{path}.lead")
        left_phase_code = read(node, "left_in_phase", path, text, default=None)
        left_in_phase = None
        if left_phase_code is not None:
            left_in_phase = context.phases.get(left_phase_code)
            if left_in_phase is None:
                raise ProgramFileError(f"{path}.left_in_phase", f"unknown phase code {left_phase_code!r}")
        joined_on = read(node, "joined_on", path, date)
        consortium = seed_row(
            Consortium,
            {"program": context.program, "code": code},
            {
                "name": read(node, "name", path, text),
                "lead": lead,
                "status": read(node, "status", path, statuses),
                "joined_on": joined_on,
                "left_on": read(node, "left_on", path, date, default=None),
                "left_in_phase": left_in_phase,
                "exit_reason": read(node, "exit_reason", path, text, default=""),
                "is_wildcard": read(node, "is_wildcard", path, boolean, default=False),
                "strategy": read(node, "strategy", path, text, default=""),
                **sourced(node, path),
            },
            context,
            report,
            path,
            descriptive=("name", "is_wildcard", "strategy", *PROVENANCE),
        )
        context.consortia[code] = consortium
        # The lead the database records (a change of lead in the file is reported above, not applied).
        seed_row(
            Partnership,
            {"consortium": consortium, "organization_id": consortium.lead_id},
            {"role": Partnership.Role.LEAD, "contribution": "", "joined_on": joined_on, "left_on": None},
            context,
            report,
            f"{path}.lead",
            descriptive=("contribution",),
            keys={"role": f"{path}.lead", "joined_on": f"{path}.joined_on", "left_on": f"{path}.lead"},
        )
        seen = {lead.pk}
        for j, raw_partner in enumerate(list_at(node.get("partners"), f"{path}.partners")):
            ppath = f"{path}.partners[{j}]"
            partner = mapping_at(raw_partner, ppath)
            organization = _organization_ref(context, read(partner, "org", ppath, text), f"{ppath}.org")
            if organization.pk in seen:
                raise ProgramFileError(f"{ppath}.org", f"{organization.name_en} is listed twice in {code}")
            seen.add(organization.pk)
            values = {
                "role": Partnership.Role.PARTNER,
                "contribution": read(partner, "contribution", ppath, text, default=""),
                "joined_on": read(partner, "joined_on", ppath, date, default=joined_on),
                "left_on": read(partner, "left_on", ppath, date, default=None),
                **sourced(partner, ppath),
            }
            seed_row(
                Partnership,
                {"consortium": consortium, "organization": organization},
                values,
                context,
                report,
                ppath,
                descriptive=("contribution", *PROVENANCE),
                create=_partner_add(consortium, organization, values, context),
                keys={"role": f"{ppath}.org"},
            )
        for j, raw_model in enumerate(list_at(node.get("models"), f"{path}.models")):
            mpath = f"{path}.models[{j}]"
            _foundation_model_load(consortium, mapping_at(raw_model, mpath), mpath, context, report)


def _partner_add(consortium: Consortium, organization: Organization, values: dict, context: LoadContext):
    """The service call that adds this partner, or None where the service cannot record it (see above)."""
    if not consortium.is_active or values["left_on"] is not None:
        return None
    return partial(
        partnership_add,
        consortium=consortium,
        organization=organization,
        contribution=values["contribution"],
        joined_on=values["joined_on"],
        actor=context.actor,
    )


def _foundation_model_load(
    consortium: Consortium, node: dict, path: str, context: LoadContext, report: LoadReport
) -> None:
    modalities = read(node, "modalities", path, lambda v, p: list_at(v, p), default=[])
    allowed = set(FoundationModel.Modality.values)
    for k, modality in enumerate(modalities):
        if modality not in allowed:
            raise ProgramFileError(
                f"{path}.modalities[{k}]", f"{modality!r} is not one of {', '.join(sorted(allowed))}"
            )
    values = {
        "architecture": read(node, "architecture", path, text, default=""),
        "total_parameters": read(node, "total_parameters", path, positive_integer, default=None),
        "active_parameters": read(node, "active_parameters", path, positive_integer, default=None),
        "context_length": read(node, "context_length", path, positive_integer, default=None),
        "modalities": modalities,
        "from_scratch_declared": read(node, "from_scratch", path, boolean, default=True),
        "open_weights": read(node, "open_weights", path, boolean, default=False),
        "license": read(node, "license", path, text, default=""),
        "released_on": read(node, "released_on", path, date, default=None),
        "is_planned": read(node, "planned", path, boolean, default=False),
        **sourced(node, path),
    }
    # Published facts about the model: all descriptive.
    seed_row(
        FoundationModel,
        {
            "consortium": consortium,
            "name": read(node, "name", path, text),
            "version": read(node, "version", path, text, default=""),
        },
        values,
        context,
        report,
        path,
        descriptive=tuple(values),
    )
