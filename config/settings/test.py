"""Settings for the test suite. DATABASE_URL and REDIS_URL still come from the environment."""

from config.env import env_str

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests only
AXES_FAILURE_LIMIT = 5
CELERY_TASK_ALWAYS_EAGER = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# One process (the live server and the Celery worker of a test are threads of it) sees every change
# in its local-memory cache: the user is cached as in production (accounts.backends).
USER_CACHE_SECONDS = 300
if DATABASES["default"]["ENGINE"] == "core.db.postgresql":  # noqa: F405
    # The portal's backend, but the flush between transactional tests may empty the append-only audit table.
    DATABASES["default"]["ENGINE"] = "tests.postgresql_flush"  # noqa: F405

# Job inputs and results (core.jobs) written by tests go to a throwaway folder, never var/media.
import tempfile as _tempfile  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

MEDIA_ROOT = _Path(env_str("TEST_MEDIA_ROOT", str(_Path(_tempfile.gettempdir()) / "kgportal-test-media")))
