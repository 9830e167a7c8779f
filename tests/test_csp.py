"""Content-Security-Policy and Permissions-Policy on the site's pages, and templates
that live within the policy (no inline script, style or event handler)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from dailypapers.digests import services as digest_services
from dailypapers.digests import tokens
from dailypapers.digests.models import Subscription
from tests.support.hostile import DAY, PAPER, Hub, seed
from tests.support.hub import (
    CHROMIUM,
    clean_env,
    cli,
    daily_file,
    launched_chromium,
    scratch_database,
    start_server,
)

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[1] / "src" / "dailypapers"


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.fixture
def hub(settings: Any) -> Hub:
    return seed(settings)


def pages(hub: Hub) -> list[str]:
    return [
        "/papers",
        f"/papers/date/{DAY}",
        "/papers/trending",
        f"/papers/{PAPER}",
        "/search?q=seeded",
        "/orgs",
        f"/orgs/{hub.org.slug}",
        f"/authors/{hub.author_slug}",
        "/users/ada",
        "/users/ada/collections",
        "/login",
        "/signup",
        "/digest",
        "/nothing/here",
    ]


class TestHeaders:
    def test_every_page_has_the_strict_policy(self, hub: Hub) -> None:
        client = Client()
        for path in pages(hub):
            response = client.get(path)
            assert response.status_code in (200, 404), path
            policy = directives(response["Content-Security-Policy"])
            assert policy["script-src"] == "'self'", path
            assert policy["style-src"] == "'self'", path
            assert policy["object-src"] == "'none'", path
            assert policy["base-uri"] == "'none'", path
            assert policy["frame-ancestors"] == "'none'", path
            assert policy["form-action"] == "'self'", path
            assert "unsafe" not in response["Content-Security-Policy"], path
            assert "camera=()" in response["Permissions-Policy"], path

    def test_logged_in_pages_and_cached_pages_too(self, hub: Hub) -> None:
        client = Client()
        client.force_login(hub.ada)
        for path in ("/papers", "/settings", f"/papers/{PAPER}", "/collections/new"):
            assert "script-src 'self'" in client.get(path)["Content-Security-Policy"], path
        anonymous = Client()
        anonymous.get("/papers")  # now in the page cache
        assert "script-src 'self'" in anonymous.get("/papers")["Content-Security-Policy"]

    def test_api_and_refusals_carry_it(self, hub: Hub) -> None:
        for path in ("/api/daily_papers", "/api/papers/%00", "/users/%00"):
            assert "default-src 'self'" in Client().get(path)["Content-Security-Policy"], path

    def test_the_digest_views_keep_their_own(self, hub: Hub) -> None:
        digest_services.subscribe("reader@example.org")
        sub = Subscription.objects.get(email="reader@example.org")
        response = Client().get(f"/digest/preview/{tokens.make('manage', sub.pk, sub.email)}")
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
        assert "camera=()" in response["Permissions-Policy"]


class TestTemplates:
    """What the policy forbids must not be in the pages the hub serves."""

    def site_templates(self) -> list[Path]:
        return [p for p in SRC.rglob("templates/**/*.html") if "/email/" not in str(p)]

    def test_no_inline_script_style_or_handlers(self) -> None:
        found = []
        for template in self.site_templates():
            source = template.read_text()
            for pattern in (
                r"<script(?![^>]*\bsrc=)[^>]*>",
                r"<style\b",
                r"\sstyle=",
                r"\son[a-z]+\s*=",
                r"javascript:",
            ):
                if re.search(pattern, source, re.IGNORECASE):
                    found.append(f"{template.relative_to(SRC)}: {pattern}")
        assert found == []


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
def test_pages_run_in_chromium_without_policy_violations(tmp_path: Path) -> None:
    """The real server, a real day imported; Chromium reports every refused script,
    style or connection as a console error, and the upvote script still loads."""
    with scratch_database() as db_env:
        env = clean_env(**db_env)
        imported = cli(tmp_path / "data", "import", str(daily_file("2026-04-07")), env=env)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        server = start_server(tmp_path / "data", tmp_path / "serve.log", env=env)
        try:
            with launched_chromium() as browser:
                page = browser.new_page()
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
                page.goto(f"{server.url}/papers")
                first = page.locator("article h3 a").first.get_attribute("href")
                assert first
                for path in (
                    "/papers",
                    "/papers/trending",
                    first,
                    "/search?q=model",
                    "/orgs",
                    "/login",
                    "/signup",
                    "/digest",
                    "/admin/login/",
                    "/nothing/here",
                ):
                    response = page.goto(f"{server.url}{path}")
                    assert response is not None
                    assert "script-src 'self'" in response.headers["content-security-policy"]
                    # upvote.js ran: its listener is on the document of every page.
                    loaded = page.evaluate(
                        "[...document.scripts].every(s => !s.src || s.src.includes('/static/'))"
                    )
                    assert loaded, path
                page.goto(f"{server.url}/papers")
                page.locator("form[data-upvote] button").first.click()
                page.wait_for_url("**/login**")
        finally:
            server.stop()
    violations = [e for e in errors if "Content Security Policy" in e or "uncaught" in e]
    assert violations == []
