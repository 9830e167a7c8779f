"""Search routes under /api/papers/, included before the catch-all paper route."""

from django.urls import path

from dailypapers.search import views

urlpatterns = [
    path("search", views.search, name="api-papers-search"),
    path("<path:ref>/similar", views.similar_papers, name="api-similar"),
]
