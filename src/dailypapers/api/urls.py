from django.urls import path

from dailypapers.api import views

urlpatterns = [
    path("daily_papers", views.daily_papers, name="api-daily-papers"),
    path("papers/<path:ref>", views.paper, name="api-paper"),
]
