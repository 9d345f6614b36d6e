"""The accounts pages: only ministry staff manage accounts (pages and posts refused to every other role and
to anonymous visitors, nothing changed); create / invite / edit / deactivate through the forms with errors
next to the field; everyone changes their own password; the nav links; evaluator pickers show names."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from common.models import ApiToken, AuditEvent
from common.roles import Role, user_roles
from common.services import api_token_create
from consortia.models import Affiliation
from tests.consortia.accounts_support import mailed_link, org, team

pytestmark = pytest.mark.django_db

User = get_user_model()
ROLE_ORGS = {
    Role.MINISTRY_STAFF: ("Ministry of Science and ICT", None),
    Role.EVALUATOR: ("Telecommunications Technology Association", None),
    Role.CONSORTIUM_MEMBER: ("LG AI Research", "LG"),
    Role.AUDITOR: ("Board of Audit and Inspection", None),
}


@pytest.fixture
def people(kai_program, make_user):
    return {role: make_user(role, organization=o, consortium=c) for role, (o, c) in ROLE_ORGS.items()}


def browser(user=None, language="en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def _text(response) -> str:
    return response.content.decode()


def _new_user_form(**overrides) -> dict:
    data = {
        "username": "yoon.kaist",
        "last_name": "윤",
        "first_name": "도현",
        "email": "yoon@kaist.example.kr",
        "role": "evaluator",
        "organization": org("KAIST").pk,
        "consortium": "",
        "title": "교수",
        "password": "",
    }
    data.update(overrides)
    return data


# --- permissions ---------------------------------------------------------------------------------------


def test_only_ministry_staff_reach_the_account_pages_and_actions(people):
    target = people[Role.EVALUATOR]
    token, _key = api_token_create(user=target, name="t")
    pages = [
        "/accounts/users/",
        "/accounts/users/new/",
        f"/accounts/users/{target.pk}/",
        f"/accounts/users/{target.pk}/edit/",
        f"/accounts/users/{target.pk}/deactivate/",
    ]
    posts = [
        ("/accounts/users/new/", _new_user_form()),
        (f"/accounts/users/{target.pk}/edit/", {**_new_user_form(), "role": "auditor"}),
        (f"/accounts/users/{target.pk}/deactivate/", {}),
        (f"/accounts/users/{target.pk}/reactivate/", {}),
        (f"/accounts/users/{target.pk}/password-link/", {}),
    ]
    users, events = User.objects.count(), AuditEvent.objects.count()
    failures = []
    for role in (None, Role.EVALUATOR, Role.CONSORTIUM_MEMBER, Role.AUDITOR):
        client = browser(people[role] if role else None)
        name = role.value if role else "anonymous"
        for url in pages:
            response = client.get(url)
            expected = (302, "/login/?next=") if role is None else (403, None)
            if response.status_code != expected[0] or (
                expected[1] and not response["Location"].startswith(expected[1])
            ):
                failures.append(f"{name} GET {url} -> {response.status_code}")
        for url, data in posts:
            response = client.post(url, data)
            if response.status_code != (302 if role is None else 403) or (
                role is None and not response["Location"].startswith("/login/")
            ):
                failures.append(f"{name} POST {url} -> {response.status_code}")
    assert failures == []
    target.refresh_from_db()
    assert target.is_active and user_roles(target) == {Role.EVALUATOR}
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)
    assert mail.outbox == []


def test_nav_shows_users_to_staff_and_change_password_to_everyone(people):
    for role, user in people.items():
        page = _text(browser(user).get("/"))
        assert 'href="/accounts/password/"' in page, role
        assert ('href="/accounts/users/"' in page) is (role == Role.MINISTRY_STAFF), role
    assert 'href="/accounts/password/reset/"' in _text(browser().get("/login/"))


# --- the users page ------------------------------------------------------------------------------------


def test_users_page_lists_names_roles_organizations_and_last_login(people):
    evaluator = people[Role.EVALUATOR]
    evaluator.first_name, evaluator.last_name = "서준", "한"
    evaluator.save()
    client = browser()
    assert (
        client.post(
            "/login/", {"username": evaluator.username, "password": "not-a-real-password-1234"}
        ).status_code
        == 302
    )
    evaluator.refresh_from_db()
    page = _text(browser(people[Role.MINISTRY_STAFF]).get("/accounts/users/"))
    row = page[page.index(f'data-username="{evaluator.username}"') :]
    row = row[: row.index("</tr>")]
    assert "한서준" in row
    assert "Evaluator" in row and "Telecommunications Technology Association" in row
    assert timezone.localtime(evaluator.last_login).strftime("%Y-%m-%d %H:%M") in row
    auditor_row = page[page.index(f'data-username="{people[Role.AUDITOR].username}"') :]
    assert "Never" in auditor_row[: auditor_row.index("</tr>")]


def test_users_page_filters_by_role_and_status(people):
    staff = people[Role.MINISTRY_STAFF]
    client = browser(staff)
    client.post(f"/accounts/users/{people[Role.AUDITOR].pk}/deactivate/")

    def listed(query: str) -> list[str]:
        return re.findall(r'data-username="([^"]+)"', _text(client.get(f"/accounts/users/{query}")))

    assert listed("?role=evaluator") == [people[Role.EVALUATOR].username]
    assert listed("?is_active=false") == [people[Role.AUDITOR].username]
    assert sorted(listed("?role=auditor&role=consortium_member&is_active=true")) == [
        people[Role.CONSORTIUM_MEMBER].username
    ]
    unknown = _text(client.get("/accounts/users/?is_active=yes"))
    assert 'data-testid="error-summary"' in unknown
    assert "Choose active (true) or deactivated (false)." in unknown
    assert "4 users" not in _text(client.get("/accounts/users/?role=evaluator"))
    assert "1 user" in _text(client.get("/accounts/users/?role=evaluator"))


# --- create, edit ----------------------------------------------------------------------------------------


def test_staff_invite_a_person_through_the_form(people, django_capture_on_commit_callbacks):
    client = browser(people[Role.MINISTRY_STAFF])
    assert client.get("/accounts/users/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/users/new/", _new_user_form(), follow=True)
    user = User.objects.get(username="yoon.kaist")
    assert response.redirect_chain == [(f"/accounts/users/{user.pk}/", 302)]
    page = _text(response)
    assert (
        "Account yoon.kaist created; an invitation to set a password is on its way to yoon@kaist.example.kr."
        in page
    )
    assert "윤도현" in page and "Invited" in page
    assert not user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["yoon@kaist.example.kr"]
    assert mailed_link(message.body)


def test_staff_create_a_member_with_an_initial_password(people):
    client = browser(people[Role.MINISTRY_STAFF])
    response = client.post(
        "/accounts/users/new/",
        _new_user_form(
            username="kang.upstage",
            email="kang@upstage.example.kr",
            role="consortium_member",
            organization=org("Upstage").pk,
            consortium=team("UPSTAGE").pk,
            password="a-long-and-unusual-passphrase-42",
        ),
    )
    assert response.status_code == 302
    user = User.objects.get(username="kang.upstage")
    assert user.check_password("a-long-and-unusual-passphrase-42")
    assert Affiliation.objects.get(user=user).consortium == team("UPSTAGE")
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"username": "TAKEN"}, "id_username", "The username “TAKEN” is already taken."),
        ({"role": "consortium_member"}, "id_consortium", "A consortium member must belong to a team"),
        ({"consortium": "LG"}, "id_consortium", "Only consortium members belong to a team"),
        ({"organization": "999999"}, "id_organization", "Select a valid choice."),
        ({"last_name": ""}, "id_last_name", "This field is required."),
        ({"password": "short"}, "id_password", "This password is too short."),
    ],
)
def test_create_form_refuses_bad_input_next_to_the_field(people, overrides, field_id, message):
    people[Role.AUDITOR].username = "taken"
    people[Role.AUDITOR].save()
    if overrides.get("consortium") == "LG":
        overrides["consortium"] = team("LG").pk
    users, events = User.objects.count(), AuditEvent.objects.count()
    response = browser(people[Role.MINISTRY_STAFF]).post("/accounts/users/new/", _new_user_form(**overrides))
    assert response.status_code == 200
    page = _text(response)
    error = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', page)
    assert error is not None and message in error.group(1), page[page.find("error-summary") :][:800]
    assert f'href="#{field_id}"' in page  # the error summary links to the field
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)


def test_staff_edit_role_and_team(people):
    evaluator = people[Role.EVALUATOR]
    client = browser(people[Role.MINISTRY_STAFF])
    form = _text(client.get(f"/accounts/users/{evaluator.pk}/edit/"))
    assert 'name="username"' not in form  # the username stays
    response = client.post(
        f"/accounts/users/{evaluator.pk}/edit/",
        {
            "last_name": "Doe",
            "first_name": "Jane",
            "email": "jane@lgresearch.example.kr",
            "role": "consortium_member",
            "organization": org("LG AI Research").pk,
            "consortium": team("LG").pk,
            "title": "",
        },
    )
    assert response.status_code == 302
    assert user_roles(User.objects.get(pk=evaluator.pk)) == {Role.CONSORTIUM_MEMBER}
    assert Affiliation.objects.get(user=evaluator).consortium == team("LG")


# --- deactivate, reactivate, password link ---------------------------------------------------------------


def test_deactivating_ends_the_persons_session_and_revokes_their_tokens(people):
    member = people[Role.CONSORTIUM_MEMBER]
    api_token_create(user=member, name="uploads")
    member_browser = browser(member)
    assert member_browser.get("/").status_code == 200
    staff_browser = browser(people[Role.MINISTRY_STAFF])
    confirm = _text(staff_browser.get(f"/accounts/users/{member.pk}/deactivate/"))
    assert "Their 1 active API token is revoked, at once and for good." in confirm
    done = staff_browser.post(f"/accounts/users/{member.pk}/deactivate/", follow=True)
    assert "is deactivated; their API tokens are revoked." in _text(done)
    assert not ApiToken.objects.filter(user=member, revoked_at__isnull=True).exists()
    response = member_browser.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    back = staff_browser.post(f"/accounts/users/{member.pk}/reactivate/", follow=True)
    assert "can log in again" in _text(back)


def test_staff_cannot_deactivate_themselves_from_the_page(people):
    staff = people[Role.MINISTRY_STAFF]
    client = browser(staff)
    assert "Deactivate…" not in _text(client.get(f"/accounts/users/{staff.pk}/"))
    refused = client.post(f"/accounts/users/{staff.pk}/deactivate/", follow=True)
    assert "You cannot deactivate your own account." in _text(refused)
    staff.refresh_from_db()
    assert staff.is_active


def test_password_link_button_mails_the_person(people, django_capture_on_commit_callbacks):
    member = people[Role.CONSORTIUM_MEMBER]
    member.email = "m@lgresearch.example.kr"
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        done = browser(people[Role.MINISTRY_STAFF]).post(
            f"/accounts/users/{member.pk}/password-link/", follow=True
        )
    assert "A link to set a password is on its way to m@lgresearch.example.kr." in _text(done)
    assert [m.to for m in mail.outbox] == [["m@lgresearch.example.kr"]]


# --- everyone's own password -----------------------------------------------------------------------------


def test_every_role_changes_their_own_password(people):
    for role, user in people.items():
        client = browser(user)
        assert client.get("/accounts/password/").status_code == 200, role
        wrong = client.post(
            "/accounts/password/",
            {
                "old_password": "wrong",
                "new_password1": "another-long-pass-2026",
                "new_password2": "another-long-pass-2026",
            },
        )
        assert wrong.status_code == 200 and 'id="id_old_password-error"' in _text(wrong), role
        done = client.post(
            "/accounts/password/",
            {
                "old_password": "not-a-real-password-1234",
                "new_password1": "another-long-pass-2026",
                "new_password2": "another-long-pass-2026",
            },
            follow=True,
        )
        assert done.redirect_chain == [("/", 302)], role
        assert "Your password has been changed." in _text(done)
        user.refresh_from_db()
        assert user.check_password("another-long-pass-2026")
        event = AuditEvent.objects.filter(object_type="auth.user", object_id=str(user.pk)).get()
        assert event.context["extra"] == {"event": "password_set", "via": "change"}


def test_password_change_needs_a_login():
    response = browser().get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_password_pages_are_in_korean_by_default(people):
    page = _text(browser(people[Role.EVALUATOR], language="ko").get("/accounts/password/"))
    assert "비밀번호 변경" in page
    assert "기존 비밀번호" in page  # Django's own field label, in Korean
    reset = _text(browser(language="ko").get("/accounts/password/reset/"))
    assert "비밀번호를 잊으셨나요?" in reset


# --- evaluator pickers ---------------------------------------------------------------------------------


def test_assignment_picker_shows_names_and_organizations_not_usernames(people, make_user):
    evaluator = make_user(Role.EVALUATOR, organization="National Information Society Agency")
    evaluator.first_name, evaluator.last_name = "지민", "박"
    evaluator.save()
    from evaluations.models import Phase

    phase = Phase.objects.get(code="P2")
    page = _text(browser(people[Role.MINISTRY_STAFF]).get(f"/evaluations/phases/{phase.pk}/assignments/"))
    option = re.search(rf'<option value="{evaluator.pk}">([^<]*)</option>', page)
    assert option is not None
    assert option.group(1) == "박지민 · 한국지능정보사회진흥원 (National Information Society Agency)"
    assert '<th scope="row">박지민</th>' in page
