"""The form for a collection's name, description and visibility."""

from __future__ import annotations

from django import forms

from dailypapers.community.models import Collection
from dailypapers.core.text import clean

NAME_MAX = 120
DESCRIPTION_MAX = 2000


def clean_name(value: str) -> str:
    return clean(value)[:NAME_MAX]


class CollectionForm(forms.ModelForm[Collection]):
    name = forms.CharField(
        max_length=NAME_MAX,
        label="Name",
        error_messages={"required": "Give the collection a name."},
    )
    description = forms.CharField(
        max_length=DESCRIPTION_MAX,
        required=False,
        label="Description",
        help_text="Optional; plain text.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_public = forms.BooleanField(
        required=False,
        initial=True,
        label="Public",
        help_text="Anyone can see a public collection; a private one only you.",
    )

    class Meta:
        model = Collection
        fields = ("name", "description", "is_public")

    def clean_name(self) -> str:
        name = clean_name(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError("Give the collection a name.")
        return name

    def clean_description(self) -> str:
        value: str = self.cleaned_data["description"]
        # Paragraphs are kept; other layout whitespace and control characters are not.
        paragraphs = (clean(part) for part in value.replace("\r\n", "\n").split("\n\n"))
        return "\n\n".join(p for p in paragraphs if p)
