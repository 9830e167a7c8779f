from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:  # the models cannot be imported before the apps are ready
    from django.contrib.auth.models import AbstractBaseUser


class ForYouConfig(AppConfig):
    name = "dailypapers.foryou"
    label = "foryou"
    verbose_name = "For you"

    def digest_picks(
        self, user: AbstractBaseUser, submission_ids: Sequence[int], limit: int
    ) -> list[tuple[int, str]]:
        """What the digest asks of this app (found through the app registry, not imported:
        the two are peers): the reader's picks among a window's entries, with reasons."""
        from dailypapers.foryou import queries

        return queries.picks(user, submission_ids, limit)
