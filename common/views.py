from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consortia.models import Program
from consortia.selectors import consortium_list


@login_required
def dashboard(request):
    program = Program.objects.order_by("start_date").first()
    consortia = consortium_list(program_id=program.pk) if program else []
    return render(request, "dashboard.html", {"program": program, "consortia": consortia})


@require_GET
def healthz(request):
    """Liveness for the container healthcheck: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
