from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dailypapers.community.views import moderation as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("moderation", views.queue, name="moderation-queue"),
    path("moderation/log", views.log, name="moderation-log"),
    *(
        path(
            f"moderation/papers/<path:ref>/{action}",
            views.paper_action,
            {"action": action},
            name=f"moderation-paper-{action}",
        )
        for action in views.PAPER_ACTIONS
    ),
    *(
        path(
            f"moderation/comments/<int:pk>/{action}",
            views.comment_action,
            {"action": action},
            name=f"moderation-comment-{action}",
        )
        for action in ("remove", "restore", "dismiss")
    ),
    *(
        path(
            f"moderation/users/<str:username>/{action}",
            views.user_action,
            {"action": action},
            name=f"moderation-user-{action}",
        )
        for action in ("suspend", "unsuspend")
    ),
    path("comments/<int:pk>/flag", views.flag, name="comment-flag"),
]
