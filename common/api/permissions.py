"""Role checks for API views. Visibility of rows is the queryset's job (``visible_to``); this class decides
which roles may call a view at all, per method. The role sets come from common.roles."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from common.roles import ALL_ROLES, STAFF, effective_roles


class RolePermission(BasePermission):
    """The view declares ``read_roles`` and ``write_roles``; auditors are never in write_roles.

    A view may refine per action with ``get_write_roles(self)`` (e.g. members may POST uploads).
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            allowed = (
                view.get_read_roles()
                if hasattr(view, "get_read_roles")
                else getattr(view, "read_roles", ALL_ROLES)
            )
        elif hasattr(view, "get_write_roles"):
            allowed = view.get_write_roles()
        else:
            allowed = getattr(view, "write_roles", STAFF)
        return bool(effective_roles(user) & set(allowed))
