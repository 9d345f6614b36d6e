"""Small helpers shared by tests in several directories (plain functions and constants, no fixtures)."""

from __future__ import annotations

from common.roles import Role

BN = 1_000_000_000  # ₩1bn

# One user per role, as the shipped program's organizations hold them: role -> (organization, consortium).
ROLE_USERS = {
    Role.MINISTRY_STAFF: ("Ministry of Science and ICT", None),
    Role.EVALUATOR: ("Telecommunications Technology Association", None),
    Role.CONSORTIUM_MEMBER: ("LG AI Research", "LG"),
    Role.AUDITOR: ("Board of Audit and Inspection", None),
}


def caches_clear() -> None:
    """Empty every configured Django cache, as far as this test run owns it.

    On Redis only the keys under this run's KEY_PREFIX (kai_portal/settings/test.py) are deleted: the server
    may be shared with other test runs, and its database also carries Celery's queues."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    for cache in caches.all():
        if isinstance(cache, RedisCache) and cache.key_prefix:
            client = cache._cache.get_client(write=True)
            keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
            if keys:
                client.delete(*keys)
        else:
            cache.clear()
