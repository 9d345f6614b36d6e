"""Security properties checked over every page that exists, found by following links as each role rather than
from a list that goes stale as pages are added:

* every POST form carries a CSRF token, and posting to its action without one is refused (403);
* no browser view is exempt from CSRF (API views authenticate with tokens or the session + CSRF; see
  tests/test_security.py);
* every page, error page, API answer and file download sends the security headers and the CSP;
* API tokens exist only as hashes: the raw key appears nowhere in the database and no API answer shows a key
  or its hash (tests/common/test_roles_and_tokens.py checks the token row itself).
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from budget.models import Allocation
from budget.services import execution_record
from common.roles import Role
from consortia.models import Consortium
from evaluations import services
from tests.p2_data import team

pytestmark = pytest.mark.django_db

MAX_PAGES_PER_ROLE = 150
SKIP_PREFIXES = ("/static/", "/media/", "/api/", "/admin/", "/i18n/", "/logout/")
ROLE_USERS = {
    Role.MINISTRY_STAFF: ("Ministry of Science and ICT", None),
    Role.EVALUATOR: ("National Information Society Agency", None),
    Role.CONSORTIUM_MEMBER: ("LG AI Research", "LG"),
    Role.AUDITOR: ("Board of Audit and Inspection", None),
}
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


@pytest.fixture
def users_with_work(p2_ready, make_user):
    """One user per role, with something to act on: an evaluator assignment (a score sheet), an upload, and a
    pending spending record (approve / reject forms)."""
    people = {
        role: make_user(role, organization=org, consortium=code) for role, (org, code) in ROLE_USERS.items()
    }
    staff, member = people[Role.MINISTRY_STAFF], people[Role.CONSORTIUM_MEMBER]
    services.evaluator_assign(
        phase=p2_ready, consortium=team("LG"), evaluator=people[Role.EVALUATOR], actor=staff
    )
    services.result_upload_create(
        phase=p2_ready,
        consortium=team("LG"),
        actor=member,
        file=SimpleUploadedFile("r.csv", b"benchmark,score\nMMLU-Pro,80\nGPQA-Diamond,70\n"),
    )
    allocation = (
        Allocation.objects.filter(consortium=Consortium.objects.get(code="LG")).order_by("pk").first()
    )
    execution_record(
        allocation=allocation,
        spent_on=allocation.period_start,
        amount_krw=1000,
        description="receipt",
        actor=member,
    )
    return people


def _links(url: str, html: str) -> set[str]:
    found = set()
    for href in re.findall(r'href="([^"]+)"', html):
        target = urlsplit(urljoin(url, unescape(href)))
        if target.netloc not in ("", "testserver") or target.scheme not in ("", "http"):
            continue
        path = target.path
        if path.startswith(SKIP_PREFIXES) or re.search(r"\.(csv|xlsx|json|pdf)$|/file$|/evidence/$", path):
            continue
        found.add(path)
    return found


def crawl(client) -> dict[str, object]:
    """Every page reachable by links from the dashboard (paths only, so filters and pages don't multiply)."""
    pages, queue = {}, ["/"]
    while queue and len(pages) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in pages:
            continue
        response = client.get(url)
        pages[url] = response
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            queue += sorted(_links(url, response.content.decode()) - set(pages))
    return pages


def _post_forms(url: str, html: str) -> list[tuple[str, str]]:
    """(action, form html) of each POST form on the page."""
    forms = []
    for attrs, body in FORM.findall(html):
        method = re.search(r'method="([^"]*)"', attrs, re.I)
        if not method or method.group(1).lower() != "post":
            continue
        action = re.search(r'action="([^"]*)"', attrs, re.I)
        forms.append((urlsplit(urljoin(url, unescape(action.group(1)) if action else url)).path, body))
    return forms


def _assert_security_headers(url: str, response) -> None:
    where = f"{url} ({response.status_code})"
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
    if response["Content-Type"].startswith("text/html"):
        assert response["X-Frame-Options"] == "DENY", where
        csp = response["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'self'",
        ):
            assert directive in csp, f"{where}: CSP lacks {directive!r}: {csp}"
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where


@pytest.fixture
def crawled(users_with_work):
    """{role: (client, {url: response})} for every role, plus the anonymous visitor."""
    result = {}
    for role, user in users_with_work.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        result[role] = (client, crawl(client))
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    result[None] = (anonymous, {"/login/": anonymous.get("/login/")})
    return result


def test_crawl_reaches_the_pages_of_each_role(crawled):
    staff_pages = crawled[Role.MINISTRY_STAFF][1]
    assert len(staff_pages) >= 10, sorted(staff_pages)
    assert not [url for url, r in staff_pages.items() if r.status_code >= 500], "a page failed"
    for role, (_client, pages) in crawled.items():
        broken = [url for url, r in pages.items() if r.status_code >= 500]
        assert not broken, f"{role}: server errors on {broken}"


def test_every_post_form_has_a_csrf_token_and_is_refused_without_one(crawled, users_with_work):
    checked = set()
    for role, (_client, pages) in crawled.items():
        strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
        if role is not None:
            strict.force_login(users_with_work[role])
        for url, response in pages.items():
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            for action, body in _post_forms(url, response.content.decode()):
                assert 'name="csrfmiddlewaretoken"' in body, (
                    f"{role}: the form on {url} (to {action}) has no token"
                )
                if (role, action) in checked:
                    continue
                checked.add((role, action))
                refused = strict.post(action, {"anything": "x"})
                assert refused.status_code == 403, (
                    f"{role}: POST {action} without a CSRF token gave {refused.status_code}"
                )
    actions = {action for _role, action in checked}
    # Not vacuous: the login form, the language switch, and the work forms of the roles were all found.
    assert {"/login/", "/i18n/setlang/", "/logout/"} <= actions, sorted(actions)
    assert len(actions) >= 8, sorted(actions)


def _views(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_browser_view_is_exempt_from_csrf():
    exempt = [
        route
        for route, view in _views()
        if getattr(view, "csrf_exempt", False)
        and not route.startswith(("api/", "admin/"))  # DRF: token, or session with DRF's own CSRF check
        and getattr(view, "cls", None) is None
    ]
    assert exempt == []


def test_every_page_sends_the_security_headers_and_csp(crawled, client):
    for _role, (_client, pages) in crawled.items():
        for url, response in pages.items():
            _assert_security_headers(url, response)
    for url in ("/no-such-page/", "/api/v1/no-such-thing/", "/api/v1/ping", "/api/schema/", "/healthz"):
        _assert_security_headers(url, client.get(url))


def test_downloads_are_attachments_that_are_never_sniffed(users_with_work, p2_ready):
    from evaluations.models import ResultUpload

    staff = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_authenticate(users_with_work[Role.MINISTRY_STAFF])
    for fmt in ("csv", "xlsx", "json"):
        response = staff.get(f"/api/v1/exports/audit-events.{fmt}")
        assert response.status_code == 200
        if response.streaming:
            # Read to the end: the test client then closes the response (the XLSX export streams a temporary
            # file). Closing it again by hand would fire request_finished and close the test's connection.
            b"".join(response.streaming_content)
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
    browser = Client()
    browser.force_login(users_with_work[Role.CONSORTIUM_MEMBER])
    upload = ResultUpload.objects.get(phase=p2_ready, consortium__code="LG")
    file_url = f"/evaluations/upload/results/{upload.pk}/file"
    response = browser.get(file_url)
    if response.status_code == 404 and not any(route.startswith("evaluations/") for route, _v in _views()):
        pytest.skip("the upload pages are not mounted in this checkout")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"benchmark,score")  # read to the end: closed
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api_token_exists_only_as_a_hash(users_with_work):
    staff = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_authenticate(users_with_work[Role.MINISTRY_STAFF])
    auditor = users_with_work[Role.AUDITOR]
    created = staff.post("/api/v1/tokens/", {"user": auditor.pk, "name": "audit export"}, format="json")
    assert created.status_code == 201
    raw = created.json()["key"]
    from common.models import ApiToken

    stored_hash = ApiToken.objects.get(pk=created.json()["id"]).key_hash
    # The key works; its hash, used as a key, does not.
    assert APIClient().get("/api/v1/audit-events/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    assert (
        APIClient().get("/api/v1/audit-events/", HTTP_AUTHORIZATION=f"Token {stored_hash}").status_code == 401
    )
    # Shown once: no later answer carries the key or its hash.
    for path in ("/api/v1/tokens/", f"/api/v1/tokens/{created.json()['id']}/", "/api/v1/audit-events/"):
        body = staff.get(path).content.decode()
        assert raw not in body and stored_hash not in body, path
    # Nowhere in the database, in any text column of any table (audit trail and sessions included).
    assert _tables_containing(raw) == []


def _tables_containing(needle: str) -> list[str]:
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                quoted_table, quoted_column = (
                    connection.ops.quote_name(table),
                    connection.ops.quote_name(column.name),
                )
                cast = "text" if connection.vendor == "postgresql" else "TEXT"
                cursor.execute(
                    f"SELECT 1 FROM {quoted_table} WHERE CAST({quoted_column} AS {cast}) LIKE %s LIMIT 1",
                    [f"%{needle}%"],
                )
                if cursor.fetchone():
                    hits.append(f"{table}.{column.name}")
    return hits


def test_the_scan_for_the_raw_key_would_find_it():
    """The database scan above is not vacuous: a value that is stored is found."""
    marker = f"kai_marker_{dt.datetime.now(tz=dt.UTC).timestamp()}"
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(username="scan", first_name=marker)
    assert _tables_containing(marker) == ["auth_user.first_name"]
