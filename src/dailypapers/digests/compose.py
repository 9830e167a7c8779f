"""Turning a subscriber's papers into an email: subject, plain text, HTML, headers.

Links are absolute (settings.BASE_URL) because a mail client has no page to
resolve them against. The HTML has inline styles only, no scripts and no images,
so it reads the same with remote content blocked and in dark mode.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import textwrap
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dailypapers.digests import queries, tokens
from dailypapers.digests.mime import DigestEmail
from dailypapers.digests.models import Frequency, Subscription
from dailypapers.papers.models import Submission

EXCERPT_CHARS = 300
SUBJECT_TITLE_CHARS = 80
AUTHORS_SHOWN = 3
FOR_YOU_PAPERS = 5
# What differs between two subscribers who get the same papers.
_PERSONAL = ("email", "view", "manage", "unsubscribe")


def absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _shorten(text: str, limit: int) -> str:
    text = _collapse(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return f"{cut}…"


@dataclass(frozen=True)
class Links:
    unsubscribe: str
    manage: str
    preview: str
    view: str
    subscribe: str

    @classmethod
    def of(cls, sub: Subscription, send_id: int | None = None) -> Links:
        manage = tokens.make("manage", sub.pk, sub.email)
        return cls(
            unsubscribe=absolute(
                f"/digest/unsubscribe/{tokens.make('unsubscribe', sub.pk, sub.email)}"
            ),
            manage=absolute(f"/digest/preferences/{manage}"),
            preview=absolute(f"/digest/preview/{manage}"),
            view=absolute(f"/digest/view/{tokens.make('view', sub.pk, sub.email, send_id)}")
            if send_id is not None
            else "",
            subscribe=absolute("/digest"),
        )


def _paper_item(sub: Submission, reason: str = "") -> dict[str, Any]:
    paper = sub.paper
    names = [a.name for a in paper.authors.all()]
    shown = ", ".join(names[:AUTHORS_SHOWN])
    if len(names) > AUTHORS_SHOWN:
        shown += f" and {len(names) - AUTHORS_SHOWN} more"
    return {
        "title": _collapse(paper.title),
        "url": absolute(paper.get_absolute_url()),
        "authors": shown,
        "excerpt": _shorten(paper.abstract, EXCERPT_CHARS),
        "excerpt_lines": textwrap.wrap(_shorten(paper.abstract, EXCERPT_CHARS), 72),
        "upvotes": paper.upvotes,
        "code": paper.github_repo,
        "organization": paper.organization.name if paper.organization else "",
        # The For-you section's: why the paper is there, and a page that asks to confirm.
        "reason": reason,
        "less": absolute(f"/for-you/less/{paper.arxiv_id}") if reason else "",
    }


def for_you(
    windows: queries.WindowCache, sub: Subscription, content: queries.Content
) -> list[tuple[Submission, str]]:
    """The For-you section of a subscriber with an account: (entry, reason) of the window's
    papers the reader's profile picks, not already in the digest. Empty for an address
    without an account, a reader with no history or with personalization off, and on a
    hub without the For-you app (found through the app registry: the apps are peers)."""
    if sub.user_id is None or content.empty:
        return []
    try:
        pick = getattr(apps.get_app_config("foryou"), "digest_picks", None)
    except LookupError:
        return []
    user = sub.user
    if pick is None or user is None or not user.is_active:
        return []
    shown = {s.pk for s in (*content.top, *content.interests)}
    ranked = windows.ranked(content.window_start, content.window_end)
    found: list[tuple[int, str]] = pick(
        user, [c.pk for c in ranked if c.pk not in shown], FOR_YOU_PAPERS
    )
    reasons = dict(found)
    return [(s, reasons[s.pk]) for s in windows.entries([pk for pk, _ in found])]


def _period_label(frequency: str, local_date: dt.date) -> str:
    if frequency == Frequency.WEEKLY:
        return f"week of {local_date:%b} {local_date.day}"
    return f"{local_date:%a %b} {local_date.day}"


def subject(content: queries.Content, frequency: str, local_date: dt.date) -> str:
    label = _period_label(frequency, local_date)
    if content.empty:
        return f"{settings.SITE_NAME}, {label}: a quiet day, no new papers"
    first = _shorten(content.top[0].paper.title, SUBJECT_TITLE_CHARS)
    more = len(content.top) + len(content.interests) - 1
    return f"Trending papers, {label}: {first}" + (f" and {more} more" if more else "")


@dataclass
class Composed:
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    papers: int


class Composer:
    """Builds digests for a run, rendering each shared list of papers only once."""

    def __init__(self) -> None:
        self.windows = queries.WindowCache()
        self._fragments: dict[tuple[str, tuple[int, ...], tuple[str, ...]], SafeString] = {}
        # Whole digests rendered once per shared content, with stand-ins for what is
        # each subscriber's own (address and links), filled in per message. The
        # stand-ins are random per run, so no paper text can contain one.
        self._bodies: dict[tuple[object, ...], tuple[str, str]] = {}
        nonce = secrets.token_hex(8)
        self._marks = {name: f"dp{nonce}{name}" for name in _PERSONAL}

    def _fragment(
        self, template: str, items: list[Submission], reasons: tuple[str, ...] = ()
    ) -> SafeString:
        key = (template, tuple(s.pk for s in items), reasons)
        if key not in self._fragments:
            shown = [_paper_item(s, *reasons[n : n + 1]) for n, s in enumerate(items)]
            rendered = render_to_string(template, {"items": shown})
            self._fragments[key] = mark_safe(rendered)  # noqa: S308 - our own template output
        return self._fragments[key]

    def compose(
        self,
        sub: Subscription,
        *,
        window_start: dt.datetime,
        window_end: dt.datetime,
        local_date: dt.date,
        send_id: int | None = None,
        quiet_note: bool | None = None,
    ) -> Composed | None:
        """The digest, or None when the window has no papers and no quiet note is wanted."""
        content = self.windows.content(window_start, window_end, queries.Topics.of(sub))
        if content.empty and not (settings.DIGEST_QUIET_NOTE if quiet_note is None else quiet_note):
            return None
        links = Links.of(sub, send_id)
        picks = for_you(self.windows, sub, content)
        text, html = self._body(
            sub, content, picks, local_date, window_start, with_view=bool(links.view)
        )
        own = {
            "email": sub.email,
            "view": links.view,
            "manage": links.manage,
            "unsubscribe": links.unsubscribe,
        }
        for name, value in own.items():
            mark = self._marks[name]
            text = text.replace(mark, value)
            html = html.replace(mark, escape(value))
        return Composed(
            subject=subject(content, sub.frequency, local_date),
            text=text,
            html=html,
            headers=list_headers(links, send_id, sub.pk),
            papers=len(content.top) + len(content.interests) + len(picks),
        )

    def _body(
        self,
        sub: Subscription,
        content: queries.Content,
        picks: list[tuple[Submission, str]],
        local_date: dt.date,
        window_start: dt.datetime,
        *,
        with_view: bool,
    ) -> tuple[str, str]:
        """Text and HTML of a digest with stand-ins for the subscriber's own values."""
        mine = [s for s, _ in picks]
        reasons = tuple(r for _, r in picks)
        key = (
            tuple(s.pk for s in mine),
            reasons,
            content.window_start,
            content.window_end,
            tuple(s.pk for s in content.top),
            tuple(s.pk for s in content.interests),
            tuple(content.topics),
            content.total,
            sub.frequency,
            sub.time_zone,
            local_date,
            window_start,
            with_view,
        )
        if key not in self._bodies:
            marks = self._marks
            context = {
                "site_name": settings.SITE_NAME,
                "subscription": {"email": marks["email"], "time_zone": sub.time_zone},
                "content": content,
                "links": {
                    "view": marks["view"] if with_view else "",
                    "manage": marks["manage"],
                    "unsubscribe": marks["unsubscribe"],
                },
                "period_label": _period_label(sub.frequency, local_date),
                "weekly": sub.frequency == Frequency.WEEKLY,
                "since": window_start,
                "base_url": settings.BASE_URL,
                "top_html": self._fragment("digests/email/_papers.html", content.top),
                "interests_html": self._fragment("digests/email/_papers.html", content.interests),
                "top_text": self._fragment("digests/email/_papers.txt", content.top),
                "interests_text": self._fragment("digests/email/_papers.txt", content.interests),
                "for_you": mine,
                "for_you_html": self._fragment("digests/email/_papers.html", mine, reasons),
                "for_you_text": self._fragment("digests/email/_papers.txt", mine, reasons),
            }
            self._bodies[key] = (
                render_to_string("digests/email/digest.txt", context),
                render_to_string("digests/email/digest.html", context),
            )
        return self._bodies[key]


