"""The papers' pages. The project's urls.py puts the routes of apps above papers
(submitting, the paper as Markdown) between the lists and the paper pages."""

from django.urls import path

from dailypapers.papers import media_views, views

lists = [
    path("papers", views.daily_latest, name="daily"),
    path("papers/trending", views.trending, name="trending"),
    path("papers/date/<str:value>", views.daily_date, name="daily-date"),
    path("papers/week/<str:value>", views.daily_week, name="daily-week"),
    path("papers/month/<str:value>", views.daily_month, name="daily-month"),
]

pages = [
    # Before the paper page, whose <path:ref> would swallow the /upvote suffix.
    path("papers/<path:ref>/upvote", views.upvote, name="paper-upvote"),
    path("papers/<path:ref>", views.paper_detail, name="paper"),
]

# The hub's own images (papers.media): thumbnails or covers, avatars or initials, files.
media = [
    path("media/thumbnail/<path:ref>", media_views.thumbnail, name="paper-thumbnail"),
    path("media/avatar/org/<str:slug>", media_views.org_avatar, name="org-avatar"),
    path("media/avatar/user/<str:name>", media_views.user_avatar, name="user-avatar"),
    path("media/file/<str:key>", media_views.media_file, name="media-file"),
]

urlpatterns = lists + pages + media
