"""Usernames and addresses unique in any case, enforced by the database.

Django's auth_user keeps usernames unique only as typed and addresses not at all, so
simultaneous sign-ups could make "Ada" and "ada", or two accounts with one address.
Two unique indexes on auth_user close that: on LOWER(username), and on LOWER(email)
where an address is set. The same SQL works on SQLite and PostgreSQL (SQLite's LOWER
folds ASCII letters only; the sign-up checks names with other letters inside its
write transaction).

Accounts that already collide are first made distinct, the oldest account of each
group keeping what it has:
- a later account with the same name in another case is renamed "<name>-<id>" (a
  password reset mail names the account, so its owner can find the new name);
- a later account with the same address (or any but the one that confirmed it) gives
  the address up: it waits as the account's unconfirmed new address (Profile.
  pending_email), so the owner sees it and can sort it out, but resets and mail go
  only to the account that keeps it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import migrations

USERNAME_INDEX = "accounts_auth_user_username_lower_uniq"
EMAIL_INDEX = "accounts_auth_user_email_lower_uniq"


def _free_name(taken: set[str], name: str, pk: int) -> str:
    suffix = f"-{pk}"
    candidate = f"{name[: 150 - len(suffix)]}{suffix}"
    n = 1
    while candidate.lower() in taken:
        n += 1
        suffix = f"-{pk}-{n}"
        candidate = f"{name[: 150 - len(suffix)]}{suffix}"
    return candidate


def make_distinct(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("auth", "User")
    Profile = apps.get_model("accounts", "Profile")
    by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, username in User.objects.order_by("pk").values_list("pk", "username"):
        by_name[username.lower()].append((pk, username))
    taken = set(by_name)
    for group in by_name.values():
        for pk, username in group[1:]:
            new = _free_name(taken, username, pk)
            taken.add(new.lower())
            User.objects.filter(pk=pk).update(username=new)
            print(f"\n  accounts: user {pk} renamed from {username!r} to {new!r}", end="")

    by_address: dict[str, list[tuple[int, str]]] = defaultdict(list)
    users = User.objects.exclude(email="").order_by("pk").values_list("pk", "email")
    for pk, email in users:
        by_address[email.lower()].append((pk, email))
    for group in by_address.values():
        if len(group) < 2:
            continue
        confirmed = set(
            Profile.objects.filter(user_id__in=[pk for pk, _ in group]).values_list(
                "user_id", "confirmed_email"
            )
        )
        keeper = next((pk for pk, email in group if (pk, email) in confirmed), group[0][0])
        for pk, email in group:
            if pk == keeper:
                continue
            profile, _ = Profile.objects.get_or_create(user_id=pk)
            profile.pending_email = email
            profile.confirmed_email = ""
            profile.email_confirmed_at = None
            profile.save(update_fields=["pending_email", "confirmed_email", "email_confirmed_at"])
            User.objects.filter(pk=pk).update(email="")
            print(f"\n  accounts: user {pk} gave up {email!r} (user {keeper} keeps it)", end="")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_login_failures_per_client_and_pending_email"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(make_distinct, migrations.RunPython.noop),
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX {USERNAME_INDEX} ON auth_user (LOWER(username))",
            f"DROP INDEX {USERNAME_INDEX}",
        ),
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX {EMAIL_INDEX} ON auth_user (LOWER(email)) WHERE email <> ''",
            f"DROP INDEX {EMAIL_INDEX}",
        ),
    ]
