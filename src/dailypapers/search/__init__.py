"""Search: the small public surface the rest of the hub uses.

- ``search(text, filters=..., sort=..., offset=..., limit=...)`` -> ``Result``
- ``similar(paper, limit)`` -> ``Similar`` (nearest by meaning, else by words)
- ``index.catch_up()`` / ``index.reindex()`` / ``index.status()``: this node's copy
- ``Filters``: what a search may be restricted to

Everything behind it (tantivy, ONNX Runtime, the vector files) is private to this
package and may change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from dailypapers.search.querylang import MAX_QUERY, Filters

if TYPE_CHECKING:
    from dailypapers.papers.models import Paper
    from dailypapers.search.engine import Result

__all__ = ["MAX_QUERY", "Filters", "Similar", "index", "search", "similar"]


def search(text: str, **options: Any) -> Result:
    """See engine.search; imported here lazily so that loading the app stays cheap."""
    from dailypapers.search import engine

    return engine.search(text, **options)


@dataclass
class Similar:
    papers: Sequence[Paper] = field(default_factory=list)
    method: Literal["meaning", "words", "none"] = "none"


def similar(paper: Paper, limit: int = 6) -> Similar:
    """Papers like ``paper`` (a Paper), never the paper itself, best first."""
    from dailypapers.search import neighbours

    return neighbours.similar(paper, limit)


class _Index:
    """This node's derived index: follow the database, rebuild, report."""

    @staticmethod
    def catch_up(limit: int | None = None) -> int:
        from dailypapers.search import dense, follow

        done = follow.catch_up(limit=limit)
        dense.sync(graph_work=True)
        return done

    @staticmethod
    def reindex(**options: Any) -> int:
        from dailypapers.search import follow

        return follow.reindex(**options)

    @staticmethod
    def status() -> dict[str, Any]:
        from dailypapers.search import dense, embed, follow

        out = follow.status()
        out["dense"] = dense.status()
        out["dense"]["pending"] = embed.pending()
        return out


index = _Index()
