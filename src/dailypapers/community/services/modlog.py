"""The moderation log: who did what to what, when and why.

Every service that changes something others may need to trace (moderation, claims,
comments, organizations) records it here, inside the change's own transaction.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from dailypapers.community.models import ModerationAction

REASON_MAX = 1000


def log_action(
    moderator: AbstractBaseUser | None,
    kind: ModerationAction.Kind,
    target: models.Model,
    reason: str = "",
) -> ModerationAction:
    """Record one moderation action on ``target``; call it inside the action's transaction."""
    return ModerationAction.objects.create(
        moderator_id=moderator.pk if moderator is not None else None,
        kind=kind,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:300],
        reason=reason.strip()[:REASON_MAX],
    )
