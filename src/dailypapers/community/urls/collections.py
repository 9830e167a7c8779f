from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dailypapers.community.views import collections as views

_ONE = "users/<str:username>/collections/<slug:slug>"

urlpatterns: list[URLPattern | URLResolver] = [
    path("collections/new", views.create, name="collection-new"),
    path("collections/add", views.add, name="collection-add"),
    path("users/<str:username>/collections", views.user_collections, name="collections"),
    path(f"{_ONE}.bib", views.export_bibtex, name="collection-bibtex"),
    path(f"{_ONE}.txt", views.export_ids, name="collection-ids"),
    path(f"{_ONE}/edit", views.edit, name="collection-edit"),
    path(f"{_ONE}/delete", views.delete, name="collection-delete"),
    path(f"{_ONE}/remove", views.remove, name="collection-remove"),
    path(_ONE, views.detail, name="collection"),
]
