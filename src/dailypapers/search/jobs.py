"""Background jobs of search, run by `dailypapers worker`."""

from __future__ import annotations

import datetime as dt

from dailypapers.core import worker
from dailypapers.search import dense, embed, follow


@worker.register("search.follow", every=5)
def follow_database(now: dt.datetime, should_stop: worker.StopCheck) -> str:
    """Bring this node's lexical index and vector copy up to date with the database."""
    try:
        if follow.schema_stale():
            # After an upgrade that changed the index's fields: words are searched
            # again once this rebuild is done (it resumes if the worker stops).
            return f"rebuilt the words index: {follow.reindex()} papers"
        papers = follow.catch_up(worker=True)
    except follow.Busy:
        return "another process is updating the index"
    vectors = dense.sync(graph_work=True, worker=True)
    return f"indexed {papers} papers, copied {vectors} vectors"


@worker.register("search.embed", every=30)
def embed_papers(now: dt.datetime, should_stop: worker.StopCheck) -> str:
    """Compute vectors for papers that have none (or whose text changed)."""
    return embed.run(now, should_stop)
