from django.urls import include, path

from dailypapers.api import docs, views

urlpatterns = [
    path("daily_papers", views.daily_papers, name="api-daily-papers"),
    path("openapi.json", docs.openapi_json, name="api-openapi"),
    path("docs", docs.docs, name="api-docs"),
    path("papers/", include("dailypapers.search.api_urls")),
    path("papers/<path:ref>", views.paper, name="api-paper"),
    path("arxiv/<path:ref>/repos", views.arxiv_repos, name="api-arxiv-repos"),
]
