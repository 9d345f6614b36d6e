"""Audit pages through Django's test client: staff and auditors only, the API's filters, id-based pages,
event detail with before/after and the request context, the on-demand chain check, and export links that
carry the filters. Pages are read in English (language cookie)."""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from budget.models import BudgetLine
from common.audit import audit_record
from common.models import AuditEvent
from common.roles import Role

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response) -> str:
    return response.content.decode()


def _ids(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<th scope="row"><a href="/audit/(\d+)/">', body)]


@pytest.fixture
def audit_users(make_user, kai_program):
    return {
        "staff": make_user(Role.MINISTRY_STAFF),
        "auditor": make_user(Role.AUDITOR, organization="Board of Audit and Inspection"),
        "evaluator": make_user(Role.EVALUATOR, organization="Telecommunications Technology Association"),
        "lg": make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG"),
        "nobody": make_user(None),
    }


def _events(actor, count: int, action=AuditEvent.Action.UPDATE, object_type="test.thing") -> list[AuditEvent]:
    return [
        audit_record(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(i),
            object_repr=f"thing {i}",
            before={"n": i},
            after={"n": i + 1},
        )
        for i in range(count)
    ]


# --- Access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["evaluator", "lg", "nobody"])
def test_only_staff_and_auditors_read_the_audit_trail(audit_users, who):
    event = _events(audit_users["staff"], 1)[0]
    client = _client(audit_users[who])
    for path in ("/audit/", f"/audit/{event.pk}/", "/audit/verify/"):
        assert client.get(path).status_code == 403, path
    assert 'href="/audit/"' not in _text(client.get("/consortia/"))  # no nav entry either


@pytest.mark.parametrize("who", ["staff", "auditor"])
def test_staff_and_auditors_get_every_audit_page_and_the_nav_entry(audit_users, who):
    event = _events(audit_users["staff"], 1)[0]
    client = _client(audit_users[who])
    for path in ("/audit/", f"/audit/{event.pk}/", "/audit/verify/"):
        assert client.get(path).status_code == 200, path
    assert '<a href="/audit/" aria-current="page">Audit trail</a>' in _text(client.get("/audit/"))


def test_anonymous_visitor_is_sent_to_login(client):
    assert client.get("/audit/")["Location"] == "/login/?next=/audit/"


def test_pages_only_accept_get(audit_users):
    assert _client(audit_users["staff"]).post("/audit/").status_code == 405


# --- List, filters, pages, exports -------------------------------------------------------------------


def test_list_is_newest_first_without_the_json_columns(audit_users, django_assert_max_num_queries):
    events = _events(audit_users["staff"], 3)
    client = _client(audit_users["auditor"])
    client.get("/audit/")
    with django_assert_max_num_queries(6) as captured:
        body = _text(client.get("/audit/"))
    # Newest first: the three, then the program load's own events (ids need not be contiguous: PostgreSQL
    # sequences do not roll back with a test's transaction).
    before = AuditEvent.objects.filter(pk__lt=events[0].pk).order_by("-pk").values_list("pk", flat=True)[0]
    assert _ids(body)[:4] == [e.pk for e in reversed(events)] + [before]
    listing = [q["sql"] for q in captured.captured_queries if "common_auditevent" in q["sql"]]
    assert len(listing) == 1 and '"before"' not in listing[0] and '"context"' not in listing[0]
    row = re.search(rf'<a href="/audit/{events[0].pk}/">.*?</tr>', body, re.S).group(0)
    assert (
        audit_users["staff"].username in row and "Update" in row and "test.thing" in row and "thing 0" in row
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?action=approve", "approved"),
        ("?action=approve&action=freeze", "approved+frozen"),
        ("?object_type=budget.execution", "approved"),
        ("?q=FROZEN", "frozen"),
        ("?actor=AUDITOR-NAME", "frozen"),
        ("?object_type=test.thing&object_id=1", "thing1"),
    ],
)
def test_list_filters_with_the_api_filterset(audit_users, query, expected):
    _events(audit_users["staff"], 2)
    approved = audit_record(
        actor=audit_users["staff"],
        action="approve",
        object_type="budget.execution",
        object_id="7",
        object_repr="approved spending",
    )
    frozen = audit_record(
        actor=audit_users["auditor"],
        action="freeze",
        object_type="budget.allocation",
        object_id="9",
        object_repr="frozen allocation",
    )
    thing1 = AuditEvent.objects.get(object_type="test.thing", object_id="1")
    query = query.replace("AUDITOR-NAME", audit_users["auditor"].username)
    wanted = {
        "approved": [approved.pk],
        "frozen": [frozen.pk],
        "approved+frozen": [frozen.pk, approved.pk],
        "thing1": [thing1.pk],
    }[expected]
    assert _ids(_text(_client(audit_users["staff"]).get(f"/audit/{query}"))) == wanted


