"""Content-Security-Policy and Permissions-Policy on every response.

The pages load their scripts and styles from /static/ only: no inline script, no
inline style, no event-handler attributes, no ``javascript:`` links. So the policy
can forbid everything else, and an injected ``<script>`` or ``<base>`` that slipped
past escaping would do nothing. A view that sets its own policy keeps it (the
digest pages, which are emails shown in the browser with their inline styles).
The policies themselves are in dailypapers.core.policies.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Adds the site's Content-Security-Policy (unless the view set one) and
    Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        permissions = settings.PERMISSIONS_POLICY
        if permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions
        return response
