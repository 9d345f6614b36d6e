"""Local / demo: the base settings with DEBUG on unless the environment says otherwise."""

from kai_portal.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
WHITENOISE_AUTOREFRESH = DEBUG  # noqa: F405
