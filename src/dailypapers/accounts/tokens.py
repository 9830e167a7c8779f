"""Signed email-confirmation links.

A token names the user and a short hash of the address it was sent to, so it
confirms only that address: after the user changes their email, old links fail.
"""

from __future__ import annotations

import hashlib

from django.core import signing

_SALT = "dailypapers.accounts.confirm-email"


def _address_tag(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:12]


def make(user_id: int, email: str) -> str:
    return signing.dumps([user_id, _address_tag(email)], salt=_SALT, compress=False)


def read(token: str, max_age: int) -> tuple[int, str] | None:
    """(user id, address tag) when the token is genuine and fresh, else None."""
    if not token or len(token) > 300:
        return None
    try:
        payload = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(payload, list) or len(payload) != 2:
        return None
    user_id, tag = payload
    if not isinstance(user_id, int) or not isinstance(tag, str):
        return None
    return user_id, tag


def matches(tag: str, email: str) -> bool:
    return tag == _address_tag(email)
