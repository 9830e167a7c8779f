from __future__ import annotations

import json
import textwrap
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dailypapers.core import arxiv_ids, periods
from dailypapers.core.bootstrap import ensure_database
from dailypapers.core.timefmt import iso_z
from dailypapers.ingest import submitting
from dailypapers.papers import queries
from dailypapers.papers.models import Paper, Submission

EXIT_NOT_FOUND = 3
# `papers submit`: 0 submitted; 1 already on the list (nothing changed); 2 usage (a bad
# id or link, an unknown user); 3 arXiv has no such paper; 4 a rule refused it (the
# account, the daily cap, the paper's age); 5 arXiv could not be asked.
EXIT_ALREADY = 1
EXIT_USAGE = 2
EXIT_REFUSED = 4
EXIT_UPSTREAM = 5


def _paper_dict(paper: Paper, submission: Submission | None) -> dict[str, Any]:
    return {
        "id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "authors": [a.name for a in paper.authors.all()],
        "abstract": paper.abstract,
        "published": iso_z(paper.published_at),
        "latest_version": iso_z(paper.updated_at_source),
        "on_daily_list": iso_z(submission.submitted_at) if submission else None,
        "submitted_by": submission.submitter_name if submission else None,
        "categories": paper.category_list,
        "upvotes": paper.upvotes,
        "comments": paper.num_comments,
        "organization": paper.organization.name if paper.organization else None,
        "links": {
            "arxiv": paper.arxiv_url,
            "pdf": paper.pdf_url,
            "code": paper.github_repo or None,
            "project": paper.project_page or None,
        },
    }


class Command(BaseCommand):
    help = (
        "Papers from the terminal: `papers show ID`, `papers list [--date ...]`, "
        "`papers submit ID --user NAME`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{show,list,submit}")
        show = sub.add_parser("show", help="one paper: id, versioned id or arXiv URL")
        show.add_argument("id")
        show.add_argument("--json", action="store_true", help="print JSON")
        listing = sub.add_parser("list", help="a day's, week's or month's list, or trending")
        group = listing.add_mutually_exclusive_group()
        group.add_argument("--date", help="YYYY-MM-DD (default: the latest day with papers)")
        group.add_argument("--week", help="YYYY-Www")
        group.add_argument("--month", help="YYYY-MM")
        group.add_argument("--trending", action="store_true")
        listing.add_argument("--limit", type=int, default=50)
        listing.add_argument("--json", action="store_true", help="print JSON lines")
        submit = sub.add_parser(
            "submit", help="put a paper on today's list for a user, under the site's rules"
        )
        submit.add_argument("id", help="arXiv id or URL")
        submit.add_argument("--user", required=True, help="the submitter's username")
        submit.add_argument("--github", default="", help="https://github.com/owner/repository")
        submit.add_argument("--project", default="", help="project page URL")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_database()
        if options["action"] == "show":
            self._show(options["id"], options["json"])
        elif options["action"] == "submit":
            self._submit(options)
        else:
            self._list(options)

    def _show(self, ref: str, as_json: bool) -> None:
        parsed = arxiv_ids.parse(ref)
        if parsed is None:
            raise CommandError(f"{ref!r} is not an arXiv id", returncode=2)
        paper = queries.paper(parsed.id)
        if paper is None:
            self.stderr.write(f"No paper {parsed.id} in this hub.")
            raise SystemExit(EXIT_NOT_FOUND)
        submission = getattr(paper, "submission", None)
        data = _paper_dict(paper, submission)
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        self.stdout.write(self.style.MIGRATE_HEADING(paper.title))
        self.stdout.write(", ".join(data["authors"]) or "(no authors)")
        facts = [
            f"arXiv {paper.arxiv_id}" + (f"v{paper.version}" if paper.version else ""),
            f"{paper.upvotes} upvotes",
            f"{paper.num_comments} comments",
        ]
        if data["published"]:
            facts.append(f"published {data['published'][:10]}")
        if data["on_daily_list"]:
            facts.append(f"on the daily list {data['on_daily_list'][:10]}")
        if data["organization"]:
            facts.append(data["organization"])
        self.stdout.write(" · ".join(facts))
        for label, url in data["links"].items():
            if url:
                self.stdout.write(f"{label:>8}: {url}")
        if paper.abstract:
            self.stdout.write("")
            self.stdout.write(textwrap.fill(paper.abstract, width=88))

    def _list(self, options: dict[str, Any]) -> None:
        limit = max(1, min(options["limit"], 1000))
        if options["trending"]:
            page = queries.trending(timezone.now(), limit=limit)
            heading = "Trending"
        else:
            flag = next((f for f in ("week", "month", "date") if options[f]), "")
            try:
                if options["week"]:
                    period = periods.parse("week", options["week"])
                elif options["month"]:
                    period = periods.parse("month", options["month"])
                elif options["date"]:
                    period = periods.parse("day", options["date"])
                else:
                    latest = queries.latest_day()
                    if latest is None:
                        self.stderr.write("No papers on the daily list yet.")
                        return
                    period = periods.day(latest)
            except ValueError as exc:
                raise CommandError(f"--{flag} {options[flag]}: {exc}", returncode=2) from None
            page = queries.daily_list(period, limit=limit)
            heading = period.label
        if options["json"]:
            for sub in page.items:
                self.stdout.write(
                    json.dumps(
                        {
                            "id": sub.paper.arxiv_id,
                            "title": sub.paper.title,
                            "upvotes": sub.votes,  # type: ignore[attr-defined]
                            "submittedOnDailyAt": iso_z(sub.submitted_at),
                        },
                        ensure_ascii=False,
                    )
                )
            return
        self.stdout.write(self.style.MIGRATE_HEADING(f"{heading}: {page.total} papers"))
        for rank, sub in enumerate(page.items, start=1):
            votes = sub.votes  # type: ignore[attr-defined]
            self.stdout.write(f"{rank:>3}. [{votes:>4}] {sub.paper.arxiv_id:<16} {sub.paper.title}")
        if page.has_next:
            self.stdout.write(f"… {page.total - len(page.items)} more (use --limit)")

    def _submit(self, options: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            self.stderr.write(f"No user {options['user']!r} on this hub.")
            raise SystemExit(EXIT_USAGE)
        try:
            done = submitting.submit(
                user, options["id"], github=options["github"], project=options["project"]
            )
        except submitting.SubmitError as exc:
            codes = {
                submitting.InvalidInput: EXIT_USAGE,
                submitting.NotOnArxiv: EXIT_NOT_FOUND,
                submitting.Refused: EXIT_REFUSED,
                submitting.ArxivUnavailable: EXIT_UPSTREAM,
            }
            self.stderr.write(exc.message)
            raise SystemExit(codes.get(type(exc), EXIT_USAGE)) from None
        paper, sub = done.paper, done.submission
        day = timezone.localtime(sub.submitted_at).date().isoformat()
        if not done.created:
            by = sub.submitter_name or "the upstream list"
            self.stderr.write(
                f"{paper.arxiv_id} is already on the list of {day} (submitted by {by}): "
                f"/papers/{paper.arxiv_id}"
            )
            raise SystemExit(EXIT_ALREADY)
        self.stdout.write(
            f"Submitted {paper.arxiv_id} ({paper.title}) for {sub.submitter_name} "
            f"to the list of {day}: /papers/{paper.arxiv_id}"
        )
