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

# username -> (family name, given name, email): pages and pickers show people by name.
DEMO_PEOPLE: dict[str, tuple[str, str, str]] = {
    "ministry": ("김", "정민", "ministry@demo.kai-portal.localhost"),
    "evaluator": ("이", "서연", "evaluator@demo.kai-portal.localhost"),
    "evaluator_kaist": ("박", "준호", "evaluator.kaist@demo.kai-portal.localhost"),
    "member_lg": ("최", "유진", "member.lg@demo.kai-portal.localhost"),
    "member_upstage": ("정", "하늘", "member.upstage@demo.kai-portal.localhost"),
    "auditor": ("한", "지우", "auditor@demo.kai-portal.localhost"),
}


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
            last_name, first_name, email = DEMO_PEOPLE[username]
            user = User.objects.create_user(
                username=username,
                password=password,
                email=email,
                first_name=first_name,
                last_name=last_name,
                is_staff=role == Role.MINISTRY_STAFF,
            )
            user_set_roles(user=user, roles=[role])
            Affiliation.objects.create(
                user=user,
                organization=Organization.objects.get(name_en=org_name),
                consortium=Consortium.objects.get(code=consortium_code) if consortium_code else None,
            )
        created.append((username, role.value, password))
    return created
