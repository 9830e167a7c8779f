from __future__ import annotations

from django.db import models


class Organization(models.Model):
    """A lab, company or community that papers are linked to."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    avatar_url = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace("-", " ").split() if w]
        return "".join(w[0] for w in words[:2]).upper() or self.slug[:2].upper()
