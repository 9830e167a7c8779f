from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from dailypapers.community.queries import collections as queries
from dailypapers.papers.models import Paper

register = template.Library()


@register.simple_tag(takes_context=True)
def paper_collect(context: template.Context, paper: Paper) -> str:
    """The "add to a collection" control of a paper page (nothing for visitors)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    collections = queries.choices_for(request.user, paper)
    html = render_to_string(
        "community/collections/_collect.html",
        {
            "paper": paper,
            "collections": collections,
            "holding": [c for c in collections if getattr(c, "has_paper", False)],
            "next": request.get_full_path(),
        },
        request=request,
    )
    # The paper page's head belongs to another template; a stylesheet link may sit in the body.
    link = format_html('<link rel="stylesheet" href="{}">', static("community/collections.css"))
    return SafeString(link + html)
