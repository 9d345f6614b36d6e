"""Helpers the browser views of every app share: the role check, the filter subset of a list page and the
form -> service -> message step of a write. Nothing here imports an app of ours, so any app's views can
use it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, QueryDict

from common.api.permissions import ALL_ROLES, effective_roles
from common.forms import form_errors_from

T = TypeVar("T")


def roles_required(roles=ALL_ROLES):
    """Browser pages check roles exactly as the API's RolePermission does for reads: an anonymous visitor
    goes to the login page; a signed-in user holding none of ``roles`` gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not effective_roles(request.user) & set(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def query_subset(query: QueryDict, keys: tuple[str, ...]) -> QueryDict:
    """The parameters a list page offers, without empty values (an empty <select> means "any"), so links
    and exports carry exactly the filters in force."""
    params = QueryDict(mutable=True)
    for key in keys:
        values = [value for value in query.getlist(key) if value.strip()]
        if values:
            params.setlist(key, values)
    return params


def form_submit(
    request: HttpRequest,
    form: forms.Form,
    service: Callable[[Mapping[str, Any]], T],
    success: Callable[[T, Mapping[str, Any]], str],
) -> T | None:
    """The write step every form page shares: validate ``form``, call ``service`` with its cleaned data,
    and flash ``success(result, data)``. Returns the service's result (the row it wrote), or None when the
    form or the service refused; the service's ValidationError is then on the form (form_errors_from),
    so the caller re-renders the page and redirects only on a result."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        result = service(data)
    except ValidationError as error:
        form_errors_from(form, error)
        return None
    messages.success(request, success(result, data))
    return result
