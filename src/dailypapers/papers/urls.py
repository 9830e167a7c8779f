from django.urls import path

from dailypapers.api.markdown import paper_markdown
from dailypapers.papers import views

urlpatterns = [
    path("papers", views.daily_latest, name="daily"),
    path("papers/trending", views.trending, name="trending"),
    path("papers/date/<str:value>", views.daily_date, name="daily-date"),
    path("papers/week/<str:value>", views.daily_week, name="daily-week"),
    path("papers/month/<str:value>", views.daily_month, name="daily-month"),
    # Before the paper pages, whose <path:ref> would take "submit" for an id.
    path("papers/submit", views.submit_paper, name="paper-submit"),
    # The paper as Markdown (HfApi.read_paper), before the page that would take ".md".
    path("papers/<path:ref>.md", paper_markdown, name="paper-markdown"),
    # Before the paper page, whose <path:ref> would swallow the /upvote suffix.
    path("papers/<path:ref>/upvote", views.upvote, name="paper-upvote"),
    path("papers/<path:ref>", views.paper_detail, name="paper"),
    path("search", views.search, name="search"),
]
