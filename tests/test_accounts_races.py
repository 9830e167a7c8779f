"""Simultaneous sign-ups: one account per username (whatever its case) and per address.

The forms check before they write, but two requests can both pass the check; the
database has the last word, and its refusal must come back as a form error, not a 500.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from dailypapers.config import Rate

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"
RACERS = 20


def _post_at_once(forms: list[dict[str, str]]) -> list[tuple[int, str]]:
    """POST every form to /signup from its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(forms))

    def attempt(data: dict[str, str]) -> tuple[int, str]:
        client = Client(raise_request_exception=False)
        try:
            barrier.wait(timeout=60)
            response = client.post("/signup", data)
            return response.status_code, str(response.content, "utf-8")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        return list(pool.map(attempt, forms))


def _form(username: str, email: str) -> dict[str, str]:
    return {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}


def _case_variants(name: str, count: int) -> list[str]:
    """``count`` spellings of ``name`` differing only in case."""
    variants = []
    for mask in range(count):
        variants.append(
            "".join(c.upper() if mask >> i & 1 else c.lower() for i, c in enumerate(name))
        )
    assert len(set(variants)) == count
    return variants


def race(settings: Any) -> dict[str, Any]:
    """Three races of RACERS sign-ups each; what the hub answered and what it stored.

    ``settings``: django.conf.settings, or the test's settings fixture (which undoes
    the changes afterwards).
    """
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "signup": Rate(per_account=10_000, per_ip=10_000, seconds=3600),
    }
    result: dict[str, Any] = {}
    scenarios = {
        "one-name": [_form("racer", f"racer{i}@example.org") for i in range(RACERS)],
        "case-variants": [
            _form(name, f"case{i}@example.org")
            for i, name in enumerate(_case_variants("caseracep", RACERS))
        ],
        "one-address": [_form(f"shared{i}", "Shared@Example.org") for i in range(RACERS)],
    }
    for scenario, forms in scenarios.items():
        answers = _post_at_once(forms)
        kept = all(
            f'value="{form["username"]}"' in html and f'value="{form["email"]}"' in html
            for form, (status, html) in zip(forms, answers, strict=True)
            if status == 400
        )
        names = {form["username"].lower() for form in forms}
        accounts = [
            u for u in User.objects.values_list("username", flat=True) if u.lower() in names
        ]
        result[scenario] = {
            "statuses": dict(sorted(Counter(status for status, _ in answers).items())),
            "typed_kept": kept,
            "accounts": len(accounts),
            "holding_the_address": User.objects.filter(email__iexact="shared@example.org").count(),
        }
    return result


EXPECTED = {
    "one-name": {
        "statuses": {200: 1, 400: RACERS - 1},
        "typed_kept": True,
        "accounts": 1,
        "holding_the_address": 0,
    },
    "case-variants": {
        "statuses": {200: 1, 400: RACERS - 1},
        "typed_kept": True,
        "accounts": 1,
        "holding_the_address": 0,
    },
    # Different names with one address: every sign-up looks alike (the answer must
    # not tell whether the address has an account), but one account holds it.
    "one-address": {
        "statuses": {200: RACERS},
        "typed_kept": True,
        "accounts": RACERS,
        "holding_the_address": 1,
    },
}


# A fresh interpreter against a file database set up like production (WAL, busy
# timeout, IMMEDIATE transactions), as in tests/test_upvotes.py.
_SQLITE_RACE = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
from tests.test_accounts_races import race
print(json.dumps(race(settings)))
"""


def _jsonable(expected: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(expected))  # type: ignore[no-any-return]


def test_simultaneous_sign_ups_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    env |= {
        "DAILYPAPERS_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "dailypapers.settings",
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        [sys.executable, "-c", _SQLITE_RACE],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == _jsonable(EXPECTED)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_on_postgresql(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the SQLite race runs in its own process above)")
    assert _jsonable(race(settings)) == _jsonable(EXPECTED)
