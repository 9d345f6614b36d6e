from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.permissions import STAFF
from consortia.accounts import services
from consortia.accounts.api.serializers import (
    UserCreateInputSerializer,
    UserSerializer,
    UserUpdateInputSerializer,
)
from consortia.accounts.filters import UserFilterSet
from consortia.accounts.selectors import user_account_values, user_get, user_list


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Accounts (ministry staff only): who holds which role, their affiliation, last log-in and API use.

    POST creates an account (with ``password``) or invites the person (without: they are mailed a link to
    set one); PATCH changes email, name, role or affiliation; accounts are deactivated, never deleted.
    """

    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    read_roles = STAFF
    write_roles = STAFF
    ordering_fields = ("username", "last_name", "last_login", "date_joined")
    ordering = ("username",)

    def get_queryset(self):
        return user_list()

    def _reloaded(self, user) -> Response:
        return UserSerializer(user_get(user_id=user.pk)).data

    @extend_schema(request=UserCreateInputSerializer, responses={201: UserSerializer})
    def create(self, request):
        data = UserCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        password = values.pop("password", None)
        if password is not None:
            user = services.user_create(password=password, actor=request.user, **values)
        else:
            user = services.user_invite(
                base_url=request.build_absolute_uri("/"), actor=request.user, **values
            )
        return Response(self._reloaded(user), status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateInputSerializer, responses={200: UserSerializer})
    def partial_update(self, request, pk=None):
        user = self.get_object()
        data = UserUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {**user_account_values(user), **data.validated_data}
        user = services.user_update(user=user, actor=request.user, **values)
        return Response(self._reloaded(user))

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Deactivate the account and revoke its API tokens (one transaction)."""
        user = services.user_deactivate(user=self.get_object(), actor=request.user)
        return Response(self._reloaded(user))

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        """Let a deactivated person log in again (revoked tokens stay revoked)."""
        user = services.user_reactivate(user=self.get_object(), actor=request.user)
        return Response(self._reloaded(user))

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"], url_path="password-link")
    def password_link(self, request, pk=None):
        """Mail the person a link to set their password (the invitation again, or a reset)."""
        user = services.user_password_link_send(
            user=self.get_object(), base_url=request.build_absolute_uri("/"), actor=request.user
        )
        return Response(self._reloaded(user))
