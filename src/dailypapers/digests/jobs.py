"""Background jobs of the digests app, run by `dailypapers worker`."""

from __future__ import annotations

import datetime as dt

from dailypapers.core import worker
from dailypapers.digests import sending


@worker.register("digests.send", every=60)
def send_due_digests(now: dt.datetime, should_stop: worker.StopCheck) -> str:
    return sending.run(now, should_stop=should_stop).summary()
