from __future__ import annotations

from django.db import models

from dailypapers.papers.models import Paper


class Embedding(models.Model):
    """A paper's vector, computed once by the worker and shared by every node.

    Kept in the database (not only in each node's folder) because computing it is
    the slow part: a new node copies vectors instead of recomputing them. A row
    without a vector is a claim: ``claimed_until`` keeps a second worker off it,
    and a claim that runs out (its worker died) can be taken over.
    """

    paper = models.OneToOneField(
        Paper, primary_key=True, on_delete=models.CASCADE, related_name="search_embedding"
    )
    model = models.CharField(max_length=64, blank=True)
    text_hash = models.CharField(max_length=40, blank=True)
    vector = models.BinaryField(null=True)
    claimed_by = models.CharField(max_length=40, blank=True)
    claimed_until = models.DateTimeField(null=True)
    # The paper's modified_at when the vector was computed: a paper written since
    # may have a new title or abstract. (Compared for equality, so clocks that
    # disagree cannot make a row look stale forever.)
    paper_modified_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"embedding of paper {self.paper_id}"
