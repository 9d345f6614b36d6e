from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from rest_framework import serializers

from consortia.models import Consortium, FoundationModel, Organization, Partnership


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ("id", "name_ko", "name_en", "kind", "country", "is_illustrative", "source_note")


class PartnershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Partnership
        fields = (
            "id",
            "organization",
            "role",
            "contribution",
            "joined_on",
            "left_on",
            "is_illustrative",
            "source_note",
        )


class FoundationModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = FoundationModel
        fields = (
            "id",
            "name",
            "version",
            "architecture",
            "total_parameters",
            "active_parameters",
            "context_length",
            "modalities",
            "from_scratch_declared",
            "open_weights",
            "license",
            "released_on",
            "is_planned",
            "is_illustrative",
            "source_note",
        )


class ConsortiumSerializer(serializers.ModelSerializer):
    lead = OrganizationSerializer(read_only=True)
    partners = PartnershipSerializer(source="partnerships", many=True, read_only=True)
    models = FoundationModelSerializer(many=True, read_only=True)
    left_in_phase = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Consortium
        fields = (
            "id",
            "code",
            "name",
            "program",
            "lead",
            "status",
            "joined_on",
            "left_on",
            "left_in_phase",
            "exit_reason",
            "is_wildcard",
            "strategy",
            "is_illustrative",
            "source_note",
            "partners",
            "models",
        )


class PartnershipListSerializer(PartnershipSerializer):
    """A partnership on its own (the partnerships endpoint): with its consortium's id."""

    class Meta(PartnershipSerializer.Meta):
        fields = ("id", "consortium", *PartnershipSerializer.Meta.fields[1:])


class OrganizationInputSerializer(serializers.Serializer):
    """Shape only; uniqueness of the English name and the country code are the service's checks."""

    name_ko = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Organization.Kind.choices)
    country = serializers.CharField(max_length=2, required=False, default="KR")
    is_illustrative = serializers.BooleanField(required=False, default=False)
    source_note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class PartnershipInputSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    role = serializers.ChoiceField(
        choices=Partnership.Role.choices, required=False, default=Partnership.Role.PARTNER
    )
    contribution = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    joined_on = serializers.DateField()


class PartnershipCreateInputSerializer(PartnershipInputSerializer):
    consortium = serializers.PrimaryKeyRelatedField(queryset=Consortium.objects.all())


class PartnershipEndInputSerializer(serializers.Serializer):
    left_on = serializers.DateField()


# --- The list, built from rows ---------------------------------------------------------------------------
# A page of consortia nests about 160 objects (lead, partners with their organization, models). Through the
# serializers above each of them becomes a model instance and then walks DRF's field machinery; that cost
# several times the SQL and held the list far below the rest of the API. The list therefore reads plain
# rows and builds the very JSON ConsortiumSerializer gives (same keys, order and value formats; the
# serializer still documents the schema and serves the detail, and tests/api/test_consortia_api.py holds
# the two equal).

_ORGANIZATION_KEYS = OrganizationSerializer.Meta.fields
_PARTNERSHIP_KEYS = tuple(k for k in PartnershipSerializer.Meta.fields if k != "organization")
_MODEL_KEYS = FoundationModelSerializer.Meta.fields
_DATE_KEYS = frozenset({"joined_on", "left_on", "released_on"})


def _iso(row: dict[str, Any]) -> dict[str, Any]:
    """DRF writes dates as ISO 8601 strings; everything else in these rows is already JSON-ready."""
    for key in _DATE_KEYS & row.keys():
        value = row[key]
        if isinstance(value, date):
            row[key] = value.isoformat()
    return row


def consortium_list_rows(queryset: QuerySet[Consortium]) -> QuerySet[Consortium, dict[str, Any]]:
    """The filtered, ordered consortia as rows: the consortium's own columns, its lead's and its exit phase's
    code in one query. Page it like any queryset, then pass the page to ``consortium_list_data``."""
    return queryset.prefetch_related(None).values(
        "id",
        "code",
        "name",
        "program_id",
        "status",
        "joined_on",
        "left_on",
        "left_in_phase__code",
        "exit_reason",
        "is_wildcard",
        "strategy",
        "is_illustrative",
        "source_note",
        *(f"lead__{key}" for key in _ORGANIZATION_KEYS),
    )


