"""Sign-up form; login and password reset use Django's forms as they are."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User


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

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        local, _, domain = email.rpartition("@")
        email = f"{local}@{domain.lower()}"
        # One account per address: password resets go to the address, so two
        # accounts sharing it could take over each other.
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this address exists already. Log in, or reset its password."
            )
        return email
