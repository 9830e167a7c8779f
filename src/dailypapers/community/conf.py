"""Settings of the discussions, read from the environment (settings.py only lists the app).

A test or a deployment may also set ``COMMENT_RATE_LIMIT`` in Django settings; it wins.
"""

from __future__ import annotations

from django.conf import settings

from dailypapers import config

# Longest comment, in characters of Markdown as written.
COMMENT_MAX_LENGTH = 10_000


def comment_rate_limit() -> tuple[int, int, int]:
    """Comment writes (posts, replies, edits, deletes) allowed per user, per client IP,
    and the window in seconds they are counted over."""
    explicit = getattr(settings, "COMMENT_RATE_LIMIT", None)
    if explicit is not None:
        per_user, per_ip, window = explicit
        return int(per_user), int(per_ip), int(window)
    return (
        config.env_int("DAILYPAPERS_COMMENTS_PER_USER", 20),
        config.env_int("DAILYPAPERS_COMMENTS_PER_IP", 100),
        config.env_int("DAILYPAPERS_COMMENTS_WINDOW_SECONDS", 600),
    )
