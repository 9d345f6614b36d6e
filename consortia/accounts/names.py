"""How people are named on pages and in pickers: by their name and organisation, never by username."""

from __future__ import annotations

import re

from django.core.exceptions import ObjectDoesNotExist

# Hangul syllables and jamo: a Korean name is written family name first, without a space (홍길동).
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def person_name(user) -> str:
    """ "홍길동" for a Korean name, "Jane Doe" otherwise; the username when no name is recorded."""
    if user is None:
        return ""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not first and not last:
        return user.get_username()
    if _HANGUL.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def user_organization(user):
    """The organisation of the user's affiliation, or None (select_related("affiliation__organization")
    keeps this free of queries)."""
    try:
        return user.affiliation.organization
    except ObjectDoesNotExist:
        return None


def person_label(user) -> str:
    """A name with the organisation, for pickers and tables: "홍길동 · 한국과학기술원 (KAIST)"."""
    organization = user_organization(user)
    name = person_name(user)
    return f"{name} · {organization}" if organization is not None else name
