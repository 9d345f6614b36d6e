"""Helpers shared by the accounts tests (plain functions, not fixtures: the conftest files are left alone)."""

from __future__ import annotations

import re

from consortia.models import Consortium, Organization

LINK = re.compile(r"https?://[^\s]+/accounts/password/reset/[^\s/]+/[^\s/]+/")
BASE_URL = "http://testserver/"


def org(name_en: str) -> Organization:
    return Organization.objects.get(name_en=name_en)


def team(code: str) -> Consortium:
    return Consortium.objects.get(code=code)


def person(**overrides) -> dict:
    """Keyword arguments for user_create / user_invite: an evaluator at TTA, unless overridden."""
    values = {
        "username": "kim.evaluator",
        "email": "kim@tta.example.kr",
        "first_name": "민준",
        "last_name": "김",
        "role": "evaluator",
        "organization": org("Telecommunications Technology Association"),
        "consortium": None,
        "title": "선임연구원",
    }
    values.update(overrides)
    return values


def mailed_link(body: str) -> str:
    """The first password-set link in a mail body."""
    found = LINK.search(body)
    assert found is not None, body
    return found.group(0)
