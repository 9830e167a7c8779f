"""Sign-up and settings forms; login and password reset use Django's forms as they are."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import AbstractBaseUser, User

from dailypapers.accounts import reserved
from dailypapers.accounts.models import Profile
from dailypapers.core.text import clean

BIO_MAX = 2000
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def normalize_email(email: str) -> str:
    """The address as typed, with its domain (which is case-insensitive) in lowercase."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def address_taken(email: str, *, by_other_than: AbstractBaseUser | None = None) -> bool:
    # One account per address: password resets go to the address, so two accounts
    # sharing it could take over each other.
    users = get_user_model().objects.filter(email__iexact=email)
    if by_other_than is not None:
        users = users.exclude(pk=by_other_than.pk)
    return users.exists()


_TAKEN = "An account with this address exists already. Log in, or reset its password."


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

    def clean_username(self) -> str:
        username = super().clean_username()
        # /<username> links to the profile, so the names of the hub's pages are taken.
        # (The parent returns nothing when it found the name taken and said so.)
        if username and reserved.is_reserved(username):
            raise forms.ValidationError("This name is reserved by the site. Choose another one.")
        return username

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if address_taken(email):
            raise forms.ValidationError(_TAKEN)
        return email


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
        if email == getattr(self.user, "email", ""):
            raise forms.ValidationError("This is your address already.")
        if address_taken(email, by_other_than=self.user):
            raise forms.ValidationError(_TAKEN)
        return email

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not right.")
        return password
