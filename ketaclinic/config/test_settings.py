"""Settings for the test suite: production settings with a fixed key and plain HTTP.

Tests exercise the real production configuration (DEBUG off) except for the things a test
client cannot do: it has no TLS, and it needs a key.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key-not-secret-0123456789abcdefghijklmnop")
os.environ.setdefault("AUDIT_HMAC_KEY", "test-only-audit-key-not-secret-0123456789abcdefgh")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from ketaclinic.config.settings import *  # noqa: F403  (the test settings extend the real ones)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; Argon2 is tested
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests that commit are followed by a flush, which the audit trail otherwise refuses
# (ketaclinic/audit/management/commands/flush.py).
AUDIT_TRAIL_FLUSHABLE = True
# The suite reads sealed chains right after a write: seal inline, as a request did before the
# sealer loop (production's default is off; ketaclinic/audit/tests/test_sealer_off_path.py).
AUDIT_SEAL_INLINE = True

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns when it is missing)
