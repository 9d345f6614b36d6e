"""Celery tasks of consortia: thin leaves over the account mail."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from django.contrib.auth import get_user_model

from consortia.accounts.mail import password_link_mail_send

logger = logging.getLogger(__name__)


@shared_task(
    name="consortia.send_password_link",
    acks_late=True,
    # A mail server that is down or refuses for a while: try again later (30 s, 60 s, … up to 10 minutes).
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=6,
)
def send_password_link(*, user_id: int, base_url: str) -> bool:
    """Mail the invitation / password-set link. Skipped (False) if the account was deactivated meanwhile."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        logger.info("password link for user %s not sent: inactive, missing or without email", user_id)
        return False
    password_link_mail_send(user=user, base_url=base_url)
    return True
