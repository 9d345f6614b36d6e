"""Facts about a user that every permission check asks for (their roles, their affiliation), read once per
request and kept for the rest of it.

This is the one place such facts are cached. The memo lives in a context variable that
``common.middleware.UserCacheMiddleware`` opens for each request and drops when the response is returned,
keyed by (user id, what). Outside a request (Celery tasks, management commands, the shell, tests that
call services directly) no memo is open and every lookup reads the database, so a change made there is
seen at once. Nothing is stored on the user object, so a user object that outlives a request (a test
client's forced user, a cached object) never carries stale roles into the next one.

A write that changes one of these facts calls ``user_cache_forget`` so that the rest of the same request
sees the new value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[tuple[int, str], object] | None] = ContextVar("kai_user_cache", default=None)


@contextmanager
def user_cache_scope() -> Iterator[None]:
    """Cache user facts until the block ends (one request). Nested scopes start empty."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def user_cached(user, what: str, compute: Callable[[], T]) -> T:
    """``compute()``, remembered for this user until the current request ends (not remembered outside
    a request, or for a user without a primary key)."""
    memo = _memo.get()
    user_id = getattr(user, "pk", None)
    if memo is None or user_id is None:
        return compute()
    key = (user_id, what)
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[return-value]


def user_cache_forget(user_id: int | None) -> None:
    """Drop what the current request remembers about this user (after their roles or affiliation change)."""
    memo = _memo.get()
    if memo is not None:
        for key in [key for key in memo if key[0] == user_id]:
            del memo[key]
