"""Helpers the browser views of every app share: the role check and the filter subset of a list page.
Nothing here imports an app of ours, so any app's views can use it."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from common.roles import ALL_ROLES, effective_roles


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
