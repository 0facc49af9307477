"""Production: refuses to start without SECRET_KEY and ALLOWED_HOSTS; secure cookies, HSTS, CSP."""

from config.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", required=True)
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")  # old keys while rotating, so nobody is signed out
# Its own key: rotating SECRET_KEY must never change the keyed hashes of stored ID numbers.
PII_HMAC_KEY = env_str("PII_HMAC_KEY", required=True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Environment variable ALLOWED_HOSTS is required in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if USER_CACHE_SECONDS and not REDIS_URL:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    # gunicorn's workers would each keep their own copy: a deactivation would not reach the others.
    raise ImproperlyConfigured("USER_CACHE_SECONDS needs REDIS_URL (a cache shared by every process).")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
