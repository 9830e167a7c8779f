from django.urls import path

from dailypapers.api import docs, search_views, views, write_views

urlpatterns = [
    *write_views.urlpatterns,
    path("daily_papers", views.daily_papers, name="api-daily-papers"),
    path("openapi.json", docs.openapi_json, name="api-openapi"),
    path("docs", docs.docs, name="api-docs"),
    # Before the paper route, whose <path:ref> would take them for ids.
    path("papers/search", search_views.search, name="api-papers-search"),
    path("papers/<path:ref>/similar", search_views.similar_papers, name="api-similar"),
    path("papers/<path:ref>", views.paper, name="api-paper"),
    path("arxiv/<path:ref>/repos", views.arxiv_repos, name="api-arxiv-repos"),
]
