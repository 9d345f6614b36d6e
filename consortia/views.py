from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from consortia.models import Consortium
from consortia.selectors import consortium_get_detail, consortium_list


@login_required
def consortium_list_view(request):
    return render(request, "consortia/consortium_list.html", {"consortia": consortium_list()})


@login_required
def consortium_detail_view(request, pk: int):
    try:
        consortium = consortium_get_detail(consortium_id=pk)
    except Consortium.DoesNotExist:
        raise Http404 from None
    return render(request, "consortia/consortium_detail.html", {"consortium": consortium})
