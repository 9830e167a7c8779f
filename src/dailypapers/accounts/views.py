"""Sign up, confirm email, log in and out, password reset, settings, the short profile link.

Thin: parse, call, render.

Every form answers 429 with Retry-After when its rate limit or the login lockout
says no, and re-renders with what was typed (passwords excepted) when invalid.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import is_valid_path
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from dailypapers.accounts import limits, lockout, queries, reserved, services, tokens
from dailypapers.accounts.forms import (
    ApiTokenForm,
    EmailChangeForm,
    ProfileForm,
    QuietPasswordResetForm,
    SignUpForm,
)
from dailypapers.core import ratelimit
from dailypapers.core.redirects import safe_next
from dailypapers.core.web import not_found, too_many_page


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    return safe_next(request, str(settings.LOGIN_REDIRECT_URL), wanted)


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "accounts/signup.html", {"form": SignUpForm(), "nav": "signup"})
    form = SignUpForm(request.POST)
    context: dict[str, Any] = {"form": form, "nav": "signup"}
    wait = limits.check(request, "signup", request.POST.get("email", ""))
    if wait:
        return too_many_page(request, "accounts/signup.html", context, wait)
    if not form.is_valid():
        return render(request, "accounts/signup.html", context, status=400)
    data = form.cleaned_data
    try:
        user = services.sign_up(data["username"], data["email"], data["password1"])
    except services.UsernameTaken:
        # Taken between the form's check and the write (a sign-up at the same moment).
        form.add_error("username", SignUpForm.name_taken_error())
        return render(request, "accounts/signup.html", context, status=400)
    sent = services.send_confirmation(user)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return render(request, "accounts/welcome.html", {"email": data["email"], "sent": sent})


def _private(response: HttpResponse) -> HttpResponse:
    # Reached from a link in a mail: nothing to index. The site-wide same-origin
    # referrer policy already keeps the token from other sites; "no-referrer" would
    # make browsers send "Origin: null" with the Confirm button, which CSRF refuses.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    found = tokens.read(token, settings.ACCOUNT_CONFIRM_DAYS * 86400)
    user = None
    if found:
        user = get_user_model().objects.filter(pk=found[0], is_active=True).first()
    if user is None or found is None:
        return _private(
            render(request, "accounts/confirm_email.html", {"state": "bad"}, status=400)
        )
    # Mail scanners open links: only the button (a POST) confirms.
    if request.method != "POST":
        address = queries.link_address(user, found[1])
        context = {"state": "ask" if address else "bad", "who": user, "address": address}
        page = render(
            request, "accounts/confirm_email.html", context, status=200 if address else 400
        )
        return _private(page)
    state = services.confirm_email(user, found[1])
    status = 200 if state == "done" else 400
    context = {"state": state, "who": user}
    return _private(render(request, "accounts/confirm_email.html", context, status=status))


@login_required
@require_POST
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated
    wait = limits.check(request, "confirm", user.get_username())
    context = {"email": services.address_to_confirm(user), "sent": False}
    if wait:
        return too_many_page(request, "accounts/welcome.html", context, wait)
    context["sent"] = services.send_confirmation(user)
    context["resent"] = True
    return render(request, "accounts/welcome.html", context)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """The site's login, and the admin's (see admin_login).

    Known and unknown usernames get the same answers (see dailypapers.accounts.lockout).
    """
    if request.method != "POST":
        context = {"form": AuthenticationForm(request), "next": _next_url(request), "nav": "login"}
        return render(request, "accounts/login.html", context)
    form = AuthenticationForm(request, data=request.POST)
    context = {"form": form, "next": _next_url(request), "nav": "login"}
    username = request.POST.get("username", "")[:150]
    ip = ratelimit.client_ip(request)
    wait = limits.check(request, "login", username)
    if not wait:
        wait = lockout.locked_for(username, ip)
        context["locked"] = bool(wait)
    if wait:
        lockout.mail_sign_in_link(username)
        return too_many_page(request, "accounts/login.html", context, wait)
    if not form.is_valid():
        if request.POST.get("password") and lockout.record_failure(username, ip):
            lockout.mail_sign_in_link(username)
        return render(request, "accounts/login.html", context, status=400)
    user = form.get_user()
    auth.login(request, user)
    lockout.clear(username, ip)
    return HttpResponseRedirect(_next_url(request))


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def admin_login(request: HttpRequest) -> HttpResponse:
    """/admin/login/: the site's login, with its rate limits and lockout.

    A visit is sent to /login (and back to the admin page it came from); a form
    posted here is checked as one posted there.
    """
    if request.method == "POST":
        return login(request)
    wanted = request.GET.get("next") or "/admin/"
    return HttpResponseRedirect(f"/login?next={quote(safe_next(request, '/admin/', wanted))}")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The one-time sign-in link mailed to a locked account's owner.

    The link shows a button; only its POST signs in (mail scanners open links).
    """
    user = None
    try:
        uid = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, OverflowError):
        uid = None
    if uid is not None:
        user = get_user_model().objects.filter(pk=uid, is_active=True).first()
    if user is None or not lockout.link_tokens.check_token(user, token):
        page = render(request, "accounts/login_link.html", {"state": "bad"}, status=400)
        return _private(page)
    if request.method != "POST":
        return _private(render(request, "accounts/login_link.html", {"state": "ask", "who": user}))
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    lockout.lift(user)
    lockout.clear(user.get_username(), ratelimit.client_ip(request))
    return HttpResponseRedirect("/settings?saved=signed-in")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return HttpResponseRedirect(str(settings.LOGOUT_REDIRECT_URL))


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QuietPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = "/password/reset/sent"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = limits.check(request, "reset", request.POST.get("email", ""))
        if wait:
            context = self.get_context_data(form=QuietPasswordResetForm(request.POST))
            return too_many_page(request, self.template_name, context, wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Links in the mail use the configured address of the hub, never the Host
        # header of the request that asked for them.
        self.extra_email_context = {"base_url": settings.BASE_URL, "site_name": settings.SITE_NAME}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = "/password/reset/done"

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever can read the account's mail may log in again at once.
        lockout.lift(form.user)
        lockout.clear(form.user.get_username(), ratelimit.client_ip(self.request))
        return response


password_reset = PasswordResetView.as_view()
password_reset_sent = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_sent.html"
)
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_done = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_done.html"
)


