"""Roles and affiliation are read once per request (common.user_cache), never kept on the user object."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from common.roles import Role, user_roles
from common.services import user_set_roles
from common.user_cache import user_cache_scope
from consortia.models import Organization
from consortia.selectors import user_affiliation
from consortia.services import affiliation_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor():
    user = get_user_model().objects.create_user(username="cache-auditor", password="not-a-real-password-1234")
    user_set_roles(user=user, roles=[Role.AUDITOR])
    return user


def test_outside_a_request_every_lookup_reads_the_database(auditor, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert user_roles(auditor) == {Role.AUDITOR}
        assert user_roles(auditor) == {Role.AUDITOR}
    before = dict(vars(auditor))
    user_set_roles(user=auditor, roles=[Role.MINISTRY_STAFF])
    assert user_roles(auditor) == {Role.MINISTRY_STAFF}
    assert vars(auditor).keys() == before.keys()  # nothing stuck onto the user object


def test_within_a_request_roles_are_read_once_and_forgotten_when_they_change(
    auditor, django_assert_num_queries
):
    with user_cache_scope():
        with django_assert_num_queries(1):
            for _ in range(3):
                assert user_roles(auditor) == {Role.AUDITOR}
        user_set_roles(user=auditor, roles=[Role.EVALUATOR])
        assert user_roles(auditor) == {Role.EVALUATOR}
    with user_cache_scope(), django_assert_num_queries(1):
        assert user_roles(auditor) == {Role.EVALUATOR}


def test_affiliation_is_read_once_per_request_and_forgotten_when_it_changes(
    auditor, django_assert_num_queries
):
    kaist = Organization.objects.create(name_ko="카이스트", name_en="KAIST", kind="university")
    board = Organization.objects.create(name_ko="감사원", name_en="Board", kind="public_body")
    affiliation_set(user=auditor, organization=kaist)
    with user_cache_scope():
        with django_assert_num_queries(1):
            assert user_affiliation(user=auditor).organization == kaist
            assert user_affiliation(user=auditor).organization == kaist
        affiliation_set(user=auditor, organization=board)
        assert user_affiliation(user=auditor).organization == board
