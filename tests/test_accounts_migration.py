"""Migration 0004 on a hub whose accounts already collide in case or address."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0003_login_failures_per_client_and_pending_email")]
AFTER = [("accounts", "0004_unique_usernames_and_addresses_in_any_case")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_collisions_are_made_distinct_then_refused() -> None:
    apps = migrate(BEFORE).loader.project_state(BEFORE).apps
    User = apps.get_model("auth", "User")
    Profile = apps.get_model("accounts", "Profile")
    ada = User.objects.create(username="ada", email="ada@example.org")
    ada2 = User.objects.create(username="ADA", email="other@example.org")
    ada3 = User.objects.create(username="Ada", email="")
    # The second account confirmed the shared address, so it keeps it.
    bob = User.objects.create(username="bob", email="shared@example.org")
    cy = User.objects.create(username="cy", email="Shared@Example.org")
    Profile.objects.create(user=cy, confirmed_email="Shared@Example.org")
    dee = User.objects.create(username="dee", email="SHARED@example.org")
    nobody = [User.objects.create(username=f"quiet{i}", email="") for i in range(3)]

    apps = migrate(AFTER).loader.project_state(AFTER).apps
    User = apps.get_model("auth", "User")
    Profile = apps.get_model("accounts", "Profile")
    names = dict(User.objects.values_list("pk", "username"))
    assert names[ada.pk] == "ada"
    assert names[ada2.pk] == f"ADA-{ada2.pk}" and names[ada3.pk] == f"Ada-{ada3.pk}"
    emails = dict(User.objects.values_list("pk", "email"))
    assert emails[cy.pk] == "Shared@Example.org"
    assert emails[bob.pk] == emails[dee.pk] == ""
    assert Profile.objects.get(user_id=bob.pk).pending_email == "shared@example.org"
    assert Profile.objects.get(user_id=dee.pk).pending_email == "SHARED@example.org"
    assert Profile.objects.get(user_id=cy.pk).confirmed_email == "Shared@Example.org"
    assert all(emails[u.pk] == "" for u in nobody)

    for username, email in (("aDA", "x@example.org"), ("eve", "ADA@EXAMPLE.ORG")):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(username=username, email=email)

    # And back: the indexes go, the renamed accounts keep their new names.
    migrate(BEFORE)
    migrate(AFTER)
