"""Sign-up, settings and password-reset forms; login uses Django's form as it is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.contrib.auth.models import AbstractBaseUser, User

from dailypapers.accounts import mailing, queries, reserved
from dailypapers.accounts.models import ApiToken, Profile
from dailypapers.core.text import clean

BIO_MAX = 2000
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def normalize_email(email: str) -> str:
    """The address as typed, with its domain (which is case-insensitive) in lowercase."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


class SignUpForm(UserCreationForm[User]):
    email = forms.EmailField(
        max_length=254,
        label="Email address",
        help_text="We send a confirmation link here; password resets go here too.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "username"
        ].help_text = "Letters, digits and @ . + - _ only; shown on your profile."
        self.fields["username"].widget.attrs["autocomplete"] = "username"

    @classmethod
    def name_taken_error(cls) -> str:
        return str(User().unique_error_message(User, ["username"]).message)

    def clean_username(self) -> str:
        username = super().clean_username()
        # /<username> links to the profile, so the names of the hub's pages are taken.
        # (The parent returns nothing when it found the name taken and said so.)
        if username and reserved.is_reserved(username):
            raise forms.ValidationError("This name is reserved by the site. Choose another one.")
        if username and queries.username_taken(username):
            # The parent's check knows only ASCII case on SQLite.
            raise forms.ValidationError(self.name_taken_error())
        return username

    def clean_email(self) -> str:
        # Whether another account has the address is not said here (that would tell
        # anyone which addresses have accounts): see services.sign_up.
        return normalize_email(self.cleaned_data["email"])


def clean_bio(value: str) -> str:
    """Plain text with its line breaks; other control characters and trailing spaces go."""
    lines = [clean(line) for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


class ProfileForm(forms.ModelForm[Profile]):
    display_name = forms.CharField(
        max_length=150,
        required=False,
        label="Display name",
        help_text="Shown beside your username; leave empty to show the username only.",
    )
    bio = forms.CharField(
        max_length=BIO_MAX,
        required=False,
        label="About you",
        help_text="Plain text, up to 2000 characters.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    upvotes_public = forms.BooleanField(
        required=False,
        label="Show my upvotes on my profile",
    )

    class Meta:
        model = Profile
        fields = ("display_name", "bio", "upvotes_public")

    def clean_display_name(self) -> str:
        return clean(self.cleaned_data["display_name"])

    def clean_bio(self) -> str:
        return clean_bio(self.cleaned_data["bio"])


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        label="New email address",
        help_text="We send a confirmation link to the new address.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        help_text="Whoever controls the address can reset the password, so we ask for it.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: AbstractBaseUser, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        # The address shown as the account's (its own, or the one it waits for when
        # another account had it at sign-up): the same answer either way.
        profile = Profile.objects.filter(user_id=self.user.pk).first()
        if email == queries.shown_address(self.user, profile):
            raise forms.ValidationError("This is your address already.")
        # Whether another account has it is told only to that address (see
        # services.change_email).
        return email

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not right.")
        return password


class QuietPasswordResetForm(PasswordResetForm):
    """Django's reset form, its mail made and sent after the answer has gone.

    In the request it only looks the address up (one query, known or not); made and
    sent inline, the mail made the answer for a known address slower than for an
    unknown one, telling which addresses have accounts.
    """

    _found: list[Any]

    def get_users(self, email: str) -> Iterator[Any]:
        return iter(self._found)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._found = list(super().get_users(self.cleaned_data["email"]))
        mailing.after_response(lambda: PasswordResetForm.save(self, *args, **kwargs))


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="What the token is for, e.g. the script or the machine that uses it.",
        error_messages={"required": "Give the token a name."},
    )
    scope = forms.ChoiceField(
        choices=ApiToken.SCOPES,
        initial=ApiToken.READ,
        label="Scope",
        help_text="Read tokens can only read; write tokens can also upvote, submit, "
        "comment and change your collections.",
    )

    def clean_name(self) -> str:
        name = clean(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name
