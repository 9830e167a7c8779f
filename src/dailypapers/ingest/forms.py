"""The submit form. The checks themselves live in ingest.submitting, shared with the CLI."""

from __future__ import annotations

from collections.abc import Callable

from django import forms

from dailypapers.ingest import submitting


def _checked(check: Callable[[str], object], value: str) -> None:
    try:
        check(value)
    except submitting.InvalidInput as exc:
        raise forms.ValidationError(exc.message) from None


class SubmitForm(forms.Form):
    paper = forms.CharField(
        label="arXiv id or URL",
        max_length=300,
        help_text="For example 2604.01234 or https://arxiv.org/abs/2604.01234.",
        widget=forms.TextInput(attrs={"autofocus": True, "spellcheck": "false"}),
    )
    github = forms.CharField(
        label="GitHub repository (optional)",
        max_length=500,
        required=False,
        help_text="https://github.com/owner/repository",
        widget=forms.URLInput(attrs={"placeholder": "https://github.com/owner/repository"}),
    )
    project = forms.CharField(
        label="Project page (optional)",
        max_length=1000,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    # The typed text is kept as it is; submitting.submit normalizes it again.
    def clean_paper(self) -> str:
        value = str(self.cleaned_data["paper"])
        _checked(submitting.parse_ref, value)
        return value

    def clean_github(self) -> str:
        value = str(self.cleaned_data["github"])
        _checked(submitting.github_url, value)
        return value

    def clean_project(self) -> str:
        value = str(self.cleaned_data["project"])
        _checked(submitting.project_url, value)
        return value