def _mail_domain() -> str:
    return urlsplit(settings.BASE_URL).hostname or "localhost"


def unsubscribe_mailto() -> str:
    return settings.DIGEST_UNSUBSCRIBE_MAILTO or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def list_headers(links: Links, send_id: int | None, sub_id: int) -> dict[str, str]:
    """RFC 2369 / RFC 8058 list headers: mail clients show an unsubscribe button."""
    domain = _mail_domain()
    headers = {
        "List-Id": f"{settings.SITE_NAME} digest <digest.{domain}>",
        "List-Unsubscribe": (
            f"<mailto:{unsubscribe_mailto()}?subject=unsubscribe>, <{links.unsubscribe}>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # A Message-ID fixed per digest: should one ever go out twice, mailbox
        # providers that de-duplicate on it show it once.
        "Message-ID": f"<digest.{send_id}.{sub_id}@{domain}>"
        if send_id is not None
        else make_msgid("digest-preview", domain=domain),
    }
    return headers


def email_message(composed: Composed, to: str) -> EmailMultiAlternatives:
    message = DigestEmail(
        subject=composed.subject,
        body=composed.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=composed.headers,
    )
    message.attach_alternative(composed.html, "text/html")
    return message


def confirmation_message(sub: Subscription, *, already_confirmed: bool) -> EmailMultiAlternatives:
    """The double opt-in mail, or for a confirmed address a note with its preferences link.

    Both go to the address, never to the person who typed it, so the form itself
    never tells anyone whether an address is subscribed.
    """
    context = {
        "site_name": settings.SITE_NAME,
        "subscription": sub,
        "confirm_url": absolute(f"/digest/confirm/{tokens.make('confirm', sub.pk, sub.email)}"),
        "links": Links.of(sub),
        "days": settings.DIGEST_CONFIRM_DAYS,
        "already_confirmed": already_confirmed,
    }
    subject_line = (
        f"Your {settings.SITE_NAME} digest subscription"
        if already_confirmed
        else f"Confirm your {settings.SITE_NAME} digest subscription"
    )
    return EmailMultiAlternatives(
        subject=subject_line,
        body=render_to_string("digests/email/confirm.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[sub.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
