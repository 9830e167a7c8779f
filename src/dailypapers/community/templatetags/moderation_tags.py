from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def paper_moderation(context: template.Context, paper: object) -> str:
    """Moderators' actions on a paper page (nothing for everyone else)."""
    return ""
