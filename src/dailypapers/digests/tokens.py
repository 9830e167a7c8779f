"""Signed links for people who have no account: confirm, unsubscribe, manage, view.

Each purpose signs with its own salt, so a token made for one purpose is rejected
for every other (an unsubscribe link cannot confirm an address, a view link cannot
change preferences). Tokens carry the subscription id and a short hash of its
address, so a token never applies to another address that later gets the same id.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from django.core import signing

Purpose = Literal["confirm", "unsubscribe", "manage", "view"]

_SALT = "dailypapers.digests.{}"


def _address_tag(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:12]


def make(purpose: Purpose, subscription_id: int, email: str, extra: int | None = None) -> str:
    """A URL-safe token; ``extra`` carries one more id (the DigestSend of a view link)."""
    payload: list[int | str] = [subscription_id, _address_tag(email)]
    if extra is not None:
        payload.append(extra)
    return signing.dumps(payload, salt=_SALT.format(purpose), compress=False)


def read(purpose: Purpose, token: str, max_age: int | None) -> tuple[int, str, int | None] | None:
    """(subscription id, address tag, extra) when the token is genuine and fresh, else None."""
    if not token or len(token) > 300:
        return None
    try:
        payload = signing.loads(token, salt=_SALT.format(purpose), max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(payload, list) or len(payload) not in (2, 3):
        return None
    sub_id, tag = payload[0], payload[1]
    extra = payload[2] if len(payload) == 3 else None
    if not isinstance(sub_id, int) or not isinstance(tag, str):
        return None
    if extra is not None and not isinstance(extra, int):
        return None
    return sub_id, tag, extra


def matches(tag: str, email: str) -> bool:
    return tag == _address_tag(email)
