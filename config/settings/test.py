"""Settings for the test suite. DATABASE_URL and REDIS_URL still come from the environment."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests only
AXES_FAILURE_LIMIT = 5
CELERY_TASK_ALWAYS_EAGER = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Django's backend, but the flush between transactional tests may empty the append-only audit table.
    DATABASES["default"]["ENGINE"] = "tests.postgresql_flush"  # noqa: F405
