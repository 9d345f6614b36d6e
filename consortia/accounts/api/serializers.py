"""Input and output of /api/v1/users/. Inputs check shape only; the services check the rules."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.roles import Role
from consortia.accounts.names import person_name
from consortia.accounts.selectors import user_roles_held
from consortia.models import Consortium, Organization

# (value, name), like settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["PortalRoleEnum"] reads the Role
# enum, so both fields are documented as that one enum.
ROLE_CHOICES = [(role.value, role.name) for role in Role]


class UserOrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ("id", "name_ko", "name_en")


class UserConsortiumSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consortium
        fields = ("id", "code", "name")


class UserSerializer(serializers.ModelSerializer):
    display_name = serializers.SerializerMethodField(help_text="The name pages show (홍길동, Jane Doe).")
    roles = serializers.SerializerMethodField()
    organization = UserOrganizationSerializer(
        source="affiliation.organization", read_only=True, allow_null=True
    )
    consortium = UserConsortiumSerializer(source="affiliation.consortium", read_only=True, allow_null=True)
    title = serializers.CharField(source="affiliation.title", read_only=True, allow_null=True)
    has_password = serializers.SerializerMethodField(
        help_text="False until an invited person has set their password."
    )
    last_api_use = serializers.DateTimeField(read_only=True, allow_null=True)
    active_token_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = get_user_model()
        fields = (
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "display_name",
            "roles",
            "organization",
            "consortium",
            "title",
            "is_active",
            "has_password",
            "last_login",
            "last_api_use",
            "active_token_count",
            "date_joined",
        )

    @extend_schema_field(OpenApiTypes.STR)
    def get_display_name(self, obj) -> str:
        return person_name(obj)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ROLE_CHOICES)))
    def get_roles(self, obj) -> list[str]:
        return [role.value for role in user_roles_held(obj)]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_password(self, obj) -> bool:
        return obj.has_usable_password()


class _AccountInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=150, help_text="Given name.")
    last_name = serializers.CharField(max_length=150, help_text="Family name.")
    role = serializers.ChoiceField(choices=ROLE_CHOICES)
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    consortium = serializers.PrimaryKeyRelatedField(
        queryset=Consortium.objects.all(),
        allow_null=True,
        required=False,
        default=None,
        help_text="The team, for consortium members only.",
    )
    title = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")


class UserCreateInputSerializer(_AccountInputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128,
        required=False,
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=(
            "Omit to invite: the account gets no usable password and the person is mailed a link to set one."
        ),
    )


class UserUpdateInputSerializer(_AccountInputSerializer):
    """PATCH: every field optional; what is left out stays as it is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)
