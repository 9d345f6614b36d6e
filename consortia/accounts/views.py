"""Browser pages for accounts.

Ministry staff: the users list (role, affiliation, last log-in; filtered with the API's UserFilterSet),
create or invite, edit, deactivate / reactivate, and send a password-set link. Everyone: change their own
password. Anyone: reset a forgotten password by mail. The password pages are Django's own views with the
portal's templates and forms; they add the audit event for a password a person set.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.api.permissions import STAFF
from common.roles import ROLE_LABELS
from common.web import form_submit, query_subset, roles_required
from consortia.accounts import services
from consortia.accounts.filters import ROLE_CHOICES, UserFilterSet
from consortia.accounts.forms import (
    PortalPasswordChangeForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    UserCreateForm,
    UserUpdateForm,
)
from consortia.accounts.names import person_name
from consortia.accounts.selectors import user_account_values, user_get, user_list, user_role
from consortia.models import Consortium, Organization

USER_FILTERS = ("q", "role", "is_active", "organization", "consortium")
PAGE_SIZE = 50


def _base_url(request) -> str:
    """The portal's address as this request reached it, for links in mail (Host is checked against
    ALLOWED_HOSTS, as Django's own password reset relies on)."""
    return request.build_absolute_uri("/")


def _person_or_404(pk: int):
    try:
        return user_get(user_id=pk)
    except get_user_model().DoesNotExist:
        raise Http404 from None


# --- staff: the users list and one person ------------------------------------------------------------


@require_GET
@roles_required(STAFF)
def user_list_view(request):
    params = query_subset(request.GET, USER_FILTERS)
    filterset = UserFilterSet(params or None, queryset=user_list())
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "params": params,
        "is_filtered": bool(params),
        "page": page,
        "people": list(page.object_list),
        "role_choices": ROLE_CHOICES,
        "selected_roles": params.getlist("role"),
        "organizations": Organization.objects.order_by("name_en"),
        "consortia": Consortium.objects.order_by("code"),
    }
    return render(request, "consortia/accounts/user_list.html", context)


@require_GET
@roles_required(STAFF)
def user_detail_view(request, pk: int):
    person = _person_or_404(pk)
    role = user_role(person)
    history = reverse("audit:list") + "?" + urlencode({"object_type": "auth.user", "object_id": person.pk})
    return render(
        request,
        "consortia/accounts/user_detail.html",
        {
            "person": person,
            "role_label": ROLE_LABELS[role] if role is not None else "",
            "is_self": person.pk == request.user.pk,
            "history_url": history,
        },
    )


def _create(request, form):
    kwargs = form.service_kwargs()
    password = form.cleaned_data.get("password")
    if password:
        return services.user_create(password=password, actor=request.user, **kwargs)
    return services.user_invite(base_url=_base_url(request), actor=request.user, **kwargs)


def _created_message(person, _data) -> str:
    if person.has_usable_password():
        return _("Account %(username)s created with the password you entered; ask them to change it.") % {
            "username": person.get_username()
        }
    return _("Account %(username)s created; an invitation to set a password is on its way to %(email)s.") % {
        "username": person.get_username(),
        "email": person.email,
    }


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def user_create_view(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST":
        person = form_submit(request, form, lambda _data: _create(request, form), _created_message)
        if person is not None:
            return redirect("accounts:user", pk=person.pk)
    return render(request, "consortia/accounts/user_form.html", {"form": form, "person": None})


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def user_update_view(request, pk: int):
    person = _person_or_404(pk)
    if request.method == "POST":
        form = UserUpdateForm(request.POST)
        if form_submit(
            request,
            form,
            lambda _data: services.user_update(user=person, actor=request.user, **form.service_kwargs()),
            lambda updated, _data: _("Account %(username)s saved.") % {"username": updated.get_username()},
        ):
            return redirect("accounts:user", pk=person.pk)
    else:
        form = UserUpdateForm(initial=user_account_values(person))
    return render(request, "consortia/accounts/user_form.html", {"form": form, "person": person})


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def user_deactivate_view(request, pk: int):
    """GET: what deactivating will do (log-in refused, tokens revoked); POST: do it."""
    person = _person_or_404(pk)
    if request.method == "POST":
        try:
            services.user_deactivate(user=person, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(name)s (%(username)s) is deactivated; their API tokens are revoked.")
                % {"name": person_name(person), "username": person.get_username()},
            )
        return redirect("accounts:user", pk=person.pk)
    return render(
        request,
        "consortia/accounts/user_deactivate.html",
        {"person": person, "is_self": person.pk == request.user.pk},
    )


def _person_action(request, pk: int, action, success: str):
    person = _person_or_404(pk)
    try:
        action(person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success % {"username": person.get_username(), "email": person.email})
    return redirect("accounts:user", pk=person.pk)


@require_POST
@roles_required(STAFF)
def user_reactivate_view(request, pk: int):
    return _person_action(
        request,
        pk,
        lambda person: services.user_reactivate(user=person, actor=request.user),
        _("%(username)s can log in again. Their old API tokens stay revoked."),
    )


@require_POST
@roles_required(STAFF)
def user_password_link_view(request, pk: int):
    return _person_action(
        request,
        pk,
        lambda person: services.user_password_link_send(
            user=person, base_url=_base_url(request), actor=request.user
        ),
        _("A link to set a password is on its way to %(email)s."),
    )


# --- everyone: their own password --------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.user_password_change_record(user=form.user, via="change")
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    form_class = PortalPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        return {"valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    form_class = PortalSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.user_password_change_record(user=form.user, via="reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
