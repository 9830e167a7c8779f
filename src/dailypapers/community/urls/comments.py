from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dailypapers.community.views import comments as views

# Included before the papers app's routes, whose /papers/<path:ref> would otherwise
# take /papers/<id>/comments as a paper id.
urlpatterns: list[URLPattern | URLResolver] = [
    path("papers/<path:ref>/comments", views.post_comment, name="comment-post"),
    path("comments/<int:pk>/edit", views.edit_comment, name="comment-edit"),
    path("comments/<int:pk>/delete", views.delete_comment, name="comment-delete"),
]
