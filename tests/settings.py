"""Settings for the test suite: production settings, served over plain HTTP on loopback.

The suite runs with DEBUG off, like production, so it needs the values a deployment would set
from its environment. Real environment variables still win (`setdefault`), so CI can point
DATABASE_URL at PostgreSQL. `tests/test_deploy_settings.py` checks the untouched production
settings in a child process.
"""

import os

for _name, _value in {
    "SECRET_KEY": "tests-only-secret-key-not-used-anywhere-else-0123456789abcdefghijklmnop",
    # The live test servers speak HTTP on 127.0.0.1: no redirect to HTTPS, cookies sent over HTTP.
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "TRUST_X_FORWARDED_PROTO": "false",
    # Per-turn rows are switched on by the tests that look at them (tests/test_turn_records.py).
    "TURN_RECORDS": "false",
}.items():
    os.environ.setdefault(_name, _value)

from convoai.settings import *  # noqa: E402,F401,F403

# Key hashing is not what the tests measure; the fast hasher keeps user creation cheap.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
