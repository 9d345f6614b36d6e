from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpResponseBadRequest, JsonResponse

from common.audit import reset_request_context, set_request_context
from common.user_cache import user_cache_scope


class AuditContextMiddleware:
    """Makes the current request (method, path, IP, request id) available to audit_record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_context(request)
        try:
            return self.get_response(request)
        finally:
            reset_request_context(token)


class UserCacheMiddleware:
    """Opens the per-request memo of the signed-in user's roles and affiliation (common.user_cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with user_cache_scope():
            return self.get_response(request)


class RejectNullCharactersMiddleware:
    """A NUL character in the query string is refused with 400 before any view runs: PostgreSQL cannot
    compare text with NUL in it (psycopg2 raises ValueError, i.e. a 500, e.g. on
    ``/api/v1/allocations/room/?line=%00``), and no real value contains one. Form and JSON bodies are
    already checked by Django's and DRF's fields."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = sorted(
            {key for key, values in request.GET.lists() if "\x00" in key or any("\x00" in v for v in values)}
        )
        if bad:
            message = str(ProhibitNullCharactersValidator.message)
            if request.path.startswith("/api/"):
                errors = {key.replace("\x00", "\\x00"): [message] for key in bad}
                return JsonResponse(
                    {"detail": message, "code": "invalid", "errors": errors},
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
