"""API tokens from the terminal: list, make and revoke them, as the settings page does."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dailypapers.accounts import queries, services
from dailypapers.accounts.models import ApiToken
from dailypapers.core.bootstrap import ensure_database
from dailypapers.core.timefmt import iso_z


class Command(BaseCommand):
    help = (
        "API tokens: `tokens list --user NAME`, `tokens create --user NAME --name TEXT "
        "[--scope read|write]` (prints the token, once), `tokens revoke --user NAME ID`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,create,revoke}")
        listing = sub.add_parser("list", help="a user's tokens, by prefix")
        listing.add_argument("--user", required=True)
        create = sub.add_parser("create", help="make a token and print it (shown only now)")
        create.add_argument("--user", required=True)
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument(
            "--scope", choices=[ApiToken.READ, ApiToken.WRITE], default=ApiToken.READ
        )
        revoke = sub.add_parser("revoke", help="revoke a token by the id `list` shows")
        revoke.add_argument("--user", required=True)
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_database()
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        action = options["action"]
        if action == "create":
            name = options["name"].strip()[:100]
            if not name:
                raise CommandError("give the token a name")
            try:
                _, token = services.create_token(user, name, options["scope"])
            except services.TooManyTokens as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(token)
        elif action == "revoke":
            if not services.revoke_token(user, options["id"]):
                raise CommandError(f"{options['user']} has no live token {options['id']}")
            self.stdout.write(f"revoked token {options['id']}")
        else:
            for t in queries.api_tokens(user):
                state = f"revoked {iso_z(t.revoked_at)}" if t.revoked_at else "live"
                used = iso_z(t.last_used_at) if t.last_used_at else "never used"
                self.stdout.write(f"{t.pk}\t{t.prefix}…\t{t.scope}\t{t.name}\t{used}\t{state}")
