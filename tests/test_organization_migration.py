"""Organizations move from the community app to papers (papers 0006, community 0004).

The move changes Django's idea of who owns the model, not the table: every row, and
every foreign key to it, must be where it was after migrating a hub forward.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dailypapers.community.models import Membership, ModerationAction
from dailypapers.papers.models import Organization, Paper

BEFORE = [
    ("community", "0003_org_domains_verified_by_staff"),
    ("papers", "0005_hf_fields_and_earlier_listings"),
]


def migrate_to(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_organizations_their_members_and_papers_survive_the_move() -> None:
    content_type = ContentType.objects.get_for_model(Organization).pk
    try:
        old = migrate_to(BEFORE).loader.project_state(BEFORE).apps
        ada = old.get_model("auth", "User").objects.create(username="ada")
        org = old.get_model("community", "Organization").objects.create(
            slug="lab", name="The Lab", requested_email_domains="lab.example.org", created_by=ada
        )
        old.get_model("community", "Membership").objects.create(
            organization=org, user=ada, role="admin"
        )
        old.get_model("papers", "Paper").objects.create(
            arxiv_id="2604.00001", title="Linked", organization=org
        )
        old.get_model("community", "ModerationAction").objects.create(
            kind="verify-domains", target_type="community.organization", target_id=str(org.pk)
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    moved = Organization.objects.get(pk=org.pk)
    assert (moved.slug, moved.name, moved.requested_email_domains) == (
        "lab",
        "The Lab",
        "lab.example.org",
    )
    assert moved.created_by == User.objects.get(username="ada")
    membership = Membership.objects.get()
    assert (membership.organization, membership.user.username, membership.role) == (
        moved,
        "ada",
        "admin",
    )
    assert Paper.objects.get(arxiv_id="2604.00001").organization == moved
    assert list(moved.papers.values_list("arxiv_id", flat=True)) == ["2604.00001"]
    # Permissions and the admin's history hang on the content type: it moved, not anew.
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Organization).pk == content_type
    assert ModerationAction.objects.get().target_type == "papers.organization"
