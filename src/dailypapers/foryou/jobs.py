"""Background job of the For-you list, run by `dailypapers worker`."""

from __future__ import annotations

import datetime as dt

from dailypapers.core import worker
from dailypapers.foryou import services


@worker.register("foryou.profiles", every=300)
def refresh_profiles(now: dt.datetime, should_stop: worker.StopCheck) -> str:
    """Compute the profiles of active readers that have none or an old one."""
    return f"computed {services.refresh_profiles(now, should_stop)} reader profiles"