def consortium_list_data(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """ConsortiumSerializer(many=True).data for these rows, with two more queries (partners, models)."""
    ids = [row["id"] for row in rows]
    partners: dict[int, list[dict[str, Any]]] = defaultdict(list)
    models: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        own = len(_PARTNERSHIP_KEYS)
        for consortium_id, *values in _fetch(_partners_sql(), ids):
            partner = _iso(dict(zip(_PARTNERSHIP_KEYS, values[:own], strict=True)))
            organization = dict(zip(_ORGANIZATION_KEYS, values[own:], strict=True))
            # Key order as the serializer's: id, organization, then the partnership's own fields.
            partners[consortium_id].append({"id": partner.pop("id"), "organization": organization, **partner})
        modalities = FoundationModel._meta.get_field("modalities")
        for consortium_id, *values in _fetch(_models_sql(), ids):
            model = _iso(dict(zip(_MODEL_KEYS, values, strict=True)))
            model["modalities"] = modalities.from_db_value(model["modalities"], None, connection)
            models[consortium_id].append(model)
    return [
        {
            "id": row["id"],
            "code": row["code"],
            "name": row["name"],
            "program": row["program_id"],
            "lead": _nested(row, "lead__"),
            "status": row["status"],
            "joined_on": row["joined_on"],
            "left_on": row["left_on"],
            "left_in_phase": row["left_in_phase__code"],
            "exit_reason": row["exit_reason"],
            "is_wildcard": row["is_wildcard"],
            "strategy": row["strategy"],
            "is_illustrative": row["is_illustrative"],
            "source_note": row["source_note"],
            "partners": partners[row["id"]],
            "models": models[row["id"]],
        }
        for row in map(_iso, rows)
    ]


# The partners and models of a page are read with two fixed statements (column names from the models'
# metadata), not through the ORM: compiling the two querysets cost more than running them.


def _columns(model, alias: str, keys: Sequence[str]) -> list[str]:
    quote = connection.ops.quote_name
    return [f"{alias}.{quote(model._meta.get_field(key).column)}" for key in keys]


@cache
def _partners_sql() -> str:
    quote = connection.ops.quote_name
    meta, org = Partnership._meta, Organization._meta
    consortium = "p." + quote(meta.get_field("consortium").column)
    columns = [
        consortium,
        *_columns(Partnership, "p", _PARTNERSHIP_KEYS),
        *_columns(Organization, "o", _ORGANIZATION_KEYS),
    ]
    # Within a consortium, the order of the detail's prefetch (Partnership.Meta.ordering).
    order = [
        consortium,
        "p." + quote(meta.get_field("role").column),
        "o." + quote(org.get_field("name_en").column),
    ]
    return (
        f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} p JOIN {quote(org.db_table)} o "
        f"ON o.{quote(org.pk.column)} = p.{quote(meta.get_field('organization').column)} "
        f"WHERE {consortium} IN ({{ids}}) ORDER BY {', '.join(order)}"
    )


@cache
def _models_sql() -> str:
    quote = connection.ops.quote_name
    m = FoundationModel._meta
    consortium = quote(m.get_field("consortium").column)
    columns = [f"m.{consortium}", *_columns(FoundationModel, "m", _MODEL_KEYS)]
    # The order of the detail's prefetch (ConsortiumViewSet.get_queryset); the id settles shared names.
    return (
        f"SELECT {', '.join(columns)} FROM {quote(m.db_table)} m WHERE m.{consortium} IN ({{ids}}) "
        f"ORDER BY m.{consortium}, m.{quote(m.get_field('name').column)}, m.{quote(m.pk.column)}"
    )


def _fetch(sql: str, ids: list[int]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=", ".join(["%s"] * len(ids))), ids)
        return cursor.fetchall()


def _nested(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    """An organization's fields, from the columns a values() query read through a relation."""
    return {key: row[prefix + key] for key in _ORGANIZATION_KEYS}
