"""Demo users, one or more per role, for trying the portal. Passwords come from the caller (random)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction

from common.roles import Role
from common.services import user_set_roles
from consortia.models import Affiliation, Consortium, Organization

# username, role, organization (English name), consortium code or None
DEMO_USERS: list[tuple[str, Role, str, str | None]] = [
    ("ministry", Role.MINISTRY_STAFF, "Ministry of Science and ICT", None),
    ("evaluator", Role.EVALUATOR, "Telecommunications Technology Association", None),
    # Works at KAIST, a partner of several teams: shows the conflict-of-interest refusal.
    ("evaluator_kaist", Role.EVALUATOR, "KAIST", None),
    ("member_lg", Role.CONSORTIUM_MEMBER, "LG AI Research", "LG"),
    ("member_upstage", Role.CONSORTIUM_MEMBER, "Upstage", "UPSTAGE"),
    ("auditor", Role.AUDITOR, "Board of Audit and Inspection", None),
]


@transaction.atomic
def demo_users_create(*, password_factory: Callable[[], str]) -> list[tuple[str, str, str | None]]:
    """Create missing demo users; existing ones are left as they are (their password is not reset)."""
    User = get_user_model()
    created: list[tuple[str, str, str | None]] = []
    for username, role, org_name, consortium_code in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        password = None
        if user is None:
            password = password_factory()
            user = User.objects.create_user(
                username=username, password=password, is_staff=role == Role.MINISTRY_STAFF
            )
            user_set_roles(user=user, roles=[role])
            Affiliation.objects.create(
                user=user,
                organization=Organization.objects.get(name_en=org_name),
                consortium=Consortium.objects.get(code=consortium_code) if consortium_code else None,
            )
        created.append((username, role.value, password))
    return created
