"""Forms of the organization and author-claim pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import URLValidator

from dailypapers.community.models import Membership
from dailypapers.community.services.orgs import OrgError, parse_domains, plain_text
from dailypapers.core.text import clean


class OrgForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain text; line breaks are kept.",
    )
    avatar_url = forms.URLField(
        label="Avatar image URL",
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    email_domains = forms.CharField(
        max_length=500,
        required=False,
        label="Email domains (a request to the moderators)",
        help_text=(
            "Space-separated, e.g. “example.org lab.example.org”. Once the hub's "
            "moderators have verified a domain, authors of this organization's papers "
            "whose confirmed email address is there are confirmed at once when they "
            "claim their author entry; until then their claims wait for a moderator."
        ),
    )

    def clean_name(self) -> str:
        name = clean(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError("Give the organization a name.")
        return name

    def clean_description(self) -> str:
        return plain_text(self.cleaned_data["description"])

    def clean_email_domains(self) -> str:
        try:
            return " ".join(parse_domains(self.cleaned_data["email_domains"]))
        except OrgError as exc:
            raise forms.ValidationError(str(exc)) from None


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "member")
        super().__init__(*args, **kwargs)


class LinkForm(forms.Form):
    org = forms.CharField(
        label="Organization",
        max_length=100,
        required=False,
        help_text="The organization's short name as in its address /orgs/…; empty to unlink.",
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