def test_time_filters_take_the_browsers_local_datetime_in_korean_time(audit_users):
    event = _events(audit_users["staff"], 1)[0]
    seoul = event.occurred_at.astimezone(ZoneInfo("Asia/Seoul"))
    client = _client(audit_users["staff"])
    after = f"{seoul:%Y-%m-%dT%H:%M}"
    # (object_type leaves out the program load's events, which may fall in the same minute)
    assert _ids(_text(client.get(f"/audit/?object_type=test.thing&occurred_after={after}"))) == [event.pk]
    later = seoul.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    assert _ids(_text(client.get(f"/audit/?occurred_after={later:%Y-%m-%dT%H:%M}"))) == []


def test_bad_filter_shows_an_error_summary(audit_users):
    events = _events(audit_users["staff"], 2)
    body = _text(_client(audit_users["staff"]).get("/audit/?action=bogus"))
    assert 'class="error-summary" role="alert"' in body and "bogus" in body
    assert '<a href="#filter-action">Action: Select a valid choice. bogus is not one' in body
    assert '<fieldset class="field has-error" id="filter-action">' in body
    assert _ids(body)[:2] == [e.pk for e in reversed(events)]


def test_pages_go_by_id_and_keep_the_filters(audit_users, django_assert_max_num_queries):
    events = _events(audit_users["staff"], 60)
    _events(audit_users["staff"], 3, object_type="other.thing")
    client = _client(audit_users["staff"])
    body = _text(client.get("/audit/?object_type=test.thing"))
    first = _ids(body)
    assert first == [e.pk for e in reversed(events)][:50]
    older = re.search(r'<a href="([^"]+)" rel="next">Older events</a>', body).group(1).replace("&amp;", "&")
    assert older == f"?object_type=test.thing&before={first[-1]}"
    with django_assert_max_num_queries(6):
        second = _text(client.get(f"/audit/{older}"))
    assert _ids(second) == [e.pk for e in reversed(events)][50:]
    assert "Older events" not in second
    assert '<a href="?object_type=test.thing">Newest events</a>' in second


def test_export_links_carry_the_current_filters_and_work(audit_users):
    _events(audit_users["staff"], 2)
    audit_record(
        actor=audit_users["staff"],
        action="approve",
        object_type="budget.execution",
        object_id="7",
        object_repr="approved spending",
    )
    client = _client(audit_users["auditor"])
    body = _text(client.get("/audit/?action=approve&object_type=budget.execution&before=999999999"))
    links = re.findall(r'<a href="(/api/v1/exports/audit-events\.[a-z]+\?[^"]*)" download>', body)
    assert [link.replace("&amp;", "&") for link in links] == [
        f"/api/v1/exports/audit-events.{fmt}?action=approve&object_type=budget.execution"
        for fmt in ("csv", "xlsx", "json")
    ]
    csv = client.get(links[0].replace("&amp;", "&"))
    assert csv.status_code == 200
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and "approved spending" in lines[1]


# --- Detail ------------------------------------------------------------------------------------------


