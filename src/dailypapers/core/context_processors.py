from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dailypapers.core import density


def site(request: HttpRequest) -> dict[str, Any]:
    return {"site_name": settings.SITE_NAME, "density": density.current(request)}
