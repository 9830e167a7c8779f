from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def paper_discussion(context: template.Context, paper: object) -> str:
    """The discussion section of a paper page."""
    return ""
