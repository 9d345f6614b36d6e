"""The portal's four roles, as Django groups, and who may do what.

Group names are stable identifiers (used in code and migrations); their display names are translated.
Each role's Django permissions are derived from ROLE_GRANTS so that new models pick up the right grants.
Row-level rules (which consortium, which assignment) live in each app's ``permissions.py``.
"""

from __future__ import annotations

from enum import StrEnum

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group
from django.db import connection
from django.utils.translation import gettext_lazy as _

PORTAL_APPS = ("common", "consortia", "evaluations", "budget")


class Role(StrEnum):
    MINISTRY_STAFF = "ministry_staff"
    EVALUATOR = "evaluator"
    CONSORTIUM_MEMBER = "consortium_member"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.MINISTRY_STAFF: _("Ministry staff"),
    Role.EVALUATOR: _("Evaluator"),
    Role.CONSORTIUM_MEMBER: _("Consortium member"),
    Role.AUDITOR: _("Auditor"),
}

# (app_label, model) -> actions; "*" means every model of the portal apps.
ROLE_GRANTS: dict[Role, dict[tuple[str, str], tuple[str, ...]]] = {
    Role.MINISTRY_STAFF: {("*", "*"): ("view", "add", "change", "delete")},
    Role.AUDITOR: {("*", "*"): ("view",)},
    Role.EVALUATOR: {
        ("consortia", "*"): ("view",),
        ("evaluations", "*"): ("view",),
        ("evaluations", "scoresheet"): ("view", "add", "change"),
        ("evaluations", "criterionscore"): ("view", "add", "change"),
    },
    Role.CONSORTIUM_MEMBER: {
        ("consortia", "*"): ("view",),
        ("evaluations", "*"): ("view",),
        ("evaluations", "resultupload"): ("view", "add"),
        ("budget", "*"): ("view",),
        ("budget", "gpuusagereport"): ("view", "add"),
    },
}


def role_permission_codenames(role: Role, models: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """(app_label, codename) pairs the role holds over the given (app_label, model_name) list."""
    granted: set[tuple[str, str]] = set()
    for app_label, model_name in models:
        for (grant_app, grant_model), actions in ROLE_GRANTS[role].items():
            if grant_app in ("*", app_label) and grant_model in ("*", model_name):
                granted.update((app_label, f"{action}_{model_name}") for action in actions)
    return granted


def sync_role_permissions(apps=None) -> None:
    """Create the four groups if missing and set each one's permissions to exactly its grants."""
    apps = apps or global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for app_config in apps.get_app_configs():
        # Permissions normally appear only after post_migrate; the migration needs them now. Migration
        # state app configs lack models_module, which create_permissions uses only as a "has models" flag.
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        if stub:
            app_config.models_module = None
    portal_permissions = Permission.objects.filter(content_type__app_label__in=PORTAL_APPS).select_related(
        "content_type"
    )
    by_key = {(p.content_type.app_label, p.codename): p for p in portal_permissions}
    models = sorted({(p.content_type.app_label, p.content_type.model) for p in portal_permissions})
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = [by_key[key] for key in sorted(role_permission_codenames(role, models)) if key in by_key]
        group.permissions.set(wanted)


def sync_role_permissions_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    # Run once per migrate, after the last portal app has had its permissions created.
    if app_config is not None and app_config.label == "budget":
        sync_role_permissions()


def user_roles(user) -> set[Role]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_kai_roles", None)
    if cached is None:
        names = _group_names(user.pk)
        cached = {role for role in Role if role.value in names}
        user._kai_roles = cached
    return cached


def _group_names(user_id: int) -> set[str]:
    """The user's group names. Every API call and page asks this once, so it is one plain SQL statement:
    the ORM's query building costs as much again as the query itself on this hot path (bench/load.sh)."""
    memberships = Group.user_set.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT g.name FROM {Group._meta.db_table} g"
            f" INNER JOIN {memberships} m ON m.group_id = g.id WHERE m.user_id = %s",
            [user_id],
        )
        return {name for (name,) in cursor.fetchall()}


def user_has_role(user, role: Role) -> bool:
    return role in user_roles(user)


def is_ministry_staff(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or user_has_role(user, Role.MINISTRY_STAFF)


def is_auditor(user) -> bool:
    return user_has_role(user, Role.AUDITOR)


def can_read_everything(user) -> bool:
    return is_ministry_staff(user) or is_auditor(user)
