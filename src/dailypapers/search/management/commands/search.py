from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from dailypapers.core.bootstrap import ensure_database
from dailypapers.search import conf, embed, encoder, engine, follow, index, modelbuild
from dailypapers.search.hits import entry
from dailypapers.search.querylang import Filters

ACTIONS = ("reindex", "catch-up", "status", "embed", "build-model", "ensure-model")


class Command(BaseCommand):
    help = (
        'Search papers (dailypapers search "words" [--json]) or look after this node\'s '
        "index: reindex (rebuild from the database; resumes), catch-up, status, embed "
        "(compute missing vectors), build-model (build the ONNX encoder from the packaged "
        "weights; the worker does it on its first start)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("words", nargs="*", help=f"the query, or one of: {', '.join(ACTIONS)}")
        parser.add_argument("--query", help="the query (when it is one of the action names)")
        parser.add_argument("--json", action="store_true", help="print the API's JSON")
        parser.add_argument("--limit", type=int, default=10, help="results to show (1-120)")
        parser.add_argument("--sort", choices=engine.SORTS, default="relevance")
        parser.add_argument("--cat", default="", help="only this arXiv category")
        parser.add_argument("--daily", action="store_true", help="only papers on the daily list")
        parser.add_argument("--fresh", action="store_true", help="reindex: start over")
        parser.add_argument("--max", type=int, default=None, help="embed: at most this many")
        parser.add_argument(
            "--from-hub",
            nargs="?",
            const=modelbuild.HUB_MODEL,
            default=None,
            metavar="NAME",
            help="build-model: start from NAME's official ONNX export on the Hugging Face Hub "
            "(needs internet; offline, the packaged weights are used)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        words: list[str] = options["words"]
        ensure_database()
        if options["query"] is None and words and words[0] in ACTIONS:
            if len(words) > 1:
                raise CommandError(f"{words[0]} takes no arguments", returncode=2)
            getattr(self, "do_" + words[0].replace("-", "_"))(options)
            return
        text = options["query"] if options["query"] is not None else " ".join(words)
        if not text.strip():
            raise CommandError(
                'give the words to search for: dailypapers search "..."', returncode=2
            )
        limit = options["limit"]
        if not 1 <= limit <= 120:
            raise CommandError("--limit must be from 1 to 120", returncode=2)
        filters = Filters(
            categories=(options["cat"],) if options["cat"] else (), on_daily=options["daily"]
        )
        result = engine.search(text, filters=filters, sort=options["sort"], limit=limit)
        if result.redirect:
            self.stdout.write(f"{result.redirect}: see `dailypapers papers show {result.redirect}`")
            return
        if options["json"]:
            json.dump(
                [entry(h.paper, h) for h in result.hits], self.stdout, ensure_ascii=False, indent=1
            )
            self.stdout.write("")
            return
        for note in result.notes:
            self.stderr.write(note)
        if not result.hits:
            hint = f" Did you mean: {result.suggestion}?" if result.suggestion else ""
            self.stdout.write(f"No papers match.{hint}")
            return
        for n, hit in enumerate(result.hits, 1):
            paper = hit.paper
            self.stdout.write(f"{n:>3}. {paper.arxiv_id:<14} {paper.title}")
            self.stdout.write(f"     {paper.upvotes} upvotes · score {hit.score:.3f}")
        self.stdout.write(f"({result.total} results, ranked by {result.mode})")

    def do_reindex(self, options: dict[str, Any]) -> None:
        bar = tqdm(unit=" papers", file=sys.stderr, disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            count = follow.reindex(progress=progress, fresh=options["fresh"])
        finally:
            bar.close()
        self.stdout.write(f"reindexed {count} papers into {conf.index_dir()}")
        self.stdout.write(
            f"then re-checked {index.catch_up()} papers written during the rebuild window"
        )

    def do_catch_up(self, options: dict[str, Any]) -> None:
        try:
            self.stdout.write(f"indexed {index.catch_up()} papers")
        except follow.Busy:
            raise CommandError(
                "another process is updating the index; try again", returncode=1
            ) from None

    def do_status(self, options: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(index.status(), indent=1, default=str))

    def do_embed(self, options: dict[str, Any]) -> None:
        bar = tqdm(unit=" papers", file=sys.stderr, disable=None, total=embed.pending())

        def progress(done: int) -> None:
            bar.update(done - bar.n)

        summary = embed.run(timezone.now(), max_papers=options["max"], progress=progress)
        bar.close()
        self.stdout.write(summary)

    def do_ensure_model(self, options: dict[str, Any]) -> None:
        """Build the encoder when it is missing and building is on (what `serve
        --no-worker` does at start, as a node without a worker of its own must)."""
        if encoder.available() or not conf.model_autobuild():
            return
        try:
            modelbuild.build(conf.model_dir(), force=False, wait=True, say=self.stderr.write)
        except modelbuild.BuildError as exc:
            self.stderr.write(f"search by meaning stays off on this node: {exc}")

    def do_build_model(self, options: dict[str, Any]) -> None:
        try:
            modelbuild.build(conf.model_dir(), hub=options["from_hub"], say=self.stderr.write)
        except modelbuild.BuildError as exc:
            raise CommandError(str(exc), returncode=1) from None
