"""Writes for people's accounts. The browser pages, the API and any script come through here.

Every service is atomic and appends its audit event (who, before/after) in the same transaction. A person
is described by a username, an email address, a name (shown instead of the username), one role and an
affiliation: an organisation, plus the team for consortium members (only for them). Mail goes out only
after commit, through the Celery task ``consortia.send_password_link``.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import partial

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from common.audit import audit_record
from common.models import ApiToken
from common.roles import ROLE_LABELS, Role
from common.services import SYSTEM_USERNAME, api_token_revoke, user_set_roles
from consortia import tasks
from consortia.models import Affiliation, Consortium, Organization, Partnership
from consortia.services import affiliation_set

logger = logging.getLogger(__name__)

User = get_user_model()
NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254
TITLE_MAX_LENGTH = 100
# Any constant: keeps this advisory lock apart from the audit chain's.
_ACCOUNTS_LOCK_KEY = 0x4B41_4955_5345_52


def _serialise_account_writes() -> None:
    """Two staff creating the same username or email at once: the second waits and then sees the first.
    (SQLite already serialises writers; the username is also unique in the database.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ACCOUNTS_LOCK_KEY])


def _normalise(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def _check_account(
    *,
    user,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role,
    organization: Organization | None,
    consortium: Consortium | None,
    title: str,
) -> dict:
    """Validate everything about a person; returns the cleaned values or raises one ValidationError keyed by
    field with every problem found (nothing is written before this passes)."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    username = (username or "").strip()
    if user is None:
        if not username:
            refuse("username", _("Enter a username."))
        else:
            try:
                User.username_validator(username)
            except ValidationError as error:
                errors.setdefault("username", []).extend(error.messages)
            if len(username) > User._meta.get_field("username").max_length:
                refuse("username", _("A username has at most 150 characters."))
            elif username.casefold() == SYSTEM_USERNAME:
                # The program file's writes are attributed to that non-login account (system_actor_get).
                refuse("username", _("The username “%(username)s” is reserved.") % {"username": username})
            elif User.objects.filter(username__iexact=username).exists():
                refuse(
                    "username", _("The username “%(username)s” is already taken.") % {"username": username}
                )

    email = User.objects.normalize_email(_normalise(email))
    if not email:
        refuse("email", _("Enter an email address: invitations and password resets are sent there."))
    elif len(email) > EMAIL_MAX_LENGTH:
        refuse("email", _("An email address has at most 254 characters."))
    else:
        try:
            validate_email(email)
        except ValidationError as error:
            errors.setdefault("email", []).extend(error.messages)
        else:
            taken = User.objects.filter(email__iexact=email)
            if user is not None:
                taken = taken.exclude(pk=user.pk)
            holder = taken.values_list("username", flat=True).first()
            if holder is not None:
                refuse(
                    "email",
                    _("The email address %(email)s is already used by the account “%(username)s”.")
                    % {"email": email, "username": holder},
                )

    first_name, last_name, title = _normalise(first_name), _normalise(last_name), _normalise(title)
    if not last_name:
        refuse("last_name", _("Enter the family name: pages show people by name, not by username."))
    if not first_name:
        refuse("first_name", _("Enter the given name: pages show people by name, not by username."))
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value) > NAME_MAX_LENGTH:
            refuse(field, _("A name has at most 150 characters."))
    if len(title) > TITLE_MAX_LENGTH:
        refuse("title", _("A title has at most 100 characters."))

    try:
        role = Role(role)
    except ValueError:
        refuse("role", _("Choose one of the roles: %(roles)s.") % {"roles": ", ".join(r.value for r in Role)})
        role = None

    if organization is None:
        refuse("organization", _("Choose the organization the person works for."))
    if role is Role.CONSORTIUM_MEMBER:
        if consortium is None:
            refuse("consortium", _("A consortium member must belong to a team: choose their consortium."))
        elif organization is not None and not (
            Partnership.objects.filter(
                consortium=consortium, organization=organization, left_on__isnull=True
            ).exists()
        ):
            refuse(
                "organization",
                _("%(organization)s is not a current partner of %(team)s; members work at its partners.")
                % {"organization": organization, "team": consortium},
            )
    elif role is not None and consortium is not None:
        refuse(
            "consortium",
            _("Only consortium members belong to a team; leave the team empty for the role %(role)s.")
            % {"role": ROLE_LABELS[role]},
        )

    if errors:
        raise ValidationError(errors)
    return {
        "username": username,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "role": role,
        "organization": organization,
        "consortium": consortium if role is Role.CONSORTIUM_MEMBER else None,
        "title": title,
    }


def account_state(user) -> dict:
    """What the audit trail records about a person (never the password hash)."""
    affiliation = Affiliation.objects.filter(user=user).first()
    return {
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "organization": affiliation.organization_id if affiliation else None,
        "consortium": affiliation.consortium_id if affiliation else None,
        "title": affiliation.title if affiliation else "",
        "has_password": user.has_usable_password(),
    }


def _check_base_url(base_url: str) -> str:
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    return base_url


def _account_create(*, password: str | None, actor, invited: bool, **fields):
    _serialise_account_writes()
    data = _check_account(user=None, **fields)
    if password is not None:
        candidate = User(
            username=data["username"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
        )
        try:
            password_validation.validate_password(password, user=candidate)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
    user = User(
        username=data["username"],
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        # Ministry staff may open the Django admin, as the demo users do; the groups decide what they see.
        is_staff=data["role"] is Role.MINISTRY_STAFF,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(
            {"username": _("The username “%(username)s” is already taken.") % {"username": data["username"]}}
        ) from None
    user_set_roles(user=user, roles=[data["role"]])
    affiliation_set(
        user=user, organization=data["organization"], consortium=data["consortium"], title=data["title"]
    )
    audit_record(
        actor=actor, action="create", target=user, after=account_state(user), extra={"invited": invited}
    )
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: Role | str,
    organization: Organization | None,
    consortium: Consortium | None = None,
    title: str = "",
    password: str,
    actor,
):
    """Create an account with a password chosen by staff (checked by the password validators).

    Checks (ValidationError keyed by field, nothing written): username free and valid, email valid and
    free (case-insensitive), given and family name, a known role, an organisation; a member has a team and
    works at one of its current partners; no other role has a team.
    Side effects: writes User, its group and Affiliation; appends an audit event (create).
    """
    return _account_create(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        organization=organization,
        consortium=consortium,
        title=title,
        password=password or "",
        actor=actor,
        invited=False,
    )


@transaction.atomic
def user_invite(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: Role | str,
    organization: Organization | None,
    consortium: Consortium | None = None,
    title: str = "",
    base_url: str,
    actor,
):
    """Create an account without a usable password and mail the person a link to set one.

    The link is Django's password-reset link (default_token_generator): it works once, until the password
    is set or PASSWORD_RESET_TIMEOUT passes. ``base_url`` is the portal's address as the inviting request
    saw it (https://host/). Checks: as ``user_create``.
    Side effects: writes User, its group and Affiliation; appends an audit event (create, invited); on
    commit enqueues ``consortia.send_password_link``.
    """
    _check_base_url(base_url)
    user = _account_create(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        organization=organization,
        consortium=consortium,
        title=title,
        password=None,
        actor=actor,
        invited=True,
    )
    transaction.on_commit(partial(password_link_enqueue, user_id=user.pk, base_url=base_url), robust=True)
    return user


@transaction.atomic
def user_update(
    *,
    user,
    email: str,
    first_name: str,
    last_name: str,
    role: Role | str,
    organization: Organization | None,
    consortium: Consortium | None = None,
    title: str = "",
    actor,
):
    """Change a person's email, name, role or affiliation (the username stays: the audit trail names it).

    Checks: as ``user_create``, and staff cannot take the staff role away from their own account.
    Side effects: writes User, its group and Affiliation; appends an audit event (update, before/after).
    """
    _serialise_account_writes()
    locked = User.objects.select_for_update().get(pk=user.pk)
    data = _check_account(
        user=locked,
        username=locked.get_username(),
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        organization=organization,
        consortium=consortium,
        title=title,
    )
    if (
        actor is not None
        and actor.pk == locked.pk
        and data["role"] is not Role.MINISTRY_STAFF
        and not locked.is_superuser
    ):
        raise ValidationError(
            {"role": _("You cannot take the ministry staff role from your own account; ask other staff.")}
        )
    before = account_state(locked)
    locked.email = data["email"]
    locked.first_name = data["first_name"]
    locked.last_name = data["last_name"]
    locked.is_staff = data["role"] is Role.MINISTRY_STAFF or locked.is_superuser
    locked.save(update_fields=["email", "first_name", "last_name", "is_staff"])
    user_set_roles(user=locked, roles=[data["role"]])
    affiliation_set(
        user=locked, organization=data["organization"], consortium=data["consortium"], title=data["title"]
    )
    after = account_state(locked)
    if after != before:
        audit_record(actor=actor, action="update", target=locked, before=before, after=after)
    return locked


@transaction.atomic
def user_deactivate(*, user, actor):
    """Stop an account: the person can no longer log in (an open session ends at its next request) and every
    API token of theirs is revoked, in this same transaction.

    Checks: the account is active; staff cannot deactivate their own account.
    Side effects: writes User.is_active; revokes ApiTokens (one audit event each, api_token_revoke);
    appends an audit event (update, before/after, with the revoked tokens' prefixes).
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and actor.pk == locked.pk:
        raise ValidationError(_("You cannot deactivate your own account."), code="self")
    if not locked.is_active:
        raise ValidationError(
            _("%(user)s is already deactivated.") % {"user": locked.get_username()}, code="invalid_state"
        )
    before = account_state(locked)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    revoked = []
    for token in (
        ApiToken.objects.select_for_update().filter(user=locked, revoked_at__isnull=True).order_by("pk")
    ):
        api_token_revoke(token=token, actor=actor)
        revoked.append(token.prefix)
    audit_record(
        actor=actor,
        action="update",
        target=locked,
        before=before,
        after=account_state(locked),
        extra={"event": "deactivated", "tokens_revoked": revoked},
    )
    return locked


@transaction.atomic
def user_reactivate(*, user, actor):
    """Let a deactivated person log in again. Their revoked API tokens stay revoked.

    Checks: the account is deactivated.
    Side effects: writes User.is_active; appends an audit event (update, before/after).
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active:
        raise ValidationError(
            _("%(user)s is already active.") % {"user": locked.get_username()}, code="invalid_state"
        )
    before = account_state(locked)
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="update",
        target=locked,
        before=before,
        after=account_state(locked),
        extra={"event": "reactivated"},
    )
    return locked


@transaction.atomic
def user_password_link_send(*, user, base_url: str, actor):
    """Mail the person a link to set their password: the invitation again if they never set one, or a reset
    that staff start for them (staff never see or choose the password). Their current password keeps
    working until the link is used.

    Checks: the account is active and has an email address.
    Side effects: appends an audit event (update, password link sent); on commit enqueues
    ``consortia.send_password_link``.
    """
    _check_base_url(base_url)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise ValidationError(
            _("%(user)s is deactivated; reactivate the account before sending a password link.")
            % {"user": locked.get_username()},
            code="invalid_state",
        )
    if not locked.email:
        raise ValidationError(
            {"email": _("%(user)s has no email address; add one first.") % {"user": locked.get_username()}}
        )
    audit_record(
        actor=actor,
        action="update",
        target=locked,
        extra={
            "event": "password_link_sent",
            "to": locked.email,
            "invitation": not locked.has_usable_password(),
        },
    )
    transaction.on_commit(partial(password_link_enqueue, user_id=locked.pk, base_url=base_url), robust=True)
    return locked


def user_password_change_record(*, user, via: str) -> None:
    """The audit event for a password the person set themselves (``via``: "change" on the password page,
    "reset" through a mailed link). Called by those views inside their transaction; records no secret."""
    audit_record(actor=user, action="update", target=user, extra={"event": "password_set", "via": via})


def password_link_enqueue(*, user_id: int, base_url: str) -> bool:
    """Send the mail task; returns False (and logs) when the broker cannot be reached. Staff can send the
    link again from the person's page (user_password_link_send)."""
    try:
        tasks.send_password_link.apply_async(
            kwargs={"user_id": user_id, "base_url": base_url}, ignore_result=True
        )
    except BrokerError as exc:
        logger.warning("password link for user %s not enqueued (%s)", user_id, exc)
        return False
    return True
