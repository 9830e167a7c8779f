"""The paper page's media section and organization logos (``papers.media_html``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from dailypapers.papers import media_html
from dailypapers.papers.models import Organization, Paper

register = template.Library()


@register.inclusion_tag("papers/_media.html")
def paper_media(paper: Paper) -> dict[str, Any]:
    """Images and videos of the paper: the hub's copies, or plain links out."""
    items = media_html.paper_media(paper)
    return {"items": items, "linked_out": any(not item.local for item in items)}


@register.simple_tag
def org_logo(org: Organization, css: str = "org-logo") -> SafeString:
    return media_html.org_logo(org, css)


@register.simple_tag
def user_avatar(name: str) -> SafeString:
    return media_html.user_avatar(name)
