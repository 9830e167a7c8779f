from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def paper_collect(context: template.Context, paper: object) -> str:
    """The "add to a collection" control of a paper page."""
    return ""
