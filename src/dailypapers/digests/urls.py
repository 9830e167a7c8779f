from django.urls import path

from dailypapers.digests import views

urlpatterns = [
    path("digest", views.home, name="digest"),
    path("digest/subscribe", views.subscribe, name="digest-subscribe"),
    path("digest/account", views.subscribe_account, name="digest-account"),
    path("digest/confirm/<str:token>", views.confirm, name="digest-confirm"),
    path("digest/unsubscribe/<str:token>", views.unsubscribe, name="digest-unsubscribe"),
    path("digest/preferences/<str:token>", views.preferences, name="digest-preferences"),
    path("digest/preview/<str:token>", views.preview, name="digest-preview"),
    path("digest/view/<str:token>", views.view, name="digest-view"),
]
