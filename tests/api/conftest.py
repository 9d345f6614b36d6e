from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from common.roles import Role

ROLE_USERS = {
    # role -> (organization, consortium)
    Role.MINISTRY_STAFF: ("Ministry of Science and ICT", None),
    Role.EVALUATOR: ("Telecommunications Technology Association", None),
    Role.CONSORTIUM_MEMBER: ("LG AI Research", "LG"),
    Role.AUDITOR: ("Board of Audit and Inspection", None),
}


@pytest.fixture
def role_users(kai_program, make_user):
    return {
        role: make_user(role, organization=org, consortium=team) for role, (org, team) in ROLE_USERS.items()
    }


@pytest.fixture
def api_as(role_users):
    """api_as(role) -> an APIClient authenticated as that role's user (None = anonymous)."""

    def factory(role: Role | None) -> APIClient:
        # English messages, so tests can assert them; without the header the API answers in Korean.
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if role is not None:
            client.force_authenticate(role_users[role])
        return client

    return factory
