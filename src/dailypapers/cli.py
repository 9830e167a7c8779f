"""The ``dailypapers`` command: one entry point for serving, importing and looking around.

Every verb is a Django management command, so ``dailypapers <verb> --help`` works
for each; ``--data-dir`` may be given anywhere and wins over DAILYPAPERS_DATA_DIR.
"""

from __future__ import annotations

import os
import sys

USAGE = """\
usage: dailypapers [--data-dir DIR] <command> [options]

Commands:
  serve                 start the web server (applies migrations first)
  import PATH...        import papers from files or folders
  papers show ID        show one paper
  papers list [--date YYYY-MM-DD | --week YYYY-Www | --month YYYY-MM | --trending]
  papers submit ID --user NAME [--github URL] [--project URL]
                        put a paper on today's list for a user (the site's rules apply)
  moderate hide|show|lock|unlock ARXIV_ID | suspend|unsuspend USER |
           remove|restore|dismiss COMMENT_ID  [--reason TEXT] [--as STAFF]; moderate log
  digest send [--dry-run] [--at ISO-DATETIME]   send the email digests due now
  digest subscribe EMAIL... [--frequency daily|weekly] [--hour H] [--confirmed]
  digest unsubscribe EMAIL... | digest status | digest preview --email EMAIL
  sync arxiv|oai|rss|hf [--since DATE] [--until DATE] [--categories ...]
                        fetch new papers from one upstream once
  sync status           recent sync runs, watermarks and claims
  worker [--once]       run background jobs (sends digests at each subscriber's hour)
  search "WORDS" [--json]  search papers; also: search reindex|catch-up|status|embed|build-model
  migrate               apply database migrations
  createsuperuser       create an admin account for /admin/
  help COMMAND          options of one command (also: dailypapers COMMAND --help)

The data folder (database, secret key) is --data-dir, else $DAILYPAPERS_DATA_DIR,
else ./data. Set DAILYPAPERS_DATABASE_URL=postgres://... to use PostgreSQL.
"""


def _take_data_dir(argv: list[str]) -> list[str]:
    rest: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg == "--data-dir":
            value = next(it, None)
            if value is None:
                sys.stderr.write("dailypapers: --data-dir needs a folder\n")
                raise SystemExit(2)
            os.environ["DAILYPAPERS_DATA_DIR"] = value
        elif arg.startswith("--data-dir="):
            os.environ["DAILYPAPERS_DATA_DIR"] = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return rest


def main(argv: list[str] | None = None) -> int:
    args = _take_data_dir(list(sys.argv[1:] if argv is None else argv))
    if not args or args[0] in {"-h", "--help"}:
        sys.stdout.write(USAGE)
        return 0
    if args[0] == "help" and len(args) == 1:
        sys.stdout.write(USAGE)
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    if args[0] == "serve":
        # Each server process answers a request per thread; numpy's BLAS starting
        # threads of its own for a paper page's similar-papers lookup spent more CPU
        # waiting on them than the lookup itself (27 ms of CPU per page instead of 13).
        # Set before anything imports numpy; the worker started beside it inherits it.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from dailypapers.config import ConfigError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["dailypapers", *args])
    except ConfigError as exc:
        sys.stderr.write(f"dailypapers: configuration error: {exc}\n")
        return 78  # EX_CONFIG
    return 0
