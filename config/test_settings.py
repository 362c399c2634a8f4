"""Settings for the test suite: the real settings plus fast hashing, mail in memory and eager tasks.

DATABASE_URL and REDIS_URL are read as usual; tests that need PostgreSQL, Redis or Chromium
skip without them, and fail instead when REQUIRE_SERVICES=1 (as in .ci/run).
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijklmnop")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="shh-test-media-")
STORAGES = {
    **STORAGES,
    "default": {"BACKEND": "foundation.storage.SafeFileSystemStorage",
                "OPTIONS": {"location": MEDIA_ROOT, "base_url": None}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Static files do not change during a run: WhiteNoise indexes them once (from the finders; STATIC_ROOT is an
# empty directory, nothing is collected in tests) instead of looking each one up per request.
WHITENOISE_AUTOREFRESH = False
STATIC_ROOT = tempfile.mkdtemp(prefix="shh-test-static-")
WHITENOISE_USE_FINDERS = True
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,5/5m/key"}

