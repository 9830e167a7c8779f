from django.urls import path

from dailypapers.accounts import views

urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("login", views.login, name="login"),
    path("login/link/<uidb64>/<token>", views.login_link, name="login-link"),
    path("logout", views.logout, name="logout"),
    path("confirm-email/resend", views.resend_confirmation, name="confirm-email-resend"),
    path("confirm-email/<str:token>", views.confirm_email, name="confirm-email"),
    path("password/reset", views.password_reset, name="password-reset"),
    path("password/reset/sent", views.password_reset_sent, name="password-reset-sent"),
    path("password/reset/done", views.password_reset_done, name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("settings", views.settings_page, name="settings"),
    path("settings/tokens", views.token_create, name="token-create"),
    path("settings/tokens/<int:pk>/revoke", views.token_revoke, name="token-revoke"),
]
