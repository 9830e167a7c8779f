"""The subscribe and preferences forms; both produce services.Choices."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from dailypapers.digests import schedule, services
from dailypapers.digests.models import Frequency

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


def _split(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", text) if part]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ChoicesForm(forms.Form):
    frequency = forms.ChoiceField(choices=Frequency.choices, initial=Frequency.DAILY)
    hour = forms.TypedChoiceField(choices=HOURS, coerce=int, initial=8)
    time_zone = forms.CharField(max_length=64, initial="UTC", label="Time zone")
    categories = forms.CharField(
        required=False,
        max_length=500,
        help_text="arXiv categories, e.g. cs.CV cs.CL",
    )
    organizations = forms.CharField(
        required=False,
        max_length=1000,
        help_text="organization names as in their addresses, e.g. google meta",
    )

    authors = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Followed authors",
        help_text="one name per line, as on the papers, e.g. Ada Lovelace",
    )
    searches = forms.CharField(
        required=False,
        max_length=1100,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Saved searches",
        help_text="one search per line; papers whose words match it are listed",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = settings.TIME_ZONE
        self.zone_names = schedule.zone_names()

    def _value(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        return value if value not in (None, "") else self.fields[name].initial

    def clean_time_zone(self) -> str:
        value: str = self.cleaned_data["time_zone"].strip() or settings.TIME_ZONE
        try:
            schedule.zone(value)
        except ValueError:
            raise ValidationError("Unknown time zone; pick one from the list.") from None
        return value

    def choices(self) -> services.Choices:
        """The validated choices; call after is_valid()."""
        return services.Choices(
            frequency=self._value("frequency"),
            hour=int(self._value("hour")),
            time_zone=self._value("time_zone"),
            categories=tuple(_split(self.cleaned_data.get("categories") or "")),
            organizations=tuple(_split(self.cleaned_data.get("organizations") or "")),
            authors=tuple(_lines(self.cleaned_data.get("authors") or "")),
            searches=tuple(_lines(self.cleaned_data.get("searches") or "")),
        )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if not self.errors:
            try:
                self.choices()
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class SubscribeForm(ChoicesForm):
    """The full form on /digest; the footer form sends only ``email``."""

    email = forms.CharField(max_length=254, label="Email address")
    field_order = [
        "email",
        "frequency",
        "hour",
        "time_zone",
        "categories",
        "organizations",
        "authors",
        "searches",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("frequency", "hour", "time_zone"):
            self.fields[name].required = False

    def clean_email(self) -> str:
        return services.normalize_email(self.cleaned_data["email"])


class PreferencesForm(ChoicesForm):
    pass
