from django.urls import path

from dailypapers.search import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("search", views.search_page, name="search"),
]
