from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from dailypapers.accounts import views as accounts_views

urlpatterns = [
    path("", RedirectView.as_view(url="/papers", permanent=False)),
    # The admin signs in through the site's login, with its rate limits and lockout.
    path("admin/login/", accounts_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/", include("dailypapers.api.urls")),
    # Before the pages: /papers/<path:ref> would take a list's /feed.rss for a paper id.
    path("", include("dailypapers.feeds.urls")),
    path("", include("dailypapers.accounts.urls")),
    path("", include("dailypapers.digests.urls")),
    path("", include("dailypapers.search.urls")),
    path("", include("dailypapers.community.urls")),
    path("", include("dailypapers.foryou.urls")),
    path("", include("dailypapers.papers.urls")),
    # Last: /<username> is a short link to a profile, for whatever no page above took.
    path("<str:username>", accounts_views.profile_alias, name="profile-alias"),
]

handler404 = "dailypapers.core.web.not_found"
handler500 = "dailypapers.core.web.server_error"
