from django.urls import path

from dailypapers.community.views import profiles

urlpatterns = [
    path("users/<str:username>", profiles.profile, name="profile"),
]
