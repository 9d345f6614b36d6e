"""The password-set mail: an invitation to a new account, or a link staff send for a new password.

The link is Django's password-reset link (uid + default_token_generator token) to the portal's
PasswordResetConfirmView, so it works once and expires after PASSWORD_RESET_TIMEOUT. The mail is written
in Korean and then English: the person's language is not known before they log in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from consortia.accounts.names import person_name

MAIL_LANGUAGES = ("ko", "en")


def password_set_link(*, user, base_url: str) -> str:
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def password_link_mail_send(*, user, base_url: str) -> None:
    """Send the mail now (raises the mail backend's error, e.g. SMTPException or OSError, to the caller)."""
    invitation = not user.has_usable_password()
    template = "consortia/accounts/mail/invitation" if invitation else "consortia/accounts/mail/password_link"
    context = {
        "name": person_name(user),
        "username": user.get_username(),
        "link": password_set_link(user=user, base_url=base_url),
        "portal_url": base_url,
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    subjects, bodies = [], []
    for language in MAIL_LANGUAGES:
        with translation.override(language):
            # A subject is one line whatever the template's layout.
            subjects.append(" ".join(render_to_string(f"{template}_subject.txt", context).split()))
            bodies.append(render_to_string(f"{template}.txt", context).strip())
    EmailMessage(
        subject=" / ".join(subjects), body="\n\n----------\n\n".join(bodies) + "\n", to=[user.email]
    ).send()
