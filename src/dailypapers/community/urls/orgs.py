"""Organization and author pages, and the paper-page actions that belong to them.

The community routes are included before the papers app's, so the two paper-page
actions here come before its catch-all ``papers/<path:ref>`` paper page.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dailypapers.community.views import authors, orgs

urlpatterns: list[URLPattern | URLResolver] = [
    path("orgs", orgs.org_list, name="orgs"),
    path("orgs/new", orgs.org_new, name="org-new"),
    path("orgs/<str:slug>", orgs.org_detail, name="org"),
    path("orgs/<str:slug>/edit", orgs.org_edit, name="org-edit"),
    path("orgs/<str:slug>/members", orgs.org_add_member, name="org-add-member"),
    path(
        "orgs/<str:slug>/members/<int:user_id>/remove",
        orgs.org_remove_member,
        name="org-remove-member",
    ),
    path("orgs/<str:slug>/leave", orgs.org_leave, name="org-leave"),
    path("papers/<path:ref>/organization", orgs.paper_organization, name="paper-organization"),
    path(
        "papers/<path:ref>/authors/<int:position>/claim",
        authors.claim_author,
        name="paper-author-claim",
    ),
    path("authors/claims", authors.claims_queue, name="author-claims"),
    path("authors/claims/<int:claim_id>/withdraw", authors.withdraw_claim, name="claim-withdraw"),
    path(
        "authors/claims/<int:claim_id>/<str:decision>",
        authors.decide_claim,
        name="claim-decide",
    ),
    path("authors/<str:slug>", authors.author_detail, name="author"),
]
