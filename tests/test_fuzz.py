"""No address, query string or form answers a server error, whatever is typed into it.

Every URL pattern of the hub (found by walking the resolver, the admin's included)
is requested with its path parameters filled by hypothesis: a real value of the
seeded hub or a hostile one (Unicode digits, huge numbers, far dates, NUL, lone
surrogates, bytes that are not UTF-8, long and odd text). Each example sends a GET
with a hostile query string and a POST with hostile values in every form field the
hub reads, as a visitor, a logged-in user and a staff member. The test client
checks CSRF as it always does (not at all), so the forms' own code is what runs.

Derandomized: the same examples on every run, so CI is reproducible.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from django import forms
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dailypapers.digests import services as digest_services
from dailypapers.digests import tokens
from dailypapers.digests.models import Subscription
from tests.support.hostile import DAY, PAPER, PASSWORD, UNICODE_DIGITS, Hub, seed
from tests.support.replay import Replay, Reply

# Examples per URL pattern besides CLASSICS; each makes five requests (GET as a
# visitor and as staff, POST as a visitor, a user and staff).
HUB_EXAMPLES = 2
ADMIN_EXAMPLES = 1

_PLACEHOLDER = re.compile(r"<(?:[^>:]+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")

HOSTILE_TEXT: tuple[str, ...] = (
    *UNICODE_DIGITS,
    "",
    " ",
    "0",
    "-1",
    "+1",
    "1e3",
    "1.5",
    "NaN",
    "9" * 25,
    "9223372036854775808",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "9999-W52",
    "2026-W53",
    "0000-00",
    "２０２６-04-07",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202etxet",
    "\ufeff",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"unbalanced',
    "%s%n",
    "{{ request }}",
    "../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
    "x" * 5000,
    "数学" * 200,
    "\t\r\n",
)
HOSTILE_BYTES: tuple[bytes, ...] = (b"\xff", b"\xc0\xaf", b"a\x80b", b"\xed\xa0\x80")

QUERY_NAMES = (
    "page",
    "p",
    "limit",
    "q",
    "from",
    "to",
    "cat",
    "org",
    "list",
    "sort",
    "code",
    "date",
    "week",
    "month",
    "submitter",
    "next",
    "saved",
    "o",
    "e",
    "_changelist_filters",
    "created_at__year",
    "created_at__month",
    "created_at__day",
    "started_at__year",
    "status",
    "role",
    "is_public__exact",
)
# Names the views read from request.POST directly, besides their forms' fields.
EXTRA_FORM_NAMES = (
    "body",
    "parent",
    "note",
    "reason",
    "collection",
    "new_collection",
    "paper",
    "vote",
    "next",
    "form",
    "username",
    "password",
    "email",
    "org",
    "role",
    "action",
    "_selected_action",
)


def _form_field_names() -> tuple[str, ...]:
    """Every field of every form of the hub (and the auth forms it uses)."""

    def subclasses(cls: type) -> Iterator[type]:
        sub: type
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = set(EXTRA_FORM_NAMES)
    for cls in subclasses(forms.BaseForm):
        if cls.__module__.startswith(("dailypapers.", "django.contrib.auth.")):
            names.update(getattr(cls, "base_fields", {}))
    return tuple(sorted(names))


@dataclass(frozen=True)
class Route:
    template: str  # "users/{username}/collections/{slug}"
    names: tuple[str, ...]
    admin: bool

    def url(self, values: dict[str, bytes]) -> str:
        encoded = {name: quote_from_bytes(values[name], safe="") for name in self.names}
        return "/" + self.template.format(**encoded)


def _routes() -> list[Route]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), prefix

    found: dict[str, Route] = {}
    for raw, prefix in walk(get_resolver().url_patterns, ""):
        text = raw.replace("^", "").replace("$", "").replace("{", "{{").replace("}", "}}")
        names = tuple(a or b for a, b in _PLACEHOLDER.findall(text))
        template = _PLACEHOLDER.sub(lambda m: "{" + (m[1] or m[2]) + "}", text)
        found[template] = Route(template, names, prefix.startswith("admin/"))
    return list(found.values())


ROUTES = _routes()
FORM_NAMES = _form_field_names()


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


HOSTILE = st.one_of(
    st.sampled_from([_encode(t) for t in HOSTILE_TEXT] + list(HOSTILE_BYTES)),
    st.text(max_size=30).map(_encode),
    st.binary(max_size=8),
)
# Tried on every route whatever hypothesis draws: (value, in the path too?, which
# fields get it: all of them, or every other one so the rest can be valid).
ALL, EVERY_OTHER = -1, int("01" * 64, 2)
CLASSICS: tuple[tuple[bytes, bool, int], ...] = (
    (_encode("²"), False, ALL),
    (_encode("③"), False, EVERY_OTHER),
    (_encode("9" * 25), False, EVERY_OTHER),
    (_encode("9" * 25), True, ALL),
    (_encode("9999-12-31"), False, ALL),
    (_encode("9999-12-31"), True, EVERY_OTHER),
    (_encode("a\x00b"), False, EVERY_OTHER),
    (_encode("a\x00\ud800"), True, ALL),
)
# The admin is Django's own, with many pages of one kind: fewer values suffice.
ADMIN_CLASSICS = (CLASSICS[0], CLASSICS[3], CLASSICS[4])


@dataclass
class Seeded:
    hub: Hub
    real: dict[str, list[bytes]]  # path parameter name -> values that exist
    plausible: dict[str, list[bytes]]  # form field name -> values it might well take


def _seed() -> Seeded:
    hub = seed()
    digest_services.subscribe("reader@example.org")
    sub = Subscription.objects.get(email="reader@example.org")
    real = {
        "ref": [PAPER, "2604.00002", f"{PAPER}v2"],
        "username": ["ada", "bob", "mod"],
        "slug": [hub.org.slug, hub.collection.slug, hub.author_slug],
        "pk": [str(hub.comment.pk), str(hub.reply.pk)],
        "position": ["0", "1"],
        "user_id": [str(hub.ada.pk), str(hub.bob.pk)],
        "claim_id": ["1"],
        "decision": ["confirm", "reject"],
        "value": [DAY, "2026-W15", "2026-04"],
        "token": [
            tokens.make(purpose, sub.pk, sub.email)
            for purpose in ("confirm", "unsubscribe", "manage")
        ]
        + [default_token_generator.make_token(hub.ada)],
        "uidb64": [urlsafe_base64_encode(force_bytes(hub.ada.pk))],
        "object_id": [str(hub.ada.pk), str(hub.org.pk), "1"],
        "id": [str(hub.ada.pk)],
        "content_type_id": ["1"],
        "app_label": ["auth", "community", "papers", "digests"],
        "url": ["", "nothing/"],
    }
    plausible = {
        "paper": [PAPER],
        "username": ["ada", "newcomer"],
        "password": [PASSWORD],
        "email": ["reader@example.org", "new@example.org"],
        "reason": ["spam", "too long"],
        "role": ["admin", "member"],
        "frequency": ["daily", "weekly"],
        "hour": ["8"],
        "time_zone": ["UTC"],
        "categories": ["cs.CL"],
        "form": ["profile", "password", "email"],
        "body": ["Some words"],
        "name": ["A name"],
        "collection": [str(hub.collection.pk)],
        "parent": [str(hub.comment.pk)],
        "org": [hub.org.slug],
        "next": ["/papers"],
        "vote": ["1", "0"],
        "is_public": ["on"],
    }
    return Seeded(
        hub,
        {name: [_encode(v) for v in values] for name, values in real.items()},
        {name: [_encode(v) for v in values] for name, values in plausible.items()},
    )


@pytest.fixture(scope="module")
def arxiv() -> Iterator[Replay]:
    """A local arXiv API that knows no paper, so submitting never leaves the machine."""
    server = Replay()
    empty = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"'
        b' xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        b"<opensearch:totalResults>0</opensearch:totalResults></feed>"
    )
    server.add("/api/query", Reply(200, empty, {"Content-Type": "application/atom+xml"}))
    yield server
    server.close()


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any, arxiv: Replay) -> Iterator[Seeded]:
    """The hub seeded once for the module, in a transaction that is rolled back when
    the module is done (as Django's TestCase does for setUpTestData); each test's
    own transaction is a savepoint inside it."""
    overrides = override_settings(
        ARXIV_API_URL=f"{arxiv.url}/api/query",
        HF_API_URL=f"{arxiv.url}/hfapi",
        SUBMIT_ARXIV_TIMEOUT=2,
        SUBMIT_ARXIV_RETRIES=0,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with overrides, django_db_blocker.unblock(), transaction.atomic():
        yield _seed()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def clients() -> dict[str, Client]:
    """One client per identity for the whole module: each new client loads the
    middleware again, and WhiteNoise then scans every static file."""
    return {"visitor": Client(), "user": Client(), "staff": Client()}


def _urlencoded(fields: dict[str, bytes]) -> str:
    return "&".join(f"{quote(name)}={quote_from_bytes(value)}" for name, value in fields.items())


def _check(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


@dataclass(frozen=True)
class Attempt:
    """One example: a hostile value, where it goes, and valid values elsewhere."""

    theme: bytes
    in_path: bool
    mask: int  # bit i set: the i-th form field (or query parameter) gets the theme
    pick: int  # chooses among the valid values
    multipart: bool = False

    def choose(self, options: list[bytes], salt: int) -> bytes:
        return options[(self.pick + salt) % len(options)]

    def themed(self, index: int) -> bool:
        return bool(self.mask >> (index % 128) & 1)


def _exercise(route: Route, seeded: Seeded, clients: dict[str, Client], attempt: Attempt) -> None:
    """Every example starts from the seeded hub: what it wrote (a staff member may
    delete the user the next example logs in as) is rolled back after it."""
    with transaction.atomic():
        _requests(route, seeded, clients, attempt)
        transaction.set_rollback(True)


def _requests(route: Route, seeded: Seeded, clients: dict[str, Client], attempt: Attempt) -> None:
    path = route.url(
        {
            name: attempt.theme
            if attempt.in_path or name not in seeded.real
            else attempt.choose(seeded.real[name], i)
            for i, name in enumerate(route.names)
        }
    )
    query = {name: attempt.theme for i, name in enumerate(QUERY_NAMES) if attempt.themed(i)}
    fields: dict[str, bytes] = {}
    for i, name in enumerate(FORM_NAMES):
        if attempt.themed(i + 1):
            fields[name] = attempt.theme
        elif name in seeded.plausible:
            fields[name] = attempt.choose(seeded.plausible[name], i)
    url = f"{path}?{_urlencoded(query)}" if query else path
    clients["visitor"].cookies.clear()
    clients["user"].force_login(seeded.hub.ada)
    clients["staff"].force_login(seeded.hub.staff)
    for identity in ("visitor", "staff"):
        _check(clients[identity].get(url), f"GET {url} as {identity}")
    for identity, client in clients.items():
        if attempt.multipart:
            text = {k: v.decode("utf-8", "replace") for k, v in fields.items()}
            response = client.post(path, text)
        else:
            body = _urlencoded(fields)
            response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        _check(response, f"POST {path} {fields!r} as {identity}")


ATTEMPTS = st.builds(
    Attempt,
    theme=HOSTILE,
    in_path=st.booleans(),
    mask=st.integers(0, 2**128 - 1),
    pick=st.integers(0, 100),
    multipart=st.booleans(),
)


def _fuzz(
    random_examples: int, classics: tuple[tuple[bytes, bool, int], ...]
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis, derandomized, with the classic values tried first."""

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        for theme, in_path, mask in reversed(classics):
            test = example(attempt=Attempt(theme, in_path, mask, pick=len(theme)))(test)
        settings = hypothesis_settings(
            max_examples=random_examples,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        return settings(given(attempt=ATTEMPTS)(test))

    return decorate


HUB_ROUTES = [r for r in ROUTES if not r.admin]
ADMIN_ROUTES = [r for r in ROUTES if r.admin]


@pytest.mark.parametrize("route", HUB_ROUTES, ids=lambda r: r.template or "/")
@_fuzz(HUB_EXAMPLES, CLASSICS)
def test_hub_pages_and_forms(
    db: None, seeded: Seeded, clients: dict[str, Client], route: Route, attempt: Attempt
) -> None:
    _exercise(route, seeded, clients, attempt)


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.template)
@_fuzz(ADMIN_EXAMPLES, ADMIN_CLASSICS)
def test_admin_pages_and_forms(
    db: None, seeded: Seeded, clients: dict[str, Client], route: Route, attempt: Attempt
) -> None:
    _exercise(route, seeded, clients, attempt)


def test_every_pattern_is_covered() -> None:
    templates = {r.template for r in ROUTES}
    for expected in (
        "papers/{ref}/comments",
        "users/{username}/collections/{slug}/edit",
        "password/reset/{uidb64}/{token}",
        "admin/{app_label}/",
        "api/daily_papers",
        "{username}",
    ):
        assert expected in templates
    assert len(ROUTES) > 150
    assert {"body", "note", "parent", "email_domains", "new_password1"} <= set(FORM_NAMES)
    assert len(FORM_NAMES) < 128 and len(QUERY_NAMES) < 128
