"""The community's pages; each feature keeps its routes in its own module."""

from django.urls import include, path

urlpatterns = [
    path("", include("dailypapers.community.urls.comments")),
    path("", include("dailypapers.community.urls.orgs")),
    path("", include("dailypapers.community.urls.collections")),
    path("", include("dailypapers.community.urls.marks")),
    path("", include("dailypapers.community.urls.moderation")),
    path("", include("dailypapers.community.urls.profiles")),
]
