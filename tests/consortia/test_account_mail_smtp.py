"""Password mail through a real SMTP server: the test starts aiosmtpd on a free 127.0.0.1 port, points
EMAIL_URL at it (read by the same kai_portal.env.email_from_env as the settings), and follows the link from
the mail it received to set a password and log in."""

from __future__ import annotations

import email
from email import policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model

from common.models import AuditEvent
from common.roles import Role
from kai_portal.env import email_from_env
from tests.consortia.accounts_support import mailed_link, org
from tests.reliability.procs import free_port

NEW_PASSWORD = "a-brand-new-passphrase-for-kai-2026"


class Inbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(monkeypatch, settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("EMAIL_URL", f"smtp://127.0.0.1:{controller.port}/?timeout=5")
    for key, value in email_from_env("EMAIL_URL").items():
        setattr(settings, key, value)
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    try:
        yield inbox
    finally:
        controller.stop()


def _only_mail(inbox: Inbox, to: str) -> tuple[str, str]:
    [(recipients, message)] = inbox.messages
    assert recipients == [to]
    # A long non-ASCII subject is folded onto a continuation line ("Subject:\n =?utf-8?b?…"); the modern
    # parser keeps the fold's leading space.
    return message["subject"].strip(), message.get_body(preferencelist=("plain",)).get_content()


def _set_password_through(client, link: str, used_link_message: str) -> None:
    path = urlsplit(link).path
    # Django swaps the token in the URL for one in the session, then shows the form there.
    landing = client.get(path)
    assert landing.status_code == 302 and landing["Location"].endswith("/set-password/")
    form = client.get(landing["Location"])
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = client.post(landing["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/complete/"
    # The link works once.
    assert used_link_message in client.get(path, follow=True).content.decode()


def _logs_in(client, username: str, password: str) -> bool:
    response = client.post("/login/", {"username": username, "password": password})
    return response.status_code == 302 and response["Location"] == "/"


def test_forgotten_password_reset_through_a_real_smtp_server(smtp_inbox, client, kai_program, make_user):
    user = make_user(Role.EVALUATOR, organization="KAIST")
    user.email, user.first_name, user.last_name = "reset.me@kaist.example.kr", "서연", "이"
    user.save()

    client.cookies["django_language"] = "en"
    sent = client.post("/accounts/password/reset/", {"email": "Reset.Me@kaist.example.kr"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password/reset/sent/"

    subject, body = _only_mail(smtp_inbox, "reset.me@kaist.example.kr")
    assert subject == "K-AI Portal: set a new password"
    assert f"Your username: {user.username}" in body
    link = mailed_link(body)
    assert link.startswith("http://testserver/accounts/password/reset/")

    _set_password_through(client, link, "This link has already been used or has expired.")
    assert not _logs_in(client, user.username, "not-a-real-password-1234")
    assert _logs_in(client, user.username, NEW_PASSWORD)
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.filter(object_type="auth.user", object_id=str(user.pk)).get()
    assert (event.actor_id, event.context["extra"]) == (user.pk, {"event": "password_set", "via": "reset"})


def test_unknown_address_gets_the_same_answer_and_no_mail(smtp_inbox, client, kai_program):
    sent = client.post("/accounts/password/reset/", {"email": "nobody@example.kr"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password/reset/sent/"
    assert smtp_inbox.messages == []


def test_invited_evaluator_sets_a_password_from_the_mail_and_logs_in(
    smtp_inbox, client, kai_program, make_user, django_capture_on_commit_callbacks
):
    staff = make_user(Role.MINISTRY_STAFF)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/accounts/users/new/",
            {
                "username": "choi.tta",
                "last_name": "최",
                "first_name": "지우",
                "email": "choi@tta.example.kr",
                "role": "evaluator",
                "organization": org("Telecommunications Technology Association").pk,
                "consortium": "",
                "title": "",
                "password": "",
            },
        )
    assert created.status_code == 302
    invited = get_user_model().objects.get(username="choi.tta")
    assert not invited.has_usable_password()

    subject, body = _only_mail(smtp_inbox, "choi@tta.example.kr")
    assert subject == "K-AI 포털: 계정이 준비되었습니다 / K-AI Portal: your account is ready"
    assert "최지우 님, 안녕하세요." in body and "Hello 최지우," in body

    client.logout()
    # Korean pages by default.
    _set_password_through(client, mailed_link(body), "이미 사용했거나 만료된 링크입니다.")
    assert _logs_in(client, "choi.tta", NEW_PASSWORD)
    page = client.get("/evaluations/assignments/")
    assert page.status_code == 200
