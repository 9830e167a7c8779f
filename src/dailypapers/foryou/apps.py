from django.apps import AppConfig


class ForYouConfig(AppConfig):
    name = "dailypapers.foryou"
    label = "foryou"
    verbose_name = "For you"
