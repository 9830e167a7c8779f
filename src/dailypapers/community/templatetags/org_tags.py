"""The paper page's author line and organization controls, and organization avatars.

The paper page reads every claim on its authors once (community.queries.authors.
paper_claims); both tags here share that read through the paper object.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from django import template
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from dailypapers.community.models import AuthorClaim
from dailypapers.community.queries.authors import PaperClaims, paper_claims
from dailypapers.community.queries.orgs import link_rights, memberships_of
from dailypapers.papers import media_html
from dailypapers.papers.models import Organization, Paper

register = template.Library()

_CACHE_ATTR = "_community_claims"


def _claims(context: template.Context, paper: Paper) -> PaperClaims:
    user = context.get("user") or AnonymousUser()
    viewer_id = user.pk if user.is_authenticated else None
    cached: tuple[Any, PaperClaims] | None = getattr(paper, _CACHE_ATTR, None)
    if cached is not None and cached[0] == viewer_id:
        return cached[1]
    found = paper_claims(paper, user)
    setattr(paper, _CACHE_ATTR, (viewer_id, found))
    return found


def _render(context: template.Context, name: str, values: dict[str, Any]) -> SafeString:
    # With the request, so the forms get their CSRF token.
    html = render_to_string(f"community/{name}", values, request=context.get("request"))
    return SafeString(html.strip())


@register.simple_tag(takes_context=True)
def paper_authors(context: template.Context, paper: Paper, authors: list[Any]) -> SafeString:
    """Each author linked to their author page; claimed authors also to their profile.

    An f-string per author, not a template: a paper can list hundreds of authors, and
    the template's loop cost 15 µs each. Names and usernames go through ``escape``,
    the addresses' parts through ``quote`` and ``escape``, as the template's
    ``urlencode`` and autoescaping did (tests/test_community_authors.py).
    """
    claims = _claims(context, paper)
    shown = []
    for author in authors:
        name = escape(author.name)
        owner = claims.confirmed.get(author.pk)
        claimed = ""
        if owner is not None:
            user = owner.get_username()
            claimed = (
                f' <a class="claimed" href="/users/{escape(quote(user))}">'
                f'<span class="visually-hidden">profile of {name}: </span>@{escape(user)}</a>'
            )
        shown.append(
            f'<span class="author"><a href="/authors/{escape(quote(author.slug))}">{name}</a>'
            f"{claimed}</span>"
        )
    return mark_safe(", ".join(shown) or "Authors unknown")  # noqa: S308 - escaped parts


@register.simple_tag(takes_context=True)
def paper_org_controls(context: template.Context, paper: Paper) -> SafeString | str:
    """For logged-in users: the organization link form (when allowed) and the claim list."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return ""
    claims = _claims(context, paper)
    memberships = memberships_of(user)
    rights = link_rights(user, paper, claimed=claims.viewer_confirmed, memberships=memberships)
    rows = [
        (author, claims.confirmed.get(author.pk), claims.mine.get(author.pk))
        for author in paper.authors.all()
    ]
    values = {
        "paper": paper,
        "link_shown": rights.shown_for(paper.organization_id),
        "choices": rights.choices,
        "any_org": rights.any_org,
        "rows": rows,
        "has_claim": any(c.status != AuthorClaim.Status.REJECTED for c in claims.mine.values()),
    }
    return _render(context, "orgs/_paper_controls.html", values)


@register.simple_tag
def org_avatar(org: Organization, size: str = "") -> SafeString:
    """The organization's avatar as the hub serves it: its copy of the image the avatar
    URL points at (the upstream's CDN, gravatar, whatever an admin typed), fetched by the
    worker, or the initials until then. Never the other site's address: offline it would
    be a broken image, and online it would tell that site about every visitor."""
    return media_html.org_logo(org, f"org-avatar {size}".strip())
