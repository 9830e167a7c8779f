"""Settings of the discussions, read from the environment (settings.py only lists the app).

A test or a deployment may also set ``COMMENT_RATE_LIMIT`` in Django settings; it wins.
"""

from __future__ import annotations

from django.conf import settings

from dailypapers import config
from dailypapers.config import Rate

# Longest comment, in characters of Markdown as written.
COMMENT_MAX_LENGTH = 10_000


def comment_rate_limit() -> Rate:
    """Comment writes (posts, replies, edits, deletes) allowed per user, per client IP,
    and the window in seconds they are counted over."""
    explicit: Rate | None = getattr(settings, "COMMENT_RATE_LIMIT", None)
    if explicit is not None:
        return explicit
    return Rate(
        per_account=config.env_int("DAILYPAPERS_COMMENTS_PER_USER", 20),
        per_ip=config.env_int("DAILYPAPERS_COMMENTS_PER_IP", 100),
        seconds=config.env_int("DAILYPAPERS_COMMENTS_WINDOW_SECONDS", 600),
    )
