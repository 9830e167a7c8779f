"""`dailypapers moderate ...`: the moderators' actions from the terminal, logged like the site's.

``verify-domains SLUG`` verifies the email domains an organization requested (confirmed
addresses there then confirm author claims of its papers); ``unverify-domains SLUG``
withdraws them.

Exit status: 0 done; 1 nothing to do (already in that state); 2 usage (a bad id, an
unknown or non-staff --as); 3 no such paper, comment or user; 4 refused (e.g.
suspending a superuser).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dailypapers.community.models import Comment, ModerationAction
from dailypapers.community.services import moderation as services
from dailypapers.community.services import orgs
from dailypapers.core import arxiv_ids
from dailypapers.core.bootstrap import ensure_database
from dailypapers.papers.models import Organization, Paper

EXIT_UNCHANGED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4

PAPER_ACTIONS: dict[str, Callable[..., bool]] = {
    "hide": services.hide_paper,
    "show": services.show_paper,
    "lock": services.lock_discussion,
    "unlock": services.unlock_discussion,
}
USER_ACTIONS: dict[str, Callable[..., bool]] = {
    "suspend": services.suspend_user,
    "unsuspend": services.unsuspend_user,
}
COMMENT_ACTIONS: dict[str, Callable[..., bool | int]] = {
    "remove": services.remove_comment,
    "restore": services.restore_comment,
    "dismiss": services.dismiss_flags,
}
ORG_ACTIONS: dict[str, Callable[..., bool]] = {
    "verify-domains": lambda m, org, why: bool(orgs.verify_domains(m, org, reason=why)),
    "unverify-domains": lambda m, org, why: bool(orgs.unverify_domains(m, org, reason=why)),
}
HELP = {
    "hide": "take a paper off the daily lists",
    "show": "put a hidden paper back on the daily lists",
    "lock": "lock a paper's discussion",
    "unlock": "unlock a paper's discussion",
    "suspend": "suspend an account and end its sessions",
    "unsuspend": "lift a suspension",
    "remove": "remove a comment (closes its flags)",
    "restore": "restore a removed comment",
    "dismiss": "dismiss a comment's open flags",
    "verify-domains": "verify the email domains an organization requested",
    "unverify-domains": "withdraw an organization's verified email domains",
}


class Command(BaseCommand):
    help = (
        "Moderate from the terminal: hide|show|lock|unlock ARXIV_ID, suspend|unsuspend "
        "USERNAME, remove|restore|dismiss COMMENT_ID, verify-domains|unverify-domains "
        "ORG_SLUG, each with --reason; log [--limit N]."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for name, label in (
            *((n, "arXiv id or URL") for n in PAPER_ACTIONS),
            *((n, "username") for n in USER_ACTIONS),
            *((n, "comment number") for n in COMMENT_ACTIONS),
            *((n, "organization slug") for n in ORG_ACTIONS),
        ):
            action = sub.add_parser(name, help=HELP[name])
            action.add_argument("target", help=label)
            action.add_argument("--reason", default="", help="why (kept in the moderation log)")
            action.add_argument(
                "--as",
                dest="as_user",
                default="",
                help="the staff username to log the action under (default: none)",
            )
        log = sub.add_parser("log", help="the latest moderation actions")
        log.add_argument("--limit", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_database()
        action = options["action"]
        if action == "log":
            self._log(max(1, min(options["limit"], 1000)))
            return
        moderator = self._moderator(options["as_user"])
        target = options["target"]
        reason = options["reason"]
        try:
            if action in PAPER_ACTIONS:
                done = PAPER_ACTIONS[action](moderator, self._paper(target), reason)
            elif action in USER_ACTIONS:
                done = USER_ACTIONS[action](moderator, self._user(target), reason)
            elif action in ORG_ACTIONS:
                done = ORG_ACTIONS[action](moderator, self._org(target), reason)
            else:
                done = bool(COMMENT_ACTIONS[action](moderator, self._comment(target), reason))
        except services.ModerationError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(EXIT_REFUSED) from None
        if not done:
            self.stderr.write(f"Nothing to do: {action} {target} changes nothing.")
            raise SystemExit(EXIT_UNCHANGED)
        self.stdout.write(f"Done: {action} {target}.")

    def _moderator(self, username: str) -> AbstractBaseUser | None:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active or not user.is_staff:
            raise CommandError(f"--as {username!r} is not an active staff user", returncode=2)
        return user

    def _paper(self, ref: str) -> Paper:
        parsed = arxiv_ids.parse(ref)
        if parsed is None:
            raise CommandError(f"{ref!r} is not an arXiv id", returncode=EXIT_USAGE)
        paper = Paper.objects.filter(arxiv_id=parsed.id).first()
        if paper is None:
            self.stderr.write(f"No paper {parsed.id} in this hub.")
            raise SystemExit(EXIT_NOT_FOUND)
        return paper

    def _user(self, username: str) -> AbstractBaseUser:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            self.stderr.write(f"No user {username!r} in this hub.")
            raise SystemExit(EXIT_NOT_FOUND)
        return user

    def _org(self, slug: str) -> Organization:
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            self.stderr.write(f"No organization {slug!r} in this hub.")
            raise SystemExit(EXIT_NOT_FOUND)
        return org

    def _comment(self, ref: str) -> Comment:
        if not ref.isdigit():
            raise CommandError(f"{ref!r} is not a comment number", returncode=EXIT_USAGE)
        comment = Comment.objects.filter(pk=int(ref)).first()
        if comment is None:
            self.stderr.write(f"No comment {ref} in this hub.")
            raise SystemExit(EXIT_NOT_FOUND)
        return comment

    def _log(self, limit: int) -> None:
        actions = ModerationAction.objects.select_related("moderator").order_by(
            "-created_at", "-id"
        )[:limit]
        for action in actions:
            when = timezone.localtime(action.created_at).strftime("%Y-%m-%d %H:%M")
            who = action.moderator.get_username() if action.moderator else "(command line)"
            why = f" — {action.reason}" if action.reason else ""
            self.stdout.write(
                f"{when}  {who}  {action.kind}  {action.target_type}:{action.target_id} "
                f"{action.target_label}{why}"
            )
