from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from dailypapers.accounts import views as accounts_views
from dailypapers.api.markdown import paper_markdown
from dailypapers.core import density
from dailypapers.ingest.views import submit_paper
from dailypapers.papers import urls as papers_urls

urlpatterns = [
    path("", RedirectView.as_view(url="/papers", permanent=False)),
    # The admin signs in through the site's login, with its rate limits and lockout.
    path("admin/login/", accounts_views.admin_login, name="admin-login"),
    # Organizations moved from the community app to papers; old admin links still work.
    re_path(
        r"^admin/community/organization/(?P<rest>.*)$",
        RedirectView.as_view(
            url="/admin/papers/organization/%(rest)s", query_string=True, permanent=True
        ),
    ),
    path("admin/", admin.site.urls),
    path("api/", include("dailypapers.api.urls")),
    path("density", density.switch, name="density"),
    # Before the pages: /papers/<path:ref> would take a list's /feed.rss for a paper id.
    path("", include("dailypapers.feeds.urls")),
    path("", include("dailypapers.accounts.urls")),
    path("", include("dailypapers.digests.urls")),
    path("", include("dailypapers.search.urls")),
    path("", include("dailypapers.community.urls")),
    path("", include("dailypapers.foryou.urls")),
    *papers_urls.lists,
    *papers_urls.media,
    # Before the paper pages, whose <path:ref> would take "submit" for an id.
    path("papers/submit", submit_paper, name="paper-submit"),
    # The paper as Markdown (HfApi.read_paper), before the page that would take ".md".
    path("papers/<path:ref>.md", paper_markdown, name="paper-markdown"),
    *papers_urls.pages,
    # Last: /<username> is a short link to a profile, for whatever no page above took.
    path("<str:username>", accounts_views.profile_alias, name="profile-alias"),
]

handler404 = "dailypapers.core.web.not_found"
handler500 = "dailypapers.core.web.server_error"