def test_detail_shows_before_after_what_changed_and_the_request_context(audit_users):
    line = BudgetLine.objects.get(code="FY25-DATA")
    staff = _client(audit_users["staff"])
    staff.post(
        f"/budget/lines/{line.pk}/amend/",
        {"new_amount_krw": "31000000000", "reason": "top-up"},
        HTTP_USER_AGENT="kai-test-browser",
        HTTP_X_REQUEST_ID="req-123",
    )
    event = AuditEvent.objects.get(object_type="budget.budgetline", action="update")
    body = _text(_client(audit_users["auditor"]).get(f"/audit/{event.pk}/"))
    changes = re.search(r'data-testid="changes-table".*?</table>', body, re.S).group(0)
    assert re.findall(r"<code>([^<]+)</code>", changes) == ["amount_krw", "30000000000", "31000000000"]
    before = html.unescape(re.search(r'data-testid="before-json">(.*?)</pre>', body, re.S).group(1))
    after = html.unescape(re.search(r'data-testid="after-json">(.*?)</pre>', body, re.S).group(1))
    assert '"amount_krw": 30000000000' in before and '"amount_krw": 31000000000' in after
    assert '"code": "FY25-DATA"' in after
    context = re.search(r'data-testid="request-context">(.*?)</dl>', body, re.S).group(1)
    pairs = dict(re.findall(r"<dt><code>([^<]+)</code></dt><dd>([^<]*)</dd>", context))
    assert pairs["method"] == "POST" and pairs["path"] == f"/budget/lines/{line.pk}/amend/"
    assert pairs["request_id"] == "req-123" and pairs["user_agent"] == "kai-test-browser"
    assert "&quot;reason&quot;: &quot;top-up&quot;" in body  # the details recorded with the event
    assert event.hash in body and event.prev_hash in body
    assert f'href="/audit/?object_type=budget.budgetline&amp;object_id={line.pk}"' in body


def test_unknown_event_is_404(audit_users):
    assert _client(audit_users["staff"]).get("/audit/999999/").status_code == 404


# --- Chain verification ------------------------------------------------------------------------------


def test_verify_on_demand_reports_an_intact_chain(audit_users):
    # The shipped program's load leaves its own events first; the check walks them too.
    loaded = AuditEvent.objects.count()
    _events(audit_users["staff"], 4)
    client = _client(audit_users["auditor"])
    page = _text(client.get("/audit/"))
    assert 'hx-get="/audit/verify/" hx-target="#chain-status"' in page
    assert "Not checked on this visit" in page and "chain-ok" not in page
    fragment = _text(client.get("/audit/verify/", HTTP_HX_REQUEST="true"))
    assert "<html" not in fragment
    assert "The chain is intact." in fragment and f"{loaded + 4} events checked" in fragment
    full = _text(client.get("/audit/verify/"))
    assert "<html" in full and "The chain is intact." in full


def test_verify_names_the_first_broken_event(audit_users):
    loaded = AuditEvent.objects.count()
    events = _events(audit_users["staff"], 3)
    with connection.cursor() as cursor:
        # Altered the way an attacker with table-owner rights would: triggers off, write (test transaction).
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE common_auditevent DISABLE TRIGGER USER")
            cursor.execute(
                "UPDATE common_auditevent SET object_repr = 'forged' WHERE id = %s", [events[1].pk]
            )
            cursor.execute("ALTER TABLE common_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER common_auditevent_no_update")
            cursor.execute(
                "UPDATE common_auditevent SET object_repr = 'forged' WHERE id = %s", [events[1].pk]
            )
    body = _text(_client(audit_users["staff"]).get("/audit/verify/", HTTP_HX_REQUEST="true"))
    assert "The chain is broken." in body
    assert f"{loaded + 1} events check out before the first problem" in body
    assert f'<a href="/audit/{events[1].pk}/">#{events[1].pk}</a>' in body
    assert "the row was altered" in body


# --- Query budget ------------------------------------------------------------------------------------


def test_detail_and_list_queries_do_not_grow_with_events(audit_users, django_assert_max_num_queries):
    client = _client(audit_users["staff"])
    event = _events(audit_users["staff"], 2)[0]
    client.get("/audit/")
    with django_assert_max_num_queries(6) as small:
        client.get("/audit/")
    _events(audit_users["staff"], 80)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/audit/")
    with django_assert_max_num_queries(5):
        client.get(f"/audit/{event.pk}/")
