"""An organization made on the hub never receives the upstream's papers by its name alone."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from dailypapers.ingest.pipeline import run_import
from dailypapers.papers.models import Organization, Paper
from tests.e2e.hub import daily_file

pytestmark = pytest.mark.django_db

KLING_PAPER = "2604.04707"  # listed by the upstream under the organization "KlingTeam"


def _squatter_org(slug: str, **fields: str) -> Organization:
    eve = User.objects.create_user("eve", "eve@freemail.test", "pw-eve-123456")
    return Organization.objects.create(slug=slug, name="KlingTeam", created_by=eve, **fields)


def test_an_organization_made_first_by_a_user_does_not_get_the_upstream_papers() -> None:
    squat = _squatter_org("klingteam")
    run_import([daily_file("2026-04-07")], worker=False)
    paper = Paper.objects.get(arxiv_id=KLING_PAPER)
    assert paper.organization is not None
    assert paper.organization_id != squat.pk
    assert paper.organization.slug == "klingteam-upstream"
    assert paper.organization.created_by is None
    assert not squat.papers.exists()


def test_the_upstream_variant_taken_too_moves_on_to_a_numbered_one() -> None:
    _squatter_org("klingteam")
    mallory = User.objects.create_user("mallory", "m@freemail.test", "pw-mal-123456")
    Organization.objects.create(slug="klingteam-upstream", name="KlingTeam", created_by=mallory)
    run_import([daily_file("2026-04-07")], worker=False)
    assert Paper.objects.get(arxiv_id=KLING_PAPER).organization.slug == "klingteam-upstream-2"  # type: ignore[union-attr]


def test_an_organization_staff_verified_does_get_its_upstream_papers() -> None:
    verified = _squatter_org("klingteam", verified_email_domains="kuaishou.com")
    run_import([daily_file("2026-04-07")], worker=False)
    assert Paper.objects.get(arxiv_id=KLING_PAPER).organization_id == verified.pk


def test_reimport_keeps_the_papers_where_the_first_import_put_them() -> None:
    _squatter_org("klingteam")
    run_import([daily_file("2026-04-07")], worker=False)
    run_import([daily_file("2026-04-07")], worker=False)
    assert Organization.objects.filter(slug__startswith="klingteam").count() == 2
    assert Paper.objects.get(arxiv_id=KLING_PAPER).organization.slug == "klingteam-upstream"  # type: ignore[union-attr]
