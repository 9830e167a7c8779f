"""core.markup.format_html makes the markup Django's format_html makes, faster."""

from __future__ import annotations

from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe

from dailypapers.core import markup

VALUES: list[object] = [
    "plain",
    "<script>alert('x') & \"y\"</script>",
    mark_safe("<b>kept</b>"),
    42,
    None,
    3.5,
    lazy(lambda: "<lazy & text>", str)(),
    "ünïcode ✓",
]


def test_the_same_markup_as_django_for_every_kind_of_value() -> None:
    template = '<a href="/x/{}" title="{}">{}</a>'
    for value in VALUES:
        ours = markup.format_html(template, value, value, value)
        assert ours == django_html.format_html(template, value, value, value), value
        assert isinstance(ours, SafeString)


def test_named_values_and_nested_markup() -> None:
    inner = markup.format_html("<i>{}</i>", "<&>")
    made = markup.format_html('<p id="{pk}">{body}</p>', pk='1"2', body=inner)
    assert made == '<p id="1&quot;2"><i>&lt;&amp;&gt;</i></p>'
    assert made == django_html.format_html('<p id="{pk}">{body}</p>', pk='1"2', body=inner)