def _settings_forms(request: HttpRequest, bound: str = "") -> dict[str, Any]:
    """The three forms of the settings page; the one named ``bound`` takes the POST."""
    user = request.user
    assert user.is_authenticated
    data = request.POST if bound else None
    profile = services.profile_of(user)
    return {
        "profile_form": ProfileForm(data if bound == "profile" else None, instance=profile),
        "email_form": EmailChangeForm(user, data if bound == "email" else None),
        "password_form": PasswordChangeForm(user, data if bound == "password" else None),
        "profile": profile,
        "address": queries.shown_address(user, profile),
        "waiting": queries.waiting_address(user, profile),
        "token_form": ApiTokenForm(data if bound == "token" else None),
        "api_tokens": queries.api_tokens(user),
        "nav": "settings",
    }


# What each settings form counts against: the email form sends mail, the password
# form checks a password (like a login), the profile form does neither.
_SETTINGS_LIMITS = {"profile": "settings", "email": "confirm", "password": "login"}


@sensitive_post_parameters("password", "old_password", "new_password1", "new_password2")
@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    template = "accounts/settings.html"
    if request.method != "POST":
        context = _settings_forms(request)
        context["saved"] = request.GET.get("saved", "")[:20]
        return render(request, template, context)
    user = request.user
    assert user.is_authenticated
    which = request.POST.get("form", "")
    if which not in _SETTINGS_LIMITS:
        return render(request, template, _settings_forms(request), status=400)
    context = _settings_forms(request, which)
    context["bound"] = which
    wait = limits.check(request, _SETTINGS_LIMITS[which], user.get_username())
    if wait:
        return too_many_page(request, template, context, wait)
    form = context[f"{which}_form"]
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    if which == "profile":
        services.update_profile(
            user,
            display_name=data["display_name"],
            bio=data["bio"],
            upvotes_public=data["upvotes_public"],
        )
    elif which == "email":
        sent = services.change_email(user, data["email"])
        return HttpResponseRedirect(f"/settings?saved={'email' if sent else 'email-unsent'}")
    else:
        form.save()
        # Other sessions end with the old password; this one stays logged in.
        auth.update_session_auth_hash(request, form.user)
    return HttpResponseRedirect(f"/settings?saved={which}")


@never_cache
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Make an API token and show it, this once, on the settings page.

    The page is answered directly, not redirected to: the token is stored nowhere
    (the database keeps its digest), so no later page could show it.
    """
    user = request.user
    assert user.is_authenticated
    template = "accounts/settings.html"
    context = _settings_forms(request, "token")
    context["bound"] = "token"
    wait = limits.check(request, "token", user.get_username())
    if wait:
        return too_many_page(request, template, context, wait)
    form = context["token_form"]
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        row, token = services.create_token(
            user, form.cleaned_data["name"], form.cleaned_data["scope"]
        )
    except services.TooManyTokens as exc:
        form.add_error(None, str(exc))
        return render(request, template, context, status=400)
    context.update(_settings_forms(request), new_token=token, new_token_row=row)
    return render(request, template, context, status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert user.is_authenticated
    wait = limits.check(request, "settings", user.get_username())
    if wait:
        return too_many_page(request, "accounts/settings.html", _settings_forms(request), wait)
    services.revoke_token(user, pk)
    # Revoking twice, or another account's token, changes nothing and says the same.
    return HttpResponseRedirect("/settings?saved=token-revoked#tokens")


def profile_alias(request: HttpRequest, username: str) -> HttpResponse:
    """/<username>: a short link to a profile, tried after every page of the hub.

    It is the last route, so it matches any one-segment path nothing else took; what
    it does not recognise answers as if it were not there (404, and the trailing-slash
    redirect that /admin and the like would have had). Other methods find nothing here,
    as before the route existed.
    """
    if request.method in ("GET", "HEAD"):
        with_slash = f"/{username}/"
        if settings.APPEND_SLASH and is_valid_path(with_slash, getattr(request, "urlconf", None)):
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(with_slash + (f"?{query}" if query else ""))
        if not reserved.is_reserved(username) and queries.user_exists(username):
            return HttpResponseRedirect(f"/users/{quote(username)}")
    return not_found(request)
