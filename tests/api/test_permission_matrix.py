"""Every endpoint × role × method: the denials are asserted, not only the allows.

Expected outcomes: a role outside the endpoint's readers gets 403 on GET; a role outside its writers
gets 403 on every write method (never 2xx, never a validation error that would reveal the write path).
Writers get something other than 401/403 (2xx, a 4xx validation error, or 405 where the method is absent).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from common.roles import Role

pytestmark = pytest.mark.django_db

ALL = frozenset(Role)
STAFF = frozenset({Role.MINISTRY_STAFF})
READERS = frozenset({Role.MINISTRY_STAFF, Role.AUDITOR})
NONE: frozenset = frozenset()


@dataclass(frozen=True)
class Endpoint:
    list_url: str
    readers: frozenset
    writers: frozenset
    write_body: dict | None = None  # body for POST on the list URL


ENDPOINTS = [
    Endpoint("/api/v1/organizations/", ALL, NONE),
    Endpoint("/api/v1/consortia/", ALL, STAFF),
    Endpoint("/api/v1/audit-events/", READERS, NONE),
    Endpoint("/api/v1/tokens/", STAFF, STAFF, {"name": "x"}),
]
WRITE_METHODS = ("post", "put", "patch", "delete")


def _ids(endpoint):
    return endpoint.list_url


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_read(endpoint, role, api_as):
    response = api_as(role).get(endpoint.list_url)
    if role is None:
        assert response.status_code in (401, 403)
    elif role in endpoint.readers:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403, response.content


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_write(endpoint, method, role, api_as):
    client = api_as(role)
    url = endpoint.list_url if method == "post" else endpoint.list_url + "1/"
    response = getattr(client, method)(url, endpoint.write_body or {}, format="json")
    if role is None:
        assert response.status_code in (401, 403)
    elif role in endpoint.writers:
        assert response.status_code not in (401, 403), (role, method, response.content)
    else:
        assert response.status_code == 403, (role, method, response.status_code, response.content)


def test_auditor_can_never_write_anything(api_as):
    client = api_as(Role.AUDITOR)
    for endpoint in ENDPOINTS:
        assert client.post(endpoint.list_url, {}, format="json").status_code == 403
