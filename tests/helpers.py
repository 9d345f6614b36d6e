"""Small helpers shared by tests in several directories (plain functions and constants, no fixtures)."""

from __future__ import annotations


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
