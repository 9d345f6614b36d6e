"""Plain helpers of the browser tests (no fixtures; those are in tests/e2e/conftest.py): the Chromium
binary and its flags, the users' password, logging in, and where screenshots go."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from common.roles import Role

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "e2e-correct-horse-battery-staple"
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BAD_RESULTS = (
    b"benchmark,score,model_version,notes\nMMLU-Pro,abc,v1,\nNOT-A-BENCHMARK,50,v1,\nGPQA-Diamond,150,v1,\n"
)


@dataclass(frozen=True)
class PortalUser:
    username: str
    password: str
    role: Role


def log_in(page, user: PortalUser) -> None:
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")


def screenshots_wanted() -> bool:
    return os.environ.get("KAI_SCREENSHOTS") == "1"


def user_get(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def user_create(username: str, role: Role, organization: str, consortium: str | None = None):
    """A user with the e2e password, ``role`` and the affiliation given (organization's English name)."""
    from django.contrib.auth import get_user_model

    from common.services import user_set_roles
    from consortia.models import Consortium, Organization
    from consortia.services import affiliation_set

    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    user_set_roles(user=user, roles=[role])
    affiliation_set(
        user=user,
        organization=Organization.objects.get(name_en=organization),
        consortium=Consortium.objects.get(code=consortium) if consortium else None,
    )
    return user
