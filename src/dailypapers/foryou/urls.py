from django.urls import path

from dailypapers.foryou import views

urlpatterns = [
    path("for-you", views.latest, name="foryou"),
    path("for-you/less", views.less_like, name="foryou-less"),
    path("for-you/less/<path:arxiv_id>", views.confirm_less, name="foryou-less-confirm"),
    path("for-you/settings", views.switch, name="foryou-switch"),
    path("for-you/library", views.upload_library, name="foryou-library"),
    path("for-you/<str:segment>/<str:value>", views.for_period, name="foryou-period"),
]
