from common.audit import reset_request_context, set_request_context


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
