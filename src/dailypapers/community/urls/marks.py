from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dailypapers.community.views import marks as views

# Included before the papers app's routes, whose /papers/<path:ref> would otherwise
# take /papers/<id>/mark as a paper id.
urlpatterns: list[URLPattern | URLResolver] = [
    path("papers/<path:ref>/mark", views.mark, name="paper-mark"),
    path("read-later", views.read_later, name="read-later"),
]
