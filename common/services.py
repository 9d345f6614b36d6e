"""Writes shared by every app: API tokens, role assignment and the system actor."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from common.audit import audit_record
from common.models import ApiToken
from common.roles import Role
from common.user_cache import user_cache_forget

TOKEN_PREFIX_LENGTH = 8


def api_token_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str, created_by=None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the raw key, which is never stored or shown again."""
    raw_key = "kai_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw_key[: TOKEN_PREFIX_LENGTH + 4],
        key_hash=api_token_hash(raw_key),
        created_by=created_by,
    )
    audit_record(
        actor=created_by,
        action="create",
        target=token,
        after={"user": user.get_username(), "name": name, "prefix": token.prefix},
    )
    return token, raw_key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor=None) -> ApiToken:
    """Revoke at once: authentication looks the token up on every request, so there is nothing to expire."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="update", target=token, after={"revoked_at": token.revoked_at})
    return token


@transaction.atomic
def user_set_roles(*, user, roles: list[Role]) -> None:
    groups = Group.objects.filter(name__in=[role.value for role in roles])
    user.groups.set(groups)
    user_cache_forget(user.pk)


SYSTEM_USERNAME = "system"


@transaction.atomic
def system_actor_get():
    """The user automated writes are attributed to (the program file load), created on first use.

    It cannot sign in: it is inactive (the login form, password reset and token authentication all refuse
    inactive users) and has no usable password. It holds the ministry-staff role only so that the services
    accept its writes, as they would a staff member's. A ``system`` user that could sign in is refused
    rather than used, so no person's account ever carries the loader's writes.
    """
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "is_staff": False, "is_superuser": False, "first_name": "System"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.is_active or user.is_staff or user.is_superuser or user.has_usable_password():
        raise ImproperlyConfigured(
            f"A user named {SYSTEM_USERNAME!r} exists and can sign in; rename it: that name is reserved "
            "for the non-login system actor."
        )
    if not user.groups.filter(name=Role.MINISTRY_STAFF.value).exists():
        user.groups.add(Group.objects.get(name=Role.MINISTRY_STAFF.value))
        user_cache_forget(user.pk)
    return user
